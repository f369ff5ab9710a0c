// Server administration (config.c, debug.c and parts of server.c in Redis):
// CONFIG GET/SET/RESETSTAT/REWRITE/HELP, SHUTDOWN, TIME, DEBUG SLEEP/HELP.
#include <sys/time.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/strings.h"
#include "server/command.h"
#include "server/config.h"
#include "server/errors.h"
#include "server/persistence.h"
#include "server/pubsub.h"
#include "server/stats.h"
#include "storage/engine.h"

namespace cairn {
namespace {

// Redis's addReplyHelp: the header, the lines, then "HELP / Prints this help."
// as an array of status strings.
void ReplyHelp(CommandContext& ctx, std::string_view command,
               std::initializer_list<const char*> lines) {
  ctx.reply.ArrayHeader(lines.size() + 3);
  ctx.reply.SimpleString(std::string(command) +
                         " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (const char* l : lines) ctx.reply.SimpleString(l);
  ctx.reply.SimpleString("HELP");
  ctx.reply.SimpleString("    Prints this help.");
}

// ---- CONFIG ----

void ConfigGetCommand(CommandContext& ctx) {
  // Several patterns, each name reported once (Redis collects them in a dict).
  // A name without glob characters is looked up exactly and echoed as given,
  // as Redis 7.0 does ("CONFIG GET PORT" answers "PORT").
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    std::string_view pattern = ctx.argv[i];
    bool glob = pattern.find_first_of("[*?") != std::string_view::npos;
    for (auto& [name, value] : ctx.server.config.Get(pattern)) {
      if (!seen.insert(name).second) continue;
      out.emplace_back(glob ? name : std::string(pattern), std::move(value));
    }
  }
  ctx.reply.MapHeader(out.size());
  for (const auto& [name, value] : out) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(value);
  }
}

void ConfigSetCommand(CommandContext& ctx) {
  // Redis 7.0 answers an odd number of name/value arguments with a syntax error.
  if ((ctx.argv.size() - 2) % 2 != 0) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 2; i + 1 < ctx.argv.size(); i += 2) {
    pairs.emplace_back(std::string(ctx.argv[i]), std::string(ctx.argv[i + 1]));
  }
  const int64_t maxmemory_before = ctx.server.config.maxmemory();
  Status s = ctx.server.config.Set(pairs);
  if (!s.ok()) {
    ctx.reply.Error(s.message());
    return;
  }
  ctx.engine.SetKeyEventClasses(ctx.server.config.notify_keyspace_events());
  // The memory budget is the storage engine's to share out again.
  const int64_t maxmemory = ctx.server.config.maxmemory();
  if (maxmemory != maxmemory_before) {
    s = ctx.engine.SetMemoryBudget(static_cast<uint64_t>(maxmemory));
    if (!s.ok()) {
      LOG_WARNING("CONFIG SET maxmemory: resizing the memory budget failed: %s",
                  s.ToString().c_str());
    }
  }
  ctx.reply.Ok();
}

void ConfigResetStatCommand(CommandContext& ctx) {
  ctx.server.stats.Reset();
  ctx.server.commands.ResetStats();
  ctx.reply.Ok();
}

void ConfigRewriteCommand(CommandContext& ctx) {
  Status s = ctx.server.config.Rewrite();
  if (!s.ok()) {
    ctx.reply.Error(s.message());
    return;
  }
  ctx.reply.Ok();
}

void ConfigHelpCommand(CommandContext& ctx) {
  ReplyHelp(ctx, "CONFIG",
            {"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
             "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
             "RESETSTAT", "    Reset statistics reported by the INFO command.", "REWRITE",
             "    Rewrite the configuration file."});
}

// CONFIG with no subcommand never reaches a handler (arity -2); this keeps
// the container safe if the dispatcher ever lets it through.
void ConfigContainerCommand(CommandContext& ctx) { ctx.reply.Error(errors::WrongArity("config")); }

// ---- SHUTDOWN ----

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. The WAL is synced and the
// memtables flushed on the way out whatever the arguments, and there are no
// replicas to wait for. SAVE first takes a checkpoint as SAVE does (after
// a running BGSAVE ends); if it fails, the server stays up with Redis's
// error, unless FORCE. Without SAVE no checkpoint is taken, even with save
// points configured: the data is durable without one. As in Redis, a
// shutdown gets no reply: the connection just closes.
void ShutdownCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 6) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  bool nosave = false;
  bool save = false;
  bool now = false;
  bool force = false;
  bool abort = false;
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    std::string_view a = ctx.argv[i];
    if (EqualsIgnoreCase(a, "nosave")) {
      nosave = true;
    } else if (EqualsIgnoreCase(a, "save")) {
      save = true;
    } else if (EqualsIgnoreCase(a, "now")) {
      now = true;
    } else if (EqualsIgnoreCase(a, "force")) {
      force = true;
    } else if (EqualsIgnoreCase(a, "abort")) {
      abort = true;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if ((abort && (nosave || save || now || force)) || (nosave && save)) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (abort) {
    // A shutdown here is never "in progress": it starts and completes.
    ctx.reply.Error("ERR No shutdown in progress.");
    return;
  }
  if (save && ctx.server.persistence != nullptr) {
    Status s = ctx.server.persistence->Save(true);
    if (!s.ok() && !force) {
      ctx.reply.Error(errors::kShutdownFailed);
      return;
    }
  }
  ctx.client.close_after_reply = true;
  if (ctx.server.request_shutdown) ctx.server.request_shutdown();
}

// ---- TIME ----

