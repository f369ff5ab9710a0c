// String commands (t_string.c in Redis 7.0): GET, SET and its variants,
// GETEX/GETDEL/GETSET, APPEND, STRLEN, GETRANGE/SUBSTR, SETRANGE, the INCR
// family, INCRBYFLOAT, MGET/MSET/MSETNX and LCS.
//
// Every handler validates its arguments, then (for writes) locks its keys,
// looks them up, builds one WriteSet and commits it before writing any reply,
// so a failed commit answers with exactly one error and nothing is changed.
// The order of the checks mirrors Redis, so that a call with several problems
// reports the same error Redis does.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/strings.h"
#include "server/command.h"
#include "server/commands/lookup.h"
#include "server/config.h"
#include "server/errors.h"
#include "storage/engine.h"

namespace cairn {
namespace {

// A reply that is a value or nil.
void ReplyOptional(CommandContext& ctx, const std::optional<std::string>& v) {
  if (v.has_value()) {
    ctx.reply.Bulk(*v);
  } else {
    ctx.reply.Null();
  }
}

// ---------------------------------------------------------------- expiry

enum class ExpireUnit { kNone, kEx, kPx, kExAt, kPxAt };

// Redis's getExpireMillisecondsOrReply: the absolute deadline in ms for an
// EX/PX/EXAT/PXAT argument. Zero, negative and overflowing values are
// "invalid expire time in '<command>' command".
bool ExpireDeadlineOrReply(CommandContext& ctx, std::string_view arg, ExpireUnit unit,
                           int64_t* deadline) {
  int64_t v = 0;
  if (!ParseIntOrReply(ctx, arg, &v)) return false;
  bool seconds = unit == ExpireUnit::kEx || unit == ExpireUnit::kExAt;
  bool relative = unit == ExpireUnit::kEx || unit == ExpireUnit::kPx;
  if (v <= 0 || (seconds && v > std::numeric_limits<int64_t>::max() / 1000)) {
    ctx.reply.Error(errors::InvalidExpireTime(ctx.spec.name));
    return false;
  }
  if (seconds) v *= 1000;
  if (relative && __builtin_add_overflow(v, ctx.NowMs(), &v)) {
    ctx.reply.Error(errors::InvalidExpireTime(ctx.spec.name));
    return false;
  }
  *deadline = v;
  return true;
}

// Writes a string with SET's events: "set", then "expire" for a deadline
// the command gave (`unit`), not one KEEPTTL kept. An EXAT/PXAT already
// past deletes the key instead: Redis never shows such a key again, and
// its events are those of a key set and then expired.
void PutWithDeadline(CommandContext& ctx, storage::WriteSet& ws, storage::KeyState& ks,
                     std::string_view value, int64_t deadline, ExpireUnit unit) {
  const bool absolute = unit == ExpireUnit::kExAt || unit == ExpireUnit::kPxAt;
  const bool gone = absolute && deadline <= ctx.NowMs();
  if (gone) {
    const bool created = !ks.live;
    ws.Delete(ks);
    if (created) ws.Notify(storage::kEventNew, "new", ks);
  } else {
    ws.PutString(ks, value, deadline);
  }
  ws.Notify(storage::kEventString, "set", ks);
  if (unit != ExpireUnit::kNone) ws.Notify(storage::kEventGeneric, "expire", ks);
  if (gone) ws.Notify(storage::kEventExpired, "expired", ks);
}

// ------------------------------------------------------------ SET family

constexpr uint32_t kSetNx = 1u << 0;
constexpr uint32_t kSetXx = 1u << 1;
constexpr uint32_t kSetGet = 1u << 2;
constexpr uint32_t kSetKeepTtl = 1u << 3;
constexpr uint32_t kSetPersist = 1u << 4;
constexpr uint32_t kSetIfEq = 1u << 5;  // Valkey 8.1: IFEQ comparison-value

struct SetOptions {
  uint32_t flags = 0;
  ExpireUnit unit = ExpireUnit::kNone;
  std::string_view expire_arg;
  std::string_view ifeq;  // the comparison value of IFEQ
};

enum class OptionsFor { kSet, kGetEx };

// Redis's parseExtendedStringArgumentsOrReply, condition for condition: the
// same option twice is allowed, conflicting ones are a syntax error.
bool ParseSetOptions(CommandContext& ctx, size_t first, OptionsFor cmd, SetOptions* o) {
  const bool set = cmd == OptionsFor::kSet;
  for (size_t j = first; j < ctx.argv.size(); ++j) {
    std::string_view opt = CStr(ctx.argv[j]);
    bool has_next = j + 1 < ctx.argv.size();
    bool has_expire = o->unit != ExpireUnit::kNone;
    auto expire_ok = [&](ExpireUnit u) {
      return has_next && !(o->flags & (kSetKeepTtl | kSetPersist)) &&
             (o->unit == ExpireUnit::kNone || o->unit == u);
    };
    if (set && EqualsIgnoreCase(opt, "NX") && !(o->flags & (kSetXx | kSetIfEq))) {
      o->flags |= kSetNx;
    } else if (set && EqualsIgnoreCase(opt, "XX") && !(o->flags & (kSetNx | kSetIfEq))) {
      o->flags |= kSetXx;
    } else if (set && EqualsIgnoreCase(opt, "IFEQ") && has_next &&
               !(o->flags & (kSetNx | kSetXx | kSetIfEq))) {
      // Valkey's compare-and-set; exclusive with NX and XX (and with itself).
      o->flags |= kSetIfEq;
      o->ifeq = ctx.argv[++j];
    } else if (set && EqualsIgnoreCase(opt, "GET")) {
      o->flags |= kSetGet;
    } else if (set && EqualsIgnoreCase(opt, "KEEPTTL") && !(o->flags & kSetPersist) &&
               !has_expire) {
      o->flags |= kSetKeepTtl;
    } else if (!set && EqualsIgnoreCase(opt, "PERSIST") && !has_expire &&
               !(o->flags & kSetKeepTtl)) {
      o->flags |= kSetPersist;
    } else if (EqualsIgnoreCase(opt, "EX") && expire_ok(ExpireUnit::kEx)) {
      o->unit = ExpireUnit::kEx;
      o->expire_arg = ctx.argv[++j];
    } else if (EqualsIgnoreCase(opt, "PX") && expire_ok(ExpireUnit::kPx)) {
      o->unit = ExpireUnit::kPx;
      o->expire_arg = ctx.argv[++j];
    } else if (EqualsIgnoreCase(opt, "EXAT") && expire_ok(ExpireUnit::kExAt)) {
      o->unit = ExpireUnit::kExAt;
      o->expire_arg = ctx.argv[++j];
    } else if (EqualsIgnoreCase(opt, "PXAT") && expire_ok(ExpireUnit::kPxAt)) {
      o->unit = ExpireUnit::kPxAt;
      o->expire_arg = ctx.argv[++j];
    } else {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// Redis's setGenericCommand. `ok_reply`/`abort_reply` replace +OK / nil
// (SETNX answers 1 / 0).
void SetGeneric(CommandContext& ctx, std::string_view key, std::string_view value,
                const SetOptions& o, const int64_t* ok_reply, const int64_t* abort_reply) {
  int64_t deadline = 0;
  if (o.unit != ExpireUnit::kNone && !ExpireDeadlineOrReply(ctx, o.expire_arg, o.unit, &deadline)) {
    return;
  }
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), key);
  const bool get = o.flags & kSetGet;
  const bool ifeq = o.flags & kSetIfEq;
  storage::KeyState ks;
  // Only GET and IFEQ read the old value; a plain SET replaces it unread.
  ks.skip_payload = !get && !ifeq;
  if (!LookupOrReply(ctx, key, &ks)) return;
  // An expired row a write goes over gets its "expired" from the write; the
  // paths that may write nothing, or read first, expire it now.
  if ((get || (o.flags & (kSetXx | kSetIfEq))) && !ExpireMetOrReply(ctx, ks)) return;
  if (get) CountLookup(ctx, ks);  // Redis reads the old value as GET does
  if ((get || ifeq) && WrongType(ctx, ks)) return;
  std::optional<std::string> old;
  if (get && ks.live && ks.type == storage::ValueType::kString) {
    // IFEQ still compares the payload below.
    old = ifeq ? ks.payload : std::move(ks.payload);
  }
  const bool found = ks.live;
  if (((o.flags & kSetNx) && found) || ((o.flags & kSetXx) && !found) ||
      (ifeq && (!found || ks.payload != o.ifeq))) {
    if (get) {
      ReplyOptional(ctx, old);
    } else if (abort_reply != nullptr) {
      ctx.reply.Integer(*abort_reply);
    } else {
      ctx.reply.Null();
    }
    return;
  }
  if (o.unit == ExpireUnit::kNone && (o.flags & kSetKeepTtl) && found) deadline = ks.expire_ms;
  storage::WriteSet ws(ctx.engine);
  PutWithDeadline(ctx, ws, ks, value, deadline, o.unit);
  if (!ctx.Commit(ws)) return;
  if (get) {
    ReplyOptional(ctx, old);
  } else if (ok_reply != nullptr) {
    ctx.reply.Integer(*ok_reply);
  } else {
    ctx.reply.Ok();
  }
}

// Replies with the stored value, nil if absent, WRONGTYPE if not a string.
void GetCommand(CommandContext& ctx) {
  storage::KeyState ks;
  if (!ReadOrReply(ctx, ctx.argv[1], &ks)) return;
  CountLookup(ctx, ks);
  if (!ks.live) {
    ctx.reply.Null();
    return;
  }
  if (WrongType(ctx, ks)) return;
  ctx.reply.Bulk(ks.payload);
}

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL]
void SetCommand(CommandContext& ctx) {
  SetOptions o;
  if (!ParseSetOptions(ctx, 3, OptionsFor::kSet, &o)) return;
  SetGeneric(ctx, ctx.argv[1], ctx.argv[2], o, nullptr, nullptr);
}

void SetNxCommand(CommandContext& ctx) {
  static constexpr int64_t kOne = 1, kZero = 0;
  SetOptions o;
  o.flags = kSetNx;
  SetGeneric(ctx, ctx.argv[1], ctx.argv[2], o, &kOne, &kZero);
}

void SetExCommand(CommandContext& ctx) {
  SetOptions o;
  o.unit = ExpireUnit::kEx;
  o.expire_arg = ctx.argv[2];
  SetGeneric(ctx, ctx.argv[1], ctx.argv[3], o, nullptr, nullptr);
}

void PSetExCommand(CommandContext& ctx) {
  SetOptions o;
  o.unit = ExpireUnit::kPx;
  o.expire_arg = ctx.argv[2];
  SetGeneric(ctx, ctx.argv[1], ctx.argv[3], o, nullptr, nullptr);
}

// GETSET key value: SET ... GET without options (clears the TTL).
void GetSetCommand(CommandContext& ctx) {
  SetOptions o;
  o.flags = kSetGet;
  SetGeneric(ctx, ctx.argv[1], ctx.argv[2], o, nullptr, nullptr);
}

// GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST]. As in Redis the key is
// looked up before the expire value is validated: a missing key answers nil
// whatever the value.
void GetExCommand(CommandContext& ctx) {
  SetOptions o;
  if (!ParseSetOptions(ctx, 2, OptionsFor::kGetEx, &o)) return;
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), ctx.argv[1]);
  storage::KeyState ks;
  if (!LookupOrReply(ctx, ctx.argv[1], &ks)) return;
  if (!ExpireMetOrReply(ctx, ks)) return;
  CountLookup(ctx, ks);
  if (!ks.live) {
    ctx.reply.Null();
    return;
  }
  if (WrongType(ctx, ks)) return;
  int64_t deadline = 0;
  if (o.unit != ExpireUnit::kNone && !ExpireDeadlineOrReply(ctx, o.expire_arg, o.unit, &deadline)) {
    return;
  }
  std::string value = ks.payload;
  storage::WriteSet ws(ctx.engine);
  if (o.unit != ExpireUnit::kNone) {
    if (deadline <= ctx.NowMs()) {
      ws.Delete(ks);
      ws.Notify(storage::kEventGeneric, "del", ks);
    } else {
      ws.SetExpire(ks, deadline);
      ws.Notify(storage::kEventGeneric, "expire", ks);
    }
  } else if ((o.flags & kSetPersist) && ks.expire_ms != 0) {
    ws.SetExpire(ks, 0);
    ws.Notify(storage::kEventGeneric, "persist", ks);
  }
  if (!ctx.Commit(ws)) return;
  ctx.reply.Bulk(value);
}

