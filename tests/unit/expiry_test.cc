// Expiry in storage::Engine with a FakeClock: liveness at the deadline, the
// expiry index kept consistent as TTLs change, and ExpireCycle deleting only
// due keys within its budget.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/clock.h"
#include "tests/unit/temp_dir.h"
#include "storage/engine.h"

namespace cairn::storage {
namespace {

namespace fs = std::filesystem;

using cairn::testing::TempDir;

class ExpiryTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    EngineOptions o;
    o.dir = dir_.path();
    auto r = Engine::Open(o, clock_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    engine_ = std::move(*r);
  }
  void Reopen() {
    engine_.reset();
    Open();
  }

  void Put(std::string_view key, int64_t expire_ms, uint8_t db = 0) {
    KeyLockGuard g(engine_->locks(), db, key);
    KeyState ks;
    ASSERT_TRUE(engine_->Lookup(db, key, &ks).ok());
    WriteSet ws(*engine_);
    ws.PutString(ks, "v", expire_ms);
    ASSERT_TRUE(engine_->Commit(ws).ok());
  }
  void SetExpire(std::string_view key, int64_t expire_ms, uint8_t db = 0) {
    KeyLockGuard g(engine_->locks(), db, key);
    KeyState ks;
    ASSERT_TRUE(engine_->Lookup(db, key, &ks).ok());
    ASSERT_TRUE(ks.stored);
    WriteSet ws(*engine_);
    ws.SetExpire(ks, expire_ms);
    ASSERT_TRUE(engine_->Commit(ws).ok());
  }
  void Del(std::string_view key, uint8_t db = 0) {
    KeyLockGuard g(engine_->locks(), db, key);
    KeyState ks;
    ASSERT_TRUE(engine_->Lookup(db, key, &ks).ok());
    WriteSet ws(*engine_);
    ws.Delete(ks);
    ASSERT_TRUE(engine_->Commit(ws).ok());
  }
  KeyState Look(std::string_view key, uint8_t db = 0) {
    KeyState ks;
    EXPECT_TRUE(engine_->Lookup(db, key, &ks).ok());
    return ks;
  }
  int Cycle(int budget) {
    auto n = engine_->ExpireCycle(budget);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  }
  // The index must hold exactly one row per key with a TTL.
  void ExpectIndexMatchesCount(uint8_t db = 0) {
    auto n = engine_->ScanExpireIndexSize(db);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, engine_->ExpireCount(db)) << "db " << static_cast<int>(db);
  }

