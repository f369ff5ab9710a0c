// The WAL as a replication log: a master's batches read with
// ReadUpdatesSince and applied to a replica engine reproduce its data and
// counts exactly; the applied offset survives a restart; a replica never
// expires keys on its own clock.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "storage/engine.h"
#include "tests/unit/engine_ops.h"
#include "tests/unit/temp_dir.h"

namespace cairn::storage {
namespace {

using test_ops::OpenEngine;
using test_ops::Del;
using test_ops::Put;
using test_ops::Value;

using cairn::testing::TempDir;

class ReplicationLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    master_ = OpenEngine(master_dir_.path(), clock_);
    replica_ = OpenEngine(replica_dir_.path(), clock_);
    ASSERT_TRUE(master_ && replica_);
    replica_->SetReplica(true);
  }
  // Ships everything after the replica's offset; returns how many batches.
  size_t Ship(size_t max_bytes = 1 << 20) {
    size_t shipped = 0;
    for (int round = 0; round < 1000; ++round) {
      auto r = master_->ReadUpdatesSince(replica_->ReplicatedOffset() + 1, max_bytes);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok() || r->empty()) break;
      for (const auto& b : *r) {
        Status s = replica_->ApplyReplicated(b);
        EXPECT_TRUE(s.ok()) << s.ToString();
        ++shipped;
      }
    }
    return shipped;
  }

  FakeClock clock_;
  TempDir master_dir_{"cairn-master"};
  TempDir replica_dir_{"cairn-replica"};
  std::unique_ptr<Engine> master_;
  std::unique_ptr<Engine> replica_;
};

TEST_F(ReplicationLogTest, ReplicaReproducesDataAndCounts) {
  for (int i = 0; i < 100; ++i) Put(*master_, 0, "k" + std::to_string(i), "v" + std::to_string(i));
  Put(*master_, 3, "ttl", "x", clock_.NowMs() + 100000);
  Del(*master_, 0, "k7");
  EXPECT_GT(Ship(), 0u);
  EXPECT_EQ(replica_->KeyCount(0), 99);
  EXPECT_EQ(replica_->KeyCount(3), 1);
  EXPECT_EQ(replica_->ExpireCount(3), 1);
  EXPECT_EQ(Value(*replica_, 0, "k42"), "v42");
  EXPECT_EQ(Value(*replica_, 0, "k7"), "<none>");
  EXPECT_EQ(replica_->ReplicatedOffset(), master_->LatestSequence());
  // Nothing new: nothing shipped.
  EXPECT_EQ(Ship(), 0u);
}

TEST_F(ReplicationLogTest, SmallReadsStillMakeProgressBatchByBatch) {
  Ship();  // the master's own bookkeeping written at creation
  for (int i = 0; i < 20; ++i) Put(*master_, 0, "k" + std::to_string(i), std::string(100, 'x'));
  EXPECT_EQ(Ship(/*max_bytes=*/1), 20u);  // one batch per read
  EXPECT_EQ(replica_->KeyCount(0), 20);
}

TEST_F(ReplicationLogTest, FlushOnTheMasterResetsTheReplicasCounts) {
  for (int i = 0; i < 10; ++i) Put(*master_, 0, "a" + std::to_string(i), "v");
  Put(*master_, 1, "other", "v");
  Ship();
  ASSERT_EQ(replica_->KeyCount(0), 10);
  ASSERT_TRUE(master_->FlushDb(0).ok());
  Put(*master_, 0, "after", "v");
  Ship();
  EXPECT_EQ(replica_->KeyCount(0), 1);
  EXPECT_EQ(replica_->KeyCount(1), 1);
  EXPECT_EQ(Value(*replica_, 0, "a3"), "<none>");
  EXPECT_EQ(Value(*replica_, 0, "after"), "v");
}

