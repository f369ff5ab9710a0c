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
#include "cluster/slot_migration.h"
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
  bool master_lease = true;  // cluster-master-lease (cluster/lease.h)
};

// Failover bookkeeping (Redis's failover_auth_* and mf_* fields).
struct FailoverState {
  // Candidate side: the election of myself to replace my master.
  int64_t auth_time_ms = 0;  // when it starts (or started); 0 = none scheduled
  bool auth_sent = false;    // the vote requests are out
  uint64_t auth_epoch = 0;   // the epoch they asked for
  int auth_rank = 0;
  std::vector<std::string> voters;  // masters that granted auth_epoch
  // Manual failover (CLUSTER FAILOVER on myself, a replica).
  int64_t manual_end_ms = 0;       // 0 = none in progress
  bool manual_force = false;       // FORCE: no coordination with the master
  bool manual_can_start = false;   // offsets matched (or FORCE): elect now
  bool manual_start_sent = false;  // the bus asked the master to pause
  bool manual_offset_known = false;
  uint64_t manual_master_offset = 0;  // the paused master's final offset
  // Master side: writes paused for a replica's manual failover until then.
  int64_t paused_until_ms = 0;
};

class ClusterState {
 public:
  ClusterState() {
    owner_.fill(nullptr);
    migrating_to_.fill(nullptr);
    importing_from_.fill(nullptr);
  }

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
  // Open slots of a Redis-compatible migration (CLUSTER SETSLOT MIGRATING /
  // IMPORTING): the node a slot of mine is moving to, the node a slot is
  // coming from; nullptr when the slot is stable. Removing a node clears
  // what pointed at it.
  Node* migrating_to(int slot) const { return migrating_to_[static_cast<size_t>(slot)]; }
  Node* importing_from(int slot) const { return importing_from_[static_cast<size_t>(slot)]; }
  void SetMigrating(int slot, Node* to) { SetOpen(migrating_to_, slot, to); }
  void SetImporting(int slot, Node* from) { SetOpen(importing_from_, slot, from); }
  // Some slot is migrating or importing (CLUSTER NODES skips the scan if not).
  bool any_open_slot() const { return open_slots_ != 0; }
  // Redis's clusterCloseAllSlots (CLUSTER RESET).
  void CloseAllSlots();

  // Applies the slots a master claims (Redis's clusterUpdateSlotsConfigWith):
  // each claimed slot moves to the sender when it is free or its owner's
  // configEpoch is lower; a slot this node is importing is left alone (the
  // migration decides its owner). Returns true if anything changed.
  bool ApplyClaims(Node* sender, const SlotBitmap& claimed);

  uint64_t current_epoch() const { return current_epoch_; }
  void set_current_epoch(uint64_t e) { current_epoch_ = e; }
  uint64_t last_vote_epoch() const { return last_vote_epoch_; }
  void set_last_vote_epoch(uint64_t e) { last_vote_epoch_ = e; }
  uint64_t MaxConfigEpoch() const;
  // Redis's clusterBumpConfigEpochWithoutConsensus: unless myself already
  // has the single highest configEpoch, take a new one (currentEpoch + 1).
  // True if the epoch changed. CLUSTER BUMPEPOCH and SETSLOT NODE use it.
  bool BumpConfigEpochWithoutConsensus();

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

  FailoverState failover;
  // Atomic slot migrations this node runs or serves, oldest first, with the
  // finished ones as a log (cluster/slot_migration.h).
  std::vector<SlotMigration> slot_migrations;
  // Slots of mine whose writes wait for an export's final catch-up.
  SlotBitmap write_paused;

  // Bus message counters for CLUSTER INFO.
  uint64_t messages_sent = 0;
  uint64_t messages_received = 0;
  uint64_t ping_sent = 0, pong_sent = 0, meet_sent = 0, fail_sent = 0;
  uint64_t ping_received = 0, pong_received = 0, meet_received = 0, fail_received = 0;
  uint64_t auth_req_sent = 0, auth_ack_sent = 0, mfstart_sent = 0;
  uint64_t auth_req_received = 0, auth_ack_received = 0, mfstart_received = 0;

 private:
  std::map<std::string, std::unique_ptr<Node>, std::less<>> nodes_;
  Node* myself_ = nullptr;
  std::array<Node*, kSlots> owner_;
  std::array<Node*, kSlots> migrating_to_;
  std::array<Node*, kSlots> importing_from_;
  int open_slots_ = 0;  // non-null entries of the two arrays above
  void SetOpen(std::array<Node*, kSlots>& table, int slot, Node* n) {
    Node*& cur = table[static_cast<size_t>(slot)];
    open_slots_ += (n != nullptr) - (cur != nullptr);
    cur = n;
  }
  uint64_t current_epoch_ = 0;
  uint64_t last_vote_epoch_ = 0;
  bool ok_ = false;
  std::map<std::string, int64_t> blacklist_;
};

}  // namespace cairn::cluster
