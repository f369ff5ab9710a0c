// The atomic slot migration rules of the cluster layer (slot_migration.h) on
// an in-memory node table: which MIGRATESLOTS requests queue jobs, cancel,
// the log's bound, the target's checks of an import, and the write pause's
// redirect decision.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cluster/cluster.h"
#include "cluster/cluster_state.h"
#include "cluster/slot_migration.h"
#include "common/clock.h"
#include "tests/unit/cluster_nodes.h"

namespace cairn::cluster {
namespace {

using test_nodes::AddMaster;
using test_nodes::IdOf;

class SlotMigrationRules : public ::testing::Test {
 protected:
  void SetUp() override {
    s_.InitMyself(options_);
    for (int j = 0; j < 8192; ++j) s_.Assign(j, s_.myself());
    other_ = AddMaster(s_, 'b', 8192, kSlots - 1, 1);
  }
  std::string Start(std::vector<MigrateSlotsGroup> groups) {
    return StartExports(s_, groups, 1000);
  }
  ClusterOptions options_;
  ClusterState s_;
  Node* other_ = nullptr;
};

TEST_F(SlotMigrationRules, QueuesOneJobPerGroup) {
  ASSERT_EQ(Start({{{{0, 10}, {20, 20}}, IdOf('b')}, {{{30, 40}}, IdOf('b')}}), "");
  ASSERT_EQ(s_.slot_migrations.size(), 2u);
  const SlotMigration& m = s_.slot_migrations[0];
  EXPECT_EQ(m.op, SlotMigration::Op::kExport);
  EXPECT_EQ(m.state, "pending");
  EXPECT_TRUE(m.active());
  EXPECT_EQ(m.source_id, s_.myself()->id);
  EXPECT_EQ(m.target_id, IdOf('b'));
  EXPECT_EQ(m.name.size(), kNodeIdLen);
  EXPECT_NE(m.name, s_.slot_migrations[1].name);
  EXPECT_EQ(SlotRangesText(m.ranges), "0-10 20-20");
  EXPECT_EQ(m.create_ms, 1000);
}

TEST_F(SlotMigrationRules, RefusesAndQueuesNothing) {
  EXPECT_EQ(Start({{{{0, 10}}, IdOf('z')}}), "ERR Unknown node " + IdOf('z'));
  EXPECT_EQ(Start({{{{0, 10}}, s_.myself()->id}}), "ERR Target node can not be this node.");
  EXPECT_EQ(Start({{{{8192, 8192}}, IdOf('b')}}), "ERR I'm not the owner of hash slot 8192");
  // The second group is bad: the first is not queued either.
  EXPECT_EQ(Start({{{{0, 10}}, IdOf('b')}, {{{5, 6}}, IdOf('b')}}),
            "ERR Slot 5 specified multiple times");
  s_.SetMigrating(100, other_);
  EXPECT_EQ(Start({{{{100, 100}}, IdOf('b')}}),
            "ERR Slot 100 is migrating or importing (CLUSTER SETSLOT)");
  Node* replica = AddMaster(s_, 'c', 0, -1, 0);
  replica->flags = kFlagReplica;
  replica->master_id = IdOf('b');
  EXPECT_EQ(Start({{{{0, 10}}, IdOf('c')}}), "ERR Target node is not a primary.");
  EXPECT_TRUE(s_.slot_migrations.empty());
  // A slot already moving.
  ASSERT_EQ(Start({{{{0, 10}}, IdOf('b')}}), "");
  EXPECT_EQ(Start({{{{10, 12}}, IdOf('b')}}), "ERR Slot 10 is already being migrated");
  EXPECT_EQ(s_.slot_migrations.size(), 1u);
}

TEST_F(SlotMigrationRules, CancelAsksActiveExportsOnly) {
  ASSERT_EQ(Start({{{{0, 10}}, IdOf('b')}, {{{11, 12}}, IdOf('b')}}), "");
  SetMigrationState(&s_.slot_migrations[1], kMigrationSuccess, 2000);
  EXPECT_EQ(CancelExports(s_), 1);
  EXPECT_TRUE(s_.slot_migrations[0].cancel_requested);
  EXPECT_FALSE(s_.slot_migrations[1].cancel_requested);
  EXPECT_EQ(CancelExports(s_), 0);  // asked already
  EXPECT_EQ(s_.slot_migrations[1].update_ms, 2000);
}

TEST_F(SlotMigrationRules, TheLogKeepsActiveJobsAndTheNewestFinished) {
  for (size_t i = 0; i < kMigrationLogMax + 5; ++i) {
    SlotMigration m;
    m.name = std::to_string(i);
    m.state = i == 0 ? "streaming" : kMigrationFailed;
    s_.slot_migrations.push_back(m);
  }
  TrimMigrationLog(s_);
  EXPECT_EQ(s_.slot_migrations.size(), kMigrationLogMax + 1);
  EXPECT_EQ(s_.slot_migrations.front().name, "0");  // active: kept
  EXPECT_EQ(s_.slot_migrations[1].name, "5");       // the four oldest finished went
  EXPECT_NE(FindMigration(s_, std::to_string(kMigrationLogMax + 4)), nullptr);
  EXPECT_EQ(FindMigration(s_, "4"), nullptr);
}

TEST_F(SlotMigrationRules, TheTargetChecksAnImportAgainstItsOwnView) {
  const std::vector<storage::SlotRange> theirs = {{9000, 9010}};
  EXPECT_EQ(CheckImport(s_, IdOf('b'), theirs), "");
  EXPECT_EQ(CheckImport(s_, IdOf('b'), {{100, 100}}),
            "slot 100 is not the source's in the target's view");
  EXPECT_EQ(CheckImport(s_, IdOf('z'), theirs), "the source is not a known primary");
  EXPECT_EQ(CheckImport(s_, IdOf('b'), {}), "no slot ranges");
  s_.SetImporting(9005, other_);
  EXPECT_EQ(CheckImport(s_, IdOf('b'), theirs), "slot 9005 is migrating or importing");
}

TEST(SlotMigrationPause, WritesToPausedSlotsWaitReadsAndOtherSlotsRun) {
  ClusterOptions options;
  options.master_lease = false;
  FakeClock clock;
  Cluster cluster(options, clock);
  cluster.Locked([&](ClusterState& s) {
    s.InitMyself(options);
    for (int j = 0; j < kSlots; ++j) s.Assign(j, s.myself());
    s.UpdateState(options);
    s.write_paused.set(7);
  });
  const std::vector<uint16_t> paused = {7}, free = {8};
  EXPECT_EQ(cluster.RouteSlots(paused, /*is_write=*/true).kind, Route::kWritePaused);
  EXPECT_EQ(cluster.RouteSlots(paused, false).kind, Route::kHere);
  EXPECT_EQ(cluster.RouteSlots(free, true).kind, Route::kHere);
  cluster.Locked([](ClusterState& s) { s.write_paused.reset(7); });
  EXPECT_EQ(cluster.RouteSlots(paused, true).kind, Route::kHere);
}

}  // namespace
}  // namespace cairn::cluster
