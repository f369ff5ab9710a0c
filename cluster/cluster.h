// Cluster: this node's cluster mode, shared by the loops (commands,
// redirects) and the bus thread (gossip). One mutex guards the node table;
// everything else here is immutable after Open.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/cluster_state.h"
#include "common/clock.h"
#include "common/status.h"

namespace cairn::cluster {

// Where a command with keys must run (Redis's getNodeByQuery outcome).
struct Route {
  enum Kind {
    kHere,          // run it
    kMoved,         // -MOVED <slot> <addr>
    kAsk,           // -ASK <slot> <addr>: a key of a migrating slot is not here
    kTryAgain,      // multi-key command on an open slot with keys missing
    kCrossSlot,     // keys in more than one slot
    kDownUnbound,   // the first key's slot has no owner
    kDownState,     // cluster_state is fail
    kDownReadOnly,  // fail, but reads allowed (cluster-allow-reads-when-down)
    kPaused,        // a write while a replica's manual failover is in progress
    kNoLease,       // myself owns the slot but its master lease lapsed (lease.h)
    kWritePaused,   // a write to a slot in an atomic migration's final catch-up:
                    // it waits on the loop and runs again (slot_migration.h)
  };
  Kind kind = kHere;
  int slot = 0;
  std::string addr;  // "ip:port" for MOVED/ASK
};

// What Cluster::RouteCommand needs to know about one command (or a whole EXEC).
struct RouteQuery {
  std::span<const uint16_t> slots;  // one entry per key, in order
  bool is_write = false;            // the command may write
  bool allow_replica_read = false;  // the client sent READONLY
  bool asking = false;              // ASKING came just before, or the command is ASKING-able
  bool is_migrate = false;          // MIGRATE: runs here whenever its slot is open
  bool multiple_keys = false;       // the keys are not all the same key
  // Called without the cluster lock, and only when the slot is migrating
  // from or importing to this node: how many of the keys do not exist here.
  // Unset = none missing.
  std::function<int()> count_missing;
};

// What the bus offers commands: MEET and a nudge to act now (both return at
// once; the bus thread does the work).
class BusControl {
 public:
  virtual ~BusControl() = default;
  // Queues a handshake with a node at ip:port@bus_port (CLUSTER MEET).
  virtual void Meet(const std::string& ip, int port, int bus_port) = 0;
  // The node table changed in a way peers should hear soon.
  virtual void Wake() = 0;
  // Test hook (CAIRN.FAULT BUS-DROP): drop every inbound and outbound bus
  // message for `ms`, as a network partition of this node would; the client
  // port keeps working.
  virtual void DropTraffic(int64_t ms) = 0;
  // Test hook (CAIRN.FAULT MIGRATION-HOLD): an atomic slot migration keeps
  // streaming and does not pause writes to finish for `ms`.
  virtual void HoldMigrations(int64_t ms) = 0;
  // PUBLISH: sends the message to every node the bus is linked to, which
  // delivers it to its subscribers (Cluster::DeliverPublish). Never blocks.
  virtual void Publish(std::string_view channel, std::string_view message) = 0;
};

class Cluster {
 public:
  Cluster(ClusterOptions options, const Clock& clock);

  // Loads nodes.conf, or creates a new identity and writes it.
  [[nodiscard]] Status Open();
  const ClusterOptions& options() const { return options_; }
  const Clock& clock() const { return clock_; }

  // Runs f(ClusterState&) under the lock; f must not block.
  template <class F>
  auto Locked(F&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    PromotionCheck check(*this);  // runs after f, still under the lock
    return f(state_);
  }
  // Called under the lock the moment myself turns from replica into master
  // (an election won, TAKEOVER, ...), before any command can route to it as
  // the owner: the server stops the replication link there, so the old
  // master's later writes are neither applied nor acknowledged. Set before
  // the bus starts.
  void set_promotion_fence(std::function<void()> f) { promotion_fence_ = std::move(f); }
  // The node table changed: snapshots nodes.conf's text. The caller holds
  // the lock (call inside Locked), then calls Persist() after releasing it,
  // so the fsync never holds up the loops' redirect checks.
  void ChangedLocked();
  // Writes the newest snapshot if it is not on disk yet (before replying to
  // a command that changed the table, as Redis saves before replying).
  // `sync` = false skips the fsyncs (CLUSTER SETSLOT, which redis-cli
  // --cluster reshard sends several times per slot; Redis does not fsync
  // for it either).
  [[nodiscard]] Status Persist(bool sync = true);

