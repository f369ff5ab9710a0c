// Redis-compatible slot migration (Redis 7.0 cluster.c): CLUSTER SETSLOT
// here, registered with the other CLUSTER subcommands by cluster.cc; MIGRATE
// by RegisterMigrationCommands (command.h).
#pragma once

#include "server/command.h"

namespace cairn {

// CLUSTER SETSLOT <slot> IMPORTING <id> | MIGRATING <id> | STABLE | NODE <id>
void ClusterSetSlot(CommandContext& ctx);

}  // namespace cairn
