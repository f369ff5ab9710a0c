#include "cluster/node.h"

#include <random>

namespace cairn::cluster {

std::string FlagsText(uint32_t flags) {
  static const struct {
    uint32_t flag;
    const char* name;
  } kNames[] = {{kFlagMyself, "myself"}, {kFlagMaster, "master"},
                {kFlagReplica, "slave"}, {kFlagPfail, "fail?"},
                {kFlagFail, "fail"},     {kFlagHandshake, "handshake"},
                {kFlagNoAddr, "noaddr"}, {kFlagNoFailover, "nofailover"}};
  std::string out;
  for (const auto& n : kNames) {
    if ((flags & n.flag) == 0) continue;
    if (!out.empty()) out.push_back(',');
    out.append(n.name);
  }
  return out.empty() ? "noflags" : out;
}

uint32_t ParseFlags(std::string_view text) {
  uint32_t flags = 0;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view word = text.substr(0, comma);
    if (word == "myself") flags |= kFlagMyself;
    if (word == "master") flags |= kFlagMaster;
    if (word == "slave") flags |= kFlagReplica;
    if (word == "fail?") flags |= kFlagPfail;
    if (word == "fail") flags |= kFlagFail;
    if (word == "handshake") flags |= kFlagHandshake;
    if (word == "noaddr") flags |= kFlagNoAddr;
    if (word == "nofailover") flags |= kFlagNoFailover;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return flags;
}

std::string RandomNodeId() {
  static const char kHex[] = "0123456789abcdef";
  thread_local std::mt19937_64 gen(std::random_device{}());
  std::string id(kNodeIdLen, '0');
  for (char& c : id) c = kHex[gen() & 15];
  return id;
}

bool IsValidNodeId(std::string_view id) {
  if (id.size() != kNodeIdLen) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::vector<std::pair<int, int>> SlotRanges(const SlotBitmap& slots) {
  std::vector<std::pair<int, int>> out;
  int start = -1;
  for (int j = 0; j <= kSlots; ++j) {
    bool set = j < kSlots && slots.test(static_cast<size_t>(j));
    if (set && start < 0) start = j;
    if (!set && start >= 0) {
      out.emplace_back(start, j - 1);
      start = -1;
    }
  }
  return out;
}

}  // namespace cairn::cluster
