// Engine keyspace walks and SWAPDB (storage/engine_keyspace.cc) and the SCAN
// cursor table, on a temp dir with a FakeClock.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "storage/engine.h"
#include "storage/scan_cursors.h"
#include "tests/unit/temp_dir.h"

namespace cairn::storage {
namespace {

using cairn::testing::TempDir;

class EngineKeyspaceTest : public ::testing::Test {
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
  void Put(uint8_t db, std::string_view key, std::string_view value, int64_t expire_ms = 0) {
    KeyLockGuard g(engine_->locks(), db, key);
    KeyState ks;
    ASSERT_TRUE(engine_->Lookup(db, key, &ks).ok());
    WriteSet ws(*engine_);
    ws.PutString(ks, value, expire_ms);
    ASSERT_TRUE(engine_->Commit(ws).ok());
  }
  void Del(uint8_t db, std::string_view key) {
    KeyLockGuard g(engine_->locks(), db, key);
    KeyState ks;
    ASSERT_TRUE(engine_->Lookup(db, key, &ks).ok());
    WriteSet ws(*engine_);
    ws.Delete(ks);
    ASSERT_TRUE(engine_->Commit(ws).ok());
  }
  KeyState Get(uint8_t db, std::string_view key) {
    KeyState ks;
    EXPECT_TRUE(engine_->Lookup(db, key, &ks).ok());
    return ks;
  }
  // One page; appends the live keys it returned.
  uint64_t Page(uint8_t db, uint64_t cursor, size_t count, std::vector<std::string>* keys) {
    std::vector<ScannedKey> rows;
    uint64_t next = 0;
    EXPECT_TRUE(engine_->Scan(db, cursor, count, &rows, &next).ok());
    for (auto& r : rows) {
      if (r.live) keys->push_back(r.key);
    }
    return next;
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineKeyspaceTest, ScanVisitsEveryKeyOnceWithoutWrites) {
  for (int i = 0; i < 500; ++i) Put(0, "k" + std::to_string(i), "v");
  Put(1, "other-db", "v");
  std::vector<std::string> keys;
  uint64_t cursor = 0;
  int pages = 0;
  do {
    cursor = Page(0, cursor, 7, &keys);
    ++pages;
    ASSERT_LT(pages, 1000);
  } while (cursor != 0);
  EXPECT_EQ(keys.size(), 500u);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 500u);
  EXPECT_GE(pages, 500 / 7);
}

TEST_F(EngineKeyspaceTest, ScanReturnsStableKeysDespiteWritesBetweenPages) {
  for (int i = 0; i < 300; ++i) Put(0, "stable" + std::to_string(i), "v");
  std::vector<std::string> keys;
  uint64_t cursor = 0;
  int round = 0;
  do {
    cursor = Page(0, cursor, 5, &keys);
    // Churn: new keys everywhere, and deletions of keys that came and went.
    Put(0, "new" + std::to_string(round), "v");
    Put(0, "tmp" + std::to_string(round), "v");
    if (round > 0) Del(0, "tmp" + std::to_string(round - 1));
    ++round;
    ASSERT_LT(round, 5000);
  } while (cursor != 0);
  std::set<std::string> seen(keys.begin(), keys.end());
  for (int i = 0; i < 300; ++i) EXPECT_TRUE(seen.count("stable" + std::to_string(i))) << i;
}

TEST_F(EngineKeyspaceTest, ScanCursorsAreSmallIntegersAndForgetOtherDbs) {
  for (int i = 0; i < 50; ++i) Put(0, "k" + std::to_string(i), "v");
  std::vector<std::string> keys;
  uint64_t cursor = Page(0, 0, 10, &keys);
  ASSERT_NE(cursor, 0u);
  EXPECT_LT(cursor, 1ULL << 63);
  // The same cursor in another db names nothing there: that db's slot
  // restarts from its beginning rather than skipping anything.
  for (int i = 0; i < 50; ++i) Put(2, "k" + std::to_string(i), "v");
  std::vector<std::string> other;
  uint64_t c = cursor & 0x3fff;  // the slot alone: start of that slot
  Page(2, cursor, 1000, &other);
  std::vector<std::string> from_slot;
  Page(2, c, 1000, &from_slot);
  EXPECT_EQ(other, from_slot);
}

TEST(ScanCursors, EvictsLeastRecentlyUsedAndChecksDbAndSlot) {
  ScanCursors table(3, 1 << 20);
  uint64_t a = table.Put(0, 1, "a");
  uint64_t b = table.Put(0, 2, "b");
  uint64_t c = table.Put(0, 3, "c");
  EXPECT_NE(a, 0u);
  std::string key;
  ASSERT_TRUE(table.Get(a, 0, 1, &key));  // a is now the most recent
  EXPECT_EQ(key, "a");
  table.Put(0, 4, "d");  // evicts b
  EXPECT_FALSE(table.Get(b, 0, 2, &key));
  EXPECT_TRUE(table.Get(c, 0, 3, &key));
  EXPECT_FALSE(table.Get(c, 1, 3, &key));  // other db
  EXPECT_FALSE(table.Get(c, 0, 4, &key));  // other slot
  EXPECT_EQ(table.size(), 3u);
}

TEST(ScanCursors, BoundsBytesButKeepsTheNewestEntry) {
  ScanCursors table(100, 10);
  uint64_t a = table.Put(0, 0, "12345678");
  uint64_t b = table.Put(0, 0, std::string(50, 'x'));
  std::string key;
  EXPECT_FALSE(table.Get(a, 0, 0, &key));
  EXPECT_TRUE(table.Get(b, 0, 0, &key));
}

TEST_F(EngineKeyspaceTest, ScanKeysReportsExpiredRowsAsNotLive) {
  Put(0, "live", "v");
  Put(0, "gone", "v", clock_.NowMs() + 10);
  clock_.Advance(20);
  std::vector<ScannedKey> rows;
  bool end = false;
  ASSERT_TRUE(engine_->ScanKeys(0, 0, "", false, 100, &rows, &end).ok());
  EXPECT_TRUE(end);
  ASSERT_EQ(rows.size(), 2u);
  int live = 0;
  for (auto& r : rows) live += r.live ? 1 : 0;
  EXPECT_EQ(live, 1);
}

TEST_F(EngineKeyspaceTest, RandomKeySkipsExpiredAndReportsThem) {
  std::string key;
  bool found = true;
  std::vector<std::string> expired;
  ASSERT_TRUE(engine_->RandomKey(0, &key, &found, &expired).ok());
  EXPECT_FALSE(found);
  for (int i = 0; i < 20; ++i) Put(0, "e" + std::to_string(i), "v", clock_.NowMs() + 10);
  Put(0, "live", "v");
  clock_.Advance(20);
  for (int i = 0; i < 20; ++i) {
    expired.clear();
    ASSERT_TRUE(engine_->RandomKey(0, &key, &found, &expired).ok());
    ASSERT_TRUE(found);
    EXPECT_EQ(key, "live");
  }
}

TEST_F(EngineKeyspaceTest, RandomKeyReachesEveryKey) {
  for (int i = 0; i < 5; ++i) Put(0, "k" + std::to_string(i), "v");
  std::set<std::string> seen;
  for (int i = 0; i < 500 && seen.size() < 5; ++i) {
    std::string key;
    bool found = false;
    std::vector<std::string> expired;
    ASSERT_TRUE(engine_->RandomKey(0, &key, &found, &expired).ok());
    ASSERT_TRUE(found);
    seen.insert(key);
  }
  EXPECT_EQ(seen.size(), 5u);
}

TEST_F(EngineKeyspaceTest, SwapDbExchangesKeysTtlsAndCountsAndSurvivesReopen) {
  const int64_t deadline = clock_.NowMs() + 100000;
  Put(0, "a", "in0");
  Put(0, "t", "ttl0", deadline);
  Put(1, "b", "in1");
  Put(255, "z", "in255");
  ASSERT_TRUE(engine_->SwapDb(0, 1).ok());
  EXPECT_EQ(Get(1, "a").payload, "in0");
  EXPECT_EQ(Get(1, "t").expire_ms, deadline);
  EXPECT_EQ(Get(0, "b").payload, "in1");
  EXPECT_FALSE(Get(0, "a").stored);
  EXPECT_EQ(engine_->KeyCount(0), 1);
  EXPECT_EQ(engine_->KeyCount(1), 2);
  EXPECT_EQ(engine_->ExpireCount(0), 0);
  EXPECT_EQ(engine_->ExpireCount(1), 1);
  ASSERT_TRUE(engine_->SwapDb(255, 0).ok());
  EXPECT_EQ(Get(0, "z").payload, "in255");
  EXPECT_EQ(Get(255, "b").payload, "in1");
  Reopen();
  EXPECT_EQ(Get(1, "a").payload, "in0");
  EXPECT_EQ(Get(0, "z").payload, "in255");
  EXPECT_EQ(Get(255, "b").payload, "in1");
  EXPECT_EQ(engine_->KeyCount(0), 1);
  EXPECT_EQ(engine_->KeyCount(1), 2);
  EXPECT_EQ(engine_->KeyCount(255), 1);
  EXPECT_EQ(engine_->ExpireCount(1), 1);
  auto idx = engine_->ScanExpireIndexSize(1);
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ(*idx, 1);
  // The expiry index moved too: the key expires in its new db.
  clock_.Advance(200000);
  auto n = engine_->ExpireCycle(100);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_FALSE(Get(1, "t").stored);
  EXPECT_EQ(engine_->ExpireCount(1), 0);
}

}  // namespace
}  // namespace cairn::storage