void GetDelCommand(CommandContext& ctx) {
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), ctx.argv[1]);
  storage::KeyState ks;
  if (!LookupOrReply(ctx, ctx.argv[1], &ks)) return;
  if (!ExpireMetOrReply(ctx, ks)) return;
  CountLookup(ctx, ks);
  if (!ks.live) {
    ctx.reply.Null();
    return;
  }
  if (WrongType(ctx, ks)) return;
  std::string value = ks.payload;
  storage::WriteSet ws(ctx.engine);
  ws.Delete(ks);
  ws.Notify(storage::kEventGeneric, "del", ks);
  if (!ctx.Commit(ws)) return;
  ctx.reply.Bulk(value);
}

// DELIFEQ key value (Valkey 9.0): deletes the key only if it holds exactly
// `value`; 1 if deleted, 0 if missing or different. The compare-and-delete
// that releases a lock safely without a script.
void DelIfEqCommand(CommandContext& ctx) {
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), ctx.argv[1]);
  storage::KeyState ks;
  if (!LookupOrReply(ctx, ctx.argv[1], &ks)) return;
  if (WrongType(ctx, ks)) return;
  if (!ks.live || ks.payload != ctx.argv[2]) {
    ctx.reply.Integer(0);
    return;
  }
  storage::WriteSet ws(ctx.engine);
  ws.Delete(ks);
  ws.Notify(storage::kEventGeneric, "del", ks);
  if (!ctx.Commit(ws)) return;
  ctx.reply.Integer(1);
}