  int64_t Now() const { return clock_.NowMs(); }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(ExpiryTest, KeyIsNotLiveOnceTheClockReachesItsDeadline) {
  Put("k", Now() + 1000);
  EXPECT_TRUE(Look("k").live);
  clock_.Advance(999);
  EXPECT_TRUE(Look("k").live);
  clock_.Advance(1);  // deadline == now: expired, as Redis (when <= now)
  KeyState ks = Look("k");
  EXPECT_TRUE(ks.stored);
  EXPECT_FALSE(ks.live);
}

TEST_F(ExpiryTest, ReadDeletesAnExpiredKeyAndCountsDrop) {
  Put("k", Now() + 10);
  Put("keep", 0);
  EXPECT_EQ(engine_->KeyCount(0), 2);
  clock_.Advance(10);
  KeyState ks;
  ASSERT_TRUE(engine_->Read(0, "k", &ks).ok());
  EXPECT_FALSE(ks.live);
  EXPECT_FALSE(Look("k").stored);  // gone from disk, not just hidden
  EXPECT_EQ(engine_->KeyCount(0), 1);
  EXPECT_EQ(engine_->ExpireCount(0), 0);
  ExpectIndexMatchesCount();
}

TEST_F(ExpiryTest, ChangingTheDeadlineMovesTheIndexEntry) {
  Put("k", Now() + 1000);
  SetExpire("k", Now() + 5000);
  EXPECT_EQ(engine_->ExpireCount(0), 1);
  ExpectIndexMatchesCount();
  clock_.Advance(2000);  // past the old deadline only
  EXPECT_EQ(Cycle(100), 0);
  EXPECT_TRUE(Look("k").live);
  EXPECT_EQ(engine_->ExpireCount(0), 1);
  ExpectIndexMatchesCount();
  clock_.Advance(3000);  // the new deadline
  EXPECT_EQ(Cycle(100), 1);
  EXPECT_FALSE(Look("k").stored);
  EXPECT_EQ(engine_->KeyCount(0), 0);
  EXPECT_EQ(engine_->ExpireCount(0), 0);
  ExpectIndexMatchesCount();
}

TEST_F(ExpiryTest, RemovingTheTtlRemovesTheIndexEntry) {
  Put("persisted", Now() + 100);
  Put("overwritten", Now() + 100);
  SetExpire("persisted", 0);  // PERSIST
  Put("overwritten", 0);      // SET without KEEPTTL
  EXPECT_EQ(engine_->ExpireCount(0), 0);
  ExpectIndexMatchesCount();
  clock_.Advance(1000);
  EXPECT_EQ(Cycle(100), 0);
  EXPECT_TRUE(Look("persisted").live);
  EXPECT_TRUE(Look("overwritten").live);
  EXPECT_EQ(engine_->KeyCount(0), 2);
}

TEST_F(ExpiryTest, DeletingAKeyRemovesItsIndexEntry) {
  Put("k", Now() + 100);
  Del("k");
  EXPECT_EQ(engine_->ExpireCount(0), 0);
  ExpectIndexMatchesCount();
  // A new key of the same name without a TTL is not hit by the old deadline.
  Put("k", 0);
  clock_.Advance(1000);
  EXPECT_EQ(Cycle(100), 0);
  EXPECT_TRUE(Look("k").live);
}

TEST_F(ExpiryTest, SettingTheSameDeadlineTwiceKeepsOneIndexEntry) {
  const int64_t when = Now() + 100;
  Put("k", when);
  Put("k", when);
  SetExpire("k", when);
  EXPECT_EQ(engine_->ExpireCount(0), 1);
  ExpectIndexMatchesCount();
}

TEST_F(ExpiryTest, CycleDeletesOnlyDueKeys) {
  for (int i = 0; i < 10; ++i) Put("soon" + std::to_string(i), Now() + 100 + i);
  for (int i = 0; i < 10; ++i) Put("later" + std::to_string(i), Now() + 10'000);
  for (int i = 0; i < 5; ++i) Put("never" + std::to_string(i), 0);
  clock_.Advance(105);  // soon0..soon5 are due
  EXPECT_EQ(Cycle(1000), 6);
  EXPECT_FALSE(Look("soon5").stored);
  EXPECT_TRUE(Look("soon6").live);
  EXPECT_EQ(engine_->KeyCount(0), 19);
  EXPECT_EQ(engine_->ExpireCount(0), 14);
  clock_.Advance(1000);
  EXPECT_EQ(Cycle(1000), 4);
  EXPECT_EQ(Cycle(1000), 0);
  EXPECT_EQ(engine_->KeyCount(0), 15);
  EXPECT_TRUE(Look("later0").live);
  EXPECT_TRUE(Look("never0").live);
  ExpectIndexMatchesCount();
}

TEST_F(ExpiryTest, CycleRespectsItsBudget) {
  // More than one internal batch, so the budget is checked inside a batch.
  for (int i = 0; i < 150; ++i) Put("k" + std::to_string(i), Now() + 10);
  clock_.Advance(10);
  EXPECT_EQ(Cycle(10), 10);
  EXPECT_EQ(engine_->KeyCount(0), 140);
  EXPECT_EQ(Cycle(100), 100);
  EXPECT_EQ(engine_->KeyCount(0), 40);
  EXPECT_EQ(Cycle(1), 1);
  EXPECT_EQ(Cycle(0), 0);
  EXPECT_EQ(engine_->KeyCount(0), 39);
  EXPECT_EQ(Cycle(1000), 39);
  EXPECT_EQ(engine_->KeyCount(0), 0);
  EXPECT_EQ(engine_->ExpireCount(0), 0);
  ExpectIndexMatchesCount();
}

TEST_F(ExpiryTest, CycleDeletesOldestDeadlinesFirst) {
  Put("c", Now() + 30);
  Put("a", Now() + 10);
  Put("b", Now() + 20);
  clock_.Advance(100);
  EXPECT_EQ(Cycle(1), 1);
  EXPECT_FALSE(Look("a").stored);
  EXPECT_TRUE(Look("b").stored);
  EXPECT_EQ(Cycle(1), 1);
  EXPECT_FALSE(Look("b").stored);
  EXPECT_TRUE(Look("c").stored);
}

TEST_F(ExpiryTest, CycleCoversEveryDatabase) {
  Put("k", Now() + 10, 0);
  Put("k", Now() + 10, 5);
  Put("k", Now() + 10, 15);
  Put("k", Now() + 99'999, 6);
  clock_.Advance(10);
  EXPECT_EQ(Cycle(100), 3);
  EXPECT_EQ(engine_->KeyCount(0), 0);
  EXPECT_EQ(engine_->KeyCount(5), 0);
  EXPECT_EQ(engine_->KeyCount(15), 0);
  EXPECT_EQ(engine_->KeyCount(6), 1);
}

TEST_F(ExpiryTest, DeadlinesSurviveReopenAndExpireAfterIt) {
  const int64_t when = Now() + 5000;
  Put("k", when);
  Put("gone", Now() + 100);
  Reopen();
  EXPECT_EQ(Look("k").expire_ms, when);
  EXPECT_EQ(engine_->ExpireCount(0), 2);
  ExpectIndexMatchesCount();
  clock_.Advance(1000);  // "gone" expired while we were closed
  EXPECT_FALSE(Look("gone").live);
  EXPECT_EQ(Cycle(100), 1);
  clock_.Advance(4000);
  Reopen();
  EXPECT_FALSE(Look("k").live);
  EXPECT_EQ(Cycle(100), 1);
  EXPECT_EQ(engine_->KeyCount(0), 0);
  EXPECT_EQ(engine_->ExpireCount(0), 0);
}

TEST_F(ExpiryTest, RewritingAKeyAfterItsDeadlineKeepsCountsExact) {
  Put("k", Now() + 10);
  clock_.Advance(20);
  // A writer that finds the expired row overwrites it in place.
  KeyState ks = Look("k");
  ASSERT_TRUE(ks.stored);
  ASSERT_FALSE(ks.live);
  Put("k", 0);
  EXPECT_EQ(engine_->KeyCount(0), 1);
  EXPECT_EQ(engine_->ExpireCount(0), 0);
  ExpectIndexMatchesCount();
  EXPECT_EQ(Cycle(100), 0);
  EXPECT_TRUE(Look("k").live);
}

}  // namespace
}  // namespace cairn::storage
