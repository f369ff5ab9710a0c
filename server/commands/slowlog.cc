// SLOWLOG GET/LEN/RESET/HELP (Redis's slowlog.c); the log itself is
// server/slowlog.h, fed by Connection::CountCall.
#include <string>
#include <vector>

#include "common/strings.h"
#include "server/command.h"
#include "server/errors.h"
#include "server/slowlog.h"

namespace cairn {
namespace {

constexpr int64_t kDefaultGetCount = 10;

void SlowlogGetCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 3) {
    ctx.reply.Error(errors::SubcommandSyntax(ctx.argv[1], ctx.argv[0]));
    return;
  }
  int64_t count = kDefaultGetCount;
  if (ctx.argv.size() == 3 && (!ParseInt64(ctx.argv[2], &count) || count < -1)) {
    ctx.reply.Error("ERR count should be greater than or equal to -1");
    return;
  }
  const std::vector<SlowLog::Entry> entries = ctx.server.slowlog.Newest(count);
  ctx.reply.ArrayHeader(entries.size());
  for (const SlowLog::Entry& e : entries) {
    ctx.reply.ArrayHeader(6);
    ctx.reply.Integer(static_cast<int64_t>(e.id));
    ctx.reply.Integer(e.unix_seconds);
    ctx.reply.Integer(e.micros);
    ctx.reply.ArrayHeader(e.args.size());
    for (const std::string& a : e.args) ctx.reply.Bulk(a);
    ctx.reply.Bulk(e.addr);
    ctx.reply.Bulk(e.name);
  }
}

void SlowlogLenCommand(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.slowlog.size()));
}

void SlowlogResetCommand(CommandContext& ctx) {
  ctx.server.slowlog.Reset();
  ctx.reply.SimpleString("OK");
}

void SlowlogHelpCommand(CommandContext& ctx) {
  static constexpr const char* kLines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelpLines(ctx.reply, kLines);
}

void SlowlogContainerCommand(CommandContext& ctx) {
  ctx.reply.Error(errors::WrongArity("slowlog"));
}

CommandSpec Spec(const char* name, int arity, uint32_t flags, const char* summary,
                 const char* since, const char* complexity, CommandHandler handler) {
  return MakeSpec(name, arity, flags, {}, "server", summary, since, complexity, handler);
}

}  // namespace

void RegisterSlowlogCommands(CommandRegistry& reg) {
  constexpr uint32_t kAdminFlags = kCmdAdmin | kCmdLoading | kCmdStale;
  CommandSpec slowlog = Spec("slowlog", -2, 0, "A container for slow log commands", "2.2.12",
                             "Depends on subcommand.", SlowlogContainerCommand);
  slowlog.subcommands = {
      Spec("slowlog|get", -2, kAdminFlags, "Get the slow log's entries", "2.2.12",
           "O(N) where N is the number of entries returned", SlowlogGetCommand),
      Spec("slowlog|help", 2, kCmdLoading | kCmdStale,
           "Show helpful text about the different subcommands", "6.2.0", "O(1)",
           SlowlogHelpCommand),
      Spec("slowlog|len", 2, kAdminFlags, "Get the slow log's length", "2.2.12", "O(1)",
           SlowlogLenCommand),
      Spec("slowlog|reset", 2, kAdminFlags, "Clear all entries from the slow log", "2.2.12",
           "O(N) where N is the number of entries in the slowlog", SlowlogResetCommand),
  };
  reg.Add(std::move(slowlog));
}

}  // namespace cairn