// ---------------------------------------------------- in-place changes

// APPEND key value: creates the key if missing; keeps the TTL otherwise.
void AppendCommand(CommandContext& ctx) {
  std::string_view key = ctx.argv[1], value = ctx.argv[2];
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), key);
  storage::KeyState ks;
  if (!LookupOrReply(ctx, key, &ks)) return;
  storage::WriteSet ws(ctx.engine);
  if (!ks.live) {
    ws.PutString(ks, value, 0);
  } else {
    if (WrongType(ctx, ks)) return;
    if (!CheckStringLength(ctx, ks.payload.size(), value.size())) return;
    // Redis appends in place to a raw copy of the object, whatever its
    // encoding was; a new key is stored as SET would store it.
    ws.Append(ks, value);
  }
  ws.Notify(storage::kEventString, "append", ks);
  if (!ctx.Commit(ws)) return;
  ctx.reply.Integer(static_cast<int64_t>(ks.payload.size()));
}

void StrlenCommand(CommandContext& ctx) {
  storage::KeyState ks;
  if (!ReadOrReply(ctx, ctx.argv[1], &ks)) return;
  CountLookup(ctx, ks);
  if (WrongType(ctx, ks)) return;
  ctx.reply.Integer(ks.live ? static_cast<int64_t>(ks.payload.size()) : 0);
}

