// The command table: every command's name, arity, flags, key positions, docs
// and handler. COMMAND / COMMAND INFO / COMMAND DOCS are generated from it.
// Command families register themselves explicitly (RegisterStringCommands).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/latency_histogram.h"
#include "server/client.h"
#include "server/client_pause.h"
#include "server/resp/reply.h"
#include "server/acl_log.h"
#include "server/slowlog.h"

namespace cairn {
namespace cluster {
class Cluster;
}  // namespace cluster
namespace storage {
class Engine;
class WriteSet;
}  // namespace storage

class Config;
struct Stats;
class CommandRegistry;
class Replication;
class PubsubRegistry;
class Persistence;

// Command flags, as COMMAND INFO names them.
enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,          // "write"
  kCmdReadonly = 1u << 1,       // "readonly"
  kCmdDenyOom = 1u << 2,        // "denyoom"
  kCmdAdmin = 1u << 3,          // "admin"
  kCmdPubsub = 1u << 4,         // "pubsub"
  kCmdNoScript = 1u << 5,       // "noscript"
  kCmdBlocking = 1u << 6,       // "blocking"
  kCmdLoading = 1u << 7,        // "loading"
  kCmdStale = 1u << 8,          // "stale"
  kCmdSkipMonitor = 1u << 9,    // "skip_monitor"
  kCmdSkipSlowlog = 1u << 10,   // "skip_slowlog"
  kCmdFast = 1u << 11,          // "fast"
  kCmdNoAuth = 1u << 12,        // "no_auth": allowed before AUTH
  kCmdMayReplicate = 1u << 13,  // "may_replicate"
  kCmdNoMulti = 1u << 14,       // "no_multi"
  kCmdAllowBusy = 1u << 15,     // "allow_busy"
  kCmdSentinel = 1u << 16,      // not reported
  kCmdAsking = 1u << 17,        // "asking": runs on an importing slot without ASKING
  kCmdNoAsyncLoading = 1u << 18,  // "no_async_loading"
  kCmdMovableKeys = 1u << 19,     // "movablekeys": keys found by find_keys
};

// One key specification (Redis 7 key specs): where the keys begin and how
// to find the rest. Covers the "index" + "range" shape every command here
// uses.
struct KeySpec {
  int begin_index = 1;     // argv index of the first key
  int last_key = 0;        // range lastkey: 0 = just one key, -1 = up to the last arg
  int key_step = 1;        // range keystep
  int limit = 0;           // range limit
  const char* flags = "";  // space-separated: "RW ACCESS UPDATE", "RO ACCESS", "OW UPDATE"
  const char* notes = nullptr;  // COMMAND INFO's "notes", as Redis words them
  // A begin_search by keyword instead of by index: the keys follow
  // `keyword`, searched from argv index `startfrom` (negative: counted from
  // the end, searching backwards). COMMAND INFO shows it; the command's
  // find_keys finds the keys.
  const char* keyword = nullptr;
  int startfrom = 0;
};

struct ServerContext;
class CommandContext;
struct CommandSpec;

// Runs one command that passed the checks (arity, auth...), counting it in
// commandstats: the connection implements it, EXEC runs its queue through it.
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  virtual void Run(const CommandSpec& spec, std::span<const std::string_view> argv) = 0;
};
using CommandHandler = void (*)(CommandContext&);

struct CommandSpec {
  std::string name;  // lower case; subcommands are "config|get"
  int arity = 0;     // > 0 exact, < 0 at least -arity (includes the name)
  uint32_t flags = 0;
  std::vector<KeySpec> key_specs;
  // COMMAND INFO's tips (Redis 7.0's, "request_policy:all_shards"...), set
  // from one table after registration (ApplyCommandTips).
  std::vector<std::string> tips;
  const char* group = "generic";  // COMMAND DOCS group and ACL category
  const char* summary = "";
  const char* since = "1.0.0";
  const char* complexity = "O(1)";
  std::vector<std::string> acl_categories;  // beyond those derived from flags/group
  CommandHandler handler = nullptr;
  // The keys of one call, for a command whose key specs cannot say
  // (kCmdMovableKeys, Redis's getkeys_proc): COMMAND GETKEYS and the
  // cluster's slot check use it.
  std::vector<int> (*find_keys)(std::span<const std::string_view> argv) = nullptr;
  // The key flags of one call, for a command whose key spec says
  // VARIABLE_FLAGS (COMMAND GETKEYSANDFLAGS; Redis's getkeys_proc).
  const char* (*key_flags)(std::span<const std::string_view> argv) = nullptr;
  std::vector<CommandSpec> subcommands;

