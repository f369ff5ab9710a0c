// Master leases (cluster/lease.h) on an in-memory node table and a fake
// monotonic clock: who confirms a lease, that the lease is anchored at the
// ping's send time, that it needs a majority, that a voter neither votes
// while a lease it confirmed may run nor confirms it after voting, and the
// redirect a command gets from Cluster::RouteSlots.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "cluster/cluster.h"
#include "cluster/cluster_state.h"
#include "cluster/failover.h"
#include "cluster/lease.h"
#include "common/clock.h"
#include "temp_dir.h"
#include "tests/unit/cluster_nodes.h"

namespace cairn::cluster {
namespace {

constexpr int64_t kTimeout = 1000;  // period 700 ms, vote guard 900 ms

using test_nodes::AddMaster;
using test_nodes::IdOf;

class LeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.node_timeout_ms = kTimeout;
    state_.InitMyself(options_);
    Node* me = state_.myself();
    me->config_epoch = 1;
    for (int j = 0; j <= 99; ++j) state_.Assign(j, me);
  }
  SlotBitmap Range(int from, int to) {
    SlotBitmap b;
    for (int j = from; j <= to; ++j) b.set(static_cast<size_t>(j));
    return b;
  }

  ClusterOptions options_;
  ClusterState state_;
  std::string why_;
};

TEST_F(LeaseTest, PeriodAndVoteGuardFollowNodeTimeout) {
  EXPECT_EQ(LeasePeriodMs(options_), 700);
  EXPECT_EQ(LeaseVoteGuardMs(options_), 900);
  // The guard outlasts the period on the voter's clock, and FAIL (which
  // needs node-timeout without a pong) outlasts the guard.
  EXPECT_GT(LeaseVoteGuardMs(options_), LeasePeriodMs(options_));
  EXPECT_LT(LeaseVoteGuardMs(options_), options_.node_timeout_ms);
}

TEST_F(LeaseTest, LoneMasterAlwaysHoldsItsLease) {
  EXPECT_EQ(LeaseValidUntil(state_, options_), std::numeric_limits<int64_t>::max());
}

TEST_F(LeaseTest, NodeWithoutSlotsHasNoLease) {
  for (int j = 0; j <= 99; ++j) state_.Unassign(j);
  AddMaster(state_, 'b', 100, 199, 2);
  EXPECT_EQ(LeaseValidUntil(state_, options_), 0);
}

TEST_F(LeaseTest, ThreeMastersNeedOneConfirmationAnchoredAtSendTime) {
  Node* b = AddMaster(state_, 'b', 100, 199, 2);
  AddMaster(state_, 'c', 200, 299, 3);
  EXPECT_EQ(LeaseValidUntil(state_, options_), 0) << "no confirmation yet";
  // Sent at 1000, answered whenever: valid until 1000 + period.
  OnLeaseReply(b, true, 1000);
  EXPECT_EQ(LeaseValidUntil(state_, options_), 1000 + LeasePeriodMs(options_));
  // An older reply arriving late does not move the anchor back.
  OnLeaseReply(b, true, 900);
  EXPECT_EQ(LeaseValidUntil(state_, options_), 1000 + LeasePeriodMs(options_));
}

TEST_F(LeaseTest, FiveMastersNeedTwoAndTheSecondNewestBounds) {
  Node* b = AddMaster(state_, 'b', 100, 199, 2);
  Node* c = AddMaster(state_, 'c', 200, 299, 3);
  AddMaster(state_, 'd', 300, 399, 4);
  AddMaster(state_, 'e', 400, 499, 5);
  OnLeaseReply(b, true, 5000);
  EXPECT_EQ(LeaseValidUntil(state_, options_), 0) << "myself + 1 of 5 is no majority";
  OnLeaseReply(c, true, 3000);
  EXPECT_EQ(LeaseValidUntil(state_, options_), 3000 + LeasePeriodMs(options_));
}