// GETRANGE key start end (and SUBSTR): inclusive, negative indexes count
// from the end, out-of-range ends are clamped. The index arithmetic wraps as
// Redis's (size_t + long long) does, so huge negative values clamp to 0.
void GetRangeCommand(CommandContext& ctx) {
  int64_t start = 0, end = 0;
  if (!ParseIntOrReply(ctx, ctx.argv[2], &start)) return;
  if (!ParseIntOrReply(ctx, ctx.argv[3], &end)) return;
  storage::KeyState ks;
  if (!ReadOrReply(ctx, ctx.argv[1], &ks)) return;
  CountLookup(ctx, ks);
  if (!ks.live) {
    ctx.reply.Bulk("");
    return;
  }
  if (WrongType(ctx, ks)) return;
  const std::string& str = ks.payload;
  const uint64_t len = str.size();
  if (start < 0 && end < 0 && start > end) {
    ctx.reply.Bulk("");
    return;
  }
  if (start < 0) start = static_cast<int64_t>(len + static_cast<uint64_t>(start));
  if (end < 0) end = static_cast<int64_t>(len + static_cast<uint64_t>(end));
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (static_cast<uint64_t>(end) >= len) end = static_cast<int64_t>(len) - 1;
  if (start > end || len == 0) {
    ctx.reply.Bulk("");
    return;
  }
  ctx.reply.Bulk(std::string_view(str).substr(static_cast<size_t>(start),
                                              static_cast<size_t>(end - start + 1)));
}

// SETRANGE key offset value: zero-pads as needed; an empty value changes
// nothing (and creates nothing) and answers the current length.
void SetRangeCommand(CommandContext& ctx) {
  std::string_view key = ctx.argv[1], value = ctx.argv[3];
  int64_t offset = 0;
  if (!ParseIntOrReply(ctx, ctx.argv[2], &offset)) return;
  if (offset < 0) {
    ctx.reply.Error(errors::kOffsetOutOfRange);
    return;
  }
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), key);
  storage::KeyState ks;
  if (!LookupOrReply(ctx, key, &ks)) return;
  if (!ExpireMetOrReply(ctx, ks)) return;  // even if nothing is written
  if (ks.live && WrongType(ctx, ks)) return;
  if (value.empty()) {
    ctx.reply.Integer(ks.live ? static_cast<int64_t>(ks.payload.size()) : 0);
    return;
  }
  if (!CheckStringLength(ctx, static_cast<uint64_t>(offset), value.size())) return;
  const size_t off = static_cast<size_t>(offset);
  storage::WriteSet ws(ctx.engine);
  // Redis builds the new value as a raw string, for a new key too.
  WriteAt(ws, ks, off, value);
  ws.Notify(storage::kEventString, "setrange", ks);
  if (!ctx.Commit(ws)) return;
  ctx.reply.Integer(static_cast<int64_t>(ks.payload.size()));
}

// ------------------------------------------------------------- counters

