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

Status Cluster::Persist() {
  std::lock_guard<std::mutex> save_lock(save_mu_);
  std::string text;
  uint64_t version = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_version_ == written_version_) return Status::Ok();
    text = pending_text_;
    version = pending_version_;
  }
  Status s = WriteNodesConf(options_.config_file, text);
  if (s.ok()) written_version_ = version;
  return s;
}

Route Cluster::RouteSlots(std::span<const uint16_t> slots, bool is_write,
                          bool allow_replica_read) const {
  Route r;
  if (slots.empty()) return r;
  std::lock_guard<std::mutex> lock(mu_);
  const Node* owner = state_.owner(slots[0]);
  r.slot = slots[0];
  if (owner == nullptr) {
    r.kind = Route::kDownUnbound;
    return r;
  }
  for (uint16_t s : slots.subspan(1)) {
    if (s != slots[0]) {
      r.kind = Route::kCrossSlot;
      return r;
    }
  }
  if (!state_.ok()) {
    if (!options_.allow_reads_when_down) {
      r.kind = Route::kDownState;
      return r;
    }
    if (is_write) {
      r.kind = Route::kDownReadOnly;
      return r;
    }
  }
  const Node* me = state_.myself();
  // Redis pauses clients during a manual failover; Cairn's loops do not
  // park commands, so writes get a TRYAGAIN that cluster clients retry.
  // With leases, reads too: the voters do not wait out the lease of a
  // master that handed its slots over (lease.h), so it serves nothing
  // until it hears of the new owner or the pause times out.
  if ((is_write || options_.master_lease) && owner == me && state_.failover.paused_until_ms != 0) {
    r.kind = Route::kPaused;
    return r;
  }
  // A replica serves reads of its master's slots to READONLY clients (Redis's
  // getNodeByQuery); writes and other clients go to the master.
  if (owner != me &&
      !(allow_replica_read && !is_write && !me->is_master() && owner->id == me->master_id)) {
    r.kind = Route::kMoved;
    r.addr = owner->ip + ":" + std::to_string(owner->port);
    return r;
  }
  // Reads and writes alike: a master that may have been replaced serves
  // nothing (replica reads after READONLY are documented as maybe stale).
  if (owner == me && options_.master_lease &&
      clock_.MonotonicMs() >= LeaseValidUntil(state_, options_)) {
    r.kind = Route::kNoLease;
  }
  return r;
}

}  // namespace cairn::cluster
