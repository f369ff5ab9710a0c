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
//   CAIRN.FAULT DISK-FULL <ms>  every write of the storage engine to a file
//                               fails with "No space left on device" for ms
//                               milliseconds (0 ends it): the full-disk
//                               path, without filling a disk.
#include <string>
#include <string_view>

#include "cluster/cluster.h"
#include "common/strings.h"
#include "server/command.h"
#include "server/config.h"
#include "server/errors.h"
#include "storage/engine.h"

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
  const bool disk_full = EqualsIgnoreCase(ctx.argv[1], "disk-full");
  if (!drop && !disk_full && !EqualsIgnoreCase(ctx.argv[1], "migration-hold")) {
    ctx.reply.Error(errors::UnknownSubcommand(ctx.argv[1], "cairn.fault"));
    return;
  }
  const char* what = drop ? "drop" : disk_full ? "disk-full" : "hold";
  if (ctx.argv.size() != 3) {
    ctx.reply.Error(errors::WrongArity(std::string("cairn.fault|") +
                                       (drop        ? "bus-drop"
                                        : disk_full ? "disk-full"
                                                    : "migration-hold")));
    return;
  }
  int64_t ms = 0;
  if (!ParseInt64(ctx.argv[2], &ms) || ms < 0 || ms > kMaxDropMs) {
    ctx.reply.Error(std::string("ERR the ") + what +
                    " time must be an integer between 0 and 3600000 (milliseconds)");
    return;
  }
  if (disk_full) {
    Status s = ctx.engine.InjectDiskFull(ms);
    if (!s.ok()) {
      ctx.reply.Error("ERR " + s.message());
      return;
    }
    ctx.reply.Ok();
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