TEST_F(ReplicationLogTest, AppliedOffsetSurvivesRestartAndReapplyIsIgnored) {
  Put(*master_, 0, "a", "1");
  Ship();
  const uint64_t off = replica_->ReplicatedOffset();
  ASSERT_GT(off, 0u);
  auto again = master_->ReadUpdatesSince(1, 1 << 20);
  ASSERT_TRUE(again.ok());
  replica_.reset();
  replica_ = OpenEngine(replica_dir_.path(), clock_);
  ASSERT_TRUE(replica_);
  replica_->SetReplica(true);
  EXPECT_EQ(replica_->ReplicatedOffset(), off);
  // Batches already applied are skipped (a resumed stream may resend).
  for (const auto& b : *again) ASSERT_TRUE(replica_->ApplyReplicated(b).ok());
  EXPECT_EQ(replica_->KeyCount(0), 1);
  Put(*master_, 0, "b", "2");
  Ship();
  EXPECT_EQ(replica_->KeyCount(0), 2);
  EXPECT_EQ(Value(*replica_, 0, "b"), "2");
}

TEST_F(ReplicationLogTest, ReplicaDoesNotExpireOnItsOwnClock) {
  Put(*master_, 0, "e", "v", clock_.NowMs() + 1000);
  Ship();
  clock_.Advance(2000);
  // Logically expired on the replica: reads hide it but do not delete it.
  EXPECT_EQ(Value(*replica_, 0, "e"), "<none>");
  auto cycle = replica_->ExpireCycle(100);
  ASSERT_TRUE(cycle.ok());
  EXPECT_EQ(*cycle, 0);
  EXPECT_EQ(replica_->KeyCount(0), 1);
  // The master's expiry arrives as a deletion.
  auto expired = master_->ExpireCycle(100);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 1);
  Ship();
  EXPECT_EQ(replica_->KeyCount(0), 0);
}

TEST_F(ReplicationLogTest, WatchOnTheReplicaSeesReplicatedWrites) {
  Put(*master_, 0, "w", "1");
  Ship();
  auto flag = std::make_shared<WatchFlag>();
  replica_->watches().Watch(0, "w", flag, false);
  Put(*master_, 0, "unrelated", "1");
  Ship();
  EXPECT_FALSE(flag->dirty);
  Put(*master_, 0, "w", "2");
  Ship();
  EXPECT_TRUE(flag->dirty);
  replica_->watches().Unwatch(0, "w", flag.get());
}

TEST_F(ReplicationLogTest, EachNodeKeepsItsOwnReplicationId) {
  const std::string replica_id = replica_->DataId();
  Put(*master_, 0, "a", "1");
  Ship();
  EXPECT_EQ(replica_->DataId(), replica_id);
  replica_.reset();
  replica_ = OpenEngine(replica_dir_.path(), clock_);
  ASSERT_TRUE(replica_);
  EXPECT_EQ(replica_->DataId(), replica_id);
  EXPECT_NE(replica_id, master_->DataId());
}

TEST_F(ReplicationLogTest, AGarbledBatchIsRefusedAndChangesNothing) {
  Engine::ReplBatch junk;
  junk.seq = 1;
  junk.count = 1;
  junk.data = "this is not a write batch";
  EXPECT_FALSE(replica_->ApplyReplicated(junk).ok());
  EXPECT_EQ(replica_->ReplicatedOffset(), 0u);
  EXPECT_EQ(replica_->KeyCount(0), 0);
}

