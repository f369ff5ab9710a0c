// MEMORY USAGE/PURGE/MALLOC-STATS/HELP (Redis's object.c memoryCommand).
//
// MEMORY USAGE answers what Redis would report for the same key, so tools
// that rank keys by it (`redis-cli --memkeys`) rank them alike: the dict
// entry, the key's sds and the value object, each rounded up to jemalloc's
// size classes. It is Redis's in-memory size, not what the row costs Cairn
// on disk or in its caches (README, "Compatibility differences").
#include <cstdint>
#include <string>
#include <string_view>

#include "common/allocator.h"
#include "common/strings.h"
#include "server/command.h"
#include "server/commands/lookup.h"
#include "server/commands/string_encoding.h"
#include "server/errors.h"
#include "storage/engine.h"

namespace cairn {
namespace {

// The usable size jemalloc gives a request of n bytes: 8, then multiples of
// 16 up to 128, then four classes per doubling (160, 192, 224, 256, 320...).
uint64_t JemallocSize(uint64_t n) {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) / 16 * 16;
  uint64_t pow2 = 1;
  while (pow2 * 2 < n) pow2 *= 2;  // the largest power of two below n
  const uint64_t step = pow2 / 4;
  return (n + step - 1) / step * step;
}

// Header bytes of an sds of this length (sdsReqType: types 5, 8, 16, 32, 64).
uint64_t SdsHeader(uint64_t len, bool allow_type5) {
  if (len < 32 && allow_type5) return 1;
  if (len < (1ull << 8)) return 3;
  if (len < (1ull << 16)) return 5;
  if (len < (1ull << 32)) return 9;
  return 17;
}

uint64_t SdsAlloc(uint64_t len, bool allow_type5) {
  return JemallocSize(SdsHeader(len, allow_type5) + len + 1);
}

constexpr uint64_t kRobj = 16;                  // sizeof(robj)
constexpr uint64_t kDictEntry = 24;             // sizeof(dictEntry)
constexpr uint64_t kClusterEntryMetadata = 16;  // slot-to-keys links (cluster mode)

// objectComputeSize for a string in the encoding OBJECT ENCODING reports.
uint64_t StringObjectSize(const storage::KeyState& ks) {
  int64_t as_int = 0;
  switch (StringEncodingOf(ks.payload, ks.form, &as_int)) {
    case RedisEncoding::kInt:
      return kRobj;  // the value lives in the pointer
    case RedisEncoding::kEmbstr:
      return JemallocSize(kRobj + 3 + ks.payload.size() + 1);  // robj and sdshdr8 in one
    case RedisEncoding::kRaw:
      break;
  }
  return kRobj + SdsAlloc(ks.payload.size(), ks.form == storage::StringForm::kRaw);
}

void MemoryUsageCommand(CommandContext& ctx) {
  for (size_t j = 3; j < ctx.argv.size(); ++j) {
    if (EqualsIgnoreCase(ctx.argv[j], "samples") && j + 1 < ctx.argv.size()) {
      int64_t samples = 0;
      if (!ParseInt64(ctx.argv[j + 1], &samples)) {
        ctx.reply.Error(errors::kNotInteger);
        return;
      }
      if (samples < 0) {
        ctx.reply.Error(errors::kSyntax);
        return;
      }
      ++j;  // strings have nothing nested to sample
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  storage::KeyState ks;
  if (!ReadOrReply(ctx, ctx.argv[2], &ks)) return;
  if (!ks.live) {
    ctx.reply.Null();
    return;
  }
  uint64_t usage = StringObjectSize(ks) + SdsAlloc(ks.key.size(), true) + kDictEntry;
  if (ctx.server.cluster != nullptr) usage += kClusterEntryMetadata;
  ctx.reply.Integer(static_cast<int64_t>(usage));
}

// Every jemalloc arena purged (as Redis does), or glibc's malloc_trim when
// the server runs on it.
void MemoryPurgeCommand(CommandContext& ctx) {
  PurgeHeap();
  ctx.reply.Ok();
}

// jemalloc's statistics report, or Redis's answer without jemalloc.
void MemoryMallocStatsCommand(CommandContext& ctx) {
  std::string report = HeapStatsReport();
  if (report.empty()) report = "Stats not supported for the current allocator";
  ctx.reply.Verbatim(report);
}

void MemoryHelpCommand(CommandContext& ctx) {
  static constexpr const char* kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelpLines(ctx.reply, kLines);
}

void MemoryContainerCommand(CommandContext& ctx) { ctx.reply.Error(errors::WrongArity("memory")); }

CommandSpec Spec(const char* name, int arity, uint32_t flags, std::vector<KeySpec> keys,
                 const char* summary, const char* since, const char* complexity,
                 CommandHandler handler) {
  return MakeSpec(name, arity, flags, std::move(keys), "server", summary, since, complexity,
                  handler);
}

}  // namespace

void RegisterMemoryCommands(CommandRegistry& reg) {
  CommandSpec memory = Spec("memory", -2, 0, {}, "A container for memory diagnostics commands",
                            "4.0.0", "Depends on subcommand.", MemoryContainerCommand);
  memory.subcommands = {
      Spec("memory|help", 2, kCmdLoading | kCmdStale, {},
           "Show helpful text about the different subcommands", "4.0.0", "O(1)", MemoryHelpCommand),
      Spec("memory|malloc-stats", 2, 0, {}, "Show allocator internal stats", "4.0.0",
           "Depends on how much memory is allocated, could be slow", MemoryMallocStatsCommand),
      Spec("memory|purge", 2, 0, {}, "Ask the allocator to release memory", "4.0.0",
           "Depends on how much memory is allocated, could be slow", MemoryPurgeCommand),
      Spec("memory|usage", -3, kCmdReadonly, {KeySpec{2, 0, 1, 0, "RO"}},
           "Estimate the memory usage of a key", "4.0.0", "O(N) where N is the number of samples.",
           MemoryUsageCommand),
  };
  reg.Add(std::move(memory));
}

}  // namespace cairn
