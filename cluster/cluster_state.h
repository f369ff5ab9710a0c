// ClusterState: the node table of one node (myself and every peer it knows),
// the owner of each slot and the epochs. Plain data plus the rules that act
// on it (slot claims, cluster_state ok/fail); not thread-safe by itself:
// cluster::Cluster (cluster.h) guards it with one mutex.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/node.h"
#include "common/status.h"

namespace cairn::cluster {

struct ClusterOptions {
  std::string config_file;  // absolute path of nodes.conf
  std::string announce_ip;  // cluster-announce-ip ("" = learned from peers)
  std::string announce_hostname;
  int port = 0;      // client port others are told about
  int bus_port = 0;  // bus port others are told about
  int64_t node_timeout_ms = 15000;
  bool require_full_coverage = true;
  bool allow_reads_when_down = false;
};

class ClusterState {
 public:
  ClusterState() { owner_.fill(nullptr); }

  Node* myself() const { return myself_; }
  // Creates myself as a fresh master with a random id (no nodes.conf yet).
  void InitMyself(const ClusterOptions& options);

  Node* Find(std::string_view id) const;
  // Adds a node (its id must be new) and returns it.
  Node* Add(std::unique_ptr<Node> node);
  // Removes a peer and every slot it owned (FORGET, a handshake that failed).
  void Remove(std::string_view id);
  // Renames a handshake node once its real id is known.
  void Rename(Node* node, const std::string& new_id);
  const std::map<std::string, std::unique_ptr<Node>, std::less<>>& nodes() const { return nodes_; }

  Node* owner(int slot) const { return owner_[static_cast<size_t>(slot)]; }
  void Assign(int slot, Node* node);
  void Unassign(int slot);
  // Applies the slots a master claims (Redis's clusterUpdateSlotsConfigWith):
  // each claimed slot moves to the sender when it is free or its owner's
  // configEpoch is lower. Returns true if anything changed.
  bool ApplyClaims(Node* sender, const SlotBitmap& claimed);

  uint64_t current_epoch() const { return current_epoch_; }
  void set_current_epoch(uint64_t e) { current_epoch_ = e; }
  uint64_t last_vote_epoch() const { return last_vote_epoch_; }
  void set_last_vote_epoch(uint64_t e) { last_vote_epoch_ = e; }
  uint64_t MaxConfigEpoch() const;

  // Masters serving at least one slot (cluster_size), and the quorum of them
  // that FAIL needs.
  int Size() const;
  int Quorum() const { return Size() / 2 + 1; }

  // Recomputes cluster_state as Redis's clusterUpdateState (minus its
  // rejoin delay): fail if full coverage is required and some slot is
  // unassigned or owned by a FAIL node, or if myself is a master that cannot
  // reach a majority of the slot-serving masters. True if it changed.
  bool UpdateState(const ClusterOptions& options);
  bool ok() const { return ok_; }

  // FORGET keeps a forgotten id out of gossip for a minute, as Redis does.
  void Blacklist(const std::string& id, int64_t until_ms) { blacklist_[id] = until_ms; }
  bool Blacklisted(const std::string& id, int64_t now_ms);

  // Removes every peer and slot and starts again (CLUSTER RESET).
  void Reset(bool hard, const ClusterOptions& options);

  // Bus message counters for CLUSTER INFO.
  uint64_t messages_sent = 0;
  uint64_t messages_received = 0;
  uint64_t ping_sent = 0, pong_sent = 0, meet_sent = 0, fail_sent = 0;
  uint64_t ping_received = 0, pong_received = 0, meet_received = 0, fail_received = 0;

 private:
  std::map<std::string, std::unique_ptr<Node>, std::less<>> nodes_;
  Node* myself_ = nullptr;
  std::array<Node*, kSlots> owner_;
  uint64_t current_epoch_ = 0;
  uint64_t last_vote_epoch_ = 0;
  bool ok_ = false;
  std::map<std::string, int64_t> blacklist_;
};

}  // namespace cairn::cluster
