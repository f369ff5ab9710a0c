// storage::KeyCache: an in-memory hash table of recently used meta rows
// (encoded meta key -> encoded meta value), in front of RocksDB's "meta"
// column family, so a point lookup of a hot key (every GET, and the lookup
// each SET makes first) costs one hash probe instead of a memtable skiplist
// walk, bloom probes and a block cache lookup per level.
//
// Coherence rules (Engine keeps them):
//  * Only what is written is cached: a write updates the cache after
//    DB::Write returned (ApplyWritten), never before, so no thread reads a
//    value from here that RocksDB does not hold.
//  * Writers of one key are ordered by its key lock, which they hold until
//    the cache is updated, so updates of one key arrive in write order.
//  * A reader that missed fills the cache with what it read from RocksDB
//    only if no write touched the key's shard since it started (a shard
//    generation taken before the read), so a fill can never bring back a
//    value a concurrent write replaced.
//  * An empty row (kAbsent) records that RocksDB held no such key when it
//    was read; a write of the key replaces it like any other row.
//
// Sharded (64 shards, one mutex each, a leaf lock); bounded in bytes (what
// the allocator handed out for each entry plus the bucket arrays), evicted
// by CLOCK: a sweep over the buckets clears each entry's referenced bit and
// drops entries found unreferenced.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

namespace rocksdb {
class WriteBatch;
}  // namespace rocksdb

namespace cairn::storage {

class KeyCache {
 public:
  // capacity_bytes 0 disables the cache (every call is a no-op or a miss).
  explicit KeyCache(size_t capacity_bytes);
  ~KeyCache();
  KeyCache(const KeyCache&) = delete;
  KeyCache& operator=(const KeyCache&) = delete;

  bool enabled() const { return capacity_ != 0; }
  // A new size for a cache that is on (CONFIG SET maxmemory); each shard
  // evicts down to its share before this returns.
  void SetCapacity(size_t capacity_bytes);
  static uint64_t Hash(std::string_view mkey);

  // Calls visit(value) under the shard lock if `mkey` is cached; returns
  // whether it was. `visit` must copy what it needs and not call back in.
  template <typename Visit>
  bool Find(std::string_view mkey, uint64_t hash, Visit&& visit);

  // Before a storage read that may fill: the shard's write generation.
  uint64_t FillTicket(uint64_t hash);
  // After it: caches `value` unless a write reached the shard since
  // `ticket` was taken.
  void Fill(std::string_view mkey, uint64_t hash, std::string_view value, uint64_t ticket);

  // Reflects a batch DB::Write just wrote: its meta puts replace or add
  // entries, its meta deletes drop them, and a meta range deletion (FLUSHDB,
  // SWAPDB, a full sync) empties the cache.
  void ApplyWritten(rocksdb::WriteBatch* batch, uint32_t meta_cf_id);
  // A hint before looking these keys up: loads their buckets, then the
  // first entry of each, then the rest of the key's entry (or the next one
  // in the bucket) into the CPU caches, so the misses of a pipeline's
  // lookups overlap instead of coming one after the other. Changes nothing.
  void Prefetch(std::span<const uint64_t> hashes);
  // The same, and tells which keys are not cached: of the entries of
  // uncached (hashes.size() of them) that are nonzero on entry, those with
  // a cached row of the same hash become 0; the rest stay nonzero (no row
  // of theirs is cached). Entries that are 0 are not asked about.
  void Prefetch(std::span<const uint64_t> hashes, uint8_t* uncached);
  // The row of a key RocksDB does not hold.
  static constexpr std::string_view kAbsent{};
  // How many rows to prefetch at once: more would evict the first ones
  // from the CPU caches before they are used. Callers with more prefetch
  // them a window at a time, each just before its lookups.
  static constexpr size_t kPrefetchWindow = 256;
  void Put(std::string_view mkey, std::string_view value);
  void Erase(std::string_view mkey);
  // The same, with the key's Hash already known.
  void Put(std::string_view mkey, uint64_t hash, std::string_view value);
  void Erase(std::string_view mkey, uint64_t hash);
  void Clear();

  // Bytes held (entries and bucket arrays), and lookups answered / missed.
  size_t bytes() const;
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  struct Entry {
    Entry* next;
    uint64_t hash;
    uint32_t key_len;
    uint32_t value_len;
    uint32_t room;  // bytes after the header the allocation holds; the
                    // entry is charged sizeof(Entry) + room
    bool referenced;
    char* data() { return reinterpret_cast<char*>(this + 1); }
    std::string_view key() { return {data(), key_len}; }
    std::string_view value() { return {data() + key_len, value_len}; }
  };
  struct alignas(64) Shard {
    mutable std::mutex mu;
    // Written under mu, read without it (INFO).
    std::atomic<uint64_t> hits{0};
    std::atomic<uint64_t> misses{0};
    // Everything below is guarded by mu.
    std::vector<Entry*> buckets;  // size a power of two (or empty)
    // The bucket `hash` falls in; buckets must not be empty.
    Entry*& Bucket(uint64_t hash) { return buckets[hash & (buckets.size() - 1)]; }
    Entry* const& Bucket(uint64_t hash) const { return buckets[hash & (buckets.size() - 1)]; }
    size_t entries = 0;
    size_t bytes = 0;  // entries' allocations + buckets array
    uint64_t generation = 0;
    size_t hand = 0;  // CLOCK position (a bucket index)
  };
  static constexpr int kShardBits = 6;
  static constexpr int kShards = 1 << kShardBits;

  static int ShardIndex(uint64_t hash) { return static_cast<int>(hash >> (64 - kShardBits)); }
  Shard& ShardOf(uint64_t hash) { return shards_[ShardIndex(hash)]; }
  // Prefetch's steps, under the shard's lock.
  static void PrefetchBucket(const Shard& sh, uint64_t hash);
  static void PrefetchHead(const Shard& sh, uint64_t hash);
  static void PrefetchRest(const Shard& sh, uint64_t hash);
  static bool MayHold(const Shard& sh, uint64_t hash);
  // All under the shard's lock.
  Entry** Slot(Shard& sh, std::string_view mkey, uint64_t hash);
  void Insert(Shard& sh, std::string_view mkey, uint64_t hash, std::string_view value);
  void Remove(Shard& sh, std::string_view mkey, uint64_t hash);
  void Grow(Shard& sh);
  void Evict(Shard& sh);
  void FreeAll(Shard& sh);
  // Drops the entry *slot points at (its bucket's link to it).
  void Unlink(Shard& sh, Entry** slot);

  const size_t capacity_;  // as built: 0 keeps the cache off for good
  // SetCapacity changes these; read under a shard's lock, so a change
  // applies to each shard from its next insert on.
  std::atomic<size_t> shard_capacity_;
  std::atomic<size_t> max_entry_;  // larger rows are not cached
  Shard shards_[kShards];
};

template <typename Visit>
bool KeyCache::Find(std::string_view mkey, uint64_t hash, Visit&& visit) {
  if (capacity_ == 0) return false;
  Shard& sh = ShardOf(hash);
  std::lock_guard<std::mutex> lock(sh.mu);
  Entry** slot = Slot(sh, mkey, hash);
  if (slot == nullptr || *slot == nullptr) {
    sh.misses.store(sh.misses.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return false;
  }
  (*slot)->referenced = true;
  sh.hits.store(sh.hits.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  visit((*slot)->value());
  return true;
}

}  // namespace cairn::storage
