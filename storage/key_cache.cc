#include "storage/key_cache.h"

#include <malloc.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iterator>
#include <new>
#include <vector>

namespace cairn::storage {
namespace {

constexpr size_t kMinBuckets = 64;
// Entries over this size are not cached: they would evict many small ones.
constexpr size_t kMaxEntryBytes = 64 << 10;
// Eviction work per insert is bounded: at most this many buckets swept.
constexpr size_t kMaxSweep = 256;
// Written batches of fewer operations are applied without prefetching.
constexpr uint32_t kPrefetchBatchMin = 8;
// How many buckets ahead of the CLOCK hand Evict prefetches.
constexpr size_t kEvictLookahead = 4;

// The hashes of the meta keys a written batch puts or deletes, in batch
// order (what MetaChanges then applies).
class MetaKeyHashes : public rocksdb::WriteBatch::Handler {
 public:
  MetaKeyHashes(uint32_t meta_cf, std::vector<uint64_t>* out) : meta_cf_(meta_cf), out_(*out) {}
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice&) override {
    return Add(cf, key);
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override { return Add(cf, key); }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return Add(cf, key);
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice&) override {
    return Add(cf, key);
  }
  rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return rocksdb::Status::OK();
  }
  void LogData(const rocksdb::Slice&) override {}

 private:
  rocksdb::Status Add(uint32_t cf, const rocksdb::Slice& key) {
    if (cf == meta_cf_) out_.push_back(KeyCache::Hash({key.data(), key.size()}));
    return rocksdb::Status::OK();
  }
  uint32_t meta_cf_;
  std::vector<uint64_t>& out_;
};

// The meta rows a written batch changed, in batch order. `hashes`, if not
// empty, are their keys' hashes in that order (MetaKeyHashes).
class MetaChanges : public rocksdb::WriteBatch::Handler {
 public:
  MetaChanges(KeyCache& cache, uint32_t meta_cf, std::span<const uint64_t> hashes)
      : cache_(cache), meta_cf_(meta_cf), hashes_(hashes) {}
  bool cleared() const { return cleared_; }

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    if (cf != meta_cf_) return rocksdb::Status::OK();
    const std::string_view k(key.data(), key.size());
    const uint64_t hash = NextHash(k);
    if (!cleared_) cache_.Put(k, hash, {value.data(), value.size()});
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    if (cf != meta_cf_) return rocksdb::Status::OK();
    const std::string_view k(key.data(), key.size());
    const uint64_t hash = NextHash(k);
    if (!cleared_) cache_.Erase(k, hash);
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return DeleteCF(cf, key);
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice&) override {
    return DeleteCF(cf, key);
  }
  rocksdb::Status DeleteRangeCF(uint32_t cf, const rocksdb::Slice&,
                                const rocksdb::Slice&) override {
    // Rare (FLUSHDB, SWAPDB, full sync): empty everything, and ignore the
    // rest of the batch (cached again as it is read).
    if (cf == meta_cf_) cleared_ = true;
    return rocksdb::Status::OK();
  }
  void LogData(const rocksdb::Slice&) override {}

 private:
  uint64_t NextHash(std::string_view key) {
    if (next_ >= hashes_.size()) return KeyCache::Hash(key);
    if (next_ % KeyCache::kPrefetchWindow == 0) {
      cache_.Prefetch(
          hashes_.subspan(next_, std::min(KeyCache::kPrefetchWindow, hashes_.size() - next_)));
    }
    return hashes_[next_++];
  }
  KeyCache& cache_;
  uint32_t meta_cf_;
  std::span<const uint64_t> hashes_;
  size_t next_ = 0;
  bool cleared_ = false;
};

}  // namespace

KeyCache::KeyCache(size_t capacity_bytes)
    : capacity_(capacity_bytes),
      shard_capacity_(capacity_bytes / kShards),
      max_entry_(std::min(kMaxEntryBytes, capacity_bytes / kShards / 8)) {}

void KeyCache::SetCapacity(size_t capacity_bytes) {
  if (capacity_ == 0) return;
  shard_capacity_.store(capacity_bytes / kShards, std::memory_order_relaxed);
  max_entry_.store(std::min(kMaxEntryBytes, capacity_bytes / kShards / 8),
                   std::memory_order_relaxed);
  for (Shard& sh : shards_) {
    std::lock_guard<std::mutex> lock(sh.mu);
    // Each Evict sweeps at most kMaxSweep buckets; two full passes free
    // every entry (the first clears the referenced bits).
    const size_t rounds = 2 * sh.buckets.size() / kMaxSweep + 2;
    for (size_t i = 0; i < rounds && sh.bytes > shard_capacity_ && sh.entries > 0; ++i) {
      Evict(sh);
    }
  }
}

