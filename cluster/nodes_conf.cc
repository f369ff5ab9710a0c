#include "cluster/nodes_conf.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/strings.h"

namespace cairn::cluster {
namespace {

std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

bool ParseInt(std::string_view s, int64_t* out) { return ParseInt64(s, out); }

Status WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(strerror(errno));
    off += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

std::string DescribeNode(const ClusterState& state, const Node& node) {
  std::string out = node.id;
  out += ' ';
  out += node.ip + ":" + std::to_string(node.port) + "@" + std::to_string(node.bus_port);
  if (!node.hostname.empty()) out += "," + node.hostname;
  out += ' ';
  out += FlagsText(node.flags);
  out += ' ';
  out += node.master_id.empty() ? "-" : node.master_id;
  out += ' ';
  out += std::to_string(node.ping_sent_ms) + " " + std::to_string(node.pong_received_ms) + " ";
  // A replica shows its master's epoch, as Redis's nodeEpoch().
  uint64_t epoch = node.config_epoch;
  if ((node.flags & kFlagReplica) && !node.master_id.empty()) {
    const Node* master = state.Find(node.master_id);
    if (master != nullptr) epoch = master->config_epoch;
  }
  out += std::to_string(epoch);
  bool connected = (node.flags & kFlagMyself) || node.link_connected;
  out += connected ? " connected" : " disconnected";
  for (const auto& [from, to] : SlotRanges(node.slots)) {
    out += ' ';
    out += from == to ? std::to_string(from) : std::to_string(from) + "-" + std::to_string(to);
  }
  // Only myself's line shows the open slots, as Redis's
  // clusterGenNodeDescription: "[slot->-target]" and "[slot-<-source]".
  if ((node.flags & kFlagMyself) && state.any_open_slot()) {
    for (int j = 0; j < kSlots; ++j) {
      if (const Node* to = state.migrating_to(j)) {
        out += " [" + std::to_string(j) + "->-" + to->id + "]";
      } else if (const Node* from = state.importing_from(j)) {
        out += " [" + std::to_string(j) + "-<-" + from->id + "]";
      }
    }
  }
  return out;
}

std::string DescribeNodes(const ClusterState& state) {
  std::string out;
  for (const auto& [id, n] : state.nodes()) {
    out += DescribeNode(state, *n);
    out += '\n';
  }
  return out;
}

std::string NodesConfText(const ClusterState& state) {
  std::string text = DescribeNodes(state);
  text += "vars currentEpoch " + std::to_string(state.current_epoch()) + " lastVoteEpoch " +
          std::to_string(state.last_vote_epoch()) + "\n";
  return text;
}

Status SaveNodesConf(const std::string& path, const ClusterState& state) {
  return WriteNodesConf(path, NodesConfText(state));
}

Status WriteNodesConf(const std::string& path, const std::string& text, bool sync) {
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("can't write " + tmp + ": " + strerror(errno));
  Status s = WriteAll(fd, text);
  if (s.ok() && sync && fsync(fd) != 0) s = Status::IOError(strerror(errno));
  close(fd);
  if (s.ok() && rename(tmp.c_str(), path.c_str()) != 0) s = Status::IOError(strerror(errno));
  if (!s.ok()) {
    unlink(tmp.c_str());
    return Status::IOError("can't save " + path + ": " + s.message());
  }
  if (!sync) return Status::Ok();
  // The rename is durable only once the directory entry is.
  std::string dir =
      path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
  int dfd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return Status::Ok();
}

Status LoadNodesConf(const std::string& path, ClusterState* state) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path);
  std::string line;
  int lineno = 0;
  struct Pending {
    Node* node;
    std::vector<std::string> slot_words;
  };
  std::vector<Pending> pending;
  auto bad = [&](const std::string& why) {
    return Status::Corruption("unrecoverable error in " + path + " line " + std::to_string(lineno) +
                              ": " + why);
  };
  while (std::getline(in, line)) {
    ++lineno;
    std::vector<std::string> w = Words(line);
    if (w.empty()) continue;
    if (w[0] == "vars") {
      for (size_t i = 1; i + 1 < w.size(); i += 2) {
        int64_t v = 0;
        if (!ParseInt(w[i + 1], &v) || v < 0) return bad("bad vars value");
        if (w[i] == "currentEpoch") state->set_current_epoch(static_cast<uint64_t>(v));
        if (w[i] == "lastVoteEpoch") state->set_last_vote_epoch(static_cast<uint64_t>(v));
      }
      continue;
    }
    if (w.size() < 8) return bad("too few fields");
    auto n = std::make_unique<Node>();
    n->id = w[0];
    if (!IsValidNodeId(n->id)) return bad("bad node id");
    // ip:port@cport[,hostname]; the ip may be IPv6, so split at the last ':'.
    std::string addr = w[1];
    size_t comma = addr.find(',');
    if (comma != std::string::npos) {
      n->hostname = addr.substr(comma + 1);
      addr.resize(comma);
    }
    size_t at = addr.find('@');
    size_t colon = addr.rfind(':', at);
    if (at == std::string::npos || colon == std::string::npos) return bad("bad address");
    int64_t port = 0, cport = 0;
    if (!ParseInt(addr.substr(colon + 1, at - colon - 1), &port) ||
        !ParseInt(addr.substr(at + 1), &cport)) {
      return bad("bad port");
    }
    n->ip = addr.substr(0, colon);
    n->port = static_cast<int>(port);
    n->bus_port = static_cast<int>(cport);
    // A node that was failing when we stopped must prove it again.
    n->flags = ParseFlags(w[2]) & ~(kFlagPfail);
    if (w[3] != "-") n->master_id = w[3];
    int64_t epoch = 0;
    if (!ParseInt(w[6], &epoch) || epoch < 0) return bad("bad config epoch");
    n->config_epoch = static_cast<uint64_t>(epoch);
    if (n->flags & kFlagMyself) n->link_connected = true;
    if (state->Find(n->id) != nullptr) return bad("duplicate node id");
    Node* raw = state->Add(std::move(n));
    pending.push_back({raw, std::vector<std::string>(w.begin() + 8, w.end())});
  }
  if (state->myself() == nullptr) return Status::Corruption(path + " has no 'myself' node");
  for (const auto& p : pending) {
    for (const auto& s : p.slot_words) {
      if (s.empty()) continue;
      if (s[0] == '[') {
        // "[slot->-id]" (migrating to id) or "[slot-<-id]" (importing from id).
        size_t dash = s.find('-');
        int64_t slot = 0;
        if (dash == std::string::npos || s.size() < dash + 4 || s.back() != ']' ||
            !ParseInt(s.substr(1, dash - 1), &slot) || slot < 0 || slot >= kSlots) {
          return bad("bad open slot " + s);
        }
        const char dir = s[dash + 1];
        Node* peer = state->Find(s.substr(dash + 3, s.size() - dash - 4));
        if ((dir != '>' && dir != '<') || s[dash + 2] != '-') return bad("bad open slot " + s);
        // Redis creates a placeholder for an unknown peer; Cairn drops the
        // mark instead (the migration cannot go on without the peer anyway).
        if (peer == nullptr) continue;
        if (dir == '>') {
          state->SetMigrating(static_cast<int>(slot), peer);
        } else {
          state->SetImporting(static_cast<int>(slot), peer);
        }
        continue;
      }
      size_t dash = s.find('-');
      int64_t from = 0, to = 0;
      if (!ParseInt(s.substr(0, dash), &from)) return bad("bad slot " + s);
      to = from;
      if (dash != std::string::npos && !ParseInt(s.substr(dash + 1), &to)) {
        return bad("bad slot " + s);
      }
      if (from < 0 || to >= kSlots || from > to) return bad("bad slot " + s);
      for (int64_t j = from; j <= to; ++j) state->Assign(static_cast<int>(j), p.node);
    }
  }
  return Status::Ok();
}

}  // namespace cairn::cluster
