// The gossip rules of cluster/gossip.h on an in-memory node table with
// explicit times: MEET, slot claims by configEpoch, epoch collisions, PFAIL,
// FAIL by quorum, FAIL cleared; and the nodes.conf round trip.
#include <gtest/gtest.h>

#include <string>

#include "cluster/cluster_state.h"
#include "cluster/gossip.h"
#include "cluster/nodes_conf.h"
#include "tests/unit/temp_dir.h"
#include "tests/unit/cluster_nodes.h"

namespace cairn::cluster {
namespace {

constexpr int64_t kTimeout = 1000;

using test_nodes::IdOf;

class GossipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.node_timeout_ms = kTimeout;
    options_.port = 7000;
    options_.bus_port = 17000;
    state_.InitMyself(options_);
    // Ids ordered: "1..." < myself's random hex? Not guaranteed, so tests
    // that depend on the order set myself's id explicitly.
  }
  // A master peer known to us, owning [from, to].
  Node* AddMaster(char c, int from, int to, uint64_t epoch) {
    return test_nodes::AddMaster(state_, c, from, to, epoch);
  }
  // What `sender` would say about itself.
  Header From(const Node& sender) {
    Header h;
    h.sender.id = sender.id;
    h.sender.port = sender.port;
    h.sender.bus_port = sender.bus_port;
    h.sender.flags = kFlagMaster;
    h.sender.config_epoch = sender.config_epoch;
    h.slots = sender.slots;
    return h;
  }

  ClusterOptions options_;
  ClusterState state_;
  Effects fx_;
};

TEST_F(GossipTest, OnlyAMeetIntroducesAnUnknownNode) {
  Header h;
  h.sender.id = IdOf('a');
  h.sender.port = 7001;
  h.sender.bus_port = 17001;
  h.sender.flags = kFlagMaster;
  OnPing(state_, options_, h, "10.0.0.2", "10.0.0.1", 1000, &fx_);
  EXPECT_EQ(state_.Find(IdOf('a')), nullptr);
  h.meet = true;
  OnPing(state_, options_, h, "10.0.0.2", "10.0.0.1", 1000, &fx_);
  Node* a = state_.Find(IdOf('a'));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->ip, "10.0.0.2");  // no announced address: the link's
  EXPECT_EQ(a->port, 7001);
  // A MEET also tells us our own address.
  EXPECT_EQ(state_.myself()->ip, "10.0.0.1");
  EXPECT_TRUE(fx_.save);
}

TEST_F(GossipTest, GossipIntroducesNodesAndSkipsForgottenOnes) {
  Node* a = AddMaster('a', 0, 0, 1);
  Header h = From(*a);
  NodeView b;
  b.id = IdOf('b');
  b.ip = "127.0.0.1";
  b.port = 7002;
  b.bus_port = 17002;
  b.flags = kFlagMaster;
  NodeView c = b;
  c.id = IdOf('c');
  h.gossip = {b, c};
  state_.Blacklist(IdOf('c'), 60000);
  OnPing(state_, options_, h, "127.0.0.1", "127.0.0.1", 1000, &fx_);
  ASSERT_NE(state_.Find(IdOf('b')), nullptr);
  EXPECT_TRUE(state_.Find(IdOf('b'))->meet_pending);
  EXPECT_EQ(state_.Find(IdOf('c')), nullptr);
}

TEST_F(GossipTest, ClaimsWithAHigherConfigEpochWin) {
  Node* a = AddMaster('a', 0, 99, 5);
  Node* b = AddMaster('b', 200, 200, 3);
  // b claims 0..9 (owned by a at epoch 5) and 300: only 300 is taken.
  Header hb = From(*b);
  for (int j = 0; j < 10; ++j) hb.slots.set(static_cast<size_t>(j));
  hb.slots.set(300);
  OnPing(state_, options_, hb, "127.0.0.1", "127.0.0.1", 1000, &fx_);
  EXPECT_EQ(state_.owner(0), a);
  EXPECT_EQ(state_.owner(300), b);
  // Now with a newer epoch, the claim wins.
  hb.sender.config_epoch = 6;
  OnPing(state_, options_, hb, "127.0.0.1", "127.0.0.1", 1000, &fx_);
  EXPECT_EQ(state_.owner(0), b);
  EXPECT_EQ(state_.owner(9), b);
  EXPECT_EQ(state_.owner(10), a);
  EXPECT_EQ(a->slot_count(), 90);
}

TEST_F(GossipTest, EpochCollisionBumpsTheSmallerId) {
  Node* me = state_.myself();
  state_.Rename(me, IdOf('1'));
  me->config_epoch = 4;
  state_.set_current_epoch(4);
  Node* f = AddMaster('f', 0, 0, 4);
  OnPing(state_, options_, From(*f), "127.0.0.1", "127.0.0.1", 1000, &fx_);
  EXPECT_EQ(me->config_epoch, 5u);
  EXPECT_EQ(state_.current_epoch(), 5u);
  // The larger id does not move.
  Node* z = AddMaster('0', 1, 1, 5);  // "000..." < "111...": we are larger now
  OnPing(state_, options_, From(*z), "127.0.0.1", "127.0.0.1", 1000, &fx_);
  EXPECT_EQ(me->config_epoch, 5u);
}

