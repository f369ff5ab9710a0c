// The failover rules of cluster/failover.h on an in-memory node table with
// explicit times: who gets a vote, the election a replica runs when its
// master FAILs, majority counting, promotion, and the old master turning
// into a replica when gossip shows its slots claimed with a newer epoch.
#include <gtest/gtest.h>

#include <string>

#include "cluster/cluster.h"
#include "cluster/cluster_state.h"
#include "cluster/failover.h"
#include "cluster/gossip.h"
#include "common/clock.h"
#include "tests/unit/cluster_nodes.h"

namespace cairn::cluster {
namespace {

constexpr int64_t kTimeout = 1000;

using test_nodes::IdOf;

class FailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.node_timeout_ms = kTimeout;
    state_.InitMyself(options_);
  }
  Node* AddMaster(char c, int from, int to, uint64_t epoch) {
    return test_nodes::AddMaster(state_, c, from, to, epoch);
  }
  Node* AddReplica(char c, const Node& master) {
    auto n = std::make_unique<Node>();
    n->id = IdOf(c);
    n->ip = "127.0.0.1";
    n->flags = kFlagReplica;
    n->master_id = master.id;
    return state_.Add(std::move(n));
  }
  // Myself as a master of [0, 99] voting on a replica 'r' of master 'b'.
  VoteRequest SetUpVoter(uint64_t epoch) {
    Node* me = state_.myself();
    me->config_epoch = 1;
    for (int j = 0; j <= 99; ++j) state_.Assign(j, me);
    Node* b = AddMaster('b', 100, 199, 2);
    AddReplica('r', *b);
    b->flags |= kFlagFail;
    VoteRequest req;
    req.candidate = IdOf('r');
    req.epoch = epoch;
    req.master_id = b->id;
    req.config_epoch = 2;
    for (int j = 100; j <= 199; ++j) req.slots.set(j);
    return req;
  }
  // Myself as the replica of master 'b' ([0, 99]); masters 'c' and 'd' too.
  Node* SetUpCandidate() {
    Node* b = AddMaster('b', 0, 99, 1);
    AddMaster('c', 100, 199, 2);
    AddMaster('d', 200, 299, 3);
    Node* me = state_.myself();
    me->flags = kFlagMyself | kFlagReplica;
    me->master_id = b->id;
    return b;
  }

  ClusterOptions options_;
  ClusterState state_;
  Effects fx_;
  std::string why_;
};

TEST_F(FailoverTest, MasterVotesOncePerEpoch) {
  VoteRequest req = SetUpVoter(5);
  EXPECT_TRUE(GrantVote(state_, options_, req, 10000, &fx_, &why_)) << why_;
  EXPECT_EQ(state_.last_vote_epoch(), 5u);
  EXPECT_EQ(state_.current_epoch(), 5u);
  EXPECT_TRUE(fx_.save);
  // A second replica of another FAIL master asks in the same epoch: refused.
  Node* e = AddMaster('e', 300, 399, 3);
  e->flags |= kFlagFail;
  AddReplica('s', *e);
  VoteRequest other = req;
  other.candidate = IdOf('s');
  other.master_id = e->id;
  other.slots.reset();
  other.slots.set(300);
  other.config_epoch = 3;
  EXPECT_FALSE(GrantVote(state_, options_, other, 10001, &fx_, &why_));
  // Its next epoch is fine.
  other.epoch = 6;
  EXPECT_TRUE(GrantVote(state_, options_, other, 10002, &fx_, &why_)) << why_;
}

TEST_F(FailoverTest, VoteRefusedWhenTheMasterIsNotFailUnlessManual) {
  VoteRequest req = SetUpVoter(5);
  state_.Find(IdOf('b'))->flags &= ~kFlagFail;
  EXPECT_FALSE(GrantVote(state_, options_, req, 10000, &fx_, &why_));
  EXPECT_EQ(state_.last_vote_epoch(), 0u);
  req.manual = true;
  EXPECT_TRUE(GrantVote(state_, options_, req, 10000, &fx_, &why_)) << why_;
}