KeyCache::~KeyCache() {
  for (Shard& sh : shards_) FreeAll(sh);
}

uint64_t KeyCache::Hash(std::string_view mkey) {
  // libstdc++ hashes with 64-bit murmur; the top bits pick the shard, the
  // low bits the bucket.
  return std::hash<std::string_view>{}(mkey);
}

void KeyCache::Unlink(Shard& sh, Entry** slot) {
  Entry* e = *slot;
  *slot = e->next;
  --sh.entries;
  sh.bytes -= sizeof(Entry) + e->room;  // what Insert charged
  e->~Entry();
  std::free(e);
}

KeyCache::Entry** KeyCache::Slot(Shard& sh, std::string_view mkey, uint64_t hash) {
  if (sh.buckets.empty()) return nullptr;
  Entry** slot = &sh.Bucket(hash);
  while (*slot != nullptr && ((*slot)->hash != hash || (*slot)->key() != mkey)) {
    slot = &(*slot)->next;
  }
  return slot;
}

// The three steps of a prefetch, each on rows whose earlier step had time
// to load what this one reads. All under the shard's lock: a prefetch never
// faults, but the pointers it follows are read, and that read must not race.
namespace {
// An entry's first two cache lines: its header, key and the start of its value.
void PrefetchTwoLines(const void* p) {
  __builtin_prefetch(p);
  __builtin_prefetch(static_cast<const char*>(p) + 64);
}
}  // namespace

void KeyCache::PrefetchBucket(const Shard& sh, uint64_t hash) {
  if (!sh.buckets.empty()) __builtin_prefetch(&sh.Bucket(hash));
}

void KeyCache::PrefetchHead(const Shard& sh, uint64_t hash) {
  if (sh.buckets.empty()) return;
  if (const Entry* e = sh.Bucket(hash)) PrefetchTwoLines(e);
}

// Where the bucket's first entry is the key's, the rest of its value (past
// the two lines loaded); where it is another key's, the next entry (about
// one lookup in three walks past the first at the load factors Grow keeps).
void KeyCache::PrefetchRest(const Shard& sh, uint64_t hash) {
  if (sh.buckets.empty()) return;
  const Entry* e = sh.Bucket(hash);
  if (e == nullptr) return;
  if (e->hash != hash) {
    if (e->next != nullptr) PrefetchTwoLines(e->next);
    return;
  }
  const char* at = reinterpret_cast<const char*>(e);
  const char* end = at + sizeof(Entry) + e->key_len + std::min<uint32_t>(e->value_len, 256);
  for (at += 128; at < end; at += 64) __builtin_prefetch(at);
}

bool KeyCache::MayHold(const Shard& sh, uint64_t hash) {
  if (sh.buckets.empty()) return false;
  for (const Entry* e = sh.Bucket(hash); e != nullptr; e = e->next) {
    if (e->hash == hash) return true;
  }
  return false;
}

void KeyCache::Prefetch(std::span<const uint64_t> hashes) { Prefetch(hashes, nullptr); }