TEST_F(GossipTest, PfailAfterTimeoutThenFailOnAQuorumOfMasters) {
  for (int j = 0; j < 5000; ++j) state_.Assign(j, state_.myself());
  Node* b = AddMaster('b', 5000, 9999, 1);
  Node* c = AddMaster('c', 10000, 16383, 2);
  c->ping_sent_ms = 10000;
  Cron(state_, options_, 10000 + kTimeout, &fx_);
  EXPECT_FALSE(c->timed_out());  // not yet past the timeout
  Cron(state_, options_, 10001 + kTimeout, &fx_);
  EXPECT_TRUE(c->timed_out());
  EXPECT_FALSE(c->failed());  // 1 of the quorum of 2
  EXPECT_TRUE(state_.ok());   // PFAIL alone keeps the slots served
  // b says it sees c failing too: quorum.
  Header hb = From(*b);
  NodeView cv;
  cv.id = c->id;
  cv.ip = c->ip;
  cv.flags = kFlagMaster | kFlagPfail;
  hb.gossip = {cv};
  OnPing(state_, options_, hb, "127.0.0.1", "127.0.0.1", 11500, &fx_);
  EXPECT_TRUE(c->failed());
  EXPECT_FALSE(c->timed_out());
  ASSERT_EQ(fx_.fail_broadcast.size(), 1u);
  EXPECT_EQ(fx_.fail_broadcast[0], c->id);
  Cron(state_, options_, 11600, &fx_);
  EXPECT_FALSE(state_.ok());  // its slots are uncovered
}

TEST_F(GossipTest, OldFailureReportsDoNotCount) {
  for (int j = 0; j < 5000; ++j) state_.Assign(j, state_.myself());
  Node* b = AddMaster('b', 5000, 9999, 1);
  Node* c = AddMaster('c', 10000, 16383, 2);
  c->fail_reports.push_back({b->id, 1000});
  c->flags |= kFlagPfail;
  Cron(state_, options_, 1000 + 2 * kTimeout + 1, &fx_);
  EXPECT_FALSE(c->failed());
  EXPECT_TRUE(c->fail_reports.empty());
}

TEST_F(GossipTest, FailOfAMasterWithSlotsIsClearedOnlyAfterTheUndoTime) {
  for (int j = 0; j < 5000; ++j) state_.Assign(j, state_.myself());
  Node* c = AddMaster('c', 5000, 16383, 2);
  OnFail(state_, options_, IdOf('c'), IdOf('c'), 1000, &fx_);  // sender must be known: it is
  ASSERT_TRUE(c->failed());
  c->ping_sent_ms = 1500;
  OnPong(state_, options_, c->id, From(*c), "127.0.0.1", 1500, &fx_);
  EXPECT_TRUE(c->failed());  // back, but its replicas may still take over
  OnPong(state_, options_, c->id, From(*c), "127.0.0.1", 1000 + 2 * kTimeout + 1, &fx_);
  EXPECT_FALSE(c->failed());
  EXPECT_TRUE(state_.ok());
}

TEST_F(GossipTest, HandshakeNodeTakesTheIdOfWhoAnswers) {
  auto h = std::make_unique<Node>();
  h->id = IdOf('9');
  h->ip = "127.0.0.1";
  h->port = 7005;
  h->bus_port = 17005;
  h->flags = kFlagHandshake | kFlagMaster;
  state_.Add(std::move(h));
  Header reply;
  reply.sender.id = IdOf('e');
  reply.sender.port = 7005;
  reply.sender.bus_port = 17005;
  reply.sender.flags = kFlagMaster;
  reply.observed_ip = "127.0.0.1";
  OnPong(state_, options_, IdOf('9'), reply, "127.0.0.1", 1000, &fx_);
  EXPECT_EQ(state_.Find(IdOf('9')), nullptr);
  Node* e = state_.Find(IdOf('e'));
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->flags & kFlagHandshake);
  EXPECT_EQ(state_.myself()->ip, "127.0.0.1");
}

TEST_F(GossipTest, StaleHandshakesAreDropped) {
  auto h = std::make_unique<Node>();
  h->id = IdOf('9');
  h->flags = kFlagHandshake | kFlagMaster;
  h->pong_received_ms = 1000;
  state_.Add(std::move(h));
  Cron(state_, options_, 1000 + kTimeout + 1, &fx_);
  EXPECT_EQ(state_.Find(IdOf('9')), nullptr);
}

TEST_F(GossipTest, NodesConfRoundTrip) {
  Node* a = AddMaster('a', 0, 99, 3);
  a->hostname = "host-a";
  for (int j = 100; j <= 200; ++j) state_.Assign(j, state_.myself());
  state_.Assign(500, state_.myself());
  auto r = std::make_unique<Node>();
  r->id = IdOf('d');
  r->ip = "::1";
  r->port = 7009;
  r->bus_port = 17009;
  r->flags = kFlagReplica;
  r->master_id = a->id;
  state_.Add(std::move(r));
  state_.set_current_epoch(9);
  testing::TempDir dir;
  std::string path = dir.path() + "/nodes.conf";
  ASSERT_TRUE(SaveNodesConf(path, state_).ok());
  ClusterState loaded;
  Status s = LoadNodesConf(path, &loaded);
  ASSERT_TRUE(s.ok()) << s.ToString() << DescribeNodes(state_);
  EXPECT_EQ(DescribeNodes(loaded), DescribeNodes(state_));
  EXPECT_EQ(loaded.current_epoch(), 9u);
  EXPECT_EQ(loaded.myself()->id, state_.myself()->id);
  EXPECT_EQ(loaded.owner(500), loaded.myself());
  EXPECT_EQ(loaded.Find(IdOf('d'))->ip, "::1");
  ClusterState missing;
  EXPECT_EQ(LoadNodesConf(dir.path() + "/none.conf", &missing).code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace cairn::cluster
