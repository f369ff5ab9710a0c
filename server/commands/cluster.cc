// CLUSTER and the cluster-mode connection commands (READONLY, READWRITE,
// ASKING). Output formats follow Redis 7.0 byte for byte; the node table
// lives in cluster::Cluster, the keys of a slot in the engine.
#include "cluster/cluster.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cinttypes>
#include <string>
#include <vector>

#include "cluster/failover.h"
#include "cluster/nodes_conf.h"
#include "common/crc16.h"
#include "common/log.h"
#include "common/strings.h"
#include "server/command.h"
#include "server/commands/atomic_migration.h"
#include "server/commands/cluster_args.h"
#include "server/commands/migration.h"
#include "server/errors.h"
#include "server/replication.h"
#include "storage/engine.h"

namespace cairn {

// Every CLUSTER subcommand but HELP answers this in standalone mode.
bool RequireCluster(CommandContext& ctx) {
  if (ctx.server.cluster != nullptr) return true;
  ctx.reply.Error(errors::kClusterDisabled);
  return false;
}

bool ParseSlot(CommandContext& ctx, std::string_view arg, int* slot) {
  int64_t v = 0;
  if (!ParseInt64(arg, &v) || v < 0 || v >= cluster::kSlots) {
    ctx.reply.Error(errors::kInvalidOrOutOfRangeSlot);
    return false;
  }
  *slot = static_cast<int>(v);
  return true;
}

namespace {

using cluster::ClusterState;
using cluster::Node;

// Inside Locked: the table changed. Handlers call Persist after the lock.
void Save(CommandContext& ctx) { ctx.server.cluster->ChangedLocked(); }

// Writes nodes.conf before the reply, as Redis does; a failure is logged and
// the change stands (Redis would exit instead).
void Persist(CommandContext& ctx) {
  Status s = ctx.server.cluster->Persist();
  if (!s.ok()) LOG_WARNING("cluster: %s", s.message().c_str());
}

// The common end of a handler that changed the table: nodes.conf first,
// then the error the change was refused with, or +OK.
// `wake`: the change is news peers should hear at once (slots, roles).
void PersistAndReply(CommandContext& ctx, const std::string& error, bool wake = false) {
  Persist(ctx);
  if (!error.empty()) {
    ctx.reply.Error(error);
    return;
  }
  if (wake && ctx.server.cluster->bus() != nullptr) ctx.server.cluster->bus()->Wake();
  ctx.reply.Ok();
}

// "ip:port@cport" as a NODES line shows it, for REPLICAS.
std::string NodeLine(const ClusterState& s, const Node& n) { return cluster::DescribeNode(s, n); }

// CLUSTER ADDSLOTS / DELSLOTS / ...RANGE: validates every slot first, so a
// bad one changes nothing (as Redis).
void ChangeSlots(CommandContext& ctx, bool add, bool ranges) {
  if (!RequireCluster(ctx)) return;
  if (ranges && ctx.argv.size() % 2 == 1) {
    ctx.reply.Error(errors::WrongArity(ctx.spec.name));
    return;
  }
  std::vector<int> slots;
  if (ranges) {
    for (size_t i = 2; i + 1 < ctx.argv.size(); i += 2) {
      int from = 0, to = 0;
      if (!ParseSlot(ctx, ctx.argv[i], &from) || !ParseSlot(ctx, ctx.argv[i + 1], &to)) return;
      if (from > to) {
        ctx.reply.Error(errors::SlotRangeReversed(from, to));
        return;
      }
      for (int j = from; j <= to; ++j) slots.push_back(j);
    }
  } else {
    for (size_t i = 2; i < ctx.argv.size(); ++i) {
      int slot = 0;
      if (!ParseSlot(ctx, ctx.argv[i], &slot)) return;
      slots.push_back(slot);
    }
  }
  std::string error = ctx.server.cluster->Locked([&](ClusterState& s) -> std::string {
    std::vector<bool> seen(cluster::kSlots, false);
    for (int slot : slots) {
      if (add && s.owner(slot) != nullptr) return errors::SlotBusy(slot);
      if (!add && s.owner(slot) == nullptr) return errors::SlotUnassigned(slot);
      if (seen[static_cast<size_t>(slot)]) return errors::SlotSpecifiedTwice(slot);
      seen[static_cast<size_t>(slot)] = true;
    }
    for (int slot : slots) {
      if (add) {
        s.Assign(slot, s.myself());
      } else {
        s.Unassign(slot);
      }
    }
    s.UpdateState(ctx.server.cluster->options());
    Save(ctx);
    return "";
  });
  PersistAndReply(ctx, error, /*wake=*/true);
}

void AddSlots(CommandContext& ctx) { ChangeSlots(ctx, true, false); }
void AddSlotsRange(CommandContext& ctx) { ChangeSlots(ctx, true, true); }
void DelSlots(CommandContext& ctx) { ChangeSlots(ctx, false, false); }
void DelSlotsRange(CommandContext& ctx) { ChangeSlots(ctx, false, true); }

void FlushSlots(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  if (ctx.engine.KeyCount(0) != 0) {
    ctx.reply.Error(errors::kFlushSlotsNotEmpty);
    return;
  }
  ctx.server.cluster->Locked([&](ClusterState& s) {
    for (int j = 0; j < cluster::kSlots; ++j) {
      if (s.owner(j) == s.myself()) s.Unassign(j);
    }
    s.UpdateState(ctx.server.cluster->options());
    Save(ctx);
  });
  Persist(ctx);
  ctx.reply.Ok();
}

void MyId(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.reply.Bulk(ctx.server.cluster->Locked([](ClusterState& s) { return s.myself()->id; }));
}

// Redis 7.2's shard id; a shard is a master and its replicas, so Cairn names
// it after the master.
void MyShardId(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.reply.Bulk(ctx.server.cluster->Locked([](ClusterState& s) {
    const Node* me = s.myself();
    return me->master_id.empty() ? me->id : me->master_id;
  }));
}

void Nodes(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.reply.Verbatim(
      ctx.server.cluster->Locked([](ClusterState& s) { return cluster::DescribeNodes(s); }));
}

void Info(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  std::string out = ctx.server.cluster->Locked([](ClusterState& s) {
    int assigned = 0, ok = 0, pfail = 0, fail = 0;
    for (int j = 0; j < cluster::kSlots; ++j) {
      const Node* n = s.owner(j);
      if (n == nullptr) continue;
      ++assigned;
      if (n->failed()) {
        ++fail;
      } else if (n->timed_out()) {
        ++pfail;
      } else {
        ++ok;
      }
    }
    const Node* me = s.myself();
    uint64_t my_epoch = me->config_epoch;
    if (!me->is_master()) {
      const Node* master = s.Find(me->master_id);
      if (master != nullptr) my_epoch = master->config_epoch;
    }
    std::string o;
    o += std::string("cluster_state:") + (s.ok() ? "ok" : "fail") + "\r\n";
    o += "cluster_slots_assigned:" + std::to_string(assigned) + "\r\n";
    o += "cluster_slots_ok:" + std::to_string(ok) + "\r\n";
    o += "cluster_slots_pfail:" + std::to_string(pfail) + "\r\n";
    o += "cluster_slots_fail:" + std::to_string(fail) + "\r\n";
    o += "cluster_known_nodes:" + std::to_string(s.nodes().size()) + "\r\n";
    o += "cluster_size:" + std::to_string(s.Size()) + "\r\n";
    o += "cluster_current_epoch:" + std::to_string(s.current_epoch()) + "\r\n";
    o += "cluster_my_epoch:" + std::to_string(my_epoch) + "\r\n";
    // Per-type counters appear only once non-zero, sent then received.
    const struct {
      const char* name;
      uint64_t sent, received;
    } kTypes[] = {{"ping", s.ping_sent, s.ping_received},
                  {"pong", s.pong_sent, s.pong_received},
                  {"meet", s.meet_sent, s.meet_received},
                  {"fail", s.fail_sent, s.fail_received},
                  {"auth-req", s.auth_req_sent, s.auth_req_received},
                  {"auth-ack", s.auth_ack_sent, s.auth_ack_received},
                  {"mfstart", s.mfstart_sent, s.mfstart_received}};
    for (const auto& t : kTypes) {
      if (t.sent)
        o += std::string("cluster_stats_messages_") + t.name + "_sent:" + std::to_string(t.sent) +
             "\r\n";
    }
    o += "cluster_stats_messages_sent:" + std::to_string(s.messages_sent) + "\r\n";
    for (const auto& t : kTypes) {
      if (t.received) {
        o += std::string("cluster_stats_messages_") + t.name +
             "_received:" + std::to_string(t.received) + "\r\n";
      }
    }
    o += "cluster_stats_messages_received:" + std::to_string(s.messages_received) + "\r\n";
    o += "total_cluster_links_buffer_limit_exceeded:0\r\n";
    return o;
  });
  ctx.reply.Verbatim(out);
}

// One node of a CLUSTER SLOTS entry: ip, port, id, then a map of the
// endpoints not already given (the hostname, when set).
void SlotsNode(CommandContext& ctx, const Node& n) {
  ctx.reply.ArrayHeader(4);
  ctx.reply.Bulk(n.ip);
  ctx.reply.Integer(n.port);
  ctx.reply.Bulk(n.id);
  if (n.hostname.empty()) {
    ctx.reply.MapHeader(0);
  } else {
    ctx.reply.MapHeader(1);
    ctx.reply.Bulk("hostname");
    ctx.reply.Bulk(n.hostname);
  }
}

std::vector<const Node*> ReplicasOf(const ClusterState& s, const Node& master) {
  std::vector<const Node*> out;
  for (const auto& [id, n] : s.nodes()) {
    if ((n->flags & cluster::kFlagReplica) && n->master_id == master.id) out.push_back(n.get());
  }
  return out;
}

void Slots(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.server.cluster->Locked([&](ClusterState& s) {
    struct Range {
      int from, to;
      const Node* owner;
    };
    std::vector<Range> ranges;
    for (int j = 0; j < cluster::kSlots; ++j) {
      const Node* n = s.owner(j);
      if (n == nullptr) continue;
      if (!ranges.empty() && ranges.back().owner == n && ranges.back().to == j - 1) {
        ranges.back().to = j;
      } else {
        ranges.push_back({j, j, n});
      }
    }
    ctx.reply.ArrayHeader(ranges.size());
    for (const Range& r : ranges) {
      std::vector<const Node*> replicas;
      for (const Node* rep : ReplicasOf(s, *r.owner)) {
        if (!rep->failed()) replicas.push_back(rep);
      }
      ctx.reply.ArrayHeader(3 + replicas.size());
      ctx.reply.Integer(r.from);
      ctx.reply.Integer(r.to);
      SlotsNode(ctx, *r.owner);
      for (const Node* rep : replicas) SlotsNode(ctx, *rep);
    }
  });
}

void ShardNode(CommandContext& ctx, const Node& n) {
  ctx.reply.MapHeader(n.hostname.empty() ? 7 : 8);
  ctx.reply.Bulk("id");
  ctx.reply.Bulk(n.id);
  ctx.reply.Bulk("port");
  ctx.reply.Integer(n.port);
  ctx.reply.Bulk("ip");
  ctx.reply.Bulk(n.ip);
  ctx.reply.Bulk("endpoint");
  ctx.reply.Bulk(n.ip);
  if (!n.hostname.empty()) {
    ctx.reply.Bulk("hostname");
    ctx.reply.Bulk(n.hostname);
  }
  ctx.reply.Bulk("role");
  ctx.reply.Bulk(n.is_master() ? "master" : "replica");
  ctx.reply.Bulk("replication-offset");
  ctx.reply.Integer(0);
  ctx.reply.Bulk("health");
  // Replicas replicate nothing yet: offset 0 is what Redis calls "loading".
  ctx.reply.Bulk(n.failed() ? "fail" : (n.is_master() ? "online" : "loading"));
}

void Shards(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.server.cluster->Locked([&](ClusterState& s) {
    std::vector<const Node*> masters;
    for (const auto& [id, n] : s.nodes()) {
      if (n->is_master() && !(n->flags & cluster::kFlagHandshake)) masters.push_back(n.get());
    }
    ctx.reply.ArrayHeader(masters.size());
    for (const Node* m : masters) {
      ctx.reply.MapHeader(2);
      ctx.reply.Bulk("slots");
      auto ranges = cluster::SlotRanges(m->slots);
      ctx.reply.ArrayHeader(ranges.size() * 2);
      for (const auto& [from, to] : ranges) {
        ctx.reply.Integer(from);
        ctx.reply.Integer(to);
      }
      ctx.reply.Bulk("nodes");
      std::vector<const Node*> members{m};
      for (const Node* r : ReplicasOf(s, *m)) members.push_back(r);
      ctx.reply.ArrayHeader(members.size());
      for (const Node* n : members) ShardNode(ctx, *n);
    }
  });
}

void KeySlot(CommandContext& ctx) {
  // Answered in standalone mode too? No: Redis refuses every CLUSTER
  // subcommand there.
  if (!RequireCluster(ctx)) return;
  ctx.reply.Integer(KeyHashSlot(ctx.argv[2]));
}

void CountKeysInSlot(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  int64_t slot = 0;
  if (!ParseInt64(ctx.argv[2], &slot)) {
    ctx.reply.Error(errors::kNotInteger);
    return;
  }
  if (slot < 0 || slot >= cluster::kSlots) {
    ctx.reply.Error(errors::kInvalidSlot);
    return;
  }
  auto n = ctx.engine.CountKeysInSlot(0, static_cast<uint16_t>(slot));
  if (!n.ok()) {
    ctx.reply.Error(errors::ReadFailed(n.status().message()));
    return;
  }
  ctx.reply.Integer(*n);
}

void GetKeysInSlot(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  int64_t slot = 0, count = 0;
  if (!ParseInt64(ctx.argv[2], &slot) || !ParseInt64(ctx.argv[3], &count)) {
    ctx.reply.Error(errors::kNotInteger);
    return;
  }
  if (slot < 0 || slot >= cluster::kSlots || count < 0) {
    ctx.reply.Error(errors::kInvalidSlotOrCount);
    return;
  }
  std::vector<std::string> keys;
  Status s =
      ctx.engine.GetKeysInSlot(0, static_cast<uint16_t>(slot), static_cast<size_t>(count), &keys);
  if (!s.ok()) {
    ctx.reply.Error(errors::ReadFailed(s.message()));
    return;
  }
  ctx.reply.ArrayHeader(keys.size());
  for (const auto& k : keys) ctx.reply.Bulk(k);
}

void Meet(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  int64_t port = 0, bus_port = 0;
  if (!ParseInt64(ctx.argv[3], &port) || port < 0 || port > 65535) {
    ctx.reply.Error(errors::InvalidBasePort(ctx.argv[3]));
    return;
  }
  if (ctx.argv.size() == 5) {
    if (!ParseInt64(ctx.argv[4], &bus_port) || bus_port < 0 || bus_port > 65535) {
      ctx.reply.Error(errors::InvalidBusPort(ctx.argv[4]));
      return;
    }
  } else {
    bus_port = port + 10000;
  }
  std::string ip(ctx.argv[2]);
  unsigned char buf[sizeof(in6_addr)];
  bool valid =
      inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
  if (!valid || bus_port > 65535 || ctx.server.cluster->bus() == nullptr) {
    ctx.reply.Error(errors::InvalidNodeAddress(ctx.argv[2], ctx.argv[3]));
    return;
  }
  ctx.server.cluster->bus()->Meet(ip, static_cast<int>(port), static_cast<int>(bus_port));
  ctx.reply.Ok();
}

void Forget(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  std::string id(ctx.argv[2]);
  int64_t now = ctx.NowMs();
  std::string error = ctx.server.cluster->Locked([&](ClusterState& s) -> std::string {
    Node* n = s.Find(id);
    if (n == nullptr) return errors::UnknownNode(id);
    if (n == s.myself()) return std::string(errors::kForgetMyself);
    if (s.myself()->master_id == n->id) return std::string(errors::kForgetMyMaster);
    s.Blacklist(id, now + 60 * 1000);
    s.Remove(id);
    s.UpdateState(ctx.server.cluster->options());
    Save(ctx);
    return "";
  });
  PersistAndReply(ctx, error);
}

void Reset(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  bool hard = false;
  if (ctx.argv.size() == 3) {
    if (EqualsIgnoreCase(ctx.argv[2], "hard")) {
      hard = true;
    } else if (!EqualsIgnoreCase(ctx.argv[2], "soft")) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  } else if (ctx.argv.size() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  bool master = ctx.server.cluster->Locked([](ClusterState& s) { return s.myself()->is_master(); });
  if (master && ctx.engine.KeyCount(0) != 0) {
    ctx.reply.Error(errors::kResetWithKeys);
    return;
  }
  ctx.server.cluster->Locked([&](ClusterState& s) {
    s.Reset(hard, ctx.server.cluster->options());
    s.UpdateState(ctx.server.cluster->options());
    Save(ctx);
  });
  Persist(ctx);
  // A replica becomes an empty master (Redis's clusterReset: stop
  // replicating, then emptyData), so redis-cli --cluster del-node leaves a
  // node add-node accepts again.
  if (!master) {
    if (ctx.server.replication != nullptr) ctx.server.replication->ReplicaOfNoOne();
    Status s = ctx.engine.FlushAll();
    if (!s.ok()) {
      ctx.reply.Error(errors::WriteFailed(s.ToString()));
      return;
    }
  }
  ctx.reply.Ok();
}

void SetConfigEpoch(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  int64_t epoch = 0;
  if (!ParseInt64(ctx.argv[2], &epoch)) {
    ctx.reply.Error(errors::kNotInteger);
    return;
  }
  if (epoch < 0) {
    ctx.reply.Error(errors::InvalidConfigEpoch(ctx.argv[2]));
    return;
  }
  std::string error = ctx.server.cluster->Locked([&](ClusterState& s) -> std::string {
    if (s.nodes().size() > 1) return std::string(errors::kConfigEpochOthersKnown);
    if (s.myself()->config_epoch != 0) return std::string(errors::kConfigEpochNonZero);
    s.myself()->config_epoch = static_cast<uint64_t>(epoch);
    if (s.current_epoch() < static_cast<uint64_t>(epoch)) {
      s.set_current_epoch(static_cast<uint64_t>(epoch));
    }
    Save(ctx);
    return "";
  });
  PersistAndReply(ctx, error);
}

// Redis's clusterBumpConfigEpochWithoutConsensus.
void BumpEpoch(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  std::string out = ctx.server.cluster->Locked([&](ClusterState& s) {
    if (s.BumpConfigEpochWithoutConsensus()) {
      Save(ctx);
      return "BUMPED " + std::to_string(s.myself()->config_epoch);
    }
    return "STILL " + std::to_string(s.myself()->config_epoch);
  });
  Persist(ctx);
  ctx.reply.SimpleString(out);
}

void SaveConfig(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.server.cluster->Locked([&](ClusterState&) { ctx.server.cluster->ChangedLocked(); });
  Status s = ctx.server.cluster->Persist();
  if (!s.ok()) {
    ctx.reply.Error(errors::SaveConfigFailed(s.message()));
    return;
  }
  ctx.reply.Ok();
}

void CountFailureReports(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  std::string id(ctx.argv[2]);
  int64_t n = ctx.server.cluster->Locked([&](ClusterState& s) -> int64_t {
    Node* node = s.Find(id);
    if (node == nullptr) return -1;
    int64_t max_age = ctx.server.cluster->options().node_timeout_ms * 2;
    int64_t now = ctx.NowMs();
    return std::count_if(
        node->fail_reports.begin(), node->fail_reports.end(),
        [&](const cluster::FailureReport& r) { return now - r.time_ms <= max_age; });
  });
  if (n < 0) {
    ctx.reply.Error(errors::UnknownNode(id));
    return;
  }
  ctx.reply.Integer(n);
}

void LinkEntry(CommandContext& ctx, const char* direction, const Node& n, int64_t created) {
  ctx.reply.MapHeader(6);
  ctx.reply.Bulk("direction");
  ctx.reply.Bulk(direction);
  ctx.reply.Bulk("node");
  ctx.reply.Bulk(n.id);
  ctx.reply.Bulk("create-time");
  ctx.reply.Integer(created);
  ctx.reply.Bulk("events");
  ctx.reply.Bulk("r");
  // Cap'n Proto buffers its own output; Cairn has no per-link buffer to show.
  ctx.reply.Bulk("send-buffer-allocated");
  ctx.reply.Integer(0);
  ctx.reply.Bulk("send-buffer-used");
  ctx.reply.Integer(0);
}

// CLUSTER LINKS: per peer, our link to it ("to") and its link to us ("from"),
// as Redis lists them.
void Links(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.server.cluster->Locked([&](ClusterState& s) {
    size_t count = 0;
    for (const auto& [id, n] : s.nodes()) {
      if (n.get() == s.myself()) continue;
      count += (n->link_connected ? 1 : 0) + (n->inbound_link_ms != 0 ? 1 : 0);
    }
    ctx.reply.ArrayHeader(count);
    for (const auto& [id, n] : s.nodes()) {
      if (n.get() == s.myself()) continue;
      if (n->link_connected) LinkEntry(ctx, "to", *n, n->link_created_ms);
      if (n->inbound_link_ms != 0) LinkEntry(ctx, "from", *n, n->inbound_link_ms);
    }
  });
}

// CLUSTER FAILOVER [FORCE|TAKEOVER] (cluster/failover.h does the work on
// the bus thread; the reply only says it was accepted, as in Redis).
void Failover(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  using cluster::ManualFailoverMode;
  using cluster::ManualFailoverRefusal;
  ManualFailoverMode mode = ManualFailoverMode::kDefault;
  if (ctx.argv.size() > 3) {
    // Redis 7.0 only routes 2 or 3 arguments to FAILOVER.
    ctx.reply.Error(errors::SubcommandSyntax(ctx.argv[1], "cluster"));
    return;
  }
  if (ctx.argv.size() == 3 && EqualsIgnoreCase(ctx.argv[2], "force")) {
    mode = ManualFailoverMode::kForce;
  } else if (ctx.argv.size() == 3 && EqualsIgnoreCase(ctx.argv[2], "takeover")) {
    mode = ManualFailoverMode::kTakeover;
  } else if (ctx.argv.size() == 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  const int64_t now = ctx.server.cluster->clock().NowMs();
  ManualFailoverRefusal refusal = ctx.server.cluster->Locked([&](ClusterState& s) {
    cluster::Effects fx;
    ManualFailoverRefusal r =
        cluster::StartManualFailover(s, ctx.server.cluster->options(), mode, now, &fx);
    if (fx.state_changed) s.UpdateState(ctx.server.cluster->options());
    if (fx.save) Save(ctx);
    return r;
  });
  Persist(ctx);
  switch (refusal) {
    case ManualFailoverRefusal::kNone:
      break;
    case ManualFailoverRefusal::kNotReplica:
      ctx.reply.Error(errors::kFailoverNotReplica);
      return;
    case ManualFailoverRefusal::kMasterUnknown:
      ctx.reply.Error(errors::kFailoverMasterUnknown);
      return;
    case ManualFailoverRefusal::kMasterDown:
      ctx.reply.Error(errors::kFailoverMasterDown);
      return;
  }
  if (ctx.server.cluster->bus() != nullptr) ctx.server.cluster->bus()->Wake();
  ctx.reply.Ok();
}

void Replicate(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  std::string id(ctx.argv[2]);
  int64_t keys = ctx.engine.KeyCount(0);
  std::string error = ctx.server.cluster->Locked([&](ClusterState& s) -> std::string {
    Node* n = s.Find(id);
    if (n == nullptr) return errors::UnknownNode(id);
    Node* me = s.myself();
    if (n == me) return std::string(errors::kReplicateMyself);
    if (!n->is_master()) return std::string(errors::kReplicateReplica);
    if (me->is_master() && (me->slots.any() || keys != 0)) {
      return std::string(errors::kReplicateNotEmpty);
    }
    me->flags = (me->flags & ~cluster::kFlagMaster) | cluster::kFlagReplica;
    me->master_id = n->id;
    s.UpdateState(ctx.server.cluster->options());
    Save(ctx);
    return "";
  });
  PersistAndReply(ctx, error, /*wake=*/true);
}

void Replicas(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  std::string id(ctx.argv[2]);
  bool ok = ctx.server.cluster->Locked([&](ClusterState& s) {
    Node* n = s.Find(id);
    if (n == nullptr) {
      ctx.reply.Error(errors::UnknownNode(id));
      return false;
    }
    if (!n->is_master()) {
      ctx.reply.Error(errors::kNotAMaster);
      return false;
    }
    auto reps = ReplicasOf(s, *n);
    ctx.reply.ArrayHeader(reps.size());
    for (const Node* r : reps) ctx.reply.Bulk(NodeLine(s, *r));
    return true;
  });
  (void)ok;
}

void ClusterHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ADDSLOTS <slot> [<slot> ...]",
      "    Assign slots to current node.",
      "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
      "    Assign slots which are between <start-slot> and <end-slot> to current node.",
      "BUMPEPOCH",
      "    Advance the cluster config epoch.",
      "COUNT-FAILURE-REPORTS <node-id>",
      "    Return number of failure reports for <node-id>.",
      "COUNTKEYSINSLOT <slot>",
      "    Return the number of keys in <slot>.",
      "DELSLOTS <slot> [<slot> ...]",
      "    Delete slots information from current node.",
      "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
      "    Delete slots information which are between <start-slot> and <end-slot> from current "
      "node.",
      "FAILOVER [FORCE|TAKEOVER]",
      "    Promote current replica node to being a master.",
      "FORGET <node-id>",
      "    Remove a node from the cluster.",
      "GETKEYSINSLOT <slot> <count>",
      "    Return key names stored by current node in a slot.",
      "FLUSHSLOTS",
      "    Delete current node own slots information.",
      "INFO",
      "    Return information about the cluster.",
      "KEYSLOT <key>",
      "    Return the hash slot for <key>.",
      "MEET <ip> <port> [<bus-port>]",
      "    Connect nodes into a working cluster.",
      "MYID",
      "    Return the node id.",
      "NODES",
      "    Return cluster configuration seen by node. Output format:",
      "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
      "REPLICATE <node-id>",
      "    Configure current node as replica to <node-id>.",
      "RESET [HARD|SOFT]",
      "    Reset current node (default: soft).",
      "SET-CONFIG-EPOCH <epoch>",
      "    Set config epoch of current node.",
      "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
      "    Set slot state.",
      "REPLICAS <node-id>",
      "    Return <node-id> replicas.",
      "SAVECONFIG",
      "    Force saving cluster configuration on disk.",
      "SLOTS",
      "    Return information about slots range mappings. Each range is made of:",
      "    start, end, master and replicas IP addresses, ports and ids",
      "SHARDS",
      "    Return information about slot range mappings and the nodes associated with them.",
      "LINKS",
      "    Return information about all network links between this node and its peers.",
      "    Output format is an array where each array element is a map containing attributes of "
      "a link",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelpLines(ctx.reply, kLines);
}

void ClusterContainer(CommandContext& ctx) { ctx.reply.Error(errors::WrongArity("cluster")); }

void ReadOnly(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.client.cluster_readonly = true;
  ctx.reply.Ok();
}

void ReadWrite(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.client.cluster_readonly = false;
  ctx.reply.Ok();
}

void Asking(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.client.asking = true;
  ctx.reply.Ok();
}

CommandSpec Sub(const char* name, int arity, uint32_t flags, const char* summary, const char* since,
                const char* complexity, CommandHandler handler) {
  return MakeSpec(name, arity, flags, {}, "cluster", summary, since, complexity, handler);
}

}  // namespace

void RegisterClusterCommands(CommandRegistry& reg) {
  // As Redis 7.0 flags them (its no_async_loading has no counterpart here).
  const uint32_t kAdmin = kCmdAdmin | kCmdStale;
  const uint32_t kView = kCmdStale;
  CommandSpec cluster =
      MakeSpec("cluster", -2, 0, {}, "cluster", "A container for Redis Cluster commands", "3.0.0",
               "Depends on subcommand.", ClusterContainer);
  cluster.subcommands = {
      Sub("cluster|addslots", -3, kAdmin, "Assign new hash slots to receiving node", "3.0.0",
          "O(N) where N is the total number of hash slot arguments", AddSlots),
      Sub("cluster|addslotsrange", -4, kAdmin, "Assign new hash slots to receiving node", "7.0.0",
          "O(N) where N is the total number of the slots between the start slot and end slot "
          "arguments.",
          AddSlotsRange),
      Sub("cluster|bumpepoch", 2, kAdmin, "Advance the cluster config epoch", "3.0.0", "O(1)",
          BumpEpoch),
      Sub("cluster|cancelslotmigrations", 2, kAdmin,
          "Cancel all current ongoing slot migration operations.", "9.0.0",
          "O(N), where N is the number of active slot migration operations.",
          ClusterCancelSlotMigrations),
      Sub("cluster|count-failure-reports", 3, kAdmin,
          "Return the number of failure reports active for a given node", "3.0.0",
          "O(N) where N is the number of failure reports", CountFailureReports),
      Sub("cluster|countkeysinslot", 3, kView,
          "Return the number of local keys in the specified "
          "hash slot",
          "3.0.0", "O(1)", CountKeysInSlot),
      Sub("cluster|delslots", -3, kAdmin, "Set hash slots as unbound in receiving node", "3.0.0",
          "O(N) where N is the total number of hash slot arguments", DelSlots),
      Sub("cluster|delslotsrange", -4, kAdmin, "Set hash slots as unbound in receiving node",
          "7.0.0",
          "O(N) where N is the total number of the slots between the start slot and end slot "
          "arguments.",
          DelSlotsRange),
      Sub("cluster|flushslots", 2, kAdmin, "Delete a node's own slots information", "3.0.0", "O(1)",
          FlushSlots),
      Sub("cluster|failover", -2, kAdmin,
          "Forces a replica to perform a manual failover of its master.", "3.0.0", "O(1)",
          Failover),
      Sub("cluster|forget", 3, kAdmin, "Remove a node from the nodes table", "3.0.0", "O(1)",
          Forget),
      Sub("cluster|getkeysinslot", 4, kView, "Return local key names in the specified hash slot",
          "3.0.0", "O(log(N)) where N is the number of requested keys", GetKeysInSlot),
      Sub("cluster|getslotmigrations", 2, kAdmin,
          "Get the status of ongoing and recently finished slot import and export operations.",
          "9.0.0", "O(N), where N is the number of active slot import and export jobs.",
          ClusterGetSlotMigrations),
      Sub("cluster|help", 2, kCmdLoading | kCmdStale,
          "Show helpful text about the different "
          "subcommands",
          "5.0.0", "O(1)", ClusterHelp),
      Sub("cluster|info", 2, kView, "Provides info about Redis Cluster node state", "3.0.0", "O(1)",
          Info),
      Sub("cluster|keyslot", 3, kView, "Returns the hash slot of the specified key", "3.0.0",
          "O(N) where N is the number of bytes in the key", KeySlot),
      Sub("cluster|links", 2, kView,
          "Returns a list of all TCP links to and from peer nodes in "
          "cluster",
          "7.0.0", "O(N) where N is the total number of Cluster nodes", Links),
      Sub("cluster|meet", -4, kAdmin, "Force a node cluster to handshake with another node",
          "3.0.0", "O(1)", Meet),
      Sub("cluster|migrateslots", -7, kAdmin,
          "Migrate the given slots from this node to the specified node.", "9.0.0",
          "O(N), where N is the total number of the slots between the start slot and end slot "
          "arguments.",
          ClusterMigrateSlots),
      Sub("cluster|myid", 2, kView, "Return the node id", "3.0.0", "O(1)", MyId),
      Sub("cluster|myshardid", 2, kView, "Return the node shard id", "7.2.0", "O(1)", MyShardId),
      Sub("cluster|nodes", 2, kView, "Get Cluster config for the node", "3.0.0",
          "O(N) where N is the total number of Cluster nodes", Nodes),
      Sub("cluster|replicas", 3, kAdmin, "List replica nodes of the specified master node", "5.0.0",
          "O(1)", Replicas),
      Sub("cluster|replicate", 3, kAdmin,
          "Reconfigure a node as a replica of the specified "
          "master node",
          "3.0.0", "O(1)", Replicate),
      Sub("cluster|reset", -2, kAdmin | kCmdNoScript, "Reset a Redis Cluster node", "3.0.0",
          "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a "
          "side effect.",
          Reset),
      Sub("cluster|saveconfig", 2, kAdmin, "Forces the node to save cluster state on disk", "3.0.0",
          "O(1)", SaveConfig),
      Sub("cluster|set-config-epoch", 3, kAdmin, "Set the configuration epoch in a new node",
          "3.0.0", "O(1)", SetConfigEpoch),
      Sub("cluster|setslot", -4, kAdmin, "Bind a hash slot to a specific node", "3.0.0", "O(1)",
          ClusterSetSlot),
      Sub("cluster|shards", 2, kView, "Get array of cluster slots to node mappings", "7.0.0",
          "O(N) where N is the total number of cluster nodes", Shards),
      Sub("cluster|slaves", 3, kAdmin, "List replica nodes of the specified master node", "3.0.0",
          "O(1)", Replicas),
      Sub("cluster|slots", 2, kView, "Get array of Cluster slot to node mappings", "3.0.0",
          "O(N) where N is the total number of Cluster nodes", Slots),
  };
  reg.Add(std::move(cluster));
  const uint32_t kConn = kCmdFast | kCmdLoading | kCmdStale;
  reg.Add(MakeSpec("readonly", 1, kConn, {}, "cluster",
                   "Enables read queries for a connection to a cluster replica node", "3.0.0",
                   "O(1)", ReadOnly));
  reg.Add(MakeSpec("readwrite", 1, kConn, {}, "cluster",
                   "Disables read queries for a connection to a cluster replica node", "3.0.0",
                   "O(1)", ReadWrite));
  reg.Add(MakeSpec("asking", 1, kCmdFast, {}, "cluster",
                   "Sent by cluster clients after an -ASK redirect", "3.0.0", "O(1)", Asking));
}

}  // namespace cairn
