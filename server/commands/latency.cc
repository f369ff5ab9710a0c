// LATENCY (Redis's latency.c). HISTOGRAM reports the per-command latency
// histograms every call records (latency-tracking). Cairn has no latency
// monitor of events (latency-monitor-threshold): LATEST, HISTORY, RESET,
// GRAPH and DOCTOR answer as Redis does with its monitor disabled, its
// default.
#include <cstdint>
#include <string>
#include <vector>

#include "common/latency_histogram.h"
#include "common/strings.h"
#include "server/command.h"
#include "server/errors.h"

namespace cairn {
namespace {

// LATENCY HISTOGRAM's buckets, as Redis walks its HdrHistogram: powers of two
// from 1024 ns; each reported as the step's highest equivalent value in
// microseconds (1, 2, 4, 8, 16, 33, 66...), with the cumulative count, and
// only where the count grew.
void ReplyHistogram(resp::ReplyBuilder& r, const CommandSpec& c) {
  const LatencyHistogram& h = *c.latency.load(std::memory_order_acquire);
  const uint64_t calls = c.calls.load(std::memory_order_relaxed);
  const uint64_t max = h.Max();
  std::vector<uint64_t> highest;
  for (uint64_t step = 1024; step / 2 <= max && highest.size() < 64; step *= 2) {
    highest.push_back(step + step / 128 - 1);
  }
  const std::vector<uint64_t> cumulative = h.CountsAtMost(highest);
  std::vector<std::pair<int64_t, uint64_t>> buckets;
  uint64_t previous = 0;
  for (size_t i = 0; i < highest.size(); ++i) {
    if (cumulative[i] > previous) {
      buckets.emplace_back(static_cast<int64_t>(highest[i] / 1000), cumulative[i]);
    }
    previous = cumulative[i];
  }
  r.MapHeader(2);
  r.Bulk("calls");
  r.Integer(static_cast<int64_t>(calls));
  r.Bulk("histogram_usec");
  r.MapHeader(buckets.size());
  for (const auto& [usec, count] : buckets) {
    r.Integer(usec);
    r.Integer(static_cast<int64_t>(count));
  }
}

bool Recorded(const CommandSpec& c) {
  const LatencyHistogram* h = c.latency.load(std::memory_order_acquire);
  return h != nullptr && h->count() > 0;
}

void LatencyHistogramCommand(CommandContext& ctx) {
  std::vector<const CommandSpec*> specs;
  if (ctx.argv.size() == 2) {
    for (const auto& c : ctx.server.commands.all()) {
      if (Recorded(*c)) specs.push_back(c.get());
      for (const auto& s : c->subcommands) {
        if (Recorded(s)) specs.push_back(&s);
      }
    }
  } else {
    for (size_t i = 2; i < ctx.argv.size(); ++i) {
      const CommandSpec* c = ctx.server.commands.FindFullName(ctx.argv[i]);
      if (c == nullptr) continue;
      // A container stands for its subcommands, as in Redis.
      if (!c->subcommands.empty()) {
        for (const auto& s : c->subcommands) {
          if (Recorded(s)) specs.push_back(&s);
        }
      } else if (Recorded(*c)) {
        specs.push_back(c);
      }
    }
  }
  ctx.reply.MapHeader(specs.size());
  for (const CommandSpec* c : specs) {
    ctx.reply.Bulk(c->name);
    ReplyHistogram(ctx.reply, *c);
  }
}

void LatencyLatestCommand(CommandContext& ctx) { ctx.reply.ArrayHeader(0); }
void LatencyHistoryCommand(CommandContext& ctx) { ctx.reply.ArrayHeader(0); }
void LatencyResetCommand(CommandContext& ctx) { ctx.reply.Integer(0); }

void LatencyGraphCommand(CommandContext& ctx) {
  ctx.reply.Error("ERR No samples available for event '" + std::string(ctx.argv[2]) + "'");
}

void LatencyDoctorCommand(CommandContext& ctx) {
  ctx.reply.Verbatim(
      "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
      "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order "
      "to enable it. If we weren't in a deep space mission I'd suggest to take a look at "
      "https://redis.io/topics/latency-monitor.\n");
}

void LatencyHelpCommand(CommandContext& ctx) {
  static constexpr const char* kLines[] = {
      "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return a human readable latency analysis report.",
      "GRAPH <event>",
      "    Return an ASCII latency graph for the <event> class.",
      "HISTORY <event>",
      "    Return time-latency samples for the <event> class.",
      "LATEST",
      "    Return the latest latency samples for all events.",
      "RESET [<event> ...]",
      "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HISTOGRAM [COMMAND ...]",
      "    Return a cumulative distribution of latencies in the format of a histogram for the "
      "specified command names.",
      "    If no commands are specified then all histograms are replied.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelpLines(ctx.reply, kLines);
}

void LatencyContainerCommand(CommandContext& ctx) {
  ctx.reply.Error(errors::WrongArity("latency"));
}

CommandSpec Spec(const char* name, int arity, uint32_t flags, const char* summary,
                 const char* since, const char* complexity, CommandHandler handler) {
  return MakeSpec(name, arity, flags, {}, "server", summary, since, complexity, handler);
}

}  // namespace

void RegisterLatencyCommands(CommandRegistry& reg) {
  constexpr uint32_t kAdminFlags = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
  CommandSpec latency = Spec("latency", -2, 0, "A container for latency diagnostics commands",
                             "2.8.13", "Depends on subcommand.", LatencyContainerCommand);
  latency.subcommands = {
      Spec("latency|doctor", 2, kAdminFlags, "Return a human readable latency analysis report.",
           "2.8.13", "O(1)", LatencyDoctorCommand),
      Spec("latency|graph", 3, kAdminFlags, "Return a latency graph for the event.", "2.8.13",
           "O(1)", LatencyGraphCommand),
      Spec("latency|help", 2, kCmdLoading | kCmdStale,
           "Show helpful text about the different subcommands.", "2.8.13", "O(1)",
           LatencyHelpCommand),
      Spec("latency|histogram", -2, kAdminFlags,
           "Return the cumulative distribution of latencies of a subset of commands or all.",
           "7.0.0",
           "O(N) where N is the number of commands with latency information being retrieved.",
           LatencyHistogramCommand),
      Spec("latency|history", 3, kAdminFlags, "Return timestamp-latency samples for the event.",
           "2.8.13", "O(1)", LatencyHistoryCommand),
      Spec("latency|latest", 2, kAdminFlags, "Return the latest latency samples for all events.",
           "2.8.13", "O(1)", LatencyLatestCommand),
      Spec("latency|reset", -2, kAdminFlags, "Reset latency data for one or more events.", "2.8.13",
           "O(1)", LatencyResetCommand),
  };
  reg.Add(std::move(latency));
}

}  // namespace cairn
