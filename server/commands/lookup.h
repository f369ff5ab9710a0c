// Lookups, keyspace statistics and argument checks the command families
// share (strings, bitmaps, keys, keyspace): a failed read becomes one error
// reply, and hits, misses and lazily expired rows are counted where Redis
// counts them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/strings.h"
#include "server/command.h"
#include "server/config.h"
#include "server/errors.h"
#include "server/pubsub.h"
#include "server/stats.h"
#include "storage/engine.h"

namespace cairn {

// Lookup under the caller's lock; replies with the error on failure.
inline bool LookupOrReply(CommandContext& ctx, uint8_t db, std::string_view key,
                          storage::KeyState* ks) {
  Status s = ctx.engine.Lookup(db, key, ks);
  if (!s.ok()) {
    ctx.reply.Error(errors::ReadFailed(s.ToString()));
    return false;
  }
  return true;
}
inline bool LookupOrReply(CommandContext& ctx, std::string_view key, storage::KeyState* ks) {
  return LookupOrReply(ctx, ctx.db(), key, ks);
}

// Read for read-only commands (lazily deletes an expired key); replies with
// the error on failure.
inline bool ReadOrReply(CommandContext& ctx, std::string_view key, storage::KeyState* ks) {
  Status s = ctx.engine.Read(ctx.db(), key, ks);
  if (!s.ok()) {
    ctx.reply.Error(errors::ReadFailed(s.ToString()));
    return false;
  }
  return true;
}

// The "keymiss" keyspace notification of a read that found no key.
inline void NotifyKeyMiss(CommandContext& ctx, uint8_t db, std::string_view key) {
  if (!ctx.engine.WantsKeyEvent(storage::kEventKeyMiss)) return;
  const storage::KeyEvent e{storage::kEventKeyMiss, "keymiss", db, std::string(key)};
  ctx.engine.PublishKeyEvents({&e, 1});
  WriteOwnKeyEvents(ctx);
}

// keyspace_hits/misses, as Redis's lookupKeyRead counts them (the string and
// bitmap reads, GET-like writes, EXISTS, TYPE, TOUCH, the TTL family, the
// keyspace reads; write lookups do not), and a miss's "keymiss" unless
// `notify` is false (OBJECT, as Redis's LOOKUP_NONOTIFY).
inline void CountLookup(CommandContext& ctx, const storage::KeyState& ks, bool notify = true) {
  (ks.live ? ctx.server.stats.keyspace_hits : ctx.server.stats.keyspace_misses)
      .fetch_add(1, std::memory_order_relaxed);
  if (!ks.live && notify) NotifyKeyMiss(ctx, ks.db, ks.key);
}
// The counts for many keys at once (MGET); the caller notifies the misses.
inline void CountLookups(CommandContext& ctx, uint64_t hits, uint64_t misses) {
  if (hits != 0) ctx.server.stats.keyspace_hits.fetch_add(hits, std::memory_order_relaxed);
  if (misses != 0) ctx.server.stats.keyspace_misses.fetch_add(misses, std::memory_order_relaxed);
}

// Expired rows a command deleted itself (Redis counts lazy expiry in
// expired_keys too).
inline void CountExpired(CommandContext& ctx, int64_t n) {
  if (n > 0) {
    ctx.server.stats.expired_keys.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  }
}

// A command met `ks` expired under its lock (a Lookup, which never
// deletes): the row goes now, as Redis's lookupKeyRead/Write expire a key,
// so its "expired" comes before what the command publishes next (a
// "keymiss", its own events) and is published once. Counted in
// expired_keys. No-op for a live or absent key, on a replica and while
// CLIENT PAUSE holds expiry. Replies with the error if the delete fails.
inline bool ExpireMetOrReply(CommandContext& ctx, storage::KeyState& ks) {
  if (!ks.stored || ks.live || ctx.engine.replica() || ctx.engine.ExpiryPaused()) return true;
  storage::WriteSet ws(ctx.engine);
  ws.Delete(ks);
  // As a read's lazy expiry: the reply need not wait for the WAL, and a
  // read-only command may be running off its loop (a cold read).
  Status s = ctx.engine.Commit(ws);
  if (!s.ok()) {
    ctx.reply.Error(errors::WriteFailed(s.ToString()));
    return false;
  }
  CountExpired(ctx, 1);
  return true;
}

// ------------------------------------------- string and bitmap arguments

// Redis compares option words as C strings (strcasecmp, opt[2] == '\0'), so
// an argument is only looked at up to its first NUL byte: "nx\0zz" is NX.
inline std::string_view CStr(std::string_view s) { return s.substr(0, s.find('\0')); }

inline bool IsOption(std::string_view arg, std::string_view name) {
  return EqualsIgnoreCase(CStr(arg), name);
}

// True (and replies WRONGTYPE) if the key exists and is not a string.
inline bool WrongType(CommandContext& ctx, const storage::KeyState& ks) {
  if (ks.live && ks.type != storage::ValueType::kString) {
    ctx.reply.Error(errors::kWrongType);
    return true;
  }
  return false;
}

inline bool ParseIntOrReply(CommandContext& ctx, std::string_view arg, int64_t* out) {
  if (!ParseInt64(arg, out)) {
    ctx.reply.Error(errors::kNotInteger);
    return false;
  }
  return true;
}

// Redis's checkStringLength: a string may not grow past proto-max-bulk-len.
inline bool CheckStringLength(CommandContext& ctx, uint64_t size, uint64_t append) {
  uint64_t total = size + append;
  uint64_t limit = static_cast<uint64_t>(ctx.server.config.proto_max_bulk_len());
  if (total < size || total > limit) {
    ctx.reply.Error(errors::kStringTooLong);
    return false;
  }
  return true;
}

// SETRANGE, SETBIT and BITFIELD: writes `bytes` at `offset` of a live
// string, keeping its TTL (a long value gets a merge operand,
// WriteSet::Overwrite); a key that is not live becomes a new raw string of
// zero bytes up to `offset`, then `bytes`, without a TTL.
inline void WriteAt(storage::WriteSet& ws, storage::KeyState& ks, uint64_t offset,
                    std::string_view bytes) {
  if (ks.live) {
    ws.Overwrite(ks, offset, bytes);
    return;
  }
  std::string created(static_cast<size_t>(offset), '\0');
  created.append(bytes);
  ws.PutString(ks, created, 0, storage::StringForm::kRaw);
}

}  // namespace cairn