void TimeCommand(CommandContext& ctx) {
  // Real wall time, like Redis (not the injected command clock, which may be
  // frozen in tests; TIME is what clients use to read the server's clock).
  struct timeval tv {};
  gettimeofday(&tv, nullptr);
  ctx.reply.ArrayHeader(2);
  ctx.reply.BulkInteger(static_cast<int64_t>(tv.tv_sec));
  ctx.reply.BulkInteger(static_cast<int64_t>(tv.tv_usec));
}

// ---- DEBUG ----

void DebugSubcommandError(CommandContext& ctx, std::string_view sub) {
  ctx.reply.Error(errors::SubcommandSyntax(sub, "debug"));
}

// MONITOR: from now on the client also receives, as simple strings, a line
// for every command any client runs (but administrative ones), after it
// ran (Connection::CountCall). A client already monitoring gets no reply,
// as in Redis; one inside EXEC cannot start (Redis refuses it there as a
// client that expects a reply per command). RESET or closing ends it.
void MonitorCommand(CommandContext& ctx) {
  if (ctx.client.txn.executing > 0) {
    ctx.reply.Error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  if (ctx.client.monitor || ctx.server.pubsub == nullptr) return;
  ctx.client.monitor = true;
  {
    std::lock_guard<std::mutex> lock(ctx.client.info->mu);
    ctx.client.info->monitor = true;
  }
  ctx.server.pubsub->AddMonitor(ctx.client.info->id, ctx.client.info->worker);
  ctx.reply.Ok();
}

// DEBUG HELP, SLEEP and SET-ACTIVE-EXPIRE only. Redis 7 disables DEBUG
// unless enable-debug-command is set; Cairn always allows these harmless ones.
void DebugCommand(CommandContext& ctx) {
  std::string_view sub = ctx.argv[1];
  if (EqualsIgnoreCase(sub, "help") && ctx.argv.size() == 2) {
    ReplyHelp(ctx, "DEBUG",
              {"SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed.",
               "SET-ACTIVE-EXPIRE <0|1>",
               "    Setting it to 0 disables expiring keys in background when they are not",
               "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
               "    default."});
    return;
  }
  if (EqualsIgnoreCase(sub, "set-active-expire") && ctx.argv.size() == 3) {
    // As Redis: atoi, so anything but a number turns it off.
    ctx.server.active_expire.store(atoi(std::string(ctx.argv[2]).c_str()) != 0);
    ctx.reply.Ok();
    return;
  }
  if (EqualsIgnoreCase(sub, "sleep") && ctx.argv.size() == 3) {
    // As Redis: strtod, so garbage sleeps 0; blocks this loop on purpose.
    std::string arg(ctx.argv[2]);
    double seconds = strtod(arg.c_str(), nullptr);
    if (seconds > 0) {
      std::this_thread::sleep_for(
          std::chrono::microseconds(static_cast<int64_t>(seconds * 1000000)));
    }
    ctx.reply.Ok();
    return;
  }
  DebugSubcommandError(ctx, sub);
}

CommandSpec Spec(const char* name, int arity, uint32_t flags, const char* summary,
                 const char* since, const char* complexity, CommandHandler handler) {
  CommandSpec c;
  c.name = name;
  c.arity = arity;
  c.flags = flags;
  c.group = "server";
  c.summary = summary;
  c.since = since;
  c.complexity = complexity;
  c.handler = handler;
  return c;
}

}  // namespace

void RegisterAdminCommands(CommandRegistry& reg) {
  constexpr uint32_t kAdminFlags = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;

  CommandSpec config = Spec("config", -2, 0, "A container for server configuration commands",
                            "2.0.0", "Depends on subcommand.", ConfigContainerCommand);
  config.subcommands.push_back(Spec("config|get", -3, kAdminFlags,
                                    "Get the values of configuration parameters", "2.0.0",
                                    "O(N) when N is the number of configuration parameters "
                                    "provided",
                                    ConfigGetCommand));
  config.subcommands.push_back(Spec("config|set", -4, kAdminFlags,
                                    "Set configuration parameters to the given values", "2.0.0",
                                    "O(N) when N is the number of configuration parameters "
                                    "provided",
                                    ConfigSetCommand));
  config.subcommands.push_back(Spec("config|resetstat", 2, kAdminFlags,
                                    "Reset the stats returned by INFO", "2.0.0", "O(1)",
                                    ConfigResetStatCommand));
  config.subcommands.push_back(
      Spec("config|rewrite", 2, kAdminFlags,
           "Rewrite the configuration file with the in memory configuration", "2.8.0", "O(1)",
           ConfigRewriteCommand));
  config.subcommands.push_back(Spec("config|help", 2, kCmdLoading | kCmdStale,
                                    "Show helpful text about the different subcommands", "5.0.0",
                                    "O(1)", ConfigHelpCommand));
  reg.Add(std::move(config));

  reg.Add(Spec("shutdown", -1,
               kAdminFlags | kCmdNoMulti | kCmdSentinel | kCmdAllowBusy,
               "Synchronously save the dataset to disk and then shut down the server", "1.0.0",
               "O(N) when saving, where N is the total number of keys in all databases when "
               "saving data, otherwise O(1)",
               ShutdownCommand));
  CommandSpec time = Spec("time", 1, kCmdLoading | kCmdStale | kCmdFast, "Return the current server time",
                          "2.6.0", "O(1)", TimeCommand);
  reg.Add(std::move(time));
  reg.Add(Spec("debug", -2, kAdminFlags, "A container for debugging commands", "1.0.0",
               "Depends on subcommand.", DebugCommand));
  reg.Add(Spec("monitor", 1, kAdminFlags,
               "Listen for all requests received by the server in real time", "1.0.0", "",
               MonitorCommand));
}

}  // namespace cairn
