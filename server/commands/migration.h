// Redis-compatible slot migration (Redis 7.0 cluster.c): CLUSTER SETSLOT
// here, registered with the other CLUSTER subcommands by cluster.cc; MIGRATE
// by RegisterMigrationCommands (command.h).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "server/command.h"

namespace cairn {

// MIGRATE's keys in one call (argv[0] is MIGRATE), as Redis 7.0 finds them:
// argv[3], or the arguments after KEYS.
std::vector<int> MigrateKeyPositions(std::span<const std::string_view> argv);

// CLUSTER SETSLOT <slot> IMPORTING <id> | MIGRATING <id> | STABLE | NODE <id>
void ClusterSetSlot(CommandContext& ctx);

}  // namespace cairn