  // The redirect decision for a command with keys (Redis 7.0's
  // getNodeByQuery, in its order: unbound slot, CROSSSLOT, cluster down,
  // MIGRATE, ASK/TRYAGAIN on a migrating slot, ASKING on an importing one,
  // READONLY on a replica, MOVED).
  Route RouteCommand(const RouteQuery& q) const;
  // Myself owns `slot` but its master lease lapsed: a reply computed
  // before now must not leave (the process may have been stopped after the
  // redirect check and replaced meanwhile).
  bool LeaseLapsedOn(uint16_t slot) const;
  // The same for a command whose keys hash to `slots`, no slot open.
  Route RouteSlots(std::span<const uint16_t> slots, bool is_write,
                   bool allow_replica_read = false) const;

  // Where the bus reads this node's replication offset (the server layer's
  // Replication::Offset; cluster/ does not see server/). Set before the bus
  // starts; callable from any thread.
  void set_repl_offset_source(std::function<uint64_t()> f) { repl_offset_ = std::move(f); }
  uint64_t ReplOffset() const { return repl_offset_ ? repl_offset_() : 0; }

  // The loops' write barrier, for the write pause of an atomic slot
  // migration (slot_migration.h): arm() wakes every loop and returns a
  // token; passed(token) is true once each loop finished an iteration that
  // ended after arm(), so every write a loop admitted before the pause is
  // in the WAL. Set before the bus starts; callable from any thread. Unset
  // = no loops (tests): passes at once.
  struct LoopBarrier {
    std::function<std::vector<uint64_t>()> arm;
    std::function<bool(const std::vector<uint64_t>&)> passed;
  };
  void set_loop_barrier(LoopBarrier b) { loop_barrier_ = std::move(b); }
  std::vector<uint64_t> ArmLoopBarrier() const {
    return loop_barrier_.arm ? loop_barrier_.arm() : std::vector<uint64_t>{};
  }
  bool LoopBarrierPassed(const std::vector<uint64_t>& token) const {
    return !loop_barrier_.passed || loop_barrier_.passed(token);
  }

  // Whether this node's replicas hold every write up to `seq` as its
  // replica-ack-quorum asks (true at once without a quorum). An atomic slot
  // migration's target takes the slots only then, so a failover of the
  // target keeps the imported rows. Set before the bus starts; callable
  // from any thread. Unset = true.
  void set_replicated_check(std::function<bool(uint64_t)> f) { replicated_ = std::move(f); }
  bool Replicated(uint64_t seq) const { return !replicated_ || replicated_(seq); }

  void set_bus(BusControl* bus) { bus_ = bus; }
  BusControl* bus() const { return bus_; }

  // A PUBLISH another node sent over the bus goes to this node's
  // subscribers through `sink` (the server's Pub/Sub registry; cluster/
  // does not see server/). Set before the bus starts.
  void set_publish_sink(std::function<void(std::string_view, std::string_view)> sink) {
    publish_sink_ = std::move(sink);
  }
  void DeliverPublish(std::string_view channel, std::string_view message) const {
    if (publish_sink_) publish_sink_(channel, message);
  }

 private:
  // The end of RouteCommand for a stable slot (or an importing one without
  // ASKING): failover pause, READONLY replica reads, MOVED. Holds mu_.
  Route RouteStableLocked(const RouteQuery& q, const Node* owner, Route* r) const;
  // Whether a command on a slot `owner` holds is refused now because of a
  // manual failover's pause, or because myself owns it without a valid
  // lease (lease.h). Hold mu_.
  bool PausedLocked(const RouteQuery& q, const Node* owner) const;
  bool LeaseLapsedLocked(const Node* owner) const;

  struct PromotionCheck {
    explicit PromotionCheck(Cluster& c) : c(c) {}
    ~PromotionCheck() {
      const Node* me = c.state_.myself();
      const bool master = me == nullptr || me->is_master();
      if (master && c.was_replica_ && c.promotion_fence_) c.promotion_fence_();
      c.was_replica_ = !master;
    }
    Cluster& c;
  };

  ClusterOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  ClusterState state_;            // guarded by mu_
  std::string pending_text_;      // guarded by mu_
  uint64_t pending_version_ = 0;  // guarded by mu_
  std::mutex save_mu_;            // serializes writers; guards written_version_
  uint64_t written_version_ = 0;
  BusControl* bus_ = nullptr;
  std::function<void(std::string_view, std::string_view)> publish_sink_;
  std::function<uint64_t()> repl_offset_;
  std::function<void()> promotion_fence_;
  LoopBarrier loop_barrier_;
  std::function<bool(uint64_t)> replicated_;
  bool was_replica_ = false;  // guarded by mu_
};

}  // namespace cairn::cluster
