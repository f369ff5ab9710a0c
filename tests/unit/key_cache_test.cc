// storage::KeyCache on its own (fills, tickets, bounds, batches), and the
// engine's use of it: every way a meta row changes must be seen by the next
// read, whatever the cache held before.
#include "storage/key_cache.h"

#include <gtest/gtest.h>
#include <rocksdb/comparator.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/crc16.h"
#include "storage/engine.h"
#include "tests/unit/engine_ops.h"
#include "tests/unit/fake_cf.h"
#include "tests/unit/temp_dir.h"

namespace cairn::storage {
namespace {

using cairn::testing::TempDir;
using test_ops::Del;
using test_ops::Put;
using test_ops::Value;

std::optional<std::string> Cached(KeyCache& cache, std::string_view key) {
  std::string out;
  bool hit = cache.Find(key, KeyCache::Hash(key), [&](std::string_view v) { out = v; });
  if (!hit) return std::nullopt;
  return out;
}

void FillNow(KeyCache& cache, std::string_view key, std::string_view value) {
  const uint64_t h = KeyCache::Hash(key);
  cache.Fill(key, h, value, cache.FillTicket(h));
}

TEST(KeyCache, PutReplacesAndEraseDrops) {
  KeyCache cache(1 << 20);
  EXPECT_FALSE(Cached(cache, "a").has_value());
  cache.Put("a", "1");
  EXPECT_EQ(Cached(cache, "a"), "1");
  cache.Put("a", "a much longer value than the first one, in a new allocation");
  EXPECT_EQ(Cached(cache, "a"), "a much longer value than the first one, in a new allocation");
  cache.Put("a", "2");
  EXPECT_EQ(Cached(cache, "a"), "2");
  cache.Erase("a");
  EXPECT_FALSE(Cached(cache, "a").has_value());
  EXPECT_EQ(cache.hits(), 3u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST(KeyCache, FillAfterAWriteSinceItsTicketIsRefused) {
  KeyCache cache(1 << 20);
  const uint64_t h = KeyCache::Hash("k");
  // A reader takes its ticket, then reads the old value from storage...
  uint64_t ticket = cache.FillTicket(h);
  // ...a writer replaces the value meanwhile...
  cache.Put("k", "new");
  // ...and the reader's fill must not bring the old one back.
  cache.Fill("k", h, "old", ticket);
  EXPECT_EQ(Cached(cache, "k"), "new");

  ticket = cache.FillTicket(h);
  cache.Erase("k");
  cache.Fill("k", h, "new", ticket);
  EXPECT_FALSE(Cached(cache, "k").has_value());

  ticket = cache.FillTicket(h);
  cache.Clear();
  cache.Fill("k", h, "new", ticket);
  EXPECT_FALSE(Cached(cache, "k").has_value());

  // With no write in between, the fill is kept.
  FillNow(cache, "k", "now");
  EXPECT_EQ(Cached(cache, "k"), "now");
}

TEST(KeyCache, StaysWithinItsCapacity) {
  const size_t capacity = 256 << 10;
  KeyCache cache(capacity);
  const std::string value(100, 'v');
  for (int i = 0; i < 50000; ++i) cache.Put("key:" + std::to_string(i), value);
  EXPECT_GT(cache.bytes(), capacity / 2);
  EXPECT_LE(cache.bytes(), capacity + capacity / 10);
  // The newest entries are there; most of the old ones had to go.
  int old_left = 0;
  for (int i = 0; i < 1000; ++i) old_left += Cached(cache, "key:" + std::to_string(i)) ? 1 : 0;
  EXPECT_LT(old_left, 100);
}

TEST(KeyCache, SetCapacityEvictsDownAtOnceAndLetsItGrowBack) {
  const size_t capacity = 1 << 20;
  KeyCache cache(capacity);
  const std::string value(100, 'v');
  for (int i = 0; i < 20000; ++i) cache.Put("key:" + std::to_string(i), value);
  ASSERT_GT(cache.bytes(), capacity / 2);
  // Every entry referenced: the shrink must still get below the new size.
  for (int i = 0; i < 20000; ++i) Cached(cache, "key:" + std::to_string(i));
  const size_t small = 64 << 10;
  cache.SetCapacity(small);
  EXPECT_LE(cache.bytes(), small + small / 2);  // the entries plus bucket arrays
  cache.SetCapacity(capacity);
  for (int i = 0; i < 20000; ++i) cache.Put("key:" + std::to_string(i), value);
  EXPECT_GT(cache.bytes(), capacity / 2);
  EXPECT_LE(cache.bytes(), capacity + capacity / 10);
  EXPECT_EQ(Cached(cache, "key:19999"), value);
}

TEST(KeyCache, ReferencedEntriesOutliveUnreferencedOnes) {
  const size_t capacity = 256 << 10;
  KeyCache cache(capacity);
  const std::string value(100, 'v');
  for (int i = 0; i < 500; ++i) cache.Put("hot:" + std::to_string(i), value);
  int hot_left = 0;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 500; ++i) Cached(cache, "hot:" + std::to_string(i));
    for (int i = 0; i < 500; ++i) cache.Put("cold:" + std::to_string(round * 500 + i), value);
  }
  for (int i = 0; i < 500; ++i) hot_left += Cached(cache, "hot:" + std::to_string(i)) ? 1 : 0;
  EXPECT_GT(hot_left, 400);
}

TEST(KeyCache, OversizedValuesAreNotCachedAndDropTheOldEntry) {
  KeyCache cache(1 << 20);  // 16 KB per shard: entries over 2 KB are not kept
  cache.Put("k", "small");
  cache.Put("k", std::string(8 << 10, 'x'));
  EXPECT_FALSE(Cached(cache, "k").has_value());
  FillNow(cache, "k", std::string(8 << 10, 'x'));
  EXPECT_FALSE(Cached(cache, "k").has_value());
}

// Prefetch is only a hint to the CPU: cached keys, absent keys, keys of
// shards with no buckets yet and a disabled cache all come out of it as
// they went in, counters included.
TEST(KeyCache, PrefetchChangesNothing) {
  KeyCache cache(1 << 20);
  std::vector<uint64_t> hashes = {KeyCache::Hash("a"), KeyCache::Hash("never")};
  cache.Prefetch(hashes);  // every shard still empty
  for (int i = 0; i < 200; ++i) cache.Put("k" + std::to_string(i), "v" + std::to_string(i));
  cache.Put("a", "1");
  cache.Put("long", std::string(1000, 'l'));  // past the lines a prefetch loads first
  for (int i = 0; i < 200; i += 7) hashes.push_back(KeyCache::Hash("k" + std::to_string(i)));
  // Enough rows to be grouped by shard (one lock per shard and step).
  std::vector<uint64_t> many = {KeyCache::Hash("long")};
  for (int i = 0; i < 200; ++i) {
    many.push_back(KeyCache::Hash("k" + std::to_string(i)));
    many.push_back(KeyCache::Hash("absent" + std::to_string(i)));
  }
  const size_t bytes = cache.bytes();
  cache.Prefetch(hashes);
  cache.Prefetch(many);
  cache.Prefetch({});
  EXPECT_EQ(cache.hits(), 0u);
  EXPECT_EQ(cache.misses(), 0u);
  EXPECT_EQ(cache.bytes(), bytes);
  EXPECT_EQ(Cached(cache, "a"), "1");
  EXPECT_FALSE(Cached(cache, "never").has_value());
  EXPECT_EQ(Cached(cache, "long"), std::string(1000, 'l'));
  for (int i = 0; i < 200; ++i)
    EXPECT_EQ(Cached(cache, "k" + std::to_string(i)), "v" + std::to_string(i));
  KeyCache off(0);
  off.Prefetch(hashes);
  EXPECT_EQ(off.bytes(), 0u);
  EXPECT_FALSE(Cached(off, "a").has_value());
}

TEST(KeyCache, PrefetchTellsWhichRowsAreNotCached) {
  KeyCache cache(1 << 20);
  for (int i = 0; i < 100; ++i) cache.Put("k" + std::to_string(i), "v");
  for (size_t rows : {size_t{6}, size_t{200}}) {  // one lock per row; grouped by shard
    std::vector<uint64_t> hashes;
    std::vector<bool> cached;
    for (size_t i = 0; i < rows; ++i) {
      const bool in = i % 2 == 0;
      hashes.push_back(KeyCache::Hash((in ? "k" : "absent") + std::to_string(i % 100)));
      cached.push_back(in);
    }
    // Every row asked about but the last: it stays 0 (not asked).
    std::vector<uint8_t> uncached(rows, 1);
    uncached.back() = 0;
    cache.Prefetch(hashes, uncached.data());
    for (size_t i = 0; i + 1 < rows; ++i)
      EXPECT_EQ(uncached[i] != 0, !cached[i]) << rows << " rows, row " << i;
    EXPECT_EQ(uncached.back(), 0);
  }
  KeyCache off(0);
  std::vector<uint64_t> one = {KeyCache::Hash("k1")};
  uint8_t uncached = 1;
  off.Prefetch(one, &uncached);
  EXPECT_EQ(uncached, 1);  // nothing is cached
}

TEST(KeyCache, AnAbsentRowIsCachedUntilTheKeyIsWritten) {
  KeyCache cache(1 << 20);
  const uint64_t h = KeyCache::Hash("new");
  cache.Fill("new", h, KeyCache::kAbsent, cache.FillTicket(h));
  EXPECT_EQ(Cached(cache, "new"), "");
  cache.Put("new", "1");
  EXPECT_EQ(Cached(cache, "new"), "1");
}

TEST(KeyCache, DisabledCacheHoldsNothing) {
  KeyCache cache(0);
  EXPECT_FALSE(cache.enabled());
  cache.Put("a", "1");
  FillNow(cache, "b", "2");
  EXPECT_FALSE(Cached(cache, "a").has_value());
  EXPECT_FALSE(Cached(cache, "b").has_value());
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(KeyCache, AppliesTheMetaRowsOfAWrittenBatch) {
  KeyCache cache(1 << 20);
  cache.Put("gone", "x");
  cache.Put("other-cf", "x");
  FakeCf meta(7);
  FakeCf data(3);
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.Put(&meta, "m1", "v0").ok());
  ASSERT_TRUE(batch.Put(&meta, "m1", "v1").ok());  // the later one wins
  ASSERT_TRUE(batch.Delete(&meta, "gone").ok());
  ASSERT_TRUE(batch.Put(&data, "not-meta", "v").ok());
  ASSERT_TRUE(batch.Delete(&data, "other-cf").ok());
  cache.ApplyWritten(&batch, 7);
  EXPECT_EQ(Cached(cache, "m1"), "v1");
  EXPECT_FALSE(Cached(cache, "gone").has_value());
  EXPECT_FALSE(Cached(cache, "not-meta").has_value());
  EXPECT_EQ(Cached(cache, "other-cf"), "x");

  // A range deletion of meta rows (FLUSHDB) empties the cache.
  rocksdb::WriteBatch flush;
  ASSERT_TRUE(flush.DeleteRange(&meta, "a", "b").ok());
  ASSERT_TRUE(flush.Put(&meta, "after", "v").ok());
  cache.ApplyWritten(&flush, 7);
  EXPECT_FALSE(Cached(cache, "m1").has_value());
  EXPECT_FALSE(Cached(cache, "other-cf").has_value());
  EXPECT_FALSE(Cached(cache, "after").has_value());
}

// A big batch (a loop's pipeline) is applied with its rows prefetched a
// window at a time: every operation still lands on its own key, in order, with
// other column families' operations and merges interleaved.
TEST(KeyCache, AppliesABigBatchInOrder) {
  KeyCache cache(8 << 20);
  // About 600 meta operations: several prefetch windows.
  constexpr int kKeys = 300;
  for (int i = 0; i < kKeys; ++i) cache.Put("k" + std::to_string(i), "old");
  cache.Put("merged", "x");
  FakeCf meta(7);
  FakeCf counts(4);
  rocksdb::WriteBatch batch;
  for (int i = 0; i < kKeys; ++i) {
    const std::string k = "k" + std::to_string(i);
    if (i % 3 == 0) {
      ASSERT_TRUE(batch.Put(&meta, k, "a" + k).ok());
      ASSERT_TRUE(batch.Delete(&meta, k).ok());
      ASSERT_TRUE(batch.Put(&meta, k, "b" + k).ok());  // put, delete, put: the last
    } else if (i % 3 == 1) {
      ASSERT_TRUE(batch.Delete(&meta, k).ok());
    } else {
      ASSERT_TRUE(batch.Put(&meta, k, "c" + k).ok());
    }
    ASSERT_TRUE(batch.Merge(&counts, "count", "1").ok());
    ASSERT_TRUE(batch.Put(&counts, k, "not meta").ok());
  }
  ASSERT_TRUE(batch.Merge(&meta, "merged", "y").ok());  // unknown result: dropped
  ASSERT_TRUE(batch.Put(&meta, "new", "n").ok());
  cache.ApplyWritten(&batch, 7);
  for (int i = 0; i < kKeys; ++i) {
    const std::string k = "k" + std::to_string(i);
    if (i % 3 == 0) {
      EXPECT_EQ(Cached(cache, k), "b" + k);
    } else if (i % 3 == 1) {
      EXPECT_FALSE(Cached(cache, k).has_value()) << k;
    } else {
      EXPECT_EQ(Cached(cache, k), "c" + k);
    }
  }
  EXPECT_FALSE(Cached(cache, "merged").has_value());
  EXPECT_FALSE(Cached(cache, "count").has_value());
  EXPECT_EQ(Cached(cache, "new"), "n");
}

// ---- the engine with its key cache

class EngineKeyCacheTest : public ::testing::Test {
 protected:
  std::unique_ptr<Engine> OpenEngine(const std::string& dir, int64_t key_cache_bytes = -1) {
    EngineOptions o;
    o.dir = dir;
    o.key_cache_bytes = key_cache_bytes;
    auto r = Engine::Open(o, clock_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : nullptr;
  }
  void SetUp() override { engine_ = OpenEngine(dir_.path()); }

  FakeClock clock_;
  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineKeyCacheTest, ReadsAreAnsweredFromTheCacheOnceAKeyIsKnown) {
  Engine& e = *engine_;
  Put(e, 0, "k", "v");  // the write puts the row in the cache
  const uint64_t hits = e.key_cache().hits();
  EXPECT_EQ(Value(e, 0, "k"), "v");
  EXPECT_EQ(Value(e, 0, "k"), "v");
  EXPECT_EQ(e.key_cache().hits(), hits + 2);
  EXPECT_GT(e.key_cache().bytes(), 0u);
  EXPECT_GE(e.MemoryUsage(), e.key_cache().bytes());
}

TEST_F(EngineKeyCacheTest, EveryWriteOfACachedKeyIsSeenByTheNextRead) {
  Engine& e = *engine_;
  Put(e, 0, "k", "v1");
  ASSERT_EQ(Value(e, 0, "k"), "v1");
  Put(e, 0, "k", "v2");
  EXPECT_EQ(Value(e, 0, "k"), "v2");
  Del(e, 0, "k");
  EXPECT_EQ(Value(e, 0, "k"), "<none>");

  Put(e, 3, "k", "three");
  ASSERT_EQ(Value(e, 3, "k"), "three");
  ASSERT_TRUE(e.FlushDb(3).ok());
  EXPECT_EQ(Value(e, 3, "k"), "<none>");

  Put(e, 1, "a", "in one");
  Put(e, 2, "a", "in two");
  ASSERT_EQ(Value(e, 1, "a"), "in one");
  ASSERT_EQ(Value(e, 2, "a"), "in two");
  ASSERT_TRUE(e.SwapDb(1, 2).ok());
  EXPECT_EQ(Value(e, 1, "a"), "in two");
  EXPECT_EQ(Value(e, 2, "a"), "in one");

  Put(e, 0, "ttl", "v", clock_.NowMs() + 100);
  ASSERT_EQ(Value(e, 0, "ttl"), "v");
  clock_.Advance(200);
  auto n = e.ExpireCycle(10);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  KeyState ks;
  ASSERT_TRUE(e.Lookup(0, "ttl", &ks).ok());
  EXPECT_FALSE(ks.stored);

  Put(e, 0, "s", "in a slot");
  ASSERT_EQ(Value(e, 0, "s"), "in a slot");
  const uint16_t slot = KeyHashSlot("s");
  bool done = false;
  for (int step = 0; step < 10 && !done; ++step) {
    ASSERT_TRUE(e.DeleteSlots(std::vector<SlotRange>{{slot, slot}}, 100, &done).ok());
  }
  EXPECT_TRUE(done);
  EXPECT_EQ(Value(e, 0, "s"), "<none>");

  Put(e, 0, "all", "v");
  ASSERT_EQ(Value(e, 0, "all"), "v");
  ASSERT_TRUE(e.FlushAll().ok());
  EXPECT_EQ(Value(e, 0, "all"), "<none>");
}

TEST_F(EngineKeyCacheTest, AnOpenBatchIsSeenOnlyByItsThreadAndNeverCached) {
  Engine& e = *engine_;
  Put(e, 0, "k", "before");
  ASSERT_EQ(Value(e, 0, "k"), "before");
  e.BeginBatch();
  Put(e, 0, "k", "inside");
  Put(e, 0, "gone", "x");
  Del(e, 0, "gone");
  EXPECT_EQ(Value(e, 0, "k"), "inside");
  EXPECT_EQ(Value(e, 0, "gone"), "<none>");
  std::string seen_elsewhere;
  std::thread other([&] { seen_elsewhere = Value(e, 0, "k"); });
  other.join();
  EXPECT_EQ(seen_elsewhere, "before");
  e.AbortBatch();
  EXPECT_EQ(Value(e, 0, "k"), "before");

  e.BeginBatch();
  Put(e, 0, "k", "committed");
  ASSERT_TRUE(e.CommitBatch().ok());
  std::thread after([&] { seen_elsewhere = Value(e, 0, "k"); });
  after.join();
  EXPECT_EQ(seen_elsewhere, "committed");
}

TEST_F(EngineKeyCacheTest, AReplicaSeesTheMastersWritesOverWhatItCached) {
  TempDir replica_dir;
  std::unique_ptr<Engine> replica = OpenEngine(replica_dir.path());
  ASSERT_NE(replica, nullptr);
  replica->SetReplica(true);
  auto ship = [&] {
    auto batches = engine_->ReadUpdatesSince(replica->ReplicatedOffset() + 1, 1 << 20);
    ASSERT_TRUE(batches.ok());
    for (const auto& b : *batches) ASSERT_TRUE(replica->ApplyReplicated(b).ok());
  };
  Put(*engine_, 0, "k", "v1");
  ship();
  ASSERT_EQ(Value(*replica, 0, "k"), "v1");
  Put(*engine_, 0, "k", "v2");
  ship();
  EXPECT_EQ(Value(*replica, 0, "k"), "v2");
  Del(*engine_, 0, "k");
  ship();
  EXPECT_EQ(Value(*replica, 0, "k"), "<none>");

  Put(*engine_, 0, "k", "v3");
  ship();
  ASSERT_EQ(Value(*replica, 0, "k"), "v3");
  ASSERT_TRUE(replica->BeginFullSync().ok());
  EXPECT_EQ(Value(*replica, 0, "k"), "<none>");
}

TEST_F(EngineKeyCacheTest, WithoutACacheTheEngineAnswersTheSame) {
  TempDir other;
  std::unique_ptr<Engine> e = OpenEngine(other.path(), 0);
  ASSERT_NE(e, nullptr);
  Put(*e, 0, "k", "v1");
  EXPECT_EQ(Value(*e, 0, "k"), "v1");
  Put(*e, 0, "k", "v2");
  EXPECT_EQ(Value(*e, 0, "k"), "v2");
  EXPECT_EQ(e->key_cache().hits(), 0u);
  EXPECT_EQ(e->key_cache().bytes(), 0u);
}

// A reader that missed the cache and read the row, while a writer deleted
// the key before the reader could fill: the fill must not cache the row the
// writer deleted (reads would go on returning it).
TEST_F(EngineKeyCacheTest, AFillNeverBringsBackARowAWriterReplacedMeanwhile) {
  TempDir other;
  std::unique_ptr<Engine> e = OpenEngine(other.path());
  ASSERT_NE(e, nullptr);
  Engine& engine = *e;
  Put(engine, 0, "k", "old");
  Put(engine, 0, "other", "x");
  Del(engine, 0, "other");  // no cache entry for "other" now
  // Reopen so "k" is only on disk: the next read misses and fills.
  e.reset();
  e = OpenEngine(other.path());
  ASSERT_NE(e, nullptr);
  Engine& reopened = *e;
  bool fired = false;
  reopened.SetFillHookForTest([&] {
    if (fired) return;
    fired = true;
    Del(reopened, 0, "k");  // between the reader's RocksDB read and its fill
  });
  KeyState ks;
  ASSERT_TRUE(reopened.Read(0, "k", &ks).ok());
  EXPECT_TRUE(fired);
  EXPECT_EQ(ks.payload, "old");  // what it read before the delete
  reopened.SetFillHookForTest(nullptr);
  EXPECT_EQ(Value(reopened, 0, "k"), "<none>");
}

// The keys a pipeline is about to look up, as a connection collects them.
PrefetchKeys KeysOf(Engine& engine, const std::vector<std::string>& keys, bool write = true) {
  PrefetchKeys out;
  for (const std::string& k : keys) engine.AddPrefetch(0, k, write, &out);
  return out;
}

// Prefetch reads the keys the cache lacks from RocksDB in one MultiGet and
// caches what it found, absence included: the lookups after it are answered
// by the cache, and answered right.
TEST_F(EngineKeyCacheTest, PrefetchCachesWhatRocksDbHoldsForTheKeysItLacks) {
  TempDir other;
  std::unique_ptr<Engine> e = OpenEngine(other.path());
  ASSERT_NE(e, nullptr);
  Put(*e, 0, "on-disk", "v");
  e.reset();
  e = OpenEngine(other.path());  // "on-disk" is in RocksDB only
  ASSERT_NE(e, nullptr);
  Engine& engine = *e;
  Put(engine, 0, "cached", "c");
  engine.Prefetch(
      KeysOf(engine, {"on-disk", "new1", "new2", "cached", "new1"}));  // a key twice too
  const uint64_t hits = engine.key_cache().hits();
  const uint64_t misses = engine.key_cache().misses();
  EXPECT_EQ(Value(engine, 0, "on-disk"), "v");
  EXPECT_EQ(Value(engine, 0, "new1"), "<none>");
  EXPECT_EQ(Value(engine, 0, "new2"), "<none>");
  EXPECT_EQ(Value(engine, 0, "cached"), "c");
  EXPECT_EQ(engine.key_cache().hits(), hits + 4);
  EXPECT_EQ(engine.key_cache().misses(), misses);
  // A cached absence gives way to the key's first write, and a delete.
  Put(engine, 0, "new1", "1");
  EXPECT_EQ(Value(engine, 0, "new1"), "1");
  Del(engine, 0, "on-disk");
  EXPECT_EQ(Value(engine, 0, "on-disk"), "<none>");
  // A single key is left to its lookup, and so are reads' keys (a read
  // that needs the disk goes to a cold read instead).
  engine.Prefetch(KeysOf(engine, {"new3"}));
  engine.Prefetch(KeysOf(engine, {"new4", "new5"}, /*write=*/false));
  const uint64_t before = engine.key_cache().misses();
  EXPECT_EQ(Value(engine, 0, "new3"), "<none>");
  EXPECT_EQ(Value(engine, 0, "new4"), "<none>");
  EXPECT_EQ(Value(engine, 0, "new5"), "<none>");
  EXPECT_EQ(engine.key_cache().misses(), before + 3);
}

// A write between Prefetch's MultiGet and its fill: the fill must not cache
// the rows the write replaced (reads would go on returning them).
TEST_F(EngineKeyCacheTest, APrefetchNeverCachesARowAWriterReplacedMeanwhile) {
  TempDir other;
  std::unique_ptr<Engine> e = OpenEngine(other.path());
  ASSERT_NE(e, nullptr);
  Put(*e, 0, "a", "old");
  Put(*e, 0, "b", "old");
  e.reset();
  e = OpenEngine(other.path());  // both in RocksDB only
  ASSERT_NE(e, nullptr);
  Engine& engine = *e;
  bool fired = false;
  engine.SetPrefetchHookForTest([&] {
    fired = true;
    Del(engine, 0, "a");
    Put(engine, 0, "b", "new");
  });
  engine.Prefetch(KeysOf(engine, {"a", "b"}));
  engine.SetPrefetchHookForTest(nullptr);
  EXPECT_TRUE(fired);
  EXPECT_EQ(Value(engine, 0, "a"), "<none>");
  EXPECT_EQ(Value(engine, 0, "b"), "new");
}

// What this thread's pipeline batch holds wins over a cached absence.
TEST_F(EngineKeyCacheTest, APipelineSeesItsOwnWritesOverAPrefetchedAbsence) {
  Engine& engine = *engine_;
  engine.BeginPipeline();
  Put(engine, 0, "p", "pending");
  engine.Prefetch(KeysOf(engine, {"p", "q"}));  // RocksDB has neither yet
  EXPECT_EQ(Value(engine, 0, "p"), "pending");
  uint64_t seq = 0;
  int lost_from = -1;
  ASSERT_TRUE(engine.EndPipeline(&seq, &lost_from).ok());
  EXPECT_EQ(Value(engine, 0, "p"), "pending");
  EXPECT_EQ(Value(engine, 0, "q"), "<none>");
}

}  // namespace
}  // namespace cairn::storage