// Redis's incrDecrCommand: the stored value must parse as a strict int64;
// a missing key counts as 0; the TTL is kept.
void IncrDecr(CommandContext& ctx, int64_t incr) {
  std::string_view key = ctx.argv[1];
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), key);
  storage::KeyState ks;
  if (!LookupOrReply(ctx, key, &ks)) return;
  // An expired key counts as 0 and is always written over (its "expired"
  // comes from the write).
  if (WrongType(ctx, ks)) return;
  int64_t value = 0;
  if (ks.live && !ParseIntOrReply(ctx, ks.payload, &value)) return;
  int64_t result = 0;
  if (__builtin_add_overflow(value, incr, &result)) {
    ctx.reply.Error(errors::kOverflow);
    return;
  }
  storage::WriteSet ws(ctx.engine);
  int64_t deadline = ks.live ? ks.expire_ms : 0;
  ws.PutString(ks, std::to_string(result), deadline);
  ws.Notify(storage::kEventString, "incrby", ks);
  if (!ctx.Commit(ws)) return;
  ctx.reply.Integer(result);
}

void IncrCommand(CommandContext& ctx) { IncrDecr(ctx, 1); }
void DecrCommand(CommandContext& ctx) { IncrDecr(ctx, -1); }

void IncrByCommand(CommandContext& ctx) {
  int64_t incr = 0;
  if (!ParseIntOrReply(ctx, ctx.argv[2], &incr)) return;
  IncrDecr(ctx, incr);
}

void DecrByCommand(CommandContext& ctx) {
  int64_t decr = 0;
  if (!ParseIntOrReply(ctx, ctx.argv[2], &decr)) return;
  if (decr == std::numeric_limits<int64_t>::min()) {  // cannot be negated
    ctx.reply.Error(errors::kDecrementOverflow);
    return;
  }
  IncrDecr(ctx, -decr);
}

// INCRBYFLOAT key increment: long double arithmetic, the result stored and
// replied in Redis's human format (17 digits, no exponent). Keeps the TTL.
void IncrByFloatCommand(CommandContext& ctx) {
  std::string_view key = ctx.argv[1];
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), key);
  storage::KeyState ks;
  if (!LookupOrReply(ctx, key, &ks)) return;
  if (!ExpireMetOrReply(ctx, ks)) return;  // even if an error follows
  if (WrongType(ctx, ks)) return;
  long double value = 0, incr = 0;
  if ((ks.live && !ParseLongDouble(ks.payload, &value)) || !ParseLongDouble(ctx.argv[2], &incr)) {
    ctx.reply.Error(errors::kNotFloat);
    return;
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.reply.Error(errors::kNanOrInfinity);
    return;
  }
  std::string text = FormatLongDoubleHuman(value);
  storage::WriteSet ws(ctx.engine);
  int64_t deadline = ks.live ? ks.expire_ms : 0;
  // Redis stores the formatted number as a string object, never as "int".
  ws.PutString(ks, text, deadline, storage::StringForm::kNoInt);
  ws.Notify(storage::kEventString, "incrbyfloat", ks);
  if (!ctx.Commit(ws)) return;
  ctx.reply.Bulk(text);
}

// ------------------------------------------------------------ multi-key

// MGET key...: nil for missing keys and for keys of other types. The keys
// are locked together, so (as in single-threaded Redis) an MGET never sees
// half of a concurrent MSET.
void MGetCommand(CommandContext& ctx) {
  std::vector<std::string_view> keys(ctx.argv.begin() + 1, ctx.argv.end());
  std::vector<std::optional<std::string>> values;
  values.reserve(keys.size());
  size_t hits = 0;
  {
    storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), keys);
    for (std::string_view key : keys) {
      storage::KeyState ks;
      if (!LookupOrReply(ctx, key, &ks)) return;
      if (!ExpireMetOrReply(ctx, ks)) return;
      hits += ks.live ? 1 : 0;
      if (!ks.live) NotifyKeyMiss(ctx, ks.db, ks.key);
      if (ks.live && ks.type == storage::ValueType::kString) {
        values.emplace_back(std::move(ks.payload));
      } else {
        values.emplace_back(std::nullopt);
      }
    }
  }
  CountLookups(ctx, hits, keys.size() - hits);
  ctx.reply.ArrayHeader(values.size());
  for (const auto& v : values) ReplyOptional(ctx, v);
}

