// PendingIndex on its own (the pipeline batch's hash index of meta rows),
// and the engine reading a pipeline's own writes through it.
#include "storage/pending_index.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/clock.h"
#include "storage/engine.h"
#include "storage/key_cache.h"
#include "tests/unit/temp_dir.h"

namespace cairn::storage {
namespace {

using Found = PendingIndex::Found;
using Ref = PendingIndex::ValueRef;

Found FindIn(const PendingIndex& index, const std::string& key, Ref* ref) {
  return index.Find(key, KeyCache::Hash(key), ref);
}

TEST(PendingIndex, NewestWriteOfAKeyWins) {
  PendingIndex index;
  Ref ref;
  EXPECT_EQ(FindIn(index, "k", &ref), Found::kAbsent);
  index.Put("k", KeyCache::Hash("k"), {10, 3});
  ASSERT_EQ(FindIn(index, "k", &ref), Found::kPut);
  EXPECT_EQ(ref.offset, 10u);
  EXPECT_EQ(ref.size, 3u);
  index.Put("k", KeyCache::Hash("k"), {40, 7});
  ASSERT_EQ(FindIn(index, "k", &ref), Found::kPut);
  EXPECT_EQ(ref.offset, 40u);
  EXPECT_EQ(ref.size, 7u);
  index.Delete("k", KeyCache::Hash("k"));
  EXPECT_EQ(FindIn(index, "k", &ref), Found::kDeleted);
  index.Put("k", KeyCache::Hash("k"), {90, 1});
  ASSERT_EQ(FindIn(index, "k", &ref), Found::kPut);
  EXPECT_EQ(ref.offset, 90u);
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(FindIn(index, "other", &ref), Found::kAbsent);
}

TEST(PendingIndex, KeysOfOneHashAreToldApartByTheirBytes) {
  PendingIndex index;
  // Every key under the same hash: all land in one probe chain.
  for (int i = 0; i < 100; ++i) {
    index.Put("key" + std::to_string(i), 7, {static_cast<uint64_t>(i), 1});
  }
  for (int i = 0; i < 100; ++i) {
    Ref ref;
    ASSERT_EQ(index.Find("key" + std::to_string(i), 7, &ref), Found::kPut) << i;
    EXPECT_EQ(ref.offset, static_cast<uint64_t>(i));
  }
  Ref ref;
  EXPECT_EQ(index.Find("key100", 7, &ref), Found::kAbsent);
  // A key differing only in length from a stored one.
  EXPECT_EQ(index.Find("key1x", 7, &ref), Found::kAbsent);
}

TEST(PendingIndex, GrowsAndClearsForTheNextBatch) {
  PendingIndex index;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5000; ++i) {
      const std::string k = "r" + std::to_string(round) + ":" + std::to_string(i);
      if (i % 3 == 0) {
        index.Delete(k, KeyCache::Hash(k));
      } else {
        index.Put(k, KeyCache::Hash(k), {static_cast<uint64_t>(i), 2});
      }
    }
    EXPECT_EQ(index.size(), 5000u);
    for (int i = 0; i < 5000; ++i) {
      const std::string k = "r" + std::to_string(round) + ":" + std::to_string(i);
      Ref ref;
      const Found f = FindIn(index, k, &ref);
      if (i % 3 == 0) {
        EXPECT_EQ(f, Found::kDeleted) << k;
      } else {
        ASSERT_EQ(f, Found::kPut) << k;
        EXPECT_EQ(ref.offset, static_cast<uint64_t>(i));
      }
    }
    index.Clear();
    EXPECT_TRUE(index.empty());
    Ref ref;
    EXPECT_EQ(FindIn(index, "r" + std::to_string(round) + ":1", &ref), Found::kAbsent);
  }
}

// The engine side: inside a pipeline, Lookup answers from the batch.
class PipelineReadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineOptions o;
    o.dir = dir_.path();
    auto r = Engine::Open(o, clock_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    engine_ = std::move(*r);
  }
  KeyState Look(std::string_view key) {
    KeyState ks;
    EXPECT_TRUE(engine_->Lookup(0, key, &ks).ok());
    return ks;
  }
  void Put(std::string_view key, std::string_view value, int64_t expire_ms = 0) {
    KeyLockGuard g(engine_->locks(), 0, key);
    KeyState ks = Look(key);
    WriteSet ws(*engine_);
    ws.PutString(ks, value, expire_ms);
    ASSERT_TRUE(engine_->Commit(ws).ok());
  }
  void Del(std::string_view key) {
    KeyLockGuard g(engine_->locks(), 0, key);
    KeyState ks = Look(key);
    WriteSet ws(*engine_);
    ws.Delete(ks);
    ASSERT_TRUE(engine_->Commit(ws).ok());
  }
  void Expire(std::string_view key, int64_t expire_ms) {
    KeyLockGuard g(engine_->locks(), 0, key);
    KeyState ks = Look(key);
    WriteSet ws(*engine_);
    ws.SetExpire(ks, expire_ms);
    ASSERT_TRUE(engine_->Commit(ws).ok());
  }
  void End() {
    uint64_t seq = 0;
    int lost = -1;
    ASSERT_TRUE(engine_->EndPipeline(&seq, &lost).ok());
    EXPECT_EQ(lost, -1);
  }

  FakeClock clock_;
  cairn::testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(PipelineReadsTest, EveryKindOfWriteIsSeenByTheNextCommand) {
  Put("stored", "before");
  Put("doomed", "x");
  engine_->BeginPipeline();
  Put("stored", "a much longer value than before");
  EXPECT_EQ(Look("stored").payload, "a much longer value than before");
  Put("stored", "s");
  EXPECT_EQ(Look("stored").payload, "s");
  const int64_t deadline = clock_.NowMs() + 60000;
  Expire("stored", deadline);
  KeyState ks = Look("stored");
  EXPECT_TRUE(ks.live);
  EXPECT_EQ(ks.payload, "s");
  EXPECT_EQ(ks.expire_ms, deadline);
  Del("doomed");
  EXPECT_FALSE(Look("doomed").stored);
  Put("doomed", "back");
  EXPECT_EQ(Look("doomed").payload, "back");
  Put("new", "n");
  Del("new");
  EXPECT_FALSE(Look("new").stored);
  // Many keys: the index grows within one batch.
  for (int i = 0; i < 3000; ++i) Put("k" + std::to_string(i), std::to_string(i * 7));
  for (int i = 0; i < 3000; ++i) {
    ASSERT_EQ(Look("k" + std::to_string(i)).payload, std::to_string(i * 7)) << i;
  }
  EXPECT_EQ(engine_->KeyCount(0), 2 + 3000);
  End();
  // Written: the same state without the batch, and the next pipeline's
  // index starts empty (a key deleted there now reads from the database).
  ks = Look("stored");
  EXPECT_EQ(ks.payload, "s");
  EXPECT_EQ(ks.expire_ms, deadline);
  EXPECT_EQ(Look("doomed").payload, "back");
  EXPECT_FALSE(Look("new").stored);
  EXPECT_EQ(Look("k2999").payload, std::to_string(2999 * 7));
  EXPECT_EQ(engine_->ExpireCount(0), 1);
  engine_->BeginPipeline();
  EXPECT_EQ(Look("doomed").payload, "back");
  Del("doomed");
  End();
  EXPECT_FALSE(Look("doomed").stored);
  EXPECT_EQ(engine_->KeyCount(0), 1 + 3000);
}

}  // namespace
}  // namespace cairn::storage
