// Keyspace commands (db.c, object.c and cluster.c's DUMP/RESTORE in Redis
// 7.0): RENAME, RENAMENX, COPY, MOVE, SWAPDB, RANDOMKEY, KEYS, SCAN, OBJECT,
// DUMP and RESTORE.
//
// Multi-key commands lock every key they touch (sorted stripes, across dbs
// for COPY ... DB and MOVE) and commit one WriteSet, so a crash or a
// concurrent reader never sees half a RENAME. Argument checks run in Redis's
// order, so a call with several problems gets the error Redis gives.
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/glob.h"
#include "common/strings.h"
#include "server/client.h"
#include "server/command.h"
#include "server/commands/lookup.h"
#include "server/commands/string_encoding.h"
#include "server/errors.h"
#include "server/stats.h"
#include "storage/dump_payload.h"
#include "storage/engine.h"

namespace cairn {
namespace {

using storage::KeyState;
using storage::WriteSet;

// Deletes an expired row met under the lock in `ws` (Redis's lookupKeyWrite
// does the same), counting it in expired_keys once committed.
int DropIfExpired(WriteSet& ws, KeyState& ks) {
  if (!ks.stored || ks.live) return 0;
  ws.Delete(ks);
  return 1;
}

// Commits `ws` (if it holds anything) and counts the expired rows it drops.
bool CommitOrReply(CommandContext& ctx, WriteSet& ws, int expired) {
  if (!ctx.Commit(ws)) return false;
  CountExpired(ctx, expired);
  return true;
}

// Writes `src`'s value, deadline and encoding under `dst`'s name. RENAME
// and MOVE move Redis's object as it is; COPY (`duplicate`) makes a new one
// in the same encoding, so a shared integer's copy is not shared. Only
// strings exist in Cairn today; other types will copy their members here.
void PutCopy(WriteSet& ws, KeyState& dst, const KeyState& src, bool duplicate) {
  // Redis deletes a destination it replaces and adds the key anew: "new"
  // either way (a destination that was not live gets it from the put).
  if (dst.live) ws.Notify(storage::kEventNew, "new", dst);
  storage::StringForm form = src.form;
  if (duplicate && form == storage::StringForm::kAsSet) form = storage::StringForm::kCopy;
  ws.PutString(dst, src.payload, src.expire_ms, form);
}

// Redis's getIntFromObjectOrReply(..., NULL) followed by selectDb's range
// check (COPY ... DB, MOVE).
bool ParseDbOrReply(CommandContext& ctx, std::string_view arg, uint8_t* db) {
  int64_t v = 0;
  if (!ParseInt64(arg, &v)) {
    ctx.reply.Error(errors::kNotInteger);
    return false;
  }
  if (v < INT_MIN || v > INT_MAX) {
    ctx.reply.Error(errors::kIntOutOfRange);
    return false;
  }
  if (v < 0 || v >= ctx.engine.databases()) {
    ctx.reply.Error(errors::kDbIndexOutOfRange);
    return false;
  }
  *db = static_cast<uint8_t>(v);
  return true;
}

// ---------------------------------------------------------------- RENAME

// Redis's renameGenericCommand. The same name twice is a no-op that still
// requires the key to exist; the deadline moves with the value.
void RenameGeneric(CommandContext& ctx, bool nx) {
  const std::string_view src_key = ctx.argv[1];
  const std::string_view dst_key = ctx.argv[2];
  const bool same = src_key == dst_key;
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(),
                              std::vector<std::string_view>{src_key, dst_key});
  KeyState src;
  if (!LookupOrReply(ctx, ctx.db(), src_key, &src)) return;
  WriteSet ws(ctx.engine);
  int expired = 0;
  if (!src.live) {
    expired += DropIfExpired(ws, src);
    if (!CommitOrReply(ctx, ws, expired)) return;
    ctx.reply.Error(errors::kNoSuchKey);
    return;
  }
  if (same) {
    nx ? ctx.reply.Integer(0) : ctx.reply.Ok();
    return;
  }
  KeyState dst;
  if (!LookupOrReply(ctx, ctx.db(), dst_key, &dst)) return;
  if (dst.live && nx) {
    ctx.reply.Integer(0);
    return;
  }
  if (!dst.live) expired += DropIfExpired(ws, dst);
  PutCopy(ws, dst, src, false);
  ws.Delete(src);
  ws.Notify(storage::kEventGeneric, "rename_from", src);
  ws.Notify(storage::kEventGeneric, "rename_to", dst);
  if (!CommitOrReply(ctx, ws, expired)) return;
  nx ? ctx.reply.Integer(1) : ctx.reply.Ok();
}

void RenameCommand(CommandContext& ctx) { RenameGeneric(ctx, false); }
void RenameNxCommand(CommandContext& ctx) { RenameGeneric(ctx, true); }

// ------------------------------------------------------------ COPY, MOVE

// COPY source destination [DB destination-db] [REPLACE] (Redis's
// copyCommand): 1 if copied, 0 if the source is missing or the destination
// exists without REPLACE.
void CopyCommand(CommandContext& ctx) {
  uint8_t dst_db = ctx.db();
  bool replace = false;
  for (size_t j = 3; j < ctx.argv.size(); ++j) {
    const size_t additional = ctx.argv.size() - j - 1;
    if (EqualsIgnoreCase(ctx.argv[j], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.argv[j], "db") && additional > 0) {
      if (!ParseDbOrReply(ctx, ctx.argv[j + 1], &dst_db)) return;
      ++j;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if (ctx.server.cluster != nullptr && dst_db != 0) {
    ctx.reply.Error(errors::kCopyDbInCluster);
    return;
  }
  const std::string_view src_key = ctx.argv[1];
  const std::string_view dst_key = ctx.argv[2];
  if (dst_db == ctx.db() && src_key == dst_key) {
    ctx.reply.Error(errors::kSameObject);
    return;
  }
  storage::KeyLockGuard guard(ctx.engine.locks(), {{ctx.db(), src_key}, {dst_db, dst_key}});
  KeyState src;
  if (!LookupOrReply(ctx, ctx.db(), src_key, &src)) return;
  WriteSet ws(ctx.engine);
  int expired = DropIfExpired(ws, src);
  if (!src.live) {
    if (!CommitOrReply(ctx, ws, expired)) return;
    CountLookup(ctx, src);  // after the "expired" of the row dropped
    ctx.reply.Integer(0);
    return;
  }
  CountLookup(ctx, src);
  KeyState dst;
  if (!LookupOrReply(ctx, dst_db, dst_key, &dst)) return;
  if (dst.live && !replace) {
    ctx.reply.Integer(0);
    return;
  }
  if (!dst.live) expired += DropIfExpired(ws, dst);
  PutCopy(ws, dst, src, true);
  ws.Notify(storage::kEventGeneric, "copy_to", dst);
  if (!CommitOrReply(ctx, ws, expired)) return;
  ctx.reply.Integer(1);
}

// MOVE key db (Redis's moveCommand): 1 if moved; 0 if the key is missing
// here or already exists there.
void MoveCommand(CommandContext& ctx) {
  if (ctx.server.cluster != nullptr) {
    ctx.reply.Error(errors::kMoveInCluster);
    return;
  }
  uint8_t dst_db = 0;
  if (!ParseDbOrReply(ctx, ctx.argv[2], &dst_db)) return;
  if (dst_db == ctx.db()) {
    ctx.reply.Error(errors::kSameObject);
    return;
  }
  const std::string_view key = ctx.argv[1];
  storage::KeyLockGuard guard(ctx.engine.locks(), {{ctx.db(), key}, {dst_db, key}});
  KeyState src;
  if (!LookupOrReply(ctx, ctx.db(), key, &src)) return;
  WriteSet ws(ctx.engine);
  int expired = DropIfExpired(ws, src);
  if (!src.live) {
    if (!CommitOrReply(ctx, ws, expired)) return;
    ctx.reply.Integer(0);
    return;
  }
  KeyState dst;
  if (!LookupOrReply(ctx, dst_db, key, &dst)) return;
  if (dst.live) {
    ctx.reply.Integer(0);
    return;
  }
  expired += DropIfExpired(ws, dst);
  PutCopy(ws, dst, src, false);
  ws.Delete(src);
  ws.Notify(storage::kEventGeneric, "move_from", src);
  ws.Notify(storage::kEventGeneric, "move_to", dst);
  if (!CommitOrReply(ctx, ws, expired)) return;
  ctx.reply.Integer(1);
}

// SWAPDB index1 index2. Each index is parsed with its own error text, then
// both are range checked (Redis's swapdbCommand and dbSwapDatabases).
void SwapDbCommand(CommandContext& ctx) {
  if (ctx.server.cluster != nullptr) {
    ctx.reply.Error(errors::kSwapDbInCluster);
    return;
  }
  int64_t ids[2] = {0, 0};
  const std::string_view parse_errors[2] = {errors::kInvalidFirstDb, errors::kInvalidSecondDb};
  for (int i = 0; i < 2; ++i) {
    if (!ParseInt64(ctx.argv[1 + i], &ids[i]) || ids[i] < INT_MIN || ids[i] > INT_MAX) {
      ctx.reply.Error(parse_errors[i]);
      return;
    }
  }
  for (int64_t id : ids) {
    if (id < 0 || id >= ctx.engine.databases()) {
      ctx.reply.Error(errors::kDbIndexOutOfRange);
      return;
    }
  }
  Status s = ctx.engine.SwapDb(static_cast<uint8_t>(ids[0]), static_cast<uint8_t>(ids[1]));
  if (!s.ok()) {
    ctx.reply.Error(errors::WriteFailed(s.ToString()));
    return;
  }
  // Written outside a WriteSet: the reply still waits for the fsync policy.
  uint64_t seq = ctx.engine.LatestSequence();
  if (seq > ctx.client.pending_write_seq) ctx.client.pending_write_seq = seq;
  ctx.reply.Ok();
}

// ----------------------------------------------------- RANDOMKEY, KEYS, SCAN

// Deletes expired rows a walk met, through Read (which locks and rechecks),
// as Redis's expireIfNeeded does for SCAN and RANDOMKEY.
void ExpireMet(CommandContext& ctx, const std::vector<std::string>& keys) {
  for (const std::string& k : keys) {
    KeyState ks;
    Status s = ctx.engine.Read(ctx.db(), k, &ks);
    (void)s;  // best effort: the active cycle deletes what is left
  }
}

void RandomKeyCommand(CommandContext& ctx) {
  // Each round deletes the expired rows it met, so a db full of expired keys
  // empties as it would in Redis; the bound keeps one call short.
  for (int round = 0; round < 100; ++round) {
    std::string key;
    bool found = false;
    std::vector<std::string> expired;
    Status s = ctx.engine.RandomKey(ctx.db(), &key, &found, &expired);
    if (!s.ok()) {
      ctx.reply.Error(errors::ReadFailed(s.ToString()));
      return;
    }
    ExpireMet(ctx, expired);
    if (found) {
      ctx.reply.Bulk(key);
      return;
    }
    if (expired.empty()) break;
  }
  ctx.reply.Null();
}

// KEYS pattern: every live key matching, in storage order. Expired keys are
// skipped, not deleted (Redis's keysCommand only checks keyIsExpired).
void KeysCommand(CommandContext& ctx) {
  const std::string_view pattern = ctx.argv[1];
  const bool all = pattern == "*";
  std::vector<std::string> found;
  uint16_t slot = 0;
  std::string from;
  bool exclusive = false;
  constexpr size_t kChunk = 1024;
  while (true) {
    std::vector<storage::ScannedKey> rows;
    bool end = false;
    Status s = ctx.engine.ScanKeys(ctx.db(), slot, from, exclusive, kChunk, &rows, &end);
    if (!s.ok()) {
      ctx.reply.Error(errors::ReadFailed(s.ToString()));
      return;
    }
    for (auto& r : rows) {
      if (r.live && (all || GlobMatch(pattern, r.key))) found.push_back(r.key);
    }
    if (end || rows.empty()) break;
    slot = rows.back().slot;
    from = std::move(rows.back().key);
    exclusive = true;
  }
  ctx.reply.ArrayHeader(found.size());
  for (const std::string& k : found) ctx.reply.Bulk(k);
}

// Redis's parseScanCursorOrReply: strtoul on the C string, so "" is 0, a
// leading '+' or '-' is accepted ("-1" wraps), a leading space or trailing
// junk is not, and bytes after a NUL are ignored.
bool ParseCursorOrReply(CommandContext& ctx, std::string_view arg, uint64_t* cursor) {
  const std::string text(arg.substr(0, arg.find('\0')));
  char* end = nullptr;
  errno = 0;
  unsigned long long v = strtoull(text.c_str(), &end, 10);
  if ((!text.empty() && isspace(static_cast<unsigned char>(text[0]))) || *end != '\0' ||
      errno == ERANGE) {
    ctx.reply.Error(errors::kInvalidCursor);
    return false;
  }
  *cursor = v;
  return true;
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] (Redis's
// scanGenericCommand). The cursor design is in storage/engine_keyspace.cc:
// a page walks about COUNT rows in storage order; MATCH, TYPE and expiry
// then filter them, so a page may come back short or empty with a cursor
// that is not 0, exactly as Redis allows.
void ScanCommand(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!ParseCursorOrReply(ctx, ctx.argv[1], &cursor)) return;
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;
  std::string_view type;
  bool use_type = false;
  for (size_t i = 2; i < ctx.argv.size();) {
    const size_t left = ctx.argv.size() - i;
    const std::string_view opt = ctx.argv[i];
    if (EqualsIgnoreCase(opt, "count") && left >= 2) {
      if (!ParseInt64(ctx.argv[i + 1], &count)) {
        ctx.reply.Error(errors::kNotInteger);
        return;
      }
      if (count < 1) {
        ctx.reply.Error(errors::kSyntax);
        return;
      }
    } else if (EqualsIgnoreCase(opt, "match") && left >= 2) {
      pattern = ctx.argv[i + 1];
      use_pattern = pattern != "*";
    } else if (EqualsIgnoreCase(opt, "type") && left >= 2) {
      // As in Redis, the type is compared as a C string.
      type = ctx.argv[i + 1];
      type = type.substr(0, type.find('\0'));
      use_type = true;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    i += 2;
  }
  std::vector<storage::ScannedKey> rows;
  uint64_t next = 0;
  Status s = ctx.engine.Scan(ctx.db(), cursor, static_cast<size_t>(count), &rows, &next);
  if (!s.ok()) {
    ctx.reply.Error(errors::ReadFailed(s.ToString()));
    return;
  }
  std::vector<std::string> expired;
  size_t kept = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    storage::ScannedKey& r = rows[i];
    if (use_pattern && !GlobMatch(pattern, r.key)) continue;
    if (use_type && !EqualsIgnoreCase(type, storage::TypeName(r.type))) continue;
    if (!r.live) {
      expired.push_back(r.key);
      continue;
    }
    if (kept != i) rows[kept] = std::move(r);
    ++kept;
  }
  rows.resize(kept);
  ExpireMet(ctx, expired);
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.ArrayHeader(rows.size());
  for (const auto& r : rows) ctx.reply.Bulk(r.key);
}

// ----------------------------------------------------------------- OBJECT

// Looks up OBJECT's key; nil (and false) when it does not exist.
bool ObjectLookup(CommandContext& ctx, KeyState* ks) {
  if (!ReadOrReply(ctx, ctx.argv[2], ks)) return false;
  CountLookup(ctx, *ks, /*notify=*/false);
  if (!ks->live) {
    ctx.reply.Null();
    return false;
  }
  return true;
}

void ObjectEncodingCommand(CommandContext& ctx) {
  KeyState ks;
  if (!ObjectLookup(ctx, &ks)) return;
  int64_t v = 0;
  ctx.reply.Bulk(EncodingName(StringEncodingOf(ks.payload, ks.form, &v)));
}

// Redis shares the integers 0..9999 (OBJ_SHARED_INTEGERS) with a refcount
// of INT_MAX; every other value has one reference.
void ObjectRefcountCommand(CommandContext& ctx) {
  KeyState ks;
  if (!ObjectLookup(ctx, &ks)) return;
  int64_t v = -1;
  const bool shared = StringEncodingOf(ks.payload, ks.form, &v) == RedisEncoding::kInt &&
                      ks.form != storage::StringForm::kCopy && v >= 0 && v < 10000;
  ctx.reply.Integer(shared ? INT_MAX : 1);
}

// Cairn does not track access times (a read would become a write), so every
// key looks just used.
void ObjectIdletimeCommand(CommandContext& ctx) {
  KeyState ks;
  if (!ObjectLookup(ctx, &ks)) return;
  ctx.reply.Integer(0);
}

// No LFU policy exists in Cairn, so FREQ answers as Redis does without one
// (after the key lookup, as Redis).
void ObjectFreqCommand(CommandContext& ctx) {
  KeyState ks;
  if (!ObjectLookup(ctx, &ks)) return;
  ctx.reply.Error(errors::kLfuNotSelected);
}

void ObjectHelpCommand(CommandContext& ctx) {
  static constexpr const char* kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelpLines(ctx.reply, kLines);
}

// ---------------------------------------------------------- DUMP, RESTORE

void DumpCommand(CommandContext& ctx) {
  KeyState ks;
  if (!ReadOrReply(ctx, ctx.argv[1], &ks)) return;
  CountLookup(ctx, ks);
  if (!ks.live) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(storage::EncodeStringDump(ks.payload));
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds]
// [FREQ frequency] (Redis's restoreCommand, same order of checks: options,
// BUSYKEY, TTL, payload footer, payload body). IDLETIME and FREQ are checked
// and otherwise ignored: Cairn keeps neither.
void RestoreCommand(CommandContext& ctx) {
  bool replace = false;
  bool absttl = false;
  bool have_idle = false;
  bool have_freq = false;
  for (size_t j = 4; j < ctx.argv.size(); ++j) {
    const size_t additional = ctx.argv.size() - j - 1;
    const std::string_view opt = ctx.argv[j];
    int64_t v = 0;
    if (EqualsIgnoreCase(opt, "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(opt, "absttl")) {
      absttl = true;
    } else if (EqualsIgnoreCase(opt, "idletime") && additional >= 1 && !have_freq) {
      if (!ParseInt64(ctx.argv[j + 1], &v)) {
        ctx.reply.Error(errors::kNotInteger);
        return;
      }
      if (v < 0) {
        ctx.reply.Error(errors::kInvalidIdletime);
        return;
      }
      have_idle = true;
      ++j;
    } else if (EqualsIgnoreCase(opt, "freq") && additional >= 1 && !have_idle) {
      if (!ParseInt64(ctx.argv[j + 1], &v)) {
        ctx.reply.Error(errors::kNotInteger);
        return;
      }
      if (v < 0 || v > 255) {
        ctx.reply.Error(errors::kInvalidFreq);
        return;
      }
      have_freq = true;
      ++j;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  const std::string_view key = ctx.argv[1];
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), key);
  KeyState ks;
  if (!LookupOrReply(ctx, ctx.db(), key, &ks)) return;
  WriteSet ws(ctx.engine);
  int expired = DropIfExpired(ws, ks);
  // Every early reply below still commits `ws`: an expired row Redis's
  // lookupKeyWrite deleted stays deleted.
  auto fail = [&](std::string_view error) {
    if (!CommitOrReply(ctx, ws, expired)) return;
    ctx.reply.Error(error);
  };
  if (ks.live && !replace) return fail(errors::kBusyKey);
  int64_t ttl = 0;
  if (!ParseInt64(ctx.argv[2], &ttl)) return fail(errors::kNotInteger);
  if (ttl < 0) return fail(errors::kInvalidTtl);
  const std::string_view payload = ctx.argv[3];
  if (!storage::VerifyDumpPayload(payload).ok()) return fail(errors::kBadDumpPayload);
  std::string value;
  if (!storage::DecodeStringDump(payload, &value).ok()) return fail(errors::kBadDataFormat);
  // Redis adds mstime() without an overflow check; wrap the same way.
  const int64_t now = ctx.NowMs();
  if (ttl != 0 && !absttl) {
    ttl = static_cast<int64_t>(static_cast<uint64_t>(ttl) + static_cast<uint64_t>(now));
  }
  if (ttl != 0 && ttl <= now) {
    // Already expired: the old value (REPLACE) goes, nothing is created.
    if (ks.live) ws.Notify(storage::kEventGeneric, "del", ks);
    ws.Delete(ks);
  } else {
    // REPLACE deletes the old key and adds the restored one anew.
    if (ks.live) ws.Notify(storage::kEventNew, "new", ks);
    ws.PutString(ks, value, ttl);
    ws.Notify(storage::kEventGeneric, "restore", ks);
  }
  if (!CommitOrReply(ctx, ws, expired)) return;
  ctx.reply.Ok();
}

// -------------------------------------------------------------- registry

CommandSpec Spec(const char* name, int arity, uint32_t flags, std::vector<KeySpec> keys,
                 const char* summary, const char* since, const char* complexity,
                 CommandHandler handler, const char* group = "generic",
                 std::vector<std::string> acl = {"keyspace"}) {
  return MakeSpec(name, arity, flags, std::move(keys), group, summary, since, complexity, handler,
                  std::move(acl));
}

}  // namespace

// Names, arities, flags, key specs and docs as redis-server 7.0.15 reports
// them (COMMAND INFO / COMMAND DOCS).
void RegisterKeyspaceCommands(CommandRegistry& reg) {
  const uint32_t kR = kCmdReadonly, kW = kCmdWrite, kOom = kCmdDenyOom, kF = kCmdFast;
  reg.Add(Spec("rename", 3, kW, {{1, 0, 1, 0, "RW ACCESS DELETE"}, {2, 0, 1, 0, "OW UPDATE"}},
               "Rename a key", "1.0.0", "O(1)", RenameCommand));
  reg.Add(
      Spec("renamenx", 3, kW | kF, {{1, 0, 1, 0, "RW ACCESS DELETE"}, {2, 0, 1, 0, "OW INSERT"}},
           "Rename a key, only if the new key does not exist", "1.0.0", "O(1)", RenameNxCommand));
  reg.Add(Spec("copy", -3, kW | kOom, {{1, 0, 1, 0, "RO ACCESS"}, {2, 0, 1, 0, "OW UPDATE"}},
               "Copy a key", "6.2.0",
               "O(N) worst case for collections, where N is the number of nested items. O(1) for "
               "string values.",
               CopyCommand));
  reg.Add(Spec("move", 3, kW | kF, {{1, 0, 1, 0, "RW ACCESS UPDATE"}},
               "Move a key to another database", "1.0.0", "O(1)", MoveCommand));
  reg.Add(Spec("swapdb", 3, kW | kF, {}, "Swaps two Redis databases", "4.0.0",
               "O(N) where N is the count of clients watching or blocking on keys from both "
               "databases.",
               SwapDbCommand, "server", {"keyspace", "dangerous"}));
  reg.Add(Spec("randomkey", 1, kR, {}, "Return a random key from the keyspace", "1.0.0", "O(1)",
               RandomKeyCommand));
  reg.Add(Spec("keys", 2, kR, {}, "Find all keys matching the given pattern", "1.0.0",
               "O(N) with N being the number of keys in the database, under the assumption that "
               "the key names in the database and the given pattern have limited length.",
               KeysCommand, "generic", {"keyspace", "dangerous"}));
  reg.Add(Spec("scan", -2, kR, {}, "Incrementally iterate the keys space", "2.8.0",
               "O(1) for every call. O(N) for a complete iteration, including enough command "
               "calls for the cursor to return back to 0. N is the number of elements inside the "
               "collection.",
               ScanCommand));
  reg.Add(Spec("dump", 2, kR, {{1, 0, 1, 0, "RO ACCESS"}},
               "Return a serialized version of the value stored at the specified key.", "2.6.0",
               "O(1) to access the key and additional O(N*M) to serialize it, where N is the "
               "number of Redis objects composing the value and M their average size. For small "
               "string values the time complexity is thus O(1)+O(1*M) where M is small, so "
               "simply O(1).",
               DumpCommand));
  reg.Add(Spec("restore", -4, kW | kOom, {{1, 0, 1, 0, "OW UPDATE"}},
               "Create a key using the provided serialized value, previously obtained using DUMP.",
               "2.6.0",
               "O(1) to create the new key and additional O(N*M) to reconstruct the serialized "
               "value, where N is the number of Redis objects composing the value and M their "
               "average size. For small string values the time complexity is thus O(1)+O(1*M) "
               "where M is small, so simply O(1). However for sorted set values the complexity is "
               "O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
               RestoreCommand, "generic", {"keyspace", "dangerous"}));
  // What MIGRATE sends in cluster mode: RESTORE that an importing node runs
  // without a preceding ASKING.
  reg.Add(Spec("restore-asking", -4, kW | kOom | kCmdAsking, {{1, 0, 1, 0, "OW UPDATE"}},
               "An internal command for migrating keys in a cluster", "3.0.0",
               "O(1) to create the new key and additional O(N*M) to reconstruct the serialized "
               "value, where N is the number of Redis objects composing the value and M their "
               "average size. For small string values the time complexity is thus O(1)+O(1*M) "
               "where M is small, so simply O(1). However for sorted set values the complexity is "
               "O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
               RestoreCommand, "server", {"keyspace", "dangerous"}));

  const KeySpec object_key{2, 0, 1, 0, "RO"};
  CommandSpec object =
      MakeSpec("object", -2, 0, {}, "generic", "A container for object introspection commands",
               "2.2.3", "Depends on subcommand.", ObjectHelpCommand);
  object.subcommands = {
      Spec("object|encoding", 3, kR, {object_key},
           "Inspect the internal encoding of a Redis object", "2.2.3", "O(1)",
           ObjectEncodingCommand),
      Spec("object|freq", 3, kR, {object_key},
           "Get the logarithmic access frequency counter of a "
           "Redis object",
           "4.0.0", "O(1)", ObjectFreqCommand),
      Spec("object|help", 2, kCmdLoading | kCmdStale, {},
           "Show helpful text about the different "
           "subcommands",
           "6.2.0", "O(1)", ObjectHelpCommand),
      Spec("object|idletime", 3, kR, {object_key},
           "Get the time since a Redis object was last accessed", "2.2.3", "O(1)",
           ObjectIdletimeCommand),
      Spec("object|refcount", 3, kR, {object_key},
           "Get the number of references to the value of the key", "2.2.3", "O(1)",
           ObjectRefcountCommand),
  };
  reg.Add(std::move(object));
}

}  // namespace cairn
