// Lookups and keyspace statistics the command families share (strings,
// keys, keyspace): a failed read becomes one error reply, and hits, misses
// and lazily expired rows are counted where Redis counts them.
#pragma once

#include <cstdint>
#include <string_view>

#include "server/command.h"
#include "server/errors.h"
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

// keyspace_hits/misses, as Redis's lookupKeyRead counts them (EXISTS, TYPE,
// TOUCH, the TTL family, the keyspace reads; write lookups do not).
inline void CountLookup(CommandContext& ctx, bool hit) {
  (hit ? ctx.server.stats.keyspace_hits : ctx.server.stats.keyspace_misses)
      .fetch_add(1, std::memory_order_relaxed);
}

// Expired rows a command deleted itself (Redis counts lazy expiry in
// expired_keys too).
inline void CountExpired(CommandContext& ctx, int64_t n) {
  if (n > 0) {
    ctx.server.stats.expired_keys.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  }
}

}  // namespace cairn