TEST_F(FailoverTest, NoSecondVoteForOneMasterWithinTwiceTheNodeTimeout) {
  VoteRequest req = SetUpVoter(5);
  ASSERT_TRUE(GrantVote(state_, options_, req, 10000, &fx_, &why_)) << why_;
  req.epoch = 6;
  EXPECT_FALSE(GrantVote(state_, options_, req, 10000 + 2 * kTimeout - 1, &fx_, &why_));
  req.epoch = 7;
  EXPECT_TRUE(GrantVote(state_, options_, req, 10000 + 2 * kTimeout + 1, &fx_, &why_)) << why_;
}

TEST_F(FailoverTest, VoteRefusedForStaleEpochsAndStaleSlotClaims) {
  VoteRequest req = SetUpVoter(5);
  state_.set_current_epoch(9);
  EXPECT_FALSE(GrantVote(state_, options_, req, 10000, &fx_, &why_));  // epoch 5 < 9
  req.epoch = 9;
  // Slot 150 moved to a master with a newer configEpoch than the candidate knows.
  Node* f = AddMaster('f', 150, 150, 8);
  (void)f;
  EXPECT_FALSE(GrantVote(state_, options_, req, 10000, &fx_, &why_));
  EXPECT_NE(why_.find("slot 150"), std::string::npos) << why_;
  req.config_epoch = 8;
  EXPECT_TRUE(GrantVote(state_, options_, req, 10000, &fx_, &why_)) << why_;
}

TEST_F(FailoverTest, ReplicaOrMasterWithoutSlotsDoesNotVote) {
  VoteRequest req = SetUpVoter(5);
  for (int j = 0; j <= 99; ++j) state_.Unassign(j);
  EXPECT_FALSE(GrantVote(state_, options_, req, 10000, &fx_, &why_));
}

TEST_F(FailoverTest, ReplicaElectsItselfAfterTheDelayAndNeedsAMajority) {
  Node* b = SetUpCandidate();
  FailoverActions fa;
  FailoverCron(state_, options_, 1000, 200, &fx_, &fa);
  EXPECT_FALSE(fa.request_votes);  // master not FAIL
  b->flags |= kFlagFail;
  FailoverCron(state_, options_, 1000, 200, &fx_, &fa);
  EXPECT_FALSE(fa.request_votes);  // delayed: kElectionDelayMs + 200 + rank 0
  FailoverCron(state_, options_, 1000 + kElectionDelayMs + 199, 200, &fx_, &fa);
  EXPECT_FALSE(fa.request_votes);
  state_.set_current_epoch(3);
  FailoverCron(state_, options_, 1000 + kElectionDelayMs + 200, 200, &fx_, &fa);
  ASSERT_TRUE(fa.request_votes);
  EXPECT_EQ(fa.request.epoch, 4u);
  EXPECT_EQ(state_.current_epoch(), 4u);
  EXPECT_EQ(fa.request.master_id, b->id);
  EXPECT_EQ(fa.request.slots.count(), 100u);
  EXPECT_FALSE(fa.request.manual);

  // Quorum of 3 slot-serving masters is 2; a vote for another epoch, a
  // duplicate and a non-master do not count.
  OnVoteGranted(state_, IdOf('c'), 3);
  OnVoteGranted(state_, IdOf('c'), 4);
  OnVoteGranted(state_, IdOf('c'), 4);
  FailoverActions after;
  FailoverCron(state_, options_, 1800, 200, &fx_, &after);
  EXPECT_FALSE(after.promoted);
  EXPECT_FALSE(state_.myself()->is_master());
  OnVoteGranted(state_, IdOf('d'), 4);
  FailoverCron(state_, options_, 1900, 200, &fx_, &after);
  ASSERT_TRUE(after.promoted);
  Node* me = state_.myself();
  EXPECT_TRUE(me->is_master());
  EXPECT_EQ(me->config_epoch, 4u);
  EXPECT_EQ(me->slot_count(), 100);
  EXPECT_EQ(state_.owner(0), me);
  EXPECT_EQ(b->slot_count(), 0);
}