  // commandstats, updated by every loop.
  mutable std::atomic<uint64_t> calls{0};
  mutable std::atomic<uint64_t> ticks{0};  // time spent, in CpuTicks
  mutable std::atomic<uint64_t> rejected_calls{0};
  mutable std::atomic<uint64_t> failed_calls{0};
  // Latency of each call (INFO latencystats, LATENCY HISTOGRAM), made on
  // the first call; not copied with the spec.
  mutable std::atomic<LatencyHistogram*> latency{nullptr};

  CommandSpec() = default;
  CommandSpec(const CommandSpec& o);
  CommandSpec& operator=(const CommandSpec& o);
  ~CommandSpec() { delete latency.load(); }
  // The latency histogram, made if this is the first call.
  LatencyHistogram& Latency() const;

  // Legacy (first, last, step) derived from the key specs, as COMMAND shows.
  void LegacyKeyRange(int* first, int* last, int* step) const;
  // The argv indexes of the keys of one call (COMMAND GETKEYS, locks, cluster).
  std::vector<int> KeyPositions(size_t argc) const;
  // Calls f(index) for each of them, in the same order, allocating nothing.
  template <typename F>
  void ForEachKeyPosition(size_t argc, F&& f) const {
    const int n = static_cast<int>(argc);
    for (const KeySpec& ks : key_specs) {
      if (ks.keyword != nullptr) continue;  // find_keys' to find
      const int first = ks.begin_index;
      if (first >= n) continue;
      int last = ks.last_key < 0 ? n + ks.last_key : first + ks.last_key;
      if (last >= n) last = n - 1;
      const int step = ks.key_step > 0 ? ks.key_step : 1;
      for (int i = first; i <= last; i += step) f(i);
    }
  }
  const CommandSpec* FindSubcommand(std::string_view name) const;
  bool CheckArity(size_t argc) const {
    return arity > 0 ? static_cast<int>(argc) == arity : static_cast<int>(argc) >= -arity;
  }
};

class CommandRegistry {
 public:
  void Add(CommandSpec spec);
  // Case-insensitive.
  const CommandSpec* Find(std::string_view name) const;
  // "get" or "config|get", as Redis's lookupCommandBySds (COMMAND INFO,
  // COMMAND DOCS, LATENCY HISTOGRAM).
  const CommandSpec* FindFullName(std::string_view name) const;
  const std::vector<std::unique_ptr<CommandSpec>>& all() const { return commands_; }
  void ResetStats();

 private:
  std::vector<std::unique_ptr<CommandSpec>> commands_;
  std::unordered_map<std::string, CommandSpec*> by_name_;
};

// What a running server offers the commands: narrow references, no god object.
struct ServerContext {
  ServerContext(Config& c, const Clock& cl, Stats& st, ClientRegistry& cr, CommandRegistry& cm,
                storage::Engine& e)
      : config(c), clock(cl), stats(st), clients(cr), commands(cm), engine(e) {}