// MSET / MSETNX: every key locked at once, one WriteSet, so a reader sees all
// of the keys set or none. A key named twice takes its last value.
void MSetGeneric(CommandContext& ctx, bool nx) {
  if (ctx.argv.size() % 2 == 0) {
    ctx.reply.Error(errors::WrongArity(ctx.spec.name));
    return;
  }
  // Each key once, in the order it first appears, with the last value
  // given for it (as Redis, whose later SETs overwrite the earlier ones).
  // A few keys are matched by a scan, many through a hash table.
  constexpr size_t kScanUpTo = 16;
  const size_t pairs = (ctx.argv.size() - 1) / 2;
  std::vector<std::string_view> keys;
  std::vector<std::string_view> values;
  keys.reserve(pairs);
  values.reserve(pairs);
  std::unordered_map<std::string_view, size_t> position;
  for (size_t i = 1; i + 1 < ctx.argv.size(); i += 2) {
    size_t at = keys.size();
    if (pairs <= kScanUpTo) {
      at = static_cast<size_t>(std::find(keys.begin(), keys.end(), ctx.argv[i]) - keys.begin());
    } else if (auto it = position.find(ctx.argv[i]); it != position.end()) {
      at = it->second;
    } else {
      position.emplace(ctx.argv[i], at);
    }
    if (at == keys.size()) {
      keys.push_back(ctx.argv[i]);
      values.push_back(ctx.argv[i + 1]);
    } else {
      values[at] = ctx.argv[i + 1];
    }
  }
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), keys);
  std::vector<storage::KeyState> states(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    states[i].skip_payload = true;  // replaced unread
    if (!LookupOrReply(ctx, keys[i], &states[i])) return;
    // MSETNX's existence check expires what it meets, as Redis's does.
    if (nx && !ExpireMetOrReply(ctx, states[i])) return;
    if (nx && states[i].live) {
      ctx.reply.Integer(0);
      return;
    }
  }
  storage::WriteSet ws(ctx.engine);
  if (keys.size() == pairs || !ctx.engine.WantsKeyEvent(storage::kEventString)) {
    for (size_t i = 0; i < keys.size(); ++i) {
      ws.PutString(states[i], values[i], 0);
      ws.Notify(storage::kEventString, "set", states[i]);
    }
  } else {
    // A key named again gets a "set" of its own, in argument order, as
    // Redis's repeated setKey: first appearances are `keys` in order.
    size_t next = 0;
    for (size_t i = 1; i + 1 < ctx.argv.size(); i += 2) {
      if (next < keys.size() && ctx.argv[i] == keys[next]) {
        ws.PutString(states[next], values[next], 0);
        ++next;
      }
      ws.Notify(storage::kEventString, "set", ctx.db(), ctx.argv[i]);
    }
  }
  if (!ctx.Commit(ws)) return;
  if (nx) {
    ctx.reply.Integer(1);
  } else {
    ctx.reply.Ok();
  }
}

void MSetCommand(CommandContext& ctx) { MSetGeneric(ctx, false); }
void MSetNxCommand(CommandContext& ctx) { MSetGeneric(ctx, true); }