TEST_F(LeaseTest, DenialCancelsAnEarlierConfirmation) {
  Node* b = AddMaster(state_, 'b', 100, 199, 2);
  AddMaster(state_, 'c', 200, 299, 3);
  OnLeaseReply(b, true, 1000);
  OnLeaseReply(b, false, 1100);
  EXPECT_EQ(LeaseValidUntil(state_, options_), 0);
}

TEST_F(LeaseTest, ConfirmationsFromReplicasAndSlotlessMastersDoNotCount) {
  Node* b = AddMaster(state_, 'b', 100, 199, 2);
  AddMaster(state_, 'c', 200, 299, 3);
  Node* empty = AddMaster(state_, 'e', 1, 0, 4);  // a master without slots
  OnLeaseReply(empty, true, 1000);
  EXPECT_EQ(LeaseValidUntil(state_, options_), 0);
  OnLeaseReply(b, true, 1000);
  b->flags = kFlagReplica;  // it turned replica since
  for (int j = 100; j <= 199; ++j) state_.Unassign(j);
  // Two masters with slots now (myself and c): c's confirmation is needed.
  EXPECT_EQ(LeaseValidUntil(state_, options_), 0);
}

TEST_F(LeaseTest, VoterConfirmsAMasterThatStillOwnsItsClaims) {
  Node* b = AddMaster(state_, 'b', 100, 199, 2);
  EXPECT_TRUE(ConfirmLease(state_, b, Range(100, 199), 7000));
  EXPECT_EQ(b->lease_confirmed_ms, 7000);
  // A slot handed over by migration that b does not know of yet: the rest
  // of its claims are its own, so it keeps its lease.
  EXPECT_TRUE(ConfirmLease(state_, b, Range(0, 199), 7050));
  EXPECT_EQ(b->lease_confirmed_ms, 7050);
  // Claims that are all someone else's in our table (b was replaced).
  EXPECT_FALSE(ConfirmLease(state_, b, Range(0, 99), 7100));
  EXPECT_EQ(b->lease_confirmed_ms, 7050);
}

TEST_F(LeaseTest, ReplicaOrSlotlessVoterConfirmsNothing) {
  Node* b = AddMaster(state_, 'b', 100, 199, 2);
  for (int j = 0; j <= 99; ++j) state_.Unassign(j);
  EXPECT_FALSE(ConfirmLease(state_, b, Range(100, 199), 7000));
}

TEST_F(LeaseTest, VoteWaitsForTheGuardAfterTheLastConfirmation) {
  Node* b = AddMaster(state_, 'b', 100, 199, 2);
  ASSERT_TRUE(ConfirmLease(state_, b, Range(100, 199), 10000));
  const int64_t guard = LeaseVoteGuardMs(options_);
  EXPECT_TRUE(LeaseBlocksVote(state_, options_, *b, 10000 + guard - 1, &why_));
  EXPECT_NE(why_.find(std::to_string(guard - 1) + " ms ago"), std::string::npos) << why_;
  EXPECT_FALSE(LeaseBlocksVote(state_, options_, *b, 10000 + guard, &why_));
  options_.master_lease = false;
  EXPECT_FALSE(LeaseBlocksVote(state_, options_, *b, 10001, &why_));
}

TEST_F(LeaseTest, VoterStopsConfirmingAMasterItVotedToReplace) {
  Node* b = AddMaster(state_, 'b', 100, 199, 2);
  OnVoteAgainst(options_, b, 20000);
  const int64_t until = 20000 + 2 * AuthTimeoutMs(options_);
  EXPECT_FALSE(ConfirmLease(state_, b, Range(100, 199), 20001));
  EXPECT_FALSE(ConfirmLease(state_, b, Range(100, 199), until - 1));
  EXPECT_TRUE(ConfirmLease(state_, b, Range(100, 199), until));
}

