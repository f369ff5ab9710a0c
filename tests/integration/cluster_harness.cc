#include "tests/integration/cluster_harness.h"

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

namespace cairn::testing {

ClusterHarness::ClusterHarness(int nodes, int node_timeout_ms, std::vector<std::string> extra_args)
    : node_timeout_ms_(node_timeout_ms) {
  for (int i = 0; i < nodes; ++i) {
    int bus = FreePort();
    bus_ports_.push_back(bus);
    std::vector<std::string> args = {"--cluster-enabled",
                                     "yes",
                                     "--cluster-port",
                                     std::to_string(bus),
                                     "--cluster-node-timeout",
                                     std::to_string(node_timeout_ms),
                                     "--threads",
                                     "1"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    nodes_.push_back(std::make_unique<ServerProcess>(args));
    ids_.emplace_back();
  }
}

ClusterHarness::~ClusterHarness() = default;

bool ClusterHarness::StartAll() {
  for (auto& n : nodes_) {
    if (!n->Start()) return false;
  }
  return true;
}

bool ClusterHarness::Join() {
  Connection c = node(0).Connect();
  if (c == nullptr) return false;
  for (int i = 1; i < size(); ++i) {
    Reply r = Command(c.get(), {"CLUSTER", "MEET", "127.0.0.1", std::to_string(port(i)),
                                std::to_string(bus_port(i))});
    if (r == nullptr || r->type != REDIS_REPLY_STATUS) return false;
  }
  return WaitFor(
      [&] {
        for (int i = 0; i < size(); ++i) {
          if (KnownNodes(i) != size()) return false;
        }
        return true;
      },
      20000);
}

bool ClusterHarness::AssignSlots(int masters) {
  for (int m = 0; m < masters; ++m) {
    int from = 16384 * m / masters;
    int to = 16384 * (m + 1) / masters - 1;
    Connection c = node(m).Connect();
    if (c == nullptr) return false;
    Reply r =
        Command(c.get(), {"CLUSTER", "ADDSLOTSRANGE", std::to_string(from), std::to_string(to)});
    if (r == nullptr || r->type != REDIS_REPLY_STATUS) return false;
  }
  return true;
}

bool ClusterHarness::Create() {
  return StartAll() && Join() && AssignSlots(size()) && WaitForState("ok");
}

std::string ClusterHarness::Addresses(size_t count) const {
  std::string out;
  for (size_t i = 0; i < nodes_.size() && i < count; ++i) {
    if (!out.empty()) out += ' ';
    out += "127.0.0.1:" + std::to_string(nodes_[i]->port());
  }
  return out;
}

int ClusterHarness::CreateWithRedisCli(size_t count, int replicas, std::string* out) const {
  return RunWithTimeout("redis-cli --cluster create " + Addresses(count) + " --cluster-replicas " +
                            std::to_string(replicas) + " --cluster-yes",
                        120, out);
}

std::string ClusterHarness::Id(int i) {
  Connection c = node(i).Connect();
  if (c == nullptr) return ids_[static_cast<size_t>(i)];
  Reply r = Cmd(c.get(), "CLUSTER MYID");
  if (r != nullptr && r->type == REDIS_REPLY_STRING) ids_[static_cast<size_t>(i)] = r->str;
  return ids_[static_cast<size_t>(i)];
}

std::string ClusterHarness::Info(int i, const std::string& field) {
  Connection c = node(i).Connect();
  if (c == nullptr) return "";
  Reply r = Cmd(c.get(), "CLUSTER INFO");
  if (r == nullptr || r->type != REDIS_REPLY_STRING) return "";
  std::istringstream in(std::string(r->str, r->len));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(field + ":", 0) == 0) return line.substr(field.size() + 1);
  }
  return "";
}

std::string ClusterHarness::Nodes(int i) {
  Connection c = node(i).Connect();
  if (c == nullptr) return "";
  Reply r = Cmd(c.get(), "CLUSTER NODES");
  if (r == nullptr || r->type != REDIS_REPLY_STRING) return "";
  return std::string(r->str, r->len);
}

std::string ClusterHarness::NodesLine(int viewer, const std::string& id) {
  std::istringstream in(Nodes(viewer));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(id + " ", 0) == 0) return line;
  }
  return "";
}

int ClusterHarness::KnownNodes(int i) {
  std::istringstream in(Nodes(i));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.find("handshake") == std::string::npos) ++n;
  }
  return n;
}

Reply ClusterHarness::ClusterCommand(const std::vector<std::string>& argv, int first) {
  int at = first;
  bool asking = false;
  for (int hop = 0; hop < 5; ++hop) {
    Connection c = node(at).Connect();
    if (c == nullptr) return nullptr;
    if (asking) Reply ok = Cmd(c.get(), "ASKING");
    Reply r = Command(c.get(), argv);
    if (r == nullptr || r->type != REDIS_REPLY_ERROR) return r;
    std::string e(r->str, r->len);
    asking = e.rfind("ASK ", 0) == 0;
    if (!asking && e.rfind("MOVED ", 0) != 0) return r;
    int port = std::atoi(e.substr(e.rfind(':') + 1).c_str());
    int next = -1;
    for (int i = 0; i < size(); ++i) {
      if (this->port(i) == port) next = i;
    }
    if (next < 0 || hop == 4) return r;
    at = next;
  }
  return nullptr;
}

bool ClusterHarness::WaitFor(const std::function<bool()>& pred, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool ClusterHarness::WaitForState(const std::string& state, std::vector<int> which,
                                  int timeout_ms) {
  if (which.empty()) {
    for (int i = 0; i < size(); ++i) which.push_back(i);
  }
  return WaitFor(
      [&] {
        for (int i : which) {
          if (Info(i, "cluster_state") != state) return false;
        }
        return true;
      },
      timeout_ms);
}

std::string ClusterHarness::Logs() {
  std::string out;
  for (int i = 0; i < size(); ++i) {
    out += "---- node " + std::to_string(i) + " (port " + std::to_string(port(i)) + ")\n";
    out += node(i).ReadLog();
  }
  return out;
}

}  // namespace cairn::testing