// ------------------------------------------------------------------ LCS

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: Redis's
// dynamic-programming table, walked back from the end, emitting the matched
// ranges from the last to the first exactly as lcsCommand does.
void LcsCommand(CommandContext& ctx) {
  storage::KeyState ka, kb;
  // Each read's miss before the next read (its lazy expiry), as in Redis.
  if (!ReadOrReply(ctx, ctx.argv[1], &ka)) return;
  CountLookup(ctx, ka);
  if (!ReadOrReply(ctx, ctx.argv[2], &kb)) return;
  CountLookup(ctx, kb);
  if ((ka.live && ka.type != storage::ValueType::kString) ||
      (kb.live && kb.type != storage::ValueType::kString)) {
    ctx.reply.Error(errors::kLcsNotStrings);
    return;
  }
  const std::string a = ka.live ? std::move(ka.payload) : std::string();
  const std::string b = kb.live ? std::move(kb.payload) : std::string();
  bool getlen = false, getidx = false, withmatchlen = false;
  int64_t minmatchlen = 0;
  for (size_t j = 3; j < ctx.argv.size(); ++j) {
    std::string_view opt = ctx.argv[j];
    bool moreargs = j + 1 < ctx.argv.size();
    if (IsOption(opt, "IDX")) {
      getidx = true;
    } else if (IsOption(opt, "LEN")) {
      getlen = true;
    } else if (IsOption(opt, "WITHMATCHLEN")) {
      withmatchlen = true;
    } else if (IsOption(opt, "MINMATCHLEN") && moreargs) {
      if (!ParseIntOrReply(ctx, ctx.argv[j + 1], &minmatchlen)) return;
      if (minmatchlen < 0) minmatchlen = 0;
      ++j;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if (getidx && getlen) {
    ctx.reply.Error(errors::kLcsLenAndIdx);
    return;
  }
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    ctx.reply.Error(errors::kLcsStringTooLong);
    return;
  }
  const uint32_t alen = static_cast<uint32_t>(a.size());
  const uint32_t blen = static_cast<uint32_t>(b.size());
  const uint64_t cells = static_cast<uint64_t>(alen + 1) * (blen + 1);
  if (cells * sizeof(uint32_t) > static_cast<uint64_t>(ctx.server.config.proto_max_bulk_len())) {
    ctx.reply.Error(errors::kLcsTooMuchMemory);
    return;
  }
  std::vector<uint32_t> table(cells, 0);
  auto at = [&](uint32_t i, uint32_t j) -> uint32_t& { return table[j + i * (blen + 1)]; };
  for (uint32_t i = 1; i <= alen; ++i) {
    for (uint32_t j = 1; j <= blen; ++j) {
      if (a[i - 1] == b[j - 1]) {
        at(i, j) = at(i - 1, j - 1) + 1;
      } else {
        at(i, j) = std::max(at(i - 1, j), at(i, j - 1));
      }
    }
  }
  const uint32_t total = at(alen, blen);
  if (getlen) {
    ctx.reply.Integer(total);
    return;
  }

  struct Match {
    uint32_t a_start, a_end, b_start, b_end;
  };
  std::vector<Match> matches;
  std::string result(total, '\0');
  uint32_t idx = total;
  uint32_t arange_start = alen;  // alen: no range open
  uint32_t arange_end = 0, brange_start = 0, brange_end = 0;
  uint32_t i = alen, j = blen;
  while (i > 0 && j > 0) {
    bool emit_range = false;
    if (a[i - 1] == b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (arange_start == alen) {
        arange_start = arange_end = i - 1;
        brange_start = brange_end = j - 1;
      } else if (arange_start == i && brange_start == j) {
        --arange_start;
        --brange_start;
      } else {
        emit_range = true;
      }
      // A range that reached the start of either string is complete.
      if (arange_start == 0 || brange_start == 0) emit_range = true;
      --idx;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (arange_start != alen) emit_range = true;
    }
    if (emit_range) {
      uint32_t match_len = arange_end - arange_start + 1;
      if (minmatchlen == 0 || match_len >= static_cast<uint64_t>(minmatchlen)) {
        matches.push_back({arange_start, arange_end, brange_start, brange_end});
      }
      arange_start = alen;
    }
  }
  if (!getidx) {
    ctx.reply.Bulk(result);
    return;
  }
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("matches");
  ctx.reply.ArrayHeader(matches.size());
  for (const Match& m : matches) {
    ctx.reply.ArrayHeader(withmatchlen ? 3 : 2);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(m.a_start);
    ctx.reply.Integer(m.a_end);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(m.b_start);
    ctx.reply.Integer(m.b_end);
    if (withmatchlen) ctx.reply.Integer(m.a_end - m.a_start + 1);
  }
  ctx.reply.Bulk("len");
  ctx.reply.Integer(total);
}

// ------------------------------------------------------------- registry

// Redis's setGetKeys: SET reads its key only with GET.
const char* SetKeyFlags(std::span<const std::string_view> argv) {
  for (size_t i = 3; i < argv.size(); ++i) {
    if (IsOption(argv[i], "get")) return "RW ACCESS UPDATE";
  }
  return "OW UPDATE";
}

CommandSpec Spec(const char* name, int arity, uint32_t flags, std::vector<KeySpec> keys,
                 const char* summary, const char* since, const char* complexity,
                 CommandHandler handler) {
  return MakeSpec(name, arity, flags, std::move(keys), "string", summary, since, complexity,
                  handler);
}

// Key specs as Redis 7.0 declares them: {begin_index, last_key, step, limit, flags}.
KeySpec OneKey(const char* flags) { return {1, 0, 1, 0, flags}; }

constexpr const char* kGetRangeComplexity =
    "O(N) where N is the length of the returned string. The complexity is ultimately determined "
    "by the returned length, but because creating a substring from an existing string is very "
    "cheap, it can be considered O(1) for small strings.";

}  // namespace

