#include "cluster/gossip.h"

#include <algorithm>

#include "common/log.h"

namespace cairn::cluster {
namespace {

// Redis: CLUSTER_FAIL_REPORT_VALIDITY_MULT and CLUSTER_FAIL_UNDO_TIME_MULT.
constexpr int64_t kReportValidityMult = 2;
constexpr int64_t kFailUndoTimeMult = 2;
constexpr uint32_t kWireFlags = kFlagMaster | kFlagReplica | kFlagPfail | kFlagFail | kFlagNoAddr |
                                kFlagNoFailover | kFlagHandshake;

NodeView ViewOf(const Node& n) {
  NodeView v;
  v.id = n.id;
  v.ip = n.ip;
  v.port = n.port;
  v.bus_port = n.bus_port;
  v.hostname = n.hostname;
  v.flags = n.flags & kWireFlags;
  v.master_id = n.master_id;
  v.config_epoch = n.config_epoch;
  v.ping_sent_ms = n.ping_sent_ms;
  v.pong_received_ms = n.pong_received_ms;
  v.repl_offset = n.repl_offset;
  return v;
}

void AddReport(Node* node, const std::string& reporter, int64_t now) {
  for (auto& r : node->fail_reports) {
    if (r.reporter == reporter) {
      r.time_ms = now;
      return;
    }
  }
  node->fail_reports.push_back({reporter, now});
}

void RemoveReport(Node* node, const std::string& reporter) {
  auto& r = node->fail_reports;
  r.erase(std::remove_if(r.begin(), r.end(),
                         [&](const FailureReport& f) { return f.reporter == reporter; }),
          r.end());
}

void ExpireReports(Node* node, const ClusterOptions& options, int64_t now) {
  int64_t max_age = options.node_timeout_ms * kReportValidityMult;
  auto& r = node->fail_reports;
  r.erase(std::remove_if(r.begin(), r.end(),
                         [&](const FailureReport& f) { return now - f.time_ms > max_age; }),
          r.end());
}

// Redis's markNodeAsFailingIfNeeded.
void MarkFailingIfNeeded(ClusterState& state, const ClusterOptions& options, Node* node,
                         int64_t now, Effects* fx) {
  if (!node->timed_out() || node->failed()) return;
  ExpireReports(node, options, now);
  int failures = static_cast<int>(node->fail_reports.size());
  if (state.myself()->is_master()) ++failures;
  if (failures < state.Quorum()) return;
  LOG_NOTICE("Marking node %s as failing (quorum reached).", node->id.c_str());
  node->flags = (node->flags & ~kFlagPfail) | kFlagFail;
  node->fail_time_ms = now;
  fx->fail_broadcast.push_back(node->id);
  fx->save = true;
}

// Redis's clearNodeFailureIfNeeded: a replica or a master without slots is
// back at once; a master with slots only after a while, so its replicas had
// time to take over.
void ClearFailureIfNeeded(const ClusterOptions& options, Node* node, int64_t now, Effects* fx) {
  if (!node->failed()) return;
  bool clear = !node->is_master() || node->slots.none() ||
               now - node->fail_time_ms > options.node_timeout_ms * kFailUndoTimeMult;
  if (!clear) return;
  LOG_NOTICE("Clear FAIL state for node %s: it is reachable again.", node->id.c_str());
  node->flags &= ~kFlagFail;
  node->fail_reports.clear();
  fx->save = true;
}

// Updates what we know of a known sender from its own header.
void UpdateSender(ClusterState& state, const ClusterOptions& options, Node* node, const Header& msg,
                  const std::string& peer_ip, int64_t now, Effects* fx) {
  (void)options;
  (void)now;
  const NodeView& s = msg.sender;
  std::string ip = s.ip.empty() ? peer_ip : s.ip;
  if (node->ip != ip || node->port != s.port || node->bus_port != s.bus_port ||
      node->hostname != s.hostname) {
    node->ip = ip;
    node->port = s.port;
    node->bus_port = s.bus_port;
    node->hostname = s.hostname;
    fx->save = true;
  }
  node->flags &= ~kFlagNoAddr;
  if (s.flags & kFlagReplica) {
    if (!(node->flags & kFlagReplica) || node->master_id != s.master_id) {
      node->flags = (node->flags & ~kFlagMaster) | kFlagReplica;
      node->master_id = s.master_id;
      for (int j = 0; j < kSlots; ++j) {
        if (state.owner(j) == node) state.Unassign(j);
      }
      fx->save = true;
    }
  } else if (s.flags & kFlagMaster) {
    if (!(node->flags & kFlagMaster)) {
      node->flags = (node->flags & ~kFlagReplica) | kFlagMaster;
      node->master_id.clear();
      fx->save = true;
    }
  }
  node->repl_offset = s.repl_offset;
  if (node->config_epoch != s.config_epoch) {
    node->config_epoch = s.config_epoch;
    fx->save = true;
  }
  if (msg.current_epoch > state.current_epoch()) {
    state.set_current_epoch(msg.current_epoch);
    fx->save = true;
  }
  Node* me = state.myself();
  const bool had_slots = me->is_master() && me->slots.any();
  Node* my_master = me->is_master() ? nullptr : state.Find(me->master_id);
  const bool master_had_slots = my_master != nullptr && my_master->slots.any();
  if (node->is_master() && state.ApplyClaims(node, msg.slots)) {
    fx->save = true;
    fx->state_changed = true;
    // Redis's clusterUpdateSlotsConfigWith: a master whose last slot went to
    // a newer configEpoch (its replica was promoted while it was away)
    // becomes a replica of the new owner; the server then replicates from
    // it, with a full sync that drops what this node wrote alone.
    if (had_slots && me->slots.none()) {
      LOG_NOTICE("Configuration change detected. Reconfiguring myself as a replica of %s",
                 node->id.c_str());
      me->flags = (me->flags & ~kFlagMaster) | kFlagReplica;
      me->master_id = node->id;
      state.failover = FailoverState{};
    } else if (master_had_slots && my_master != node && my_master->slots.none()) {
      // A sibling replica won the election for my master: follow it.
      LOG_NOTICE("My master lost its slots to %s: replicating it instead", node->id.c_str());
      me->master_id = node->id;
      state.failover = FailoverState{};
    }
  }

  // Redis's clusterHandleConfigEpochCollision: two masters with one
  // configEpoch; the one with the lexicographically smaller id takes a new
  // epoch, so every claim is ordered again.
  if (node->is_master() && me->is_master() && node->config_epoch == me->config_epoch &&
      me->id < node->id) {
    state.set_current_epoch(state.current_epoch() + 1);
    me->config_epoch = state.current_epoch();
    fx->save = true;
    LOG_VERBOSE("WARNING: configEpoch collision with node %s. configEpoch set to %llu",
                node->id.c_str(), static_cast<unsigned long long>(me->config_epoch));
  }
}

void ProcessGossip(ClusterState& state, const ClusterOptions& options, Node* sender,
                   const Header& msg, int64_t now, Effects* fx) {
  for (const NodeView& g : msg.gossip) {
    if (g.id == state.myself()->id) continue;
    Node* node = state.Find(g.id);
    if (node != nullptr) {
      if (sender->is_master() && node != sender) {
        if (g.flags & (kFlagPfail | kFlagFail)) {
          AddReport(node, sender->id, now);
          MarkFailingIfNeeded(state, options, node, now, fx);
        } else {
          RemoveReport(node, sender->id);
        }
      }
      continue;
    }
    // A node we never heard of: start talking to it, so one MEET is enough
    // for a whole cluster to know each other.
    if ((g.flags & (kFlagHandshake | kFlagNoAddr)) || g.ip.empty() || !IsValidNodeId(g.id) ||
        state.Blacklisted(g.id, now)) {
      continue;
    }
    auto n = std::make_unique<Node>();
    n->id = g.id;
    n->ip = g.ip;
    n->port = g.port;
    n->bus_port = g.bus_port;
    n->hostname = g.hostname;
    n->flags = g.flags & (kFlagMaster | kFlagReplica);
    if (n->flags == 0) n->flags = kFlagMaster;
    n->master_id = g.master_id;
    n->pong_received_ms = now;
    n->meet_pending = true;
    state.Add(std::move(n));
    fx->save = true;
  }
}

}  // namespace

Header BuildHeader(const ClusterState& state, bool meet) {
  Header h;
  const Node* me = state.myself();
  h.sender = ViewOf(*me);
  h.sender.ping_sent_ms = 0;
  h.sender.pong_received_ms = 0;
  if (me->is_master()) h.slots = me->slots;
  h.current_epoch = state.current_epoch();
  h.meet = meet;
  // Small clusters: everyone. Redis samples a tenth of the nodes plus every
  // failing one; with the few nodes a Cairn cluster has, all of them fit.
  for (const auto& [id, n] : state.nodes()) {
    if (n.get() == me || (n->flags & kFlagHandshake)) continue;
    h.gossip.push_back(ViewOf(*n));
  }
  return h;
}

void OnPing(ClusterState& state, const ClusterOptions& options, const Header& msg,
            const std::string& peer_ip, const std::string& local_ip, int64_t now_ms, Effects* fx) {
  ++state.messages_received;
  if (msg.meet) {
    ++state.meet_received;
  } else {
    ++state.ping_received;
  }
  ++state.pong_sent;
  ++state.messages_sent;
  Node* me = state.myself();
  if (msg.meet && me->ip.empty() && options.announce_ip.empty() && !local_ip.empty()) {
    me->ip = local_ip;
    fx->save = true;
  }
  if (msg.sender.id == me->id || !IsValidNodeId(msg.sender.id)) return;
  Node* node = state.Find(msg.sender.id);
  if (node == nullptr) {
    if (!msg.meet || state.Blacklisted(msg.sender.id, now_ms)) return;
    auto n = std::make_unique<Node>();
    n->id = msg.sender.id;
    n->flags = kFlagMaster;
    n->pong_received_ms = now_ms;
    node = state.Add(std::move(n));
    fx->save = true;
  }
  UpdateSender(state, options, node, msg, peer_ip, now_ms, fx);
  ProcessGossip(state, options, node, msg, now_ms, fx);
  if (state.UpdateState(options)) fx->state_changed = true;
}

void OnPong(ClusterState& state, const ClusterOptions& options, const std::string& pinged_id,
            const Header& reply, const std::string& peer_ip, int64_t now_ms, Effects* fx) {
  ++state.messages_received;
  ++state.pong_received;
  Node* node = state.Find(pinged_id);
  Node* me = state.myself();
  if (node == nullptr || !IsValidNodeId(reply.sender.id) || reply.sender.id == me->id) return;
  if (me->ip.empty() && options.announce_ip.empty() && !reply.observed_ip.empty()) {
    me->ip = reply.observed_ip;
    fx->save = true;
  }
  if (node->flags & kFlagHandshake) {
    // The handshake is over: we now know who answers at that address.
    Node* known = state.Find(reply.sender.id);
    if (known != nullptr) {
      state.Remove(node->id);
      node = known;
    } else {
      state.Rename(node, reply.sender.id);
      node->flags &= ~kFlagHandshake;
    }
    fx->save = true;
  } else if (reply.sender.id != node->id) {
    // Someone else answers at that address now (a node reset with a new
    // id): this link says nothing about the node we meant.
    return;
  }
  node->pong_received_ms = now_ms;
  node->ping_sent_ms = 0;
  node->meet_pending = false;
  if (node->timed_out()) {
    node->flags &= ~kFlagPfail;
    fx->state_changed = true;
  } else if (node->failed()) {
    ClearFailureIfNeeded(options, node, now_ms, fx);
  }
  UpdateSender(state, options, node, reply, peer_ip, now_ms, fx);
  ProcessGossip(state, options, node, reply, now_ms, fx);
  if (state.UpdateState(options)) fx->state_changed = true;
}

void OnFail(ClusterState& state, const ClusterOptions& options, const std::string& sender_id,
            const std::string& failing_id, int64_t now_ms, Effects* fx) {
  ++state.messages_received;
  ++state.fail_received;
  Node* sender = state.Find(sender_id);
  Node* failing = state.Find(failing_id);
  if (sender == nullptr || failing == nullptr || failing == state.myself() || failing->failed()) {
    return;
  }
  LOG_NOTICE("FAIL message received from %s about %s", sender_id.c_str(), failing_id.c_str());
  failing->flags = (failing->flags & ~kFlagPfail) | kFlagFail;
  failing->fail_time_ms = now_ms;
  fx->save = true;
  if (state.UpdateState(options)) fx->state_changed = true;
}

void Cron(ClusterState& state, const ClusterOptions& options, int64_t now_ms, Effects* fx) {
  std::vector<std::string> stale_handshakes;
  int64_t handshake_timeout = std::max<int64_t>(options.node_timeout_ms, 1000);
  for (const auto& [id, n] : state.nodes()) {
    Node* node = n.get();
    if (node == state.myself()) continue;
    if (node->flags & kFlagHandshake) {
      if (now_ms - node->pong_received_ms > handshake_timeout) stale_handshakes.push_back(id);
      continue;
    }
    ExpireReports(node, options, now_ms);
    if (node->ping_sent_ms != 0 && now_ms - node->ping_sent_ms > options.node_timeout_ms &&
        !(node->flags & (kFlagPfail | kFlagFail))) {
      LOG_VERBOSE("*** NODE %s possibly failing", node->id.c_str());
      node->flags |= kFlagPfail;
      fx->state_changed = true;
    }
  }
  for (const auto& id : stale_handshakes) state.Remove(id);
  for (const auto& [id, n] : state.nodes()) {
    if (n.get() != state.myself()) MarkFailingIfNeeded(state, options, n.get(), now_ms, fx);
  }
  if (state.UpdateState(options)) {
    fx->state_changed = true;
    LOG_NOTICE("Cluster state changed: %s", state.ok() ? "ok" : "fail");
  }
}

}  // namespace cairn::cluster
