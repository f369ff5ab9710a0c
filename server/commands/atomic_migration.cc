#include "server/commands/atomic_migration.h"

#include <string>
#include <vector>

#include "cluster/cluster.h"
#include "cluster/slot_migration.h"
#include "common/strings.h"
#include "server/commands/cluster_args.h"
#include "server/errors.h"

namespace cairn {
namespace {

bool ParseSlotArg(CommandContext& ctx, std::string_view arg, uint16_t* slot) {
  int v = 0;
  if (!ParseSlot(ctx, arg, &v)) return false;
  *slot = static_cast<uint16_t>(v);
  return true;
}

// SLOTSRANGE start end [start end ...] NODE id, repeated. Replies with the
// error and returns false on bad syntax.
bool ParseGroups(CommandContext& ctx, std::vector<cluster::MigrateSlotsGroup>* groups) {
  const auto& argv = ctx.argv;
  size_t i = 2;
  while (i < argv.size()) {
    if (!EqualsIgnoreCase(argv[i], "slotsrange")) {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
    ++i;
    cluster::MigrateSlotsGroup g;
    size_t end = i;
    while (end < argv.size() && !EqualsIgnoreCase(argv[end], "node")) ++end;
    if (end == i || (end - i) % 2 != 0) {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
    while (i < end) {
      storage::SlotRange r;
      if (!ParseSlotArg(ctx, argv[i], &r.first) || !ParseSlotArg(ctx, argv[i + 1], &r.last)) {
        return false;
      }
      if (r.first > r.last) {
        ctx.reply.Error("ERR start slot number " + std::to_string(r.first) +
                        " is greater than end slot number " + std::to_string(r.last));
        return false;
      }
      g.ranges.push_back(r);
      i += 2;
    }
    if (g.ranges.empty() || i + 1 >= argv.size()) {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
    g.target_id = std::string(argv[i + 1]);
    i += 2;
    groups->push_back(std::move(g));
  }
  if (groups->empty()) {
    ctx.reply.Error(errors::kSyntax);
    return false;
  }
  return true;
}

}  // namespace

void ClusterMigrateSlots(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  std::vector<cluster::MigrateSlotsGroup> groups;
  if (!ParseGroups(ctx, &groups)) return;
  const int64_t now = ctx.NowMs();
  std::string error = ctx.server.cluster->Locked(
      [&](cluster::ClusterState& s) { return cluster::StartExports(s, groups, now); });
  if (!error.empty()) {
    ctx.reply.Error(error);
    return;
  }
  if (ctx.server.cluster->bus() != nullptr) ctx.server.cluster->bus()->Wake();
  ctx.reply.Ok();
}

void ClusterGetSlotMigrations(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  std::vector<cluster::SlotMigration> jobs =
      ctx.server.cluster->Locked([](cluster::ClusterState& s) { return s.slot_migrations; });
  ctx.reply.ArrayHeader(jobs.size());
  for (const cluster::SlotMigration& m : jobs) {
    ctx.reply.MapHeader(11);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(m.name);
    ctx.reply.Bulk("operation");
    ctx.reply.Bulk(m.op == cluster::SlotMigration::Op::kExport ? "EXPORT" : "IMPORT");
    ctx.reply.Bulk("slot_ranges");
    ctx.reply.Bulk(cluster::SlotRangesText(m.ranges));
    ctx.reply.Bulk("target_node");
    ctx.reply.Bulk(m.target_id);
    ctx.reply.Bulk("source_node");
    ctx.reply.Bulk(m.source_id);
    ctx.reply.Bulk("create_time");
    ctx.reply.Integer(m.create_ms / 1000);
    ctx.reply.Bulk("last_update_time");
    ctx.reply.Integer(m.update_ms / 1000);
    ctx.reply.Bulk("last_ack_time");
    ctx.reply.Integer(m.ack_ms / 1000);
    ctx.reply.Bulk("state");
    ctx.reply.Bulk(m.state);
    ctx.reply.Bulk("message");
    ctx.reply.Bulk(m.message);
    // Valkey reports its fork's copy-on-write bytes; a RocksDB snapshot
    // copies nothing.
    ctx.reply.Bulk("cow_size");
    ctx.reply.Integer(0);
  }
}

void ClusterCancelSlotMigrations(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.server.cluster->Locked([](cluster::ClusterState& s) { return cluster::CancelExports(s); });
  if (ctx.server.cluster->bus() != nullptr) ctx.server.cluster->bus()->Wake();
  ctx.reply.Ok();
}

}  // namespace cairn
