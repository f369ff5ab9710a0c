#include "cluster/cluster.h"

#include "cluster/lease.h"
#include "cluster/nodes_conf.h"
#include "common/log.h"

namespace cairn::cluster {

Cluster::Cluster(ClusterOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

Status Cluster::Open() {
  std::lock_guard<std::mutex> lock(mu_);
  Status s = LoadNodesConf(options_.config_file, &state_);
  if (s.ok()) {
    Node* me = state_.myself();
    // The addresses we announce come from this start's configuration.
    me->port = options_.port;
    me->bus_port = options_.bus_port;
    if (!options_.announce_ip.empty()) me->ip = options_.announce_ip;
    me->hostname = options_.announce_hostname;
    int64_t now = clock_.NowMs();
    for (const auto& [id, n] : state_.nodes()) {
      if (n.get() != me) n->pong_received_ms = now;
    }
    LOG_NOTICE("Node configuration loaded, I'm %s", me->id.c_str());
  } else if (s.code() == Status::Code::kNotFound) {
    state_ = ClusterState();
    state_.InitMyself(options_);
    LOG_NOTICE("No cluster configuration found, I'm %s", state_.myself()->id.c_str());
  } else {
    return s;
  }
  state_.UpdateState(options_);
  was_replica_ = !state_.myself()->is_master();
  return SaveNodesConf(options_.config_file, state_);
}

void Cluster::ChangedLocked() {
  pending_text_ = NodesConfText(state_);
  ++pending_version_;
}

Status Cluster::Persist(bool sync) {
  std::lock_guard<std::mutex> save_lock(save_mu_);
  std::string text;
  uint64_t version = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_version_ == written_version_) return Status::Ok();
    text = pending_text_;
    version = pending_version_;
  }
  Status s = WriteNodesConf(options_.config_file, text, sync);
  if (s.ok()) written_version_ = version;
  return s;
}

Route Cluster::RouteSlots(std::span<const uint16_t> slots, bool is_write,
                          bool allow_replica_read) const {
  RouteQuery q;
  q.slots = slots;
  q.is_write = is_write;
  q.allow_replica_read = allow_replica_read;
  return RouteCommand(q);
}

Route Cluster::RouteCommand(const RouteQuery& q) const {
  Route r;
  if (q.slots.empty()) return r;
  const int slot = q.slots[0];
  r.slot = slot;
  bool migrating = false, importing = false;
  std::string migrating_addr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Node* owner = state_.owner(slot);
    if (owner == nullptr) {
      r.kind = Route::kDownUnbound;
      return r;
    }
    for (uint16_t s : q.slots.subspan(1)) {
      if (s != slot) {
        r.kind = Route::kCrossSlot;
        return r;
      }
    }
    if (!state_.ok()) {
      if (!options_.allow_reads_when_down) {
        r.kind = Route::kDownState;
        return r;
      }
      if (q.is_write) {
        r.kind = Route::kDownReadOnly;
        return r;
      }
    }
    const Node* me = state_.myself();
    const Node* to = state_.migrating_to(slot);
    if (owner == me && to != nullptr) {
      migrating = true;
      migrating_addr = to->ip + ":" + std::to_string(to->port);
    } else if (state_.importing_from(slot) != nullptr) {
      importing = true;
    }
    if (!migrating && !importing) return RouteStableLocked(q, owner, &r);
    // A migrating source is still the owner: the failover pause and its
    // lease apply to it as to a stable slot.
    if (migrating && (PausedLocked(q, owner) || LeaseLapsedLocked(owner))) {
      r.kind = PausedLocked(q, owner) ? Route::kPaused : Route::kNoLease;
      return r;
    }
    // MIGRATE moves keys of an open slot freely, in both directions.
    if (q.is_migrate) return r;
    if (importing && !q.asking) return RouteStableLocked(q, owner, &r);
  }
  // The slot is open: which keys are here decides, read without the lock
  // (the caller holds the keys' stripes, so MIGRATE cannot move them now).
  const int missing = q.count_missing ? q.count_missing() : 0;
  if (migrating) {
    if (missing > 0) {
      // Some here, some gone: the command cannot run on either node yet.
      // All gone: the target has them (or nobody does).
      if (missing < static_cast<int>(q.slots.size())) {
        r.kind = Route::kTryAgain;
      } else {
        r.kind = Route::kAsk;
        r.addr = migrating_addr;
      }
      return r;
    }
    return r;
  }
  // Importing, and the client is ASKING.
  if (q.multiple_keys && missing > 0) r.kind = Route::kTryAgain;
  return r;
}

bool Cluster::PausedLocked(const RouteQuery& q, const Node* owner) const {
  // Redis pauses clients during a manual failover; Cairn's loops do not
  // park commands, so writes get a TRYAGAIN that cluster clients retry.
  // With leases, reads too: the voters do not wait out the lease of a
  // master that handed its slots over (lease.h), so it serves nothing
  // until it hears of the new owner or the pause times out.
  return (q.is_write || options_.master_lease) && owner == state_.myself() &&
         state_.failover.paused_until_ms != 0;
}

bool Cluster::LeaseLapsedOn(uint16_t slot) const {
  if (!options_.master_lease) return false;
  std::lock_guard<std::mutex> lock(mu_);
  return LeaseLapsedLocked(state_.owner(slot));
}

bool Cluster::LeaseLapsedLocked(const Node* owner) const {
  // Reads and writes alike: a master that may have been replaced serves
  // nothing (replica reads after READONLY are documented as maybe stale).
  return owner == state_.myself() && options_.master_lease &&
         clock_.MonotonicMs() >= LeaseValidUntil(state_, options_);
}

Route Cluster::RouteStableLocked(const RouteQuery& q, const Node* owner, Route* r) const {
  const Node* me = state_.myself();
  if (PausedLocked(q, owner)) {
    r->kind = Route::kPaused;
    return *r;
  }
  if (q.is_write && owner == me && state_.write_paused.test(static_cast<size_t>(r->slot))) {
    r->kind = Route::kWritePaused;
    return *r;
  }
  // A replica serves reads of its master's slots to READONLY clients (Redis's
  // getNodeByQuery); writes and other clients go to the master.
  if (owner != me &&
      !(q.allow_replica_read && !q.is_write && !me->is_master() && owner->id == me->master_id)) {
    r->kind = Route::kMoved;
    r->addr = owner->ip + ":" + std::to_string(owner->port);
    return *r;
  }
  if (LeaseLapsedLocked(owner)) r->kind = Route::kNoLease;
  return *r;
}

}  // namespace cairn::cluster
