// Argument checks the CLUSTER subcommand handlers share (defined in
// cluster.cc): cluster mode on, and a slot number as Redis parses it.
#pragma once

#include <string_view>

#include "server/command.h"

namespace cairn {

// Replies "ERR This instance has cluster support disabled" and returns
// false in standalone mode.
bool RequireCluster(CommandContext& ctx);
// Redis's getSlotOrReply: 0..16383, else replies the error and returns false.
bool ParseSlot(CommandContext& ctx, std::string_view arg, int* slot);

}  // namespace cairn
