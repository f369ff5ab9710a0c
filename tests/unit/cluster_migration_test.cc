// The slot-migration rules of the cluster layer on an in-memory node table:
// the redirects of an open slot (Redis 7.0's getNodeByQuery), gossip leaving
// an importing slot alone, the epoch bump that closes an import, and the
// open slots in CLUSTER NODES / nodes.conf.
#include <gtest/gtest.h>

#include <string>

#include "cluster/cluster.h"
#include "cluster/cluster_state.h"
#include "cluster/nodes_conf.h"
#include "common/clock.h"
#include "tests/unit/temp_dir.h"
#include "tests/unit/cluster_nodes.h"

namespace cairn::cluster {
namespace {

using test_nodes::IdOf;

class OpenSlotRouting : public ::testing::Test {
 protected:
  OpenSlotRouting() : cluster_(options_, clock_) {}
  void SetUp() override {
    cluster_.Locked([&](ClusterState& s) {
      s.InitMyself(options_);
      auto n = std::make_unique<Node>();
      n->id = IdOf('b');
      n->ip = "127.0.0.1";
      n->port = 7002;
      other_ = s.Add(std::move(n));
      for (int j = 0; j < 8192; ++j) s.Assign(j, s.myself());
      for (int j = 8192; j < kSlots; ++j) s.Assign(j, other_);
      s.UpdateState(options_);
    });
  }
  // Routes keys of one slot; `missing` of them are absent here.
  Route RouteKeys(int slot, int keys, int missing, bool asking = false, bool multiple = true,
                  bool migrate = false) {
    std::vector<uint16_t> slots(static_cast<size_t>(keys), static_cast<uint16_t>(slot));
    RouteQuery q;
    q.slots = slots;
    q.asking = asking;
    q.multiple_keys = multiple && keys > 1;
    q.is_migrate = migrate;
    q.count_missing = [&] {
      ++probes_;
      return missing;
    };
    return cluster_.RouteCommand(q);
  }

