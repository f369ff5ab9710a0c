// CAIRN.FAULT: fault injection for tests (the partition fault of jepsen/ and
// the failover integration tests). Refused unless the server started with
// `enable-fault-injection yes`, as Redis refuses DEBUG unless
// enable-debug-command allows it.
//
//   CAIRN.FAULT BUS-DROP <ms>   drop every inbound and outbound cluster bus
//                               message for ms milliseconds (0 ends it): a
//                               partition of this node's bus links on
//                               loopback, without root. The client port
//                               keeps serving, which is what makes a
//                               partition dangerous.
//   CAIRN.FAULT MIGRATION-HOLD <ms>
//                               an atomic slot migration of this node keeps
//                               streaming changes and does not enter its
//                               write pause for ms milliseconds (0 ends it):
//                               a window to cancel or break one in.
#include <string>
#include <string_view>

#include "cluster/cluster.h"
#include "common/strings.h"
#include "server/command.h"
#include "server/config.h"
#include "server/errors.h"

namespace cairn {
namespace {

// An hour: a test that needs longer has lost its way.
constexpr int64_t kMaxDropMs = 3'600'000;

void FaultCommand(CommandContext& ctx) {
  if (!ctx.server.config.enable_fault_injection()) {
    ctx.reply.Error(
        "ERR CAIRN.FAULT not allowed. Set enable-fault-injection yes in the configuration file "
        "and restart the server.");
    return;
  }
  const bool drop = EqualsIgnoreCase(ctx.argv[1], "bus-drop");
  if (!drop && !EqualsIgnoreCase(ctx.argv[1], "migration-hold")) {
    ctx.reply.Error(errors::UnknownSubcommand(ctx.argv[1], "cairn.fault"));
    return;
  }
  if (ctx.argv.size() != 3) {
    ctx.reply.Error(
        errors::WrongArity(drop ? "cairn.fault|bus-drop" : "cairn.fault|migration-hold"));
    return;
  }
  int64_t ms = 0;
  if (!ParseInt64(ctx.argv[2], &ms) || ms < 0 || ms > kMaxDropMs) {
    ctx.reply.Error(std::string("ERR the ") + (drop ? "drop" : "hold") +
                    " time must be an integer between 0 and 3600000 (milliseconds)");
    return;
  }
  if (ctx.server.cluster == nullptr || ctx.server.cluster->bus() == nullptr) {
    ctx.reply.Error(errors::kClusterDisabled);
    return;
  }
  if (drop) {
    ctx.server.cluster->bus()->DropTraffic(ms);
  } else {
    ctx.server.cluster->bus()->HoldMigrations(ms);
  }
  ctx.reply.Ok();
}

}  // namespace

void RegisterFaultCommands(CommandRegistry& reg) {
  reg.Add(MakeSpec("cairn.fault", -2, kCmdAdmin | kCmdNoScript | kCmdStale | kCmdNoMulti, {},
                   "server", "Inject a fault for testing (needs enable-fault-injection yes)",
                   "0.1.0", "O(1)", FaultCommand));
}

}  // namespace cairn