void KeyCache::Prefetch(std::span<const uint64_t> hashes, uint8_t* uncached) {
  if (capacity_ == 0 || hashes.empty()) return;  // nothing is cached
  using Step = void (*)(const Shard&, uint64_t);
  constexpr Step kSteps[] = {&KeyCache::PrefetchBucket, &KeyCache::PrefetchHead,
                             &KeyCache::PrefetchRest};
  // The last step also tells whether a row asked about is not cached: its
  // bucket's first entries are loaded by then.
  constexpr int kLast = static_cast<int>(std::size(kSteps)) - 1;
  auto run = [&](const Shard& sh, int step, uint32_t i) {
    kSteps[step](sh, hashes[i]);
    if (step == kLast && uncached != nullptr && uncached[i] != 0 && MayHold(sh, hashes[i])) {
      uncached[i] = 0;
    }
  };
  const uint32_t n = static_cast<uint32_t>(hashes.size());
  if (n < kShards) {
    // Few rows: one lock per row and step.
    for (int step = 0; step <= kLast; ++step) {
      for (uint32_t i = 0; i < n; ++i) {
        const Shard& sh = ShardOf(hashes[i]);
        std::lock_guard<std::mutex> lock(sh.mu);
        run(sh, step, i);
      }
    }
    return;
  }
  // Many rows: sorted by shard (a counting sort), so each step takes each
  // shard's lock once for all its rows instead of once per row.
  static thread_local std::vector<uint32_t> sorted;
  std::array<uint32_t, kShards + 1> start{};
  for (uint64_t hash : hashes) ++start[ShardIndex(hash) + 1];
  for (int i = 0; i < kShards; ++i) start[i + 1] += start[i];
  sorted.resize(n);
  std::array<uint32_t, kShards> fill{};
  for (uint32_t i = 0; i < n; ++i) {
    const int s = ShardIndex(hashes[i]);
    sorted[start[s] + fill[s]++] = i;
  }
  for (int step = 0; step <= kLast; ++step) {
    for (int s = 0; s < kShards; ++s) {
      if (start[s] == start[s + 1]) continue;
      const Shard& sh = shards_[s];
      std::lock_guard<std::mutex> lock(sh.mu);
      for (uint32_t j = start[s]; j < start[s + 1]; ++j) run(sh, step, sorted[j]);
    }
  }
}

uint64_t KeyCache::FillTicket(uint64_t hash) {
  if (capacity_ == 0) return 0;
  Shard& sh = ShardOf(hash);
  std::lock_guard<std::mutex> lock(sh.mu);
  return sh.generation;
}

void KeyCache::Fill(std::string_view mkey, uint64_t hash, std::string_view value, uint64_t ticket) {
  if (capacity_ == 0 || mkey.size() + value.size() > max_entry_) return;
  Shard& sh = ShardOf(hash);
  std::lock_guard<std::mutex> lock(sh.mu);
  if (sh.generation != ticket) return;  // a write came in between
  Entry** slot = Slot(sh, mkey, hash);
  if (slot != nullptr && *slot != nullptr) return;  // another reader filled it
  Insert(sh, mkey, hash, value);
}

void KeyCache::Put(std::string_view mkey, std::string_view value) { Put(mkey, Hash(mkey), value); }

void KeyCache::Put(std::string_view mkey, uint64_t hash, std::string_view value) {
  if (capacity_ == 0) return;
  Shard& sh = ShardOf(hash);
  std::lock_guard<std::mutex> lock(sh.mu);
  ++sh.generation;
  Entry** slot = Slot(sh, mkey, hash);
  if (slot != nullptr && *slot != nullptr) {
    Entry* e = *slot;
    if (mkey.size() + value.size() <= e->room) {
      // Same-size overwrites (SET of a key again) reuse the allocation.
      std::memcpy(e->data() + e->key_len, value.data(), value.size());
      e->value_len = static_cast<uint32_t>(value.size());
      e->referenced = true;
      return;
    }
    Remove(sh, mkey, hash);
  }
  if (mkey.size() + value.size() > max_entry_) return;
  Insert(sh, mkey, hash, value);
}

void KeyCache::Erase(std::string_view mkey) { Erase(mkey, Hash(mkey)); }

void KeyCache::Erase(std::string_view mkey, uint64_t hash) {
  if (capacity_ == 0) return;
  Shard& sh = ShardOf(hash);
  std::lock_guard<std::mutex> lock(sh.mu);
  ++sh.generation;
  Remove(sh, mkey, hash);
}

void KeyCache::Clear() {
  for (Shard& sh : shards_) {
    std::lock_guard<std::mutex> lock(sh.mu);
    ++sh.generation;
    FreeAll(sh);
  }
}

void KeyCache::ApplyWritten(rocksdb::WriteBatch* batch, uint32_t meta_cf_id) {
  if (capacity_ == 0) return;
  // A big batch (a loop's pipeline) evicted from the CPU caches the rows
  // its commands looked up while its memtable inserts ran: the changes
  // prefetch them a window at a time, so their misses overlap.
  thread_local std::vector<uint64_t> hashes;  // reused: no allocation once warm
  hashes.clear();
  if (batch->Count() >= kPrefetchBatchMin) {
    MetaKeyHashes keys(meta_cf_id, &hashes);
    if (!batch->Iterate(&keys).ok()) hashes.clear();
  }
  MetaChanges changes(*this, meta_cf_id, hashes);
  rocksdb::Status s = batch->Iterate(&changes);
  // A batch DB::Write accepted always parses; if it somehow did not, what
  // it changed is unknown here, so forget everything.
  if (!s.ok() || changes.cleared()) Clear();
}

