// One node of the cluster as this node knows it: identity, addresses, role,
// epochs, slots and the failure bookkeeping gossip feeds.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::cluster {

inline constexpr int kSlots = 16384;
using SlotBitmap = std::bitset<kSlots>;
inline constexpr size_t kNodeIdLen = 40;

// Node flags, named as CLUSTER NODES prints them.
enum NodeFlag : uint32_t {
  kFlagMyself = 1u << 0,      // "myself"
  kFlagMaster = 1u << 1,      // "master"
  kFlagReplica = 1u << 2,     // "slave"
  kFlagPfail = 1u << 3,       // "fail?"
  kFlagFail = 1u << 4,        // "fail"
  kFlagHandshake = 1u << 5,   // "handshake": met, id not confirmed yet
  kFlagNoAddr = 1u << 6,      // "noaddr"
  kFlagNoFailover = 1u << 7,  // "nofailover"
};

// "myself,master", "slave", "master,fail?"... in Redis's order.
std::string FlagsText(uint32_t flags);
// The inverse, for nodes.conf. Unknown words are ignored.
uint32_t ParseFlags(std::string_view text);

struct FailureReport {
  std::string reporter;  // id of the master that saw it PFAIL or FAIL
  int64_t time_ms = 0;   // when we last heard it say so
};

struct Node {
  std::string id;  // 40 hex chars
  std::string ip;  // "" until learned (a lone node does not know its address)
  int port = 0;
  int bus_port = 0;
  std::string hostname;
  uint32_t flags = kFlagMaster;
  std::string master_id;  // replicas: the master's id, else ""
  uint64_t config_epoch = 0;
  SlotBitmap slots;
  int64_t ping_sent_ms = 0;      // 0: no ping waiting for its pong
  int64_t pong_received_ms = 0;  // last pong (or, for a new node, when it was added)
  int64_t fail_time_ms = 0;      // when FAIL was set
  bool link_connected = false;   // our outbound bus link is up
  int64_t link_created_ms = 0;   // when that link connected (CLUSTER LINKS "to")
  int64_t inbound_link_ms = 0;   // when its link to us spoke first; 0 = none ("from")
  bool meet_pending = false;     // our next ping is a MEET (the peer may not know us)
  std::vector<FailureReport> fail_reports;
  uint64_t repl_offset = 0;   // its replication offset, as it last gossiped it
  int64_t voted_time_ms = 0;  // a master: when we last voted for one of its replicas
  // Master leases (cluster/lease.h), all on the monotonic clock, 0 = never.
  int64_t lease_anchor_ms = 0;        // send time of our latest ping it confirmed
  int64_t lease_confirmed_ms = 0;     // when we last confirmed its lease
  int64_t lease_denied_until_ms = 0;  // we voted to replace it: no confirmation before

  bool is_master() const { return (flags & kFlagMaster) != 0; }
  bool failed() const { return (flags & kFlagFail) != 0; }
  bool timed_out() const { return (flags & kFlagPfail) != 0; }
  int slot_count() const { return static_cast<int>(slots.count()); }
};

// A new random 40-hex-char id (node and shard ids).
std::string RandomNodeId();
bool IsValidNodeId(std::string_view id);

// Slot ranges of a bitmap, ascending: {{0, 5460}, {10000, 10000}}.
std::vector<std::pair<int, int>> SlotRanges(const SlotBitmap& slots);

}  // namespace cairn::cluster