  // Open-slot routing alone: leases (tested in cluster_lease_test.cc) off.
  static ClusterOptions NoLease() {
    ClusterOptions o;
    o.master_lease = false;
    return o;
  }
  ClusterOptions options_ = NoLease();
  FakeClock clock_;
  Cluster cluster_;
  Node* other_ = nullptr;
  int probes_ = 0;
};

TEST_F(OpenSlotRouting, StableSlotsNeverLookAtKeys) {
  EXPECT_EQ(RouteKeys(1, 1, 1).kind, Route::kHere);
  Route r = RouteKeys(9000, 1, 1);
  EXPECT_EQ(r.kind, Route::kMoved);
  EXPECT_EQ(r.addr, "127.0.0.1:7002");
  EXPECT_EQ(probes_, 0);
}

TEST_F(OpenSlotRouting, MigratingSlotAsksForMissingKeysAndRetriesSplitOnes) {
  cluster_.Locked([&](ClusterState& s) { s.SetMigrating(1, other_); });
  EXPECT_EQ(RouteKeys(1, 1, 0).kind, Route::kHere);
  Route r = RouteKeys(1, 1, 1);
  EXPECT_EQ(r.kind, Route::kAsk);
  EXPECT_EQ(r.slot, 1);
  EXPECT_EQ(r.addr, "127.0.0.1:7002");
  EXPECT_EQ(RouteKeys(1, 2, 1).kind, Route::kTryAgain);
  // All missing: the target has them (Redis 7.0 asks, it does not retry).
  EXPECT_EQ(RouteKeys(1, 2, 2).kind, Route::kAsk);
  EXPECT_EQ(RouteKeys(1, 2, 0).kind, Route::kHere);
  // MIGRATE itself always runs on the source.
  EXPECT_EQ(RouteKeys(1, 1, 1, false, false, true).kind, Route::kHere);
}

TEST_F(OpenSlotRouting, ImportingSlotServesOnlyAskingClients) {
  cluster_.Locked([&](ClusterState& s) { s.SetImporting(9000, other_); });
  EXPECT_EQ(RouteKeys(9000, 1, 1).kind, Route::kMoved);
  EXPECT_EQ(probes_, 0);
  EXPECT_EQ(RouteKeys(9000, 1, 1, true).kind, Route::kHere);
  EXPECT_EQ(RouteKeys(9000, 2, 0, true).kind, Route::kHere);
  EXPECT_EQ(RouteKeys(9000, 2, 1, true).kind, Route::kTryAgain);
  EXPECT_EQ(RouteKeys(9000, 2, 2, true).kind, Route::kTryAgain);
  // The same key twice is one key.
  EXPECT_EQ(RouteKeys(9000, 2, 2, true, false).kind, Route::kHere);
}

TEST_F(OpenSlotRouting, CrossSlotAndUnboundComeFirst) {
  cluster_.Locked([&](ClusterState& s) {
    s.SetMigrating(1, other_);
    s.Unassign(2);
  });
  const uint16_t cross[] = {1, 3};
  RouteQuery q;
  q.slots = cross;
  q.count_missing = [&] { return ++probes_; };
  EXPECT_EQ(cluster_.RouteCommand(q).kind, Route::kCrossSlot);
  const uint16_t unbound[] = {2};
  q.slots = unbound;
  EXPECT_EQ(cluster_.RouteCommand(q).kind, Route::kDownUnbound);
  EXPECT_EQ(probes_, 0);
}

TEST(OpenSlots, GossipLeavesAnImportingSlotAlone) {
  ClusterOptions options;
  ClusterState s;
  s.InitMyself(options);
  auto n = std::make_unique<Node>();
  n->id = IdOf('c');
  n->config_epoch = 9;
  Node* peer = s.Add(std::move(n));
  s.SetImporting(5, peer);
  SlotBitmap claimed;
  claimed.set(5);
  claimed.set(6);
  EXPECT_TRUE(s.ApplyClaims(peer, claimed));
  EXPECT_EQ(s.owner(5), nullptr);
  EXPECT_EQ(s.owner(6), peer);
}

TEST(OpenSlots, RemovingANodeClosesTheSlotsThatNamedIt) {
  ClusterOptions options;
  ClusterState s;
  s.InitMyself(options);
  auto n = std::make_unique<Node>();
  n->id = IdOf('d');
  Node* peer = s.Add(std::move(n));
  s.Assign(7, s.myself());
  s.SetMigrating(7, peer);
  s.SetImporting(8, peer);
  EXPECT_TRUE(s.any_open_slot());
  s.Remove(IdOf('d'));
  EXPECT_EQ(s.migrating_to(7), nullptr);
  EXPECT_EQ(s.importing_from(8), nullptr);
  EXPECT_FALSE(s.any_open_slot());
}

TEST(OpenSlots, BumpWithoutConsensusOnlyWhenNotAlreadyTheUniqueMax) {
  ClusterOptions options;
  ClusterState s;
  s.InitMyself(options);
  auto n = std::make_unique<Node>();
  n->id = IdOf('e');
  n->config_epoch = 4;
  s.Add(std::move(n));
  s.set_current_epoch(4);
  EXPECT_TRUE(s.BumpConfigEpochWithoutConsensus());
  EXPECT_EQ(s.myself()->config_epoch, 5u);
  EXPECT_EQ(s.current_epoch(), 5u);
  EXPECT_FALSE(s.BumpConfigEpochWithoutConsensus());
  EXPECT_EQ(s.myself()->config_epoch, 5u);
}

TEST(OpenSlots, NodesConfShowsAndReloadsOpenSlotsOnMyselfOnly) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/nodes.conf";
  ClusterOptions options;
  ClusterState s;
  s.InitMyself(options);
  auto n = std::make_unique<Node>();
  n->id = IdOf('f');
  n->ip = "127.0.0.1";
  n->port = 7001;
  n->bus_port = 17001;
  Node* peer = s.Add(std::move(n));
  for (int j = 0; j < 100; ++j) s.Assign(j, s.myself());
  s.Assign(200, peer);
  s.SetMigrating(3, peer);
  s.SetImporting(200, peer);
  const std::string mine = DescribeNode(s, *s.myself());
  EXPECT_NE(mine.find(" 0-99 [3->-" + IdOf('f') + "] [200-<-" + IdOf('f') + "]"), std::string::npos)
      << mine;
  EXPECT_EQ(DescribeNode(s, *peer).find('['), std::string::npos);
  ASSERT_TRUE(SaveNodesConf(path, s).ok());

  ClusterState loaded;
  ASSERT_TRUE(LoadNodesConf(path, &loaded).ok());
  Node* lpeer = loaded.Find(IdOf('f'));
  ASSERT_NE(lpeer, nullptr);
  EXPECT_EQ(loaded.migrating_to(3), lpeer);
  EXPECT_EQ(loaded.importing_from(200), lpeer);
  EXPECT_EQ(loaded.owner(200), lpeer);
  EXPECT_EQ(loaded.owner(3), loaded.myself());
  EXPECT_EQ(DescribeNode(loaded, *loaded.myself()), mine);
}

TEST(OpenSlots, MalformedOpenSlotMarkIsCorruption) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/nodes.conf";
  ClusterOptions options;
  ClusterState s;
  s.InitMyself(options);
  std::string text = NodesConfText(s);
  text.insert(text.find('\n'), " [12x->-" + IdOf('a') + "]");
  ASSERT_TRUE(WriteNodesConf(path, text).ok());
  ClusterState loaded;
  Status st = LoadNodesConf(path, &loaded);
  EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
}

}  // namespace
}  // namespace cairn::cluster