TEST_F(FailoverTest, ElectionTimesOutAndIsRetriedWithANewEpoch) {
  Node* b = SetUpCandidate();
  b->flags |= kFlagFail;
  FailoverActions fa;
  FailoverCron(state_, options_, 1000, 0, &fx_, &fa);
  FailoverCron(state_, options_, 1500, 0, &fx_, &fa);
  ASSERT_TRUE(fa.request_votes);
  uint64_t first = fa.request.epoch;
  OnVoteGranted(state_, IdOf('c'), first);
  // Past the auth timeout (2 s) a late vote no longer makes a winner...
  const int64_t timeout = AuthTimeoutMs(options_);
  FailoverActions late;
  FailoverCron(state_, options_, 1500 + timeout + 1, 0, &fx_, &late);
  OnVoteGranted(state_, IdOf('d'), first);
  FailoverCron(state_, options_, 1500 + timeout + 2, 0, &fx_, &late);
  EXPECT_FALSE(late.promoted);
  // ...and after the retry time a new election starts in a new epoch.
  FailoverActions retry;
  FailoverCron(state_, options_, 1500 + 2 * timeout + 1, 0, &fx_, &retry);
  FailoverCron(state_, options_, 1500 + 2 * timeout + kElectionDelayMs + 1, 0, &fx_, &retry);
  ASSERT_TRUE(retry.request_votes);
  EXPECT_GT(retry.request.epoch, first);
}

TEST_F(FailoverTest, BetterReplicaGoesFirst) {
  Node* b = SetUpCandidate();
  state_.myself()->repl_offset = 10;
  Node* other = AddReplica('s', *b);
  other->repl_offset = 20;
  EXPECT_EQ(FailoverRank(state_), 1);
  other->repl_offset = 5;
  EXPECT_EQ(FailoverRank(state_), 0);
}

TEST_F(FailoverTest, ManualFailoverNeedsAReplicaAndAnUpMaster) {
  Effects fx;
  EXPECT_EQ(StartManualFailover(state_, options_, ManualFailoverMode::kDefault, 0, &fx),
            ManualFailoverRefusal::kNotReplica);
  Node* b = SetUpCandidate();
  b->link_connected = false;
  EXPECT_EQ(StartManualFailover(state_, options_, ManualFailoverMode::kDefault, 0, &fx),
            ManualFailoverRefusal::kMasterDown);
  b->link_connected = true;
  EXPECT_EQ(StartManualFailover(state_, options_, ManualFailoverMode::kDefault, 0, &fx),
            ManualFailoverRefusal::kNone);
}

TEST_F(FailoverTest, ManualFailoverWaitsForTheMasterOffsetThenElectsWithoutFail) {
  Node* b = SetUpCandidate();
  b->link_connected = true;
  state_.myself()->repl_offset = 40;
  ASSERT_EQ(StartManualFailover(state_, options_, ManualFailoverMode::kDefault, 1000, &fx_),
            ManualFailoverRefusal::kNone);
  FailoverActions fa;
  FailoverCron(state_, options_, 1100, 0, &fx_, &fa);
  EXPECT_FALSE(fa.request_votes);  // the master's offset is not known yet
  state_.failover.manual_offset_known = true;
  state_.failover.manual_master_offset = 50;
  FailoverCron(state_, options_, 1200, 0, &fx_, &fa);
  EXPECT_FALSE(fa.request_votes);  // 40 < 50
  state_.myself()->repl_offset = 50;
  FailoverCron(state_, options_, 1300, 0, &fx_, &fa);
  ASSERT_TRUE(fa.request_votes);  // no delay, master not FAIL
  EXPECT_TRUE(fa.request.manual);
}

TEST_F(FailoverTest, TakeoverPromotesWithANewEpochAndNoVotes) {
  Node* b = SetUpCandidate();
  state_.set_current_epoch(7);
  Effects fx;
  ASSERT_EQ(StartManualFailover(state_, options_, ManualFailoverMode::kTakeover, 0, &fx),
            ManualFailoverRefusal::kNone);
  EXPECT_TRUE(state_.myself()->is_master());
  EXPECT_EQ(state_.myself()->config_epoch, 8u);
  EXPECT_EQ(state_.current_epoch(), 8u);
  EXPECT_EQ(b->slot_count(), 0);
  EXPECT_TRUE(fx.save);
}