TEST_F(ReplicationLogTest, FullSyncCopiesASnapshotThenTheStreamContinues) {
  for (int i = 0; i < 500; ++i) Put(*master_, i % 3, "k" + std::to_string(i), std::string(50, 'v'));
  Put(*master_, 0, "ttl", "x", clock_.NowMs() + 100000);
  // The replica holds stale data of its own: a full sync replaces all of it.
  Put(*replica_, 5, "stale", "x");
  ASSERT_TRUE(replica_->BeginFullSync().ok());
  uint64_t seq = 0;
  int chunks = 0;
  uint64_t announced = 0;
  Status s = master_->SnapshotChunks(
      4096,
      [&](uint64_t at) {
        announced = at;
        return Status::Ok();
      },
      [&](std::string data) {
        ++chunks;
        return replica_->ApplySnapshotChunk(data);
      },
      &seq);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(replica_->FinishFullSync(seq, master_->DataId()).ok());
  EXPECT_EQ(replica_->MasterDataId(), master_->DataId());
  EXPECT_EQ(master_->DataId().size(), 40u);
  EXPECT_NE(replica_->DataId(), master_->DataId());
  EXPECT_GT(chunks, 1);
  EXPECT_EQ(announced, seq);
  EXPECT_EQ(seq, master_->LatestSequence());
  EXPECT_EQ(replica_->ReplicatedOffset(), seq);
  EXPECT_EQ(replica_->KeyCount(0), 168);
  EXPECT_EQ(replica_->KeyCount(1), 167);
  EXPECT_EQ(replica_->KeyCount(5), 0);
  EXPECT_EQ(replica_->ExpireCount(0), 1);
  EXPECT_EQ(Value(*replica_, 5, "stale"), "<none>");
  EXPECT_EQ(Value(*replica_, 2, "k2"), std::string(50, 'v'));
  Put(*master_, 0, "after", "1");
  Ship();
  EXPECT_EQ(Value(*replica_, 0, "after"), "1");
  EXPECT_EQ(replica_->KeyCount(0), 169);
}

// A tail keeps its place: each read returns only what was written since the
// last one, including across a memtable flush (which starts a new WAL file),
// and what it ships reproduces the master.
TEST_F(ReplicationLogTest, UpdateTailFollowsTheLogAcrossReadsAndWalFiles) {
  Engine::UpdateTail tail(*master_, replica_->ReplicatedOffset() + 1);
  std::vector<Engine::ReplBatch> got;
  auto ship = [&]() {
    got.clear();
    Status s = tail.Read(1 << 20, &got);
    EXPECT_TRUE(s.ok()) << s.ToString();
    for (const auto& b : got) EXPECT_TRUE(replica_->ApplyReplicated(b).ok());
    return got.size();
  };
  ship();
  EXPECT_EQ(ship(), 0u);  // nothing new
  Put(*master_, 0, "a", "1");
  Put(*master_, 0, "b", "2");
  EXPECT_EQ(ship(), 2u);
  EXPECT_EQ(tail.next(), master_->LatestSequence() + 1);
  EXPECT_EQ(ship(), 0u);
  ASSERT_TRUE(master_->Flush().ok());  // the next writes go to a new WAL file
  Put(*master_, 0, "c", "3");
  Del(*master_, 0, "a");
  EXPECT_EQ(ship(), 2u);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 50; ++i) Put(*master_, 1, "k" + std::to_string(round * 50 + i), "v");
    ASSERT_TRUE(master_->Flush().ok());
  }
  size_t total = 0;
  for (int i = 0; i < 10; ++i) total += ship();
  EXPECT_EQ(total, 150u);
  EXPECT_EQ(replica_->ReplicatedOffset(), master_->LatestSequence());
  EXPECT_EQ(Value(*replica_, 0, "a"), "<none>");
  EXPECT_EQ(Value(*replica_, 0, "c"), "3");
  EXPECT_EQ(replica_->KeyCount(1), 150);
}

// Small reads still make progress one batch at a time and never repeat one.
TEST_F(ReplicationLogTest, UpdateTailSmallReadsReturnEachBatchOnce) {
  Ship();
  Engine::UpdateTail tail(*master_, replica_->ReplicatedOffset() + 1);
  for (int i = 0; i < 20; ++i) Put(*master_, 0, "k" + std::to_string(i), std::string(100, 'x'));
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 100; ++i) {
    std::vector<Engine::ReplBatch> got;
    ASSERT_TRUE(tail.Read(1, &got).ok());
    if (got.empty()) break;
    ASSERT_EQ(got.size(), 1u);
    seqs.push_back(got[0].seq);
    ASSERT_TRUE(replica_->ApplyReplicated(got[0]).ok());
  }
  ASSERT_EQ(seqs.size(), 20u);
  for (size_t i = 1; i < seqs.size(); ++i) EXPECT_GT(seqs[i], seqs[i - 1]);
  EXPECT_EQ(replica_->KeyCount(0), 20);
}

}  // namespace
}  // namespace cairn::storage