// Through Cluster::RouteSlots: what a command on myself's slot gets.
class LeaseRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ClusterOptions o;
    o.config_file = dir_.path() + "/nodes.conf";
    o.node_timeout_ms = kTimeout;
    o.require_full_coverage = false;
    o.master_lease = lease_;
    clock_.Advance(100000);
    cluster_ = std::make_unique<Cluster>(o, clock_);
    ASSERT_TRUE(cluster_->Open().ok());
    cluster_->Locked([&](ClusterState& s) {
      Node* me = s.myself();
      me->config_epoch = 1;
      for (int j = 0; j <= 99; ++j) s.Assign(j, me);
      AddMaster(s, 'b', 100, 199, 2);
      AddMaster(s, 'c', 200, 299, 3);
      s.UpdateState(cluster_->options());
    });
  }
  Route::Kind RouteOf(uint16_t slot, bool write) {
    uint16_t slots[] = {slot};
    return cluster_->RouteSlots(slots, write).kind;
  }

  bool lease_ = true;
  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Cluster> cluster_;
};

TEST_F(LeaseRouteTest, ReadsAndWritesNeedAValidLease) {
  EXPECT_EQ(RouteOf(5, false), Route::kNoLease);
  EXPECT_EQ(RouteOf(5, true), Route::kNoLease);
  const int64_t sent = clock_.MonotonicMs();
  cluster_->Locked([&](ClusterState& s) { OnLeaseReply(s.Find(IdOf('b')), true, sent); });
  clock_.Advance(LeasePeriodMs(cluster_->options()) - 1);
  EXPECT_EQ(RouteOf(5, false), Route::kHere);
  EXPECT_EQ(RouteOf(5, true), Route::kHere);
  // A node resuming from a stall: the clock moved on, nothing renewed.
  clock_.Advance(1);
  EXPECT_EQ(RouteOf(5, false), Route::kNoLease);
  // Another master's slot is a MOVED whatever our lease.
  EXPECT_EQ(RouteOf(150, false), Route::kMoved);
}

TEST_F(LeaseRouteTest, WallClockJumpsChangeNothing) {
  const int64_t sent = clock_.MonotonicMs();
  cluster_->Locked([&](ClusterState& s) { OnLeaseReply(s.Find(IdOf('b')), true, sent); });
  clock_.SetNowMs(clock_.NowMs() + 3'600'000);
  EXPECT_EQ(RouteOf(5, true), Route::kHere);
  clock_.SetNowMs(clock_.NowMs() - 7'200'000);
  EXPECT_EQ(RouteOf(5, true), Route::kHere);
}

TEST_F(LeaseRouteTest, PromotionFenceRunsOnceWhenAReplicaBecomesMaster) {
  int fenced = 0;
  cluster_->set_promotion_fence([&] { ++fenced; });
  cluster_->Locked([&](ClusterState& s) {
    Node* me = s.myself();
    for (int j = 0; j <= 99; ++j) s.Unassign(j);
    me->flags = (me->flags & ~kFlagMaster) | kFlagReplica;
    me->master_id = IdOf('b');
  });
  EXPECT_EQ(fenced, 0);
  cluster_->Locked([&](ClusterState& s) {
    Effects fx;
    Promote(s, 9, &fx);
  });
  EXPECT_EQ(fenced, 1);
  cluster_->Locked([](ClusterState&) {});
  EXPECT_EQ(fenced, 1);
}

class LeaseOffRouteTest : public LeaseRouteTest {
 protected:
  void SetUp() override {
    lease_ = false;
    LeaseRouteTest::SetUp();
  }
};

TEST_F(LeaseOffRouteTest, WithoutLeasesAMasterServesUnconfirmed) {
  EXPECT_EQ(RouteOf(5, false), Route::kHere);
  EXPECT_EQ(RouteOf(5, true), Route::kHere);
}

}  // namespace
}  // namespace cairn::cluster