TEST_F(FailoverTest, OldMasterBecomesReplicaOfTheNodeThatTookAllItsSlots) {
  Node* me = state_.myself();
  me->config_epoch = 1;
  for (int j = 0; j <= 99; ++j) state_.Assign(j, me);
  Node* promoted = AddReplica('a', *me);  // ids must be hex for gossip
  Header h;
  h.sender.id = promoted->id;
  h.sender.flags = kFlagMaster;
  h.sender.config_epoch = 5;
  h.current_epoch = 5;
  for (int j = 0; j <= 99; ++j) h.slots.set(j);
  Effects fx;
  OnPong(state_, options_, promoted->id, h, "127.0.0.1", 1000, &fx);
  EXPECT_FALSE(me->is_master());
  EXPECT_EQ(me->master_id, promoted->id);
  EXPECT_EQ(state_.owner(0), promoted);
  EXPECT_TRUE(fx.save);
}

TEST_F(FailoverTest, ReplicaFollowsTheSiblingThatTookAllItsMastersSlots) {
  Node* old = AddMaster('b', 0, 99, 1);
  Node* me = state_.myself();
  me->flags = kFlagMyself | kFlagReplica;
  me->master_id = old->id;
  Node* sibling = AddReplica('a', *old);
  Header h;
  h.sender.id = sibling->id;
  h.sender.flags = kFlagMaster;
  h.sender.config_epoch = 5;
  for (int j = 0; j <= 99; ++j) h.slots.set(j);
  Effects fx;
  OnPong(state_, options_, sibling->id, h, "127.0.0.1", 1000, &fx);
  EXPECT_EQ(me->master_id, sibling->id);
  EXPECT_FALSE(me->is_master());
}

TEST_F(FailoverTest, MasterKeepsItsRoleWhenOnlySomeSlotsMove) {
  Node* me = state_.myself();
  me->config_epoch = 1;
  for (int j = 0; j <= 99; ++j) state_.Assign(j, me);
  Node* other = AddMaster('e', 200, 200, 5);
  Header h;
  h.sender.id = other->id;
  h.sender.flags = kFlagMaster;
  h.sender.config_epoch = 5;
  h.slots.set(200);
  h.slots.set(50);
  Effects fx;
  OnPong(state_, options_, other->id, h, "127.0.0.1", 1000, &fx);
  EXPECT_TRUE(me->is_master());
  EXPECT_EQ(state_.owner(50), other);
  EXPECT_EQ(me->slot_count(), 99);
}

// A master paused for its replica's CLUSTER FAILOVER answers TRYAGAIN; with
// leases reads too (the voters do not wait out its lease, cluster/lease.h),
// without them it still serves reads, as Redis does.
void CheckPause(bool lease, Route::Kind read_while_paused) {
  ClusterOptions options;
  options.node_timeout_ms = kTimeout;
  options.master_lease = lease;
  FakeClock clock;
  Cluster cluster(options, clock);
  cluster.Locked([&](ClusterState& s) {
    s.InitMyself(options);
    for (int j = 0; j < kSlots; ++j) s.Assign(j, s.myself());
    s.UpdateState(options);
  });
  const uint16_t slot[] = {42};
  EXPECT_EQ(cluster.RouteSlots(slot, true).kind, Route::kHere);
  cluster.Locked([&](ClusterState& s) { s.failover.paused_until_ms = clock.NowMs() + 1000; });
  EXPECT_EQ(cluster.RouteSlots(slot, true).kind, Route::kPaused);
  EXPECT_EQ(cluster.RouteSlots(slot, false).kind, read_while_paused);
  // The pause ends with the manual failover's timeout (FailoverCron).
  Effects fx;
  FailoverActions fa;
  cluster.Locked(
      [&](ClusterState& s) { FailoverCron(s, options, clock.NowMs() + 1001, 0, &fx, &fa); });
  EXPECT_EQ(cluster.RouteSlots(slot, true).kind, Route::kHere);
  EXPECT_EQ(cluster.RouteSlots(slot, false).kind, Route::kHere);
}

TEST(FailoverPause, PausedMasterWithLeasesAnswersTryagainToReadsAndWrites) {
  CheckPause(true, Route::kPaused);
}

TEST(FailoverPause, PausedMasterWithoutLeasesAnswersWritesWithTryagainAndServesReads) {
  CheckPause(false, Route::kHere);
}

}  // namespace
}  // namespace cairn::cluster
