// storage/snapshot: checkpoints are point-in-time, complete and
// independent of the node restored from them; restores refuse to overwrite.
#include "storage/snapshot.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "common/clock.h"
#include "storage/engine.h"
#include "tests/unit/engine_ops.h"
#include "tests/unit/temp_dir.h"

namespace cairn::storage {
namespace {

using test_ops::OpenEngine;
using test_ops::Put;

namespace fs = std::filesystem;

using cairn::testing::TempDir;

std::string Get(Engine& e, uint8_t db, const std::string& key) {
  KeyState ks;
  EXPECT_TRUE(e.Lookup(db, key, &ks).ok());
  return ks.live ? ks.payload : "<none>";
}

class SnapshotTest : public ::testing::Test {
 protected:
  FakeClock clock_{1'700'000'000'000};
  TempDir source_;
};

TEST_F(SnapshotTest, RestoredStoreHasExactlyTheDataAsOfTheCheckpoint) {
  auto e = OpenEngine(source_.path(), clock_);
  ASSERT_NE(e, nullptr);
  // Only in the memtable and the WAL when the checkpoint starts.
  Put(*e, 0, "a", "1");
  Put(*e, 0, "ttl", "t", clock_.NowMs() + 60'000);
  Put(*e, 7, "b", "2");
  auto saved = SaveCheckpoint(*e, source_.path(), clock_.NowMs());
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  Put(*e, 0, "later", "x");
  Put(*e, 0, "a", "changed");

  TempDir target;
  ASSERT_TRUE(RestoreCheckpoint(source_.path() + "/checkpoints/latest", target.path()).ok());
  auto r = OpenEngine(target.path(), clock_);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(Get(*r, 0, "a"), "1");
  EXPECT_EQ(Get(*r, 7, "b"), "2");
  EXPECT_EQ(Get(*r, 0, "later"), "<none>");
  KeyState ks;
  ASSERT_TRUE(r->Lookup(0, "ttl", &ks).ok());
  EXPECT_EQ(ks.expire_ms, clock_.NowMs() + 60'000);
  // Counts and the expiry index came along, consistent with the keys.
  EXPECT_EQ(r->KeyCount(0), 2);
  EXPECT_EQ(r->KeyCount(7), 1);
  EXPECT_EQ(r->ExpireCount(0), 1);
  auto index = r->ScanExpireIndexSize(0);
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(*index, 1);
  EXPECT_EQ(Get(*e, 0, "a"), "changed");  // the source is untouched
}

TEST_F(SnapshotTest, WritesOfARestoredNodeNeverReachTheCheckpoint) {
  auto e = OpenEngine(source_.path(), clock_);
  ASSERT_NE(e, nullptr);
  for (int i = 0; i < 100; ++i) Put(*e, 0, "k" + std::to_string(i), "v");
  ASSERT_TRUE(e->Flush().ok());  // some SSTs before, a memtable tail after
  Put(*e, 0, "tail", "t");
  auto saved = SaveCheckpoint(*e, source_.path(), clock_.NowMs());
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();

  TempDir first;
  ASSERT_TRUE(RestoreCheckpoint(saved->path, first.path()).ok());
  {
    auto r = OpenEngine(first.path(), clock_);
    ASSERT_NE(r, nullptr);
    for (int i = 0; i < 100; ++i) Put(*r, 0, "k" + std::to_string(i), "overwritten");
    Put(*r, 0, "new", "n");
    ASSERT_TRUE(r->Flush().ok());
  }
  // A second restore of the same checkpoint sees none of that: the files
  // the first node appended to or rewrote were its own copies.
  TempDir second;
  ASSERT_TRUE(RestoreCheckpoint(saved->path, second.path()).ok());
  auto r2 = OpenEngine(second.path(), clock_);
  ASSERT_NE(r2, nullptr);
  EXPECT_EQ(Get(*r2, 0, "k5"), "v");
  EXPECT_EQ(Get(*r2, 0, "tail"), "t");
  EXPECT_EQ(Get(*r2, 0, "new"), "<none>");
  EXPECT_EQ(r2->KeyCount(0), 101);
}

TEST_F(SnapshotTest, SaveKeepsTheNewestTwoAndCleansLeftovers) {
  auto e = OpenEngine(source_.path(), clock_);
  ASSERT_NE(e, nullptr);
  const fs::path root = fs::path(source_.path()) / "checkpoints";
  std::string newest;
  for (int i = 0; i < 3; ++i) {
    Put(*e, 0, "round", std::to_string(i));
    clock_.Advance(1000);
    auto saved = SaveCheckpoint(*e, source_.path(), clock_.NowMs());
    ASSERT_TRUE(saved.ok()) << saved.status().ToString();
    newest = saved->path;
    // What a save interrupted by a crash would leave.
    fs::create_directories(root / ("tmp-snapshot-crashed-" + std::to_string(i)));
  }
  auto saved = SaveCheckpoint(*e, source_.path(), clock_.NowMs() + 1);
  ASSERT_TRUE(saved.ok());
  int snapshots = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    std::string n = entry.path().filename().string();
    EXPECT_NE(n.rfind("tmp-", 0), 0u) << n;
    snapshots += n.rfind("snapshot-", 0) == 0;
  }
  EXPECT_EQ(snapshots, kKeptCheckpoints);
  EXPECT_TRUE(fs::exists(newest)) << "the one before the newest is kept";
  EXPECT_EQ(fs::canonical(root / "latest"), fs::canonical(saved->path));
  EXPECT_TRUE(fs::exists(saved->path + "/CAIRN"));
}

TEST_F(SnapshotTest, RestoreRefusesToOverwriteAndForeignSources) {
  auto e = OpenEngine(source_.path(), clock_);
  ASSERT_NE(e, nullptr);
  Put(*e, 0, "a", "1");
  auto saved = SaveCheckpoint(*e, source_.path(), clock_.NowMs());
  ASSERT_TRUE(saved.ok());

  // Populated db: refused, and the files there are left as they were.
  TempDir busy;
  fs::create_directories(busy.path() + "/db");
  std::ofstream(busy.path() + "/db/precious") << "keep";
  Status s = RestoreCheckpoint(saved->path, busy.path());
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("is not empty"), std::string::npos) << s.message();
  EXPECT_TRUE(fs::exists(busy.path() + "/db/precious"));
  EXPECT_FALSE(fs::exists(busy.path() + "/db/CAIRN"));

  // A live data directory is not a checkpoint (nor is a random one).
  TempDir fresh;
  s = RestoreCheckpoint(source_.path(), fresh.path());
  EXPECT_NE(s.message().find("not a Cairn checkpoint"), std::string::npos) << s.message();
  s = RestoreCheckpoint(fresh.path() + "/nosuch", fresh.path());
  EXPECT_NE(s.message().find("not a directory"), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(fresh.path() + "/db"));

  // An existing but empty db directory is fine.
  fs::create_directories(fresh.path() + "/db");
  ASSERT_TRUE(RestoreCheckpoint(saved->path, fresh.path()).ok());
  auto r = OpenEngine(fresh.path(), clock_);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(Get(*r, 0, "a"), "1");
}

}  // namespace
}  // namespace cairn::storage