// Names, arities, flags, key specs and docs follow Redis 7.0's command table
// (COMMAND INFO / COMMAND DOCS of redis-server 7.0.15).
void RegisterStringCommands(CommandRegistry& reg) {
  const uint32_t kRO = kCmdReadonly, kW = kCmdWrite, kOom = kCmdDenyOom, kFast = kCmdFast;
  reg.Add(Spec("get", 2, kRO | kFast, {OneKey("RO ACCESS")}, "Get the value of a key", "1.0.0",
               "O(1)", GetCommand));
  CommandSpec set = Spec("set", -3, kW | kOom, {OneKey("RW ACCESS UPDATE VARIABLE_FLAGS")},
                         "Set the string value of a key", "1.0.0", "O(1)", SetCommand);
  set.key_flags = SetKeyFlags;
  reg.Add(std::move(set));
  reg.Add(Spec("setnx", 3, kW | kOom | kFast, {OneKey("OW INSERT")},
               "Set the value of a key, only if the key does not exist", "1.0.0", "O(1)",
               SetNxCommand));
  reg.Add(Spec("setex", 4, kW | kOom, {OneKey("OW UPDATE")},
               "Set the value and expiration of a key", "2.0.0", "O(1)", SetExCommand));
  reg.Add(Spec("psetex", 4, kW | kOom, {OneKey("OW UPDATE")},
               "Set the value and expiration in milliseconds of a key", "2.6.0", "O(1)",
               PSetExCommand));
  reg.Add(Spec("getset", 3, kW | kOom | kFast, {OneKey("RW ACCESS UPDATE")},
               "Set the string value of a key and return its old value", "1.0.0", "O(1)",
               GetSetCommand));
  reg.Add(Spec("delifeq", 3, kW | kFast, {OneKey("RM DELETE")},
               "Delete the key if its value equals the given value", "9.0.0", "O(1)",
               DelIfEqCommand));
  reg.Add(Spec("getdel", 2, kW | kFast, {OneKey("RW ACCESS DELETE")},
               "Get the value of a key and delete the key", "6.2.0", "O(1)", GetDelCommand));
  reg.Add(Spec("getex", -2, kW | kFast, {OneKey("RW ACCESS UPDATE")},
               "Get the value of a key and optionally set its expiration", "6.2.0", "O(1)",
               GetExCommand));
  reg.Add(Spec("append", 3, kW | kOom | kFast, {OneKey("RW INSERT")}, "Append a value to a key",
               "2.0.0",
               "O(1). The amortized time complexity is O(1) assuming the appended value is small "
               "and the already present value is of any size, since the dynamic string library "
               "used by Redis will double the free space available on every reallocation.",
               AppendCommand));
  reg.Add(Spec("strlen", 2, kRO | kFast, {OneKey("RO")},
               "Get the length of the value stored in a key", "2.2.0", "O(1)", StrlenCommand));
  reg.Add(Spec("getrange", 4, kRO, {OneKey("RO ACCESS")},
               "Get a substring of the string stored at a key", "2.4.0", kGetRangeComplexity,
               GetRangeCommand));
  reg.Add(Spec("substr", 4, kRO, {OneKey("RO ACCESS")},
               "Get a substring of the string stored at a key", "1.0.0", kGetRangeComplexity,
               GetRangeCommand));
  reg.Add(Spec("setrange", 4, kW | kOom, {OneKey("RW UPDATE")},
               "Overwrite part of a string at key starting at the specified offset", "2.2.0",
               "O(1), not counting the time taken to copy the new string in place. Usually, this "
               "string is very small so the amortized complexity is O(1). Otherwise, complexity "
               "is O(M) with M being the length of the value argument.",
               SetRangeCommand));
  reg.Add(Spec("incr", 2, kW | kOom | kFast, {OneKey("RW ACCESS UPDATE")},
               "Increment the integer value of a key by one", "1.0.0", "O(1)", IncrCommand));
  reg.Add(Spec("decr", 2, kW | kOom | kFast, {OneKey("RW ACCESS UPDATE")},
               "Decrement the integer value of a key by one", "1.0.0", "O(1)", DecrCommand));
  reg.Add(Spec("incrby", 3, kW | kOom | kFast, {OneKey("RW ACCESS UPDATE")},
               "Increment the integer value of a key by the given amount", "1.0.0", "O(1)",
               IncrByCommand));
  reg.Add(Spec("decrby", 3, kW | kOom | kFast, {OneKey("RW ACCESS UPDATE")},
               "Decrement the integer value of a key by the given number", "1.0.0", "O(1)",
               DecrByCommand));
  reg.Add(Spec("incrbyfloat", 3, kW | kOom | kFast, {OneKey("RW ACCESS UPDATE")},
               "Increment the float value of a key by the given amount", "2.6.0", "O(1)",
               IncrByFloatCommand));
  reg.Add(Spec("mget", -2, kRO | kFast, {{1, -1, 1, 0, "RO ACCESS"}},
               "Get the values of all the given keys", "1.0.0",
               "O(N) where N is the number of keys to retrieve.", MGetCommand));
  reg.Add(Spec("mset", -3, kW | kOom, {{1, -1, 2, 0, "OW UPDATE"}},
               "Set multiple keys to multiple values", "1.0.1",
               "O(N) where N is the number of keys to set.", MSetCommand));
  reg.Add(Spec("msetnx", -3, kW | kOom, {{1, -1, 2, 0, "OW INSERT"}},
               "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1",
               "O(N) where N is the number of keys to set.", MSetNxCommand));
  reg.Add(Spec("lcs", -3, kRO, {{1, 1, 1, 0, "RO ACCESS"}}, "Find longest common substring",
               "7.0.0", "O(N*M) where N and M are the lengths of s1 and s2, respectively",
               LcsCommand));
}

}  // namespace cairn
