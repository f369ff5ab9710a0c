#include "cluster/failover.h"

#include <algorithm>

#include "common/log.h"

namespace cairn::cluster {
namespace {

// Redis: CLUSTER_MF_TIMEOUT.
constexpr int64_t kManualFailoverTimeoutMs = 5000;

void ResetElection(FailoverState& f) {
  f.auth_time_ms = 0;
  f.auth_sent = false;
  f.voters.clear();
}

void ResetManual(FailoverState& f) {
  f.manual_end_ms = 0;
  f.manual_force = false;
  f.manual_can_start = false;
  f.manual_start_sent = false;
  f.manual_offset_known = false;
  f.manual_master_offset = 0;
}

}  // namespace

int64_t AuthTimeoutMs(const ClusterOptions& options) {
  return std::max<int64_t>(options.node_timeout_ms * 2, 2000);
}

bool GrantVote(ClusterState& state, const ClusterOptions& options, const VoteRequest& req,
               int64_t now_ms, Effects* fx, std::string* why) {
  Node* me = state.myself();
  // The request carries the candidate's bumped epoch, as Redis's header does.
  if (req.epoch > state.current_epoch()) {
    state.set_current_epoch(req.epoch);
    fx->save = true;
  }
  if (!me->is_master() || me->slots.none()) {
    *why = "I am not a master serving slots";
    return false;
  }
  if (req.epoch < state.current_epoch()) {
    *why = "its epoch " + std::to_string(req.epoch) + " is older than mine " +
           std::to_string(state.current_epoch());
    return false;
  }
  if (state.last_vote_epoch() == state.current_epoch()) {
    *why = "I already voted for epoch " + std::to_string(state.current_epoch());
    return false;
  }
  Node* candidate = state.Find(req.candidate);
  Node* master = state.Find(req.master_id);
  if (candidate == nullptr || master == nullptr || candidate == me) {
    *why = "I do not know the candidate or its master";
    return false;
  }
  if (candidate->is_master() || candidate->master_id != master->id) {
    *why = "it is not a replica of " + master->id;
    return false;
  }
  if (!master->failed() && !req.manual) {
    *why = "its master is not FAIL";
    return false;
  }
  // One vote per master per 2 x node-timeout: replicas of one master do not
  // split the votes of successive epochs.
  if (master->voted_time_ms != 0 && now_ms - master->voted_time_ms < options.node_timeout_ms * 2) {
    *why = "I voted for a replica of that master " +
           std::to_string(now_ms - master->voted_time_ms) + " ms ago";
    return false;
  }
  // Every claimed slot must be owned (as we see it) by an epoch no newer
  // than the one the candidate knows: otherwise its view is stale and the
  // slots moved on.
  for (int j = 0; j < kSlots; ++j) {
    if (!req.slots.test(static_cast<size_t>(j))) continue;
    Node* owner = state.owner(j);
    if (owner == nullptr || owner->config_epoch <= req.config_epoch) continue;
    *why = "slot " + std::to_string(j) + " has configEpoch " + std::to_string(owner->config_epoch) +
           " > " + std::to_string(req.config_epoch);
    return false;
  }
  state.set_last_vote_epoch(state.current_epoch());
  master->voted_time_ms = now_ms;
  fx->save = true;
  LOG_NOTICE("Failover auth granted to %s for epoch %llu", candidate->id.c_str(),
             static_cast<unsigned long long>(state.current_epoch()));
  return true;
}

int FailoverRank(const ClusterState& state) {
  const Node* me = state.myself();
  int rank = 0;
  for (const auto& [id, n] : state.nodes()) {
    if (n.get() == me || n->is_master() || n->master_id != me->master_id) continue;
    if (n->flags & kFlagNoFailover) continue;
    if (n->repl_offset > me->repl_offset) ++rank;
  }
  return rank;
}

void OnVoteGranted(ClusterState& state, const std::string& voter_id, uint64_t epoch) {
  FailoverState& f = state.failover;
  Node* voter = state.Find(voter_id);
  if (!f.auth_sent || epoch != f.auth_epoch || voter == nullptr || !voter->is_master() ||
      voter->slots.none()) {
    return;
  }
  if (std::find(f.voters.begin(), f.voters.end(), voter_id) == f.voters.end()) {
    f.voters.push_back(voter_id);
  }
}

void Promote(ClusterState& state, uint64_t epoch, Effects* fx) {
  Node* me = state.myself();
  Node* old = state.Find(me->master_id);
  me->flags = (me->flags & ~kFlagReplica) | kFlagMaster;
  me->master_id.clear();
  if (old != nullptr) {
    for (int j = 0; j < kSlots; ++j) {
      if (state.owner(j) == old) state.Assign(j, me);
    }
  }
  if (me->config_epoch < epoch) me->config_epoch = epoch;
  ResetElection(state.failover);
  ResetManual(state.failover);
  fx->save = true;
  fx->state_changed = true;
}

void FailoverCron(ClusterState& state, const ClusterOptions& options, int64_t now_ms,
                  int64_t random_ms, Effects* fx, FailoverActions* out) {
  FailoverState& f = state.failover;
  Node* me = state.myself();
  if (f.paused_until_ms != 0 && now_ms > f.paused_until_ms) {
    LOG_NOTICE("Manual failover timed out: writes resume.");
    f.paused_until_ms = 0;
  }
  Node* master = me->is_master() ? nullptr : state.Find(me->master_id);
  if (master == nullptr || master->slots.none()) {
    ResetElection(f);
    ResetManual(f);
    return;
  }
  if (f.manual_end_ms != 0 && now_ms > f.manual_end_ms) {
    LOG_NOTICE("Manual failover timed out.");
    ResetManual(f);
    ResetElection(f);
  }
  const bool manual = f.manual_end_ms != 0;
  if (manual && !f.manual_can_start) {
    // Coordinated: elect once everything the paused master wrote is here.
    if (!f.manual_offset_known || me->repl_offset < f.manual_master_offset) return;
    LOG_NOTICE("All master replication stream processed, manual failover can start.");
    f.manual_can_start = true;
    f.auth_time_ms = 0;
  }
  if (!manual && (!master->failed() || (me->flags & kFlagNoFailover))) {
    ResetElection(f);
    return;
  }
  const int64_t auth_timeout = AuthTimeoutMs(options);
  const int64_t auth_retry = auth_timeout * 2;
  if (f.auth_time_ms == 0 || now_ms - f.auth_time_ms > auth_retry) {
    f.voters.clear();
    f.auth_sent = false;
    f.auth_rank = FailoverRank(state);
    // Time for the FAIL to spread, jitter, and the better replicas first
    // (failover.h). A manual failover starts at once.
    f.auth_time_ms =
        manual ? now_ms : now_ms + kElectionDelayMs + random_ms + f.auth_rank * 1000;
    LOG_NOTICE("Start of election delayed for %lld milliseconds (rank #%d, offset %llu).",
               static_cast<long long>(f.auth_time_ms - now_ms), f.auth_rank,
               static_cast<unsigned long long>(me->repl_offset));
    if (!manual) return;
  }
  if (!f.auth_sent && !manual) {
    // A replica that learned of better ones meanwhile waits longer.
    int rank = FailoverRank(state);
    if (rank > f.auth_rank) {
      f.auth_time_ms += (rank - f.auth_rank) * 1000;
      f.auth_rank = rank;
    }
  }
  if (now_ms < f.auth_time_ms) return;
  if (now_ms - f.auth_time_ms > auth_timeout) return;  // lost; retry later
  if (!f.auth_sent) {
    state.set_current_epoch(state.current_epoch() + 1);
    f.auth_epoch = state.current_epoch();
    f.auth_sent = true;
    f.voters.clear();
    fx->save = true;
    LOG_NOTICE("Starting a failover election for epoch %llu.",
               static_cast<unsigned long long>(f.auth_epoch));
    out->request_votes = true;
    out->request.candidate = me->id;
    out->request.epoch = f.auth_epoch;
    out->request.master_id = master->id;
    out->request.config_epoch = master->config_epoch;
    out->request.slots = master->slots;
    out->request.manual = manual;
    return;
  }
  if (static_cast<int>(f.voters.size()) < state.Quorum()) return;
  LOG_NOTICE("Failover election won: I'm the new master (epoch %llu).",
             static_cast<unsigned long long>(f.auth_epoch));
  Promote(state, f.auth_epoch, fx);
  out->promoted = true;
}

ManualFailoverRefusal StartManualFailover(ClusterState& state, const ClusterOptions& options,
                                          ManualFailoverMode mode, int64_t now_ms, Effects* fx) {
  (void)options;
  Node* me = state.myself();
  if (me->is_master()) return ManualFailoverRefusal::kNotReplica;
  Node* master = state.Find(me->master_id);
  if (master == nullptr) return ManualFailoverRefusal::kMasterUnknown;
  if (mode == ManualFailoverMode::kDefault && (master->failed() || !master->link_connected)) {
    return ManualFailoverRefusal::kMasterDown;
  }
  ResetManual(state.failover);
  ResetElection(state.failover);
  if (mode == ManualFailoverMode::kTakeover) {
    // Redis's clusterBumpConfigEpochWithoutConsensus: a new epoch, no votes.
    LOG_NOTICE("Taking over the master (user request).");
    state.set_current_epoch(state.current_epoch() + 1);
    Promote(state, state.current_epoch(), fx);
    return ManualFailoverRefusal::kNone;
  }
  state.failover.manual_end_ms = now_ms + kManualFailoverTimeoutMs;
  state.failover.manual_force = mode == ManualFailoverMode::kForce;
  state.failover.manual_can_start = mode == ManualFailoverMode::kForce;
  LOG_NOTICE("Manual failover user request accepted%s.",
             mode == ManualFailoverMode::kForce ? " (FORCE)" : "");
  return ManualFailoverRefusal::kNone;
}

}  // namespace cairn::cluster
