// storage::Engine on a temp dir with a FakeClock: round trips, exact counts,
// flushes, reopening, and refusing a directory that is not Cairn's.
#include "storage/engine.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "common/clock.h"
#include "tests/unit/temp_dir.h"

namespace cairn::storage {
namespace {

namespace fs = std::filesystem;

using cairn::testing::TempDir;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(int databases = 16) {
    EngineOptions o = options_;
    o.dir = dir_.path();
    o.databases = databases;
    auto r = Engine::Open(o, clock_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    engine_ = std::move(*r);
  }
  void Reopen(int databases = 16) {
    engine_.reset();
    Open(databases);
  }

  void Put(uint8_t db, std::string_view key, std::string_view value, int64_t expire_ms = 0) {
    KeyLockGuard g(engine_->locks(), db, key);
    KeyState ks;
    ASSERT_TRUE(engine_->Lookup(db, key, &ks).ok());
    WriteSet ws(*engine_);
    ws.PutString(ks, value, expire_ms);
    ASSERT_TRUE(engine_->Commit(ws).ok());
  }
  // True if something was stored (live or not).
  bool Del(uint8_t db, std::string_view key) {
    KeyLockGuard g(engine_->locks(), db, key);
    KeyState ks;
    EXPECT_TRUE(engine_->Lookup(db, key, &ks).ok());
    bool had = ks.stored;
    WriteSet ws(*engine_);
    ws.Delete(ks);
    EXPECT_TRUE(engine_->Commit(ws).ok());
    return had;
  }
  KeyState Get(uint8_t db, std::string_view key) {
    KeyState ks;
    EXPECT_TRUE(engine_->Read(db, key, &ks).ok());
    return ks;
  }

  TempDir dir_;
  FakeClock clock_;
  EngineOptions options_;  // Open's, but for dir and databases
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, PutThenGetReturnsTheValue) {
  Put(0, "k", "v");
  KeyState ks = Get(0, "k");
  EXPECT_TRUE(ks.live);
  EXPECT_TRUE(ks.stored);
  EXPECT_EQ(ks.type, ValueType::kString);
  EXPECT_EQ(ks.payload, "v");
  EXPECT_EQ(ks.expire_ms, 0);
}

TEST_F(EngineTest, MissingKeyIsNeitherStoredNorLive) {
  KeyState ks = Get(0, "nope");
  EXPECT_FALSE(ks.stored);
  EXPECT_FALSE(ks.live);
  EXPECT_TRUE(ks.payload.empty());
}

TEST_F(EngineTest, BinaryKeysAndValuesRoundTrip) {
  const std::string key("a\0b\r\n\xff\x00", 7);
  const std::string other("a\0c", 3);
  const std::string value("\x00\x01\xfe\xff\r\n", 6);
  Put(0, key, value);
  Put(0, other, "x");
  EXPECT_EQ(Get(0, key).payload, value);
  EXPECT_EQ(Get(0, other).payload, "x");
  EXPECT_FALSE(Get(0, std::string("a\0b", 3)).live);  // a prefix is another key
  EXPECT_FALSE(Get(0, "a").live);
  Put(0, "", "empty key");
  EXPECT_EQ(Get(0, "").payload, "empty key");
  EXPECT_EQ(engine_->KeyCount(0), 3);
}

TEST_F(EngineTest, DatabasesAreSeparate) {
  Put(0, "k", "zero");
  Put(1, "k", "one");
  Put(15, "k", "fifteen");
  EXPECT_EQ(Get(0, "k").payload, "zero");
  EXPECT_EQ(Get(1, "k").payload, "one");
  EXPECT_EQ(Get(15, "k").payload, "fifteen");
  EXPECT_FALSE(Get(2, "k").live);
  EXPECT_EQ(engine_->KeyCount(0), 1);
  EXPECT_EQ(engine_->KeyCount(1), 1);
  EXPECT_EQ(engine_->KeyCount(2), 0);
}

TEST_F(EngineTest, DeleteRemovesTheKeyAndDeletingNothingIsANoOp) {
  Put(0, "k", "v");
  EXPECT_TRUE(Del(0, "k"));
  EXPECT_FALSE(Get(0, "k").stored);
  EXPECT_FALSE(Del(0, "k"));
  EXPECT_EQ(engine_->KeyCount(0), 0);

  KeyState ks;
  ASSERT_TRUE(engine_->Lookup(0, "absent", &ks).ok());
  WriteSet ws(*engine_);
  ws.Delete(ks);
  EXPECT_TRUE(ws.empty());
}

TEST_F(EngineTest, CountsStayExactThroughOverwriteAndDelete) {
  for (int i = 0; i < 10; ++i) Put(0, "k" + std::to_string(i), "v");
  EXPECT_EQ(engine_->KeyCount(0), 10);
  for (int i = 0; i < 10; ++i) Put(0, "k" + std::to_string(i), "w");  // overwrite
  EXPECT_EQ(engine_->KeyCount(0), 10);
  EXPECT_EQ(engine_->ExpireCount(0), 0);
  Put(0, "k0", "v", clock_.NowMs() + 1000);  // gains a TTL
  Put(0, "k1", "v", clock_.NowMs() + 1000);
  EXPECT_EQ(engine_->ExpireCount(0), 2);
  Put(0, "k1", "v", 0);  // overwrite drops the TTL
  EXPECT_EQ(engine_->ExpireCount(0), 1);
  EXPECT_EQ(engine_->KeyCount(0), 10);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(Del(0, "k" + std::to_string(i)));
  EXPECT_EQ(engine_->KeyCount(0), 6);
  EXPECT_EQ(engine_->ExpireCount(0), 0);
}

TEST_F(EngineTest, TwoWritesToOneKeyInOneWriteSetCountOnce) {
  KeyLockGuard g(engine_->locks(), 0, "k");
  KeyState ks;
  ASSERT_TRUE(engine_->Lookup(0, "k", &ks).ok());
  WriteSet ws(*engine_);
  ws.PutString(ks, "a", 0);
  ws.PutString(ks, "b", clock_.NowMs() + 5000);
  ASSERT_TRUE(engine_->Commit(ws).ok());
  EXPECT_EQ(engine_->KeyCount(0), 1);
  EXPECT_EQ(engine_->ExpireCount(0), 1);
}

TEST_F(EngineTest, CountsSurviveReopen) {
  for (int i = 0; i < 7; ++i) Put(0, "k" + std::to_string(i), "v");
  for (int i = 0; i < 3; ++i) Put(3, "k" + std::to_string(i), "v", clock_.NowMs() + 60'000);
  EXPECT_TRUE(Del(0, "k6"));
  Put(0, "k0", "again");
  Reopen();
  EXPECT_EQ(engine_->KeyCount(0), 6);
  EXPECT_EQ(engine_->ExpireCount(0), 0);
  EXPECT_EQ(engine_->KeyCount(3), 3);
  EXPECT_EQ(engine_->ExpireCount(3), 3);
  // And they keep counting from there.
  Put(0, "new", "v");
  EXPECT_EQ(engine_->KeyCount(0), 7);
}

TEST_F(EngineTest, CountsSurviveReopenAfterMemtableFlush) {
  for (int i = 0; i < 5; ++i) Put(0, "k" + std::to_string(i), "v");
  ASSERT_TRUE(engine_->Flush().ok());  // merge operands now in SST files
  EXPECT_TRUE(Del(0, "k0"));
  Reopen();
  EXPECT_EQ(engine_->KeyCount(0), 4);
}

TEST_F(EngineTest, ReopenKeepsValuesAndDeadlines) {
  const int64_t deadline = clock_.NowMs() + 100'000;
  Put(0, "plain", "v1");
  Put(0, "ttl", "v2", deadline);
  Put(7, std::string("bin\0key", 7), std::string("\0", 1));
  Reopen();
  EXPECT_EQ(Get(0, "plain").payload, "v1");
  KeyState t = Get(0, "ttl");
  EXPECT_TRUE(t.live);
  EXPECT_EQ(t.payload, "v2");
  EXPECT_EQ(t.expire_ms, deadline);
  EXPECT_EQ(Get(7, std::string("bin\0key", 7)).payload, std::string("\0", 1));
}

// The meta column family keeps up to 32 small memtables and flushes sixteen
// at a time into one file: rows spread over the active memtable, immutable
// ones and merged L0 files all read back, and survive a reopen (which
// replays the WAL into memtables again).
TEST_F(EngineTest, RowsInEveryMemtableAndMergedFlushReadBackAndSurviveReopen) {
  options_.memory_budget = 8ull << 20;  // the smallest memtables: 256 KB
  options_.key_cache_bytes = 0;         // every read goes to RocksDB
  Reopen();
  constexpr int kKeys = 6000;
  const std::string value(1500, 'v');  // ~12 MB written: 48 memtables' worth
  auto value_of = [&](int i, int round) {
    return std::to_string(i) + "/" + std::to_string(round) + value;
  };
  for (int i = 0; i < kKeys; ++i) Put(0, "k" + std::to_string(i), value_of(i, 0));
  for (int i = 0; i < kKeys; i += 3) Put(0, "k" + std::to_string(i), value_of(i, 1));
  for (int i = 1; i < kKeys; i += 5) ASSERT_TRUE(Del(0, "k" + std::to_string(i)));
  auto check = [&] {
    int64_t live = 0;
    for (int i = 0; i < kKeys; ++i) {
      KeyState ks = Get(0, "k" + std::to_string(i));
      if (i % 5 == 1) {
        ASSERT_FALSE(ks.stored) << i;
        continue;
      }
      ASSERT_TRUE(ks.live) << i;
      ASSERT_EQ(ks.payload, value_of(i, i % 3 == 0 ? 1 : 0)) << i;
      ++live;
    }
    EXPECT_EQ(engine_->KeyCount(0), live);
  };
  check();
  // The memtables cannot hold it all: some of it was flushed to files.
  for (int i = 0; i < 500 && engine_->DiskUsage() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(engine_->DiskUsage(), 0u);
  Reopen();
  check();
}

TEST_F(EngineTest, FlushDbDropsOnlyThatDb) {
  for (int i = 0; i < 5; ++i) Put(0, "a" + std::to_string(i), "v", clock_.NowMs() + 10'000);
  for (int i = 0; i < 3; ++i) Put(1, "b" + std::to_string(i), "v");
  ASSERT_TRUE(engine_->FlushDb(0).ok());
  EXPECT_EQ(engine_->KeyCount(0), 0);
  EXPECT_EQ(engine_->ExpireCount(0), 0);
  EXPECT_FALSE(Get(0, "a0").live);
  EXPECT_EQ(engine_->KeyCount(1), 3);
  EXPECT_TRUE(Get(1, "b2").live);
  // The expiry index of db 0 went too: nothing is left to expire.
  clock_.Advance(20'000);
  auto n = engine_->ExpireCycle(100);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  // Counts restart from zero and survive reopening.
  Put(0, "fresh", "v");
  EXPECT_EQ(engine_->KeyCount(0), 1);
  Reopen();
  EXPECT_EQ(engine_->KeyCount(0), 1);
  EXPECT_EQ(engine_->KeyCount(1), 3);
  EXPECT_FALSE(Get(0, "a1").live);
}

TEST_F(EngineTest, FlushAllDropsEveryDbIncludingTheLast) {
  Reopen(256);
  Put(0, "k", "v");
  Put(9, "k", "v", clock_.NowMs() + 1000);
  Put(255, "k", "v");
  Put(255, std::string(40, '\xff'), "v");
  EXPECT_EQ(engine_->KeyCount(255), 2);
  ASSERT_TRUE(engine_->FlushAll().ok());
  for (int db : {0, 9, 255}) {
    EXPECT_EQ(engine_->KeyCount(static_cast<uint8_t>(db)), 0) << db;
    EXPECT_EQ(engine_->ExpireCount(static_cast<uint8_t>(db)), 0) << db;
    EXPECT_FALSE(Get(static_cast<uint8_t>(db), "k").stored) << db;
  }
  EXPECT_FALSE(Get(255, std::string(40, '\xff')).stored);
  Reopen(256);
  EXPECT_EQ(engine_->KeyCount(255), 0);
  EXPECT_EQ(engine_->KeyCount(0), 0);
}

TEST(EngineOpen, RefusesADirectoryThatIsNotCairns) {
  TempDir dir;
  fs::create_directories(dir.path() + "/db");
  std::ofstream(dir.path() + "/db/somefile.txt") << "not a cairn store\n";
  FakeClock clock;
  EngineOptions o;
  o.dir = dir.path();
  auto r = Engine::Open(o, clock);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("not a Cairn data directory"), std::string::npos)
      << r.status().ToString();
  // Nothing was written into the foreign directory.
  EXPECT_FALSE(fs::exists(dir.path() + "/db/CAIRN"));
  EXPECT_FALSE(fs::exists(dir.path() + "/db/CURRENT"));
}

TEST(EngineOpen, AcceptsAnEmptyDataDirectoryAndMarksIt) {
  TempDir dir;
  fs::create_directories(dir.path() + "/db");
  FakeClock clock;
  EngineOptions o;
  o.dir = dir.path();
  auto r = Engine::Open(o, clock);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(fs::exists(dir.path() + "/db/CAIRN"));
}

TEST(EngineOpen, RefusesAnOutOfRangeDatabaseCount) {
  TempDir dir;
  FakeClock clock;
  EngineOptions o;
  o.dir = dir.path();
  o.databases = 0;
  EXPECT_FALSE(Engine::Open(o, clock).ok());
  o.databases = 257;
  EXPECT_FALSE(Engine::Open(o, clock).ok());
}

}  // namespace
}  // namespace cairn::storage
