// Persistence commands (rdb.c's saveCommand, bgsaveCommand, lastsaveCommand
// in Redis): SAVE, BGSAVE [SCHEDULE], LASTSAVE. A save is a RocksDB
// checkpoint under <dir>/checkpoints (server/persistence.h).
#include "server/persistence.h"

#include <cstdint>

#include "common/strings.h"
#include "server/command.h"
#include "server/errors.h"

namespace cairn {
namespace {

// SAVE blocks only the calling loop (Redis blocks the whole server); other
// loops keep serving while the checkpoint is taken.
void SaveCommand(CommandContext& ctx) {
  Status s = ctx.server.persistence->Save(false);
  if (s.code() == Status::Code::kBusy) {
    ctx.reply.Error(errors::kBgsaveInProgress);
    return;
  }
  if (!s.ok()) {
    ctx.reply.Error(errors::kSaveFailed);  // the reason is in the log, as Redis
    return;
  }
  ctx.reply.Ok();
}

// BGSAVE [SCHEDULE]. Redis schedules a BGSAVE only while another child (an
// AOF rewrite) runs; Cairn has none, so SCHEDULE starts at once like BGSAVE,
// and either one answers "already in progress" while a save runs.
void BgsaveCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 2 || (ctx.argv.size() == 2 && !EqualsIgnoreCase(ctx.argv[1], "schedule"))) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  Status s = ctx.server.persistence->StartBackgroundSave();
  if (!s.ok()) {
    ctx.reply.Error(errors::kBgsaveInProgress);
    return;
  }
  ctx.reply.SimpleString("Background saving started");
}

void LastsaveCommand(CommandContext& ctx) {
  ctx.reply.Integer(ctx.server.persistence->state().last_save_time_s);
}

CommandSpec Spec(const char* name, int arity, uint32_t flags, const char* summary,
                 const char* complexity, CommandHandler handler,
                 std::vector<std::string> acl = {}) {
  return MakeSpec(name, arity, flags, {}, "server", summary, "1.0.0", complexity, handler,
                  std::move(acl));
}

}  // namespace

void RegisterPersistenceCommands(CommandRegistry& reg) {
  reg.Add(Spec("save", 1, kCmdAdmin | kCmdNoScript | kCmdNoMulti,
               "Synchronously save the dataset to disk",
               "O(N) where N is the total number of keys in all databases", SaveCommand));
  reg.Add(Spec("bgsave", -1, kCmdAdmin | kCmdNoScript, "Asynchronously save the dataset to disk",
               "O(1)", BgsaveCommand));
  reg.Add(Spec("lastsave", 1, kCmdLoading | kCmdStale | kCmdFast,
               "Get the UNIX time stamp of the last successful save to disk", "O(1)",
               LastsaveCommand, {"@admin", "@dangerous"}));
}

}  // namespace cairn
