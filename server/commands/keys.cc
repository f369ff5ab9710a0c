// Generic keyspace commands (db.c and expire.c in Redis): DEL, UNLINK, EXISTS,
// TYPE, TOUCH, the EXPIRE family, TTL family, PERSIST, DBSIZE, FLUSHDB,
// FLUSHALL.
//
// Expired keys: a command never reports an expired key as present. Commands
// that hold a key's lock (everything here but TYPE and the TTL family, which
// use Engine::Read) delete an expired row they meet in the same WriteSet, as
// Redis's lookupKeyWrite does, so DBSIZE drops as it would in Redis.
#include <climits>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/strings.h"
#include "server/client.h"
#include "server/command.h"
#include "server/commands/lookup.h"
#include "server/errors.h"
#include "server/stats.h"
#include "storage/engine.h"

namespace cairn {
namespace {

// Looks up every key of argv[first..] under an already held guard. Returns
// false after replying with an error.
bool LookupAll(CommandContext& ctx, size_t first, std::vector<storage::KeyState>* out) {
  out->resize(ctx.argv.size() - first);
  for (size_t i = first; i < ctx.argv.size(); ++i) {
    Status s = ctx.engine.Lookup(ctx.db(), ctx.argv[i], &(*out)[i - first]);
    if (!s.ok()) {
      ctx.reply.Error(errors::ReadFailed(s.ToString()));
      return false;
    }
  }
  return true;
}

std::vector<std::string_view> KeysFrom(const CommandContext& ctx, size_t first) {
  return std::vector<std::string_view>(ctx.argv.begin() + static_cast<ptrdiff_t>(first),
                                       ctx.argv.end());
}

// DEL / UNLINK key [key ...]: how many live keys were removed. A key named
// twice counts once; an expired row is removed but not counted (Redis deletes
// it on lookup first).
void DelCommand(CommandContext& ctx) {
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), KeysFrom(ctx, 1));
  std::vector<storage::KeyState> states;
  if (!LookupAll(ctx, 1, &states)) return;
  storage::WriteSet ws(ctx.engine);
  std::unordered_set<std::string_view> seen;
  int64_t removed = 0;
  int64_t expired = 0;
  for (size_t i = 0; i < states.size(); ++i) {
    if (!seen.insert(ctx.argv[i + 1]).second) continue;
    storage::KeyState& ks = states[i];
    if (!ks.stored) continue;
    const bool live = ks.live;
    ++(live ? removed : expired);
    ws.Delete(ks);  // an expired row gets its "expired"
    if (live) ws.Notify(storage::kEventGeneric, "del", ks);
  }
  if (!ctx.Commit(ws)) return;
  CountExpired(ctx, expired);
  ctx.reply.Integer(removed);
}

// EXISTS and TOUCH: count live keys, repeats included. Expired rows met on the
// way are deleted (lazy expiry), without making the reply wait for the WAL.
void CountExisting(CommandContext& ctx) {
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), KeysFrom(ctx, 1));
  std::vector<storage::KeyState> states;
  if (!LookupAll(ctx, 1, &states)) return;
  storage::WriteSet ws(ctx.engine);
  std::unordered_set<std::string_view> expired;
  int64_t count = 0;
  for (size_t i = 0; i < states.size(); ++i) {
    storage::KeyState& ks = states[i];
    // The "keymiss" goes with the WriteSet's events, after the "expired"
    // of a row this deletes, as Redis's lookup orders them.
    CountLookup(ctx, ks, /*notify=*/false);
    if (ks.live) {
      ++count;
      continue;
    }
    if (ks.stored && expired.insert(ctx.argv[i + 1]).second) ws.Delete(ks);
    ws.Notify(storage::kEventKeyMiss, "keymiss", ks);
  }
  Status s = ctx.engine.Commit(ws);
  if (!s.ok()) {
    ctx.reply.Error(errors::WriteFailed(s.ToString()));
    return;
  }
  CountExpired(ctx, static_cast<int64_t>(expired.size()));
  ctx.reply.Integer(count);
}

void ExistsCommand(CommandContext& ctx) { CountExisting(ctx); }
void TouchCommand(CommandContext& ctx) { CountExisting(ctx); }