  Config& config;
  const Clock& clock;
  Stats& stats;
  ClientRegistry& clients;
  CommandRegistry& commands;
  storage::Engine& engine;
  std::string run_id;         // 40 hex chars, new each start
  int64_t start_time_ms = 0;  // wall clock at start
  int64_t start_mono_ms = 0;  // monotonic at start (uptime)
  int tcp_port = 0;           // the port actually bound
  std::string executable;     // absolute path of the binary
  std::string config_file;    // absolute path, "" if none
  // Asks the process to shut down (SHUTDOWN). The loops stop after replies
  // already produced are written.
  std::function<void()> request_shutdown;
  // Wakes the owning loop of a client so it notices kill_requested.
  std::function<void(int worker)> wake_worker;
  PubsubRegistry* pubsub = nullptr;  // subscriptions and per-loop mailboxes
  // SAVE/BGSAVE/LASTSAVE state; set by Server::Start, outlives the loops.
  Persistence* persistence = nullptr;
  // Role, replica link and replicas; set by Server::Start, outlives the loops.
  Replication* replication = nullptr;
  cluster::Cluster* cluster = nullptr;  // null unless cluster-enabled yes
  SlowLog slowlog;                      // SLOWLOG, fed by every loop
  AclLog acl_log;                       // ACL LOG: failed authentications
  ClientPause pause;                    // CLIENT PAUSE / UNPAUSE
  // DEBUG SET-ACTIVE-EXPIRE: whether the housekeeper deletes due keys.
  std::atomic<bool> active_expire{true};
};

// What one command invocation may touch.
class CommandContext {
 public:
  CommandContext(std::span<const std::string_view> argv, const CommandSpec& spec, Client& client,
                 resp::ReplyBuilder& reply, ServerContext& server, CommandRunner* runner = nullptr)
      : argv(argv),
        spec(spec),
        client(client),
        reply(reply),
        server(server),
        engine(server.engine),
        runner(runner) {}

  std::span<const std::string_view> argv;
  const CommandSpec& spec;
  Client& client;
  resp::ReplyBuilder& reply;
  ServerContext& server;
  storage::Engine& engine;
  CommandRunner* runner;  // null outside a connection (tests)

  uint8_t db() const { return static_cast<uint8_t>(client.db); }
  int64_t NowMs() const;
  // Commits a WriteSet and remembers its sequence number so the reply waits
  // for the durability policy. On failure replies with an error and returns
  // false (nothing was written).
  bool Commit(storage::WriteSet& ws);
};

// Builds a CommandSpec from the fields every family sets; families wrap it
// with their group.
CommandSpec MakeSpec(const char* name, int arity, uint32_t flags, std::vector<KeySpec> keys,
                     const char* group, const char* summary, const char* since,
                     const char* complexity, CommandHandler handler,
                     std::vector<std::string> acl_categories = {});

// Gives the registered commands what Redis 7.0's COMMAND INFO shows and
// their registration does not derive: tips, key-spec notes, explicit ACL
// categories, the no_async_loading flag (commands/command_tips.cc).
void ApplyCommandTips(CommandRegistry& reg);

// Replies with a HELP text: an array of simple strings.
void ReplyHelpLines(resp::ReplyBuilder& reply, std::span<const char* const> lines);

// Registration of each family (one file each under server/commands/).
void RegisterStringCommands(CommandRegistry& reg);
void RegisterBitmapCommands(CommandRegistry& reg);
void RegisterAclCommands(CommandRegistry& reg);
void RegisterKeyCommands(CommandRegistry& reg);
void RegisterConnectionCommands(CommandRegistry& reg);
void RegisterAdminCommands(CommandRegistry& reg);
void RegisterSlowlogCommands(CommandRegistry& reg);
void RegisterMemoryCommands(CommandRegistry& reg);
void RegisterLatencyCommands(CommandRegistry& reg);
void RegisterIntrospectionCommands(CommandRegistry& reg);
void RegisterTransactionCommands(CommandRegistry& reg);
void RegisterReplicationCommands(CommandRegistry& reg);
void RegisterPubsubCommands(CommandRegistry& reg);
void RegisterKeyspaceCommands(CommandRegistry& reg);
void RegisterMigrationCommands(CommandRegistry& reg);  // MIGRATE (commands/migration.cc)
void RegisterFaultCommands(CommandRegistry& reg);
void RegisterPersistenceCommands(CommandRegistry& reg);
void RegisterClusterCommands(CommandRegistry& reg);

// All of the above.
void RegisterAllCommands(CommandRegistry& reg);

}  // namespace cairn
