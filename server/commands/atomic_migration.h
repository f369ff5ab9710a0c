// Atomic slot migration commands (Valkey 9): CLUSTER MIGRATESLOTS,
// GETSLOTMIGRATIONS and CANCELSLOTMIGRATIONS, registered with the other
// CLUSTER subcommands by cluster.cc. The jobs run on the bus
// (cluster/slot_migration.h).
#pragma once

#include "server/command.h"

namespace cairn {

// CLUSTER MIGRATESLOTS SLOTSRANGE start end [start end ...] NODE id [SLOTSRANGE ...]
void ClusterMigrateSlots(CommandContext& ctx);
// CLUSTER GETSLOTMIGRATIONS
void ClusterGetSlotMigrations(CommandContext& ctx);
// CLUSTER CANCELSLOTMIGRATIONS
void ClusterCancelSlotMigrations(CommandContext& ctx);

}  // namespace cairn