// TYPE key: a status reply, "none" when the key does not exist.
void TypeCommand(CommandContext& ctx) {
  storage::KeyState ks;
  Status s = ctx.engine.Read(ctx.db(), ctx.argv[1], &ks);
  if (!s.ok()) {
    ctx.reply.Error(errors::ReadFailed(s.ToString()));
    return;
  }
  CountLookup(ctx, ks);
  ctx.reply.SimpleString(ks.live ? storage::TypeName(ks.type) : "none");
}

// ------------------------------------------------------------------ EXPIRE

enum ExpireFlag : int {
  kExpireNx = 1,
  kExpireXx = 2,
  kExpireGt = 4,
  kExpireLt = 8,
};

// As Redis's parseExtendedExpireArgumentsOrReply: options are checked before
// the time argument is parsed.
bool ParseExpireFlags(CommandContext& ctx, int* flags) {
  *flags = 0;
  for (size_t j = 3; j < ctx.argv.size(); ++j) {
    std::string_view opt = ctx.argv[j];
    if (EqualsIgnoreCase(opt, "nx")) {
      *flags |= kExpireNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      *flags |= kExpireXx;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      *flags |= kExpireGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      *flags |= kExpireLt;
    } else {
      ctx.reply.Error(errors::UnsupportedOption(opt));
      return false;
    }
  }
  if ((*flags & kExpireNx) && (*flags & (kExpireXx | kExpireGt | kExpireLt))) {
    ctx.reply.Error(errors::kExpireNxIncompatible);
    return false;
  }
  if ((*flags & kExpireGt) && (*flags & kExpireLt)) {
    ctx.reply.Error(errors::kExpireGtLtIncompatible);
    return false;
  }
  return true;
}

// Redis's expireGenericCommand. `basetime` is added to the argument (now for
// EXPIRE/PEXPIRE, 0 for the *AT forms); `seconds` scales it by 1000.
void ExpireGeneric(CommandContext& ctx, int64_t basetime, bool seconds) {
  int flags = 0;
  if (!ParseExpireFlags(ctx, &flags)) return;
  int64_t when = 0;
  if (!ParseInt64(ctx.argv[2], &when)) {
    ctx.reply.Error(errors::kNotInteger);
    return;
  }
  // Negative values are allowed (the key is deleted); overflow is not.
  if (seconds) {
    if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
      ctx.reply.Error(errors::InvalidExpireTime(ctx.spec.name));
      return;
    }
    when *= 1000;
  }
  if (when > LLONG_MAX - basetime) {
    ctx.reply.Error(errors::InvalidExpireTime(ctx.spec.name));
    return;
  }
  when += basetime;

  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), ctx.argv[1]);
  storage::KeyState ks;
  Status s = ctx.engine.Lookup(ctx.db(), ctx.argv[1], &ks);
  if (!s.ok()) {
    ctx.reply.Error(errors::ReadFailed(s.ToString()));
    return;
  }
  storage::WriteSet ws(ctx.engine);
  if (!ks.live) {
    const bool expired = ks.stored;
    ws.Delete(ks);  // an expired row goes, as lookupKeyWrite would do
    if (!ctx.Commit(ws)) return;
    CountExpired(ctx, expired ? 1 : 0);
    ctx.reply.Integer(0);
    return;
  }
  // No TTL is an infinite one for GT/LT (Redis: current_expire == -1).
  const bool has_ttl = ks.expire_ms != 0;
  if (((flags & kExpireNx) && has_ttl) || ((flags & kExpireXx) && !has_ttl) ||
      ((flags & kExpireGt) && (!has_ttl || when <= ks.expire_ms)) ||
      ((flags & kExpireLt) && has_ttl && when >= ks.expire_ms)) {
    ctx.reply.Integer(0);
    return;
  }
  if (when <= ctx.NowMs()) {
    ws.Delete(ks);
    ws.Notify(storage::kEventGeneric, "del", ks);
  } else {
    ws.SetExpire(ks, when);
    ws.Notify(storage::kEventGeneric, "expire", ks);
  }
  if (!ctx.Commit(ws)) return;
  ctx.reply.Integer(1);
}

void ExpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, ctx.NowMs(), true); }
void PexpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, ctx.NowMs(), false); }
void ExpireatCommand(CommandContext& ctx) { ExpireGeneric(ctx, 0, true); }
void PexpireatCommand(CommandContext& ctx) { ExpireGeneric(ctx, 0, false); }