void KeyCache::Insert(Shard& sh, std::string_view mkey, uint64_t hash, std::string_view value) {
  const size_t need = sizeof(Entry) + mkey.size() + value.size();
  void* mem = std::malloc(need);
  if (mem == nullptr) return;  // a cache may always decline
  auto* e = new (mem) Entry;
  // The allocator's real size: what the entry costs, and room to overwrite
  // a value in place later.
  const size_t charge = malloc_usable_size(mem);
  e->hash = hash;
  e->key_len = static_cast<uint32_t>(mkey.size());
  e->value_len = static_cast<uint32_t>(value.size());
  e->room = static_cast<uint32_t>(charge - sizeof(Entry));
  e->referenced = false;  // set on its first hit: one-time reads go first
  std::memcpy(e->data(), mkey.data(), mkey.size());
  // kAbsent's data() may be null, which memcpy must not get.
  if (!value.empty()) std::memcpy(e->data() + mkey.size(), value.data(), value.size());
  if (sh.entries + 1 > sh.buckets.size()) Grow(sh);
  Entry*& head = sh.Bucket(hash);
  e->next = head;
  head = e;
  ++sh.entries;
  sh.bytes += charge;
  if (sh.bytes > shard_capacity_) Evict(sh);
}

void KeyCache::Remove(Shard& sh, std::string_view mkey, uint64_t hash) {
  Entry** slot = Slot(sh, mkey, hash);
  if (slot != nullptr && *slot != nullptr) Unlink(sh, slot);
}

void KeyCache::Grow(Shard& sh) {
  const size_t n = std::max(kMinBuckets, sh.buckets.size() * 2);
  std::vector<Entry*> next(n, nullptr);
  for (Entry* head : sh.buckets) {
    while (head != nullptr) {
      Entry* e = head;
      head = e->next;
      Entry*& to = next[e->hash & (n - 1)];
      e->next = to;
      to = e;
    }
  }
  sh.bytes -= sh.buckets.capacity() * sizeof(Entry*);
  sh.buckets.swap(next);
  sh.bytes += sh.buckets.capacity() * sizeof(Entry*);
  sh.hand &= n - 1;
}

void KeyCache::Evict(Shard& sh) {
  // CLOCK over the buckets. Two full passes always free something (the
  // first clears every referenced bit); the sweep per call is bounded, so
  // a shard may sit briefly above its share until later inserts go on.
  const size_t n = sh.buckets.size();
  for (size_t swept = 0; sh.bytes > shard_capacity_ && swept < std::min(2 * n, kMaxSweep);
       ++swept) {
    // The hand walks the bucket array in order, but the entries it visits
    // lie anywhere: start loading the chain a few buckets ahead.
    if (const Entry* ahead = sh.buckets[(sh.hand + kEvictLookahead) & (n - 1)]) {
      __builtin_prefetch(ahead);
    }
    Entry** slot = &sh.buckets[sh.hand];
    while (*slot != nullptr) {
      if ((*slot)->referenced) {
        (*slot)->referenced = false;
        slot = &(*slot)->next;
      } else {
        Unlink(sh, slot);
      }
    }
    sh.hand = (sh.hand + 1) & (n - 1);
  }
}

void KeyCache::FreeAll(Shard& sh) {
  for (Entry*& head : sh.buckets) {
    while (head != nullptr) Unlink(sh, &head);
  }
  std::vector<Entry*>().swap(sh.buckets);
  sh.bytes = 0;  // the bucket array's share went with it
  sh.hand = 0;
}

size_t KeyCache::bytes() const {
  size_t total = 0;
  for (const Shard& sh : shards_) {
    std::lock_guard<std::mutex> lock(sh.mu);
    total += sh.bytes;
  }
  return total;
}

uint64_t KeyCache::hits() const {
  uint64_t n = 0;
  for (const Shard& sh : shards_) n += sh.hits.load(std::memory_order_relaxed);
  return n;
}

uint64_t KeyCache::misses() const {
  uint64_t n = 0;
  for (const Shard& sh : shards_) n += sh.misses.load(std::memory_order_relaxed);
  return n;
}

}  // namespace cairn::storage