// Redis's ttlGenericCommand: -2 missing, -1 no TTL, else the remaining time
// (or the deadline for the *TIME forms), seconds rounded to nearest.
void TtlGeneric(CommandContext& ctx, bool ms, bool absolute) {
  storage::KeyState ks;
  Status s = ctx.engine.Read(ctx.db(), ctx.argv[1], &ks);
  if (!s.ok()) {
    ctx.reply.Error(errors::ReadFailed(s.ToString()));
    return;
  }
  CountLookup(ctx, ks);
  if (!ks.live) {
    ctx.reply.Integer(-2);
    return;
  }
  if (ks.expire_ms == 0) {
    ctx.reply.Integer(-1);
    return;
  }
  int64_t ttl = absolute ? ks.expire_ms : ks.expire_ms - ctx.NowMs();
  if (ttl < 0) ttl = 0;
  // Redis computes (ttl + 500) / 1000; split so a deadline near INT64_MAX
  // rounds the same way without overflowing.
  ctx.reply.Integer(ms ? ttl : ttl / 1000 + (ttl % 1000 >= 500 ? 1 : 0));
}

void TtlCommand(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void PttlCommand(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void ExpiretimeCommand(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void PexpiretimeCommand(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

// PERSIST key: 1 if a TTL was removed.
void PersistCommand(CommandContext& ctx) {
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), ctx.argv[1]);
  storage::KeyState ks;
  Status s = ctx.engine.Lookup(ctx.db(), ctx.argv[1], &ks);
  if (!s.ok()) {
    ctx.reply.Error(errors::ReadFailed(s.ToString()));
    return;
  }
  storage::WriteSet ws(ctx.engine);
  if (!ks.live) {
    const bool expired = ks.stored;
    ws.Delete(ks);  // as lookupKeyWrite
    if (!ctx.Commit(ws)) return;
    CountExpired(ctx, expired ? 1 : 0);
    ctx.reply.Integer(0);
    return;
  }
  if (ks.expire_ms == 0) {
    ctx.reply.Integer(0);
    return;
  }
  ws.SetExpire(ks, 0);
  ws.Notify(storage::kEventGeneric, "persist", ks);
  if (!ctx.Commit(ws)) return;
  ctx.reply.Integer(1);
}

// ------------------------------------------------------------------ server

// DBSIZE: the exact count kept by the engine. Like Redis's dictSize, it
// includes keys whose deadline passed but which no one deleted yet.
void DbsizeCommand(CommandContext& ctx) { ctx.reply.Integer(ctx.engine.KeyCount(ctx.db())); }

// FLUSHDB/FLUSHALL [ASYNC|SYNC] (Redis's getFlushCommandFlags). Both modes
// drop the keys with range deletions, which is already asynchronous in cost.
bool ParseFlushFlags(CommandContext& ctx) {
  if (ctx.argv.size() > 2 || (ctx.argv.size() == 2 && !EqualsIgnoreCase(ctx.argv[1], "sync") &&
                              !EqualsIgnoreCase(ctx.argv[1], "async"))) {
    ctx.reply.Error(errors::kSyntax);
    return false;
  }
  return true;
}

// Flushes are written outside a WriteSet; the reply still waits for the
// durability policy to cover them.
void FinishFlush(CommandContext& ctx, const Status& s) {
  if (!s.ok()) {
    ctx.reply.Error(errors::WriteFailed(s.ToString()));
    return;
  }
  uint64_t seq = ctx.engine.LatestSequence();
  if (seq > ctx.client.pending_write_seq) ctx.client.pending_write_seq = seq;
  ctx.server.stats.changes.fetch_add(1, std::memory_order_relaxed);  // one change, as SAVE sees it
  ctx.reply.Ok();
}

void FlushdbCommand(CommandContext& ctx) {
  if (!ParseFlushFlags(ctx)) return;
  FinishFlush(ctx, ctx.engine.FlushDb(ctx.db()));
}

void FlushallCommand(CommandContext& ctx) {
  if (!ParseFlushFlags(ctx)) return;
  FinishFlush(ctx, ctx.engine.FlushAll());
}

CommandSpec Spec(const char* name, int arity, uint32_t flags, std::vector<KeySpec> keys,
                 const char* group, const char* summary, const char* since, const char* complexity,
                 CommandHandler handler, std::vector<std::string> acl = {}) {
  return MakeSpec(name, arity, flags, std::move(keys), group, summary, since, complexity, handler,
                  std::move(acl));
}

}  // namespace

void RegisterKeyCommands(CommandRegistry& reg) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kR = kCmdReadonly;
  constexpr uint32_t kF = kCmdFast;
  const KeySpec one_rw_update{1, 0, 1, 0, "RW UPDATE"};
  const KeySpec one_ro_access{1, 0, 1, 0, "RO ACCESS"};

  reg.Add(Spec("del", -2, kW, {{1, -1, 1, 0, "RM DELETE"}}, "generic", "Delete a key", "1.0.0",
               "O(N) where N is the number of keys that will be removed. When a key to remove "
               "holds a value other than a string, the individual complexity for this key is "
               "O(M) where M is the number of elements in the list, set, sorted set or hash. "
               "Removing a single key that holds a string value is O(1).",
               DelCommand));
  reg.Add(Spec("unlink", -2, kW | kF, {{1, -1, 1, 0, "RM DELETE"}}, "generic",
               "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but "
               "non blocking.",
               "4.0.0",
               "O(1) for each key removed regardless of its size. Then the command does O(N) work "
               "in a different thread in order to reclaim memory, where N is the number of "
               "allocations the deleted objects where composed of.",
               DelCommand));
  reg.Add(Spec("exists", -2, kR | kF, {{1, -1, 1, 0, "RO"}}, "generic", "Determine if a key exists",
               "1.0.0", "O(N) where N is the number of keys to check.", ExistsCommand));
  reg.Add(Spec("type", 2, kR | kF, {{1, 0, 1, 0, "RO"}}, "generic",
               "Determine the type stored at key", "1.0.0", "O(1)", TypeCommand));
  reg.Add(Spec("touch", -2, kR | kF, {{1, -1, 1, 0, "RO"}}, "generic",
               "Alters the last access time of a key(s). Returns the number of existing keys "
               "specified.",
               "3.2.1", "O(N) where N is the number of keys that will be touched.", TouchCommand));

  reg.Add(Spec("expire", -3, kW | kF, {one_rw_update}, "generic",
               "Set a key's time to live in seconds", "1.0.0", "O(1)", ExpireCommand));
  reg.Add(Spec("pexpire", -3, kW | kF, {one_rw_update}, "generic",
               "Set a key's time to live in milliseconds", "2.6.0", "O(1)", PexpireCommand));
  reg.Add(Spec("expireat", -3, kW | kF, {one_rw_update}, "generic",
               "Set the expiration for a key as a UNIX timestamp", "1.2.0", "O(1)",
               ExpireatCommand));
  reg.Add(Spec("pexpireat", -3, kW | kF, {one_rw_update}, "generic",
               "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
               "2.6.0", "O(1)", PexpireatCommand));
  reg.Add(Spec("persist", 2, kW | kF, {one_rw_update}, "generic",
               "Remove the expiration from a key", "2.2.0", "O(1)", PersistCommand));

  reg.Add(Spec("ttl", 2, kR | kF, {one_ro_access}, "generic",
               "Get the time to live for a key in seconds", "1.0.0", "O(1)", TtlCommand));
  reg.Add(Spec("pttl", 2, kR | kF, {one_ro_access}, "generic",
               "Get the time to live for a key in milliseconds", "2.6.0", "O(1)", PttlCommand));
  reg.Add(Spec("expiretime", 2, kR | kF, {one_ro_access}, "generic",
               "Get the expiration Unix timestamp for a key", "7.0.0", "O(1)", ExpiretimeCommand));
  reg.Add(Spec("pexpiretime", 2, kR | kF, {one_ro_access}, "generic",
               "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0", "O(1)",
               PexpiretimeCommand));

  // Group "server" in COMMAND DOCS, ACL category @keyspace as in Redis.
  reg.Add(Spec("dbsize", 1, kR | kF, {}, "server",
               "Return the number of keys in the selected database", "1.0.0", "O(1)", DbsizeCommand,
               {"keyspace"}));
  reg.Add(Spec("flushdb", -1, kW, {}, "server", "Remove all keys from the current database",
               "1.0.0", "O(N) where N is the number of keys in the selected database",
               FlushdbCommand, {"keyspace", "dangerous"}));
  reg.Add(Spec("flushall", -1, kW, {}, "server", "Remove all keys from all databases", "1.0.0",
               "O(N) where N is the total number of keys in all databases", FlushallCommand,
               {"keyspace", "dangerous"}));
}

}  // namespace cairn
