// Replication inside a cluster: after redis-cli --cluster create with one
// replica per master, every replica replicates its master's data; READONLY
// clients read it there, others are redirected; a write under quorum 1 is on
// the replica when acknowledged.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/cluster_harness.h"
#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

class ClusterReplication : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new ClusterHarness(6);
    ASSERT_TRUE(cluster_->StartAll()) << cluster_->Logs();
    std::string out;
    int rc = RunWithTimeout("redis-cli --cluster create " + cluster_->Addresses() +
                                " --cluster-replicas 1 --cluster-yes",
                            120, &out);
    ASSERT_EQ(rc, 0) << out;
    ASSERT_TRUE(cluster_->WaitForState("ok")) << cluster_->Logs();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  // A connection per node index, made on first use.
  redisContext* To(int i) {
    auto& c = conns_[i];
    if (!c) c = cluster_->node(i).Connect();
    return c.get();
  }
  int IndexOfPort(int port) {
    for (int i = 0; i < cluster_->size(); ++i) {
      if (cluster_->port(i) == port) return i;
    }
    return -1;
  }
  // Runs argv on the node owning its key, following MOVED; the node index used.
  int Routed(const std::vector<std::string>& argv, Reply* out) {
    int i = 0;
    for (int hop = 0; hop < 5; ++hop) {
      *out = Command(To(i), argv);
      std::string text = ReplyText(*out);
      if (text.rfind("MOVED ", 0) != 0) return i;
      int port = std::stoi(text.substr(text.rfind(':') + 1));
      i = IndexOfPort(port);
      if (i < 0) return -1;
    }
    return -1;
  }
  // Node index of the replica of the master at node index m, waiting
  // (bounded) until node 0's table shows it: gossip may still be spreading
  // the roles redis-cli set up.
  int ReplicaOf(int m) {
    const std::string master_id = cluster_->Id(m);
    int found = -1;
    WaitUntil(
        [&] {
          for (int i = 0; i < cluster_->size(); ++i) {
            if (cluster_->NodesLine(0, cluster_->Id(i)).find("slave " + master_id) !=
                std::string::npos) {
              found = i;
              return true;
            }
          }
          return false;
        },
        10);
    return found;
  }

  static ClusterHarness* cluster_;
  std::map<int, Connection> conns_;
};
ClusterHarness* ClusterReplication::cluster_ = nullptr;

TEST_F(ClusterReplication, ReplicasHoldTheirMastersDataForReadonlyClients) {
  std::map<std::string, int> owner;
  for (int k = 0; k < 60; ++k) {
    const std::string key = "key:" + std::to_string(k);
    Reply r;
    int i = -1;
    // A master whose lease lapsed under load answers TRYAGAIN until it is
    // renewed; a client retries (bounded).
    for (int attempt = 0; attempt < 100; ++attempt) {
      i = Routed({"SET", key, "v" + std::to_string(k)}, &r);
      if (i < 0 || ReplyText(r).rfind("TRYAGAIN", 0) != 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GE(i, 0);
    ASSERT_EQ(ReplyText(r), "OK");
    owner[key] = i;
  }
  for (const auto& [key, m] : owner) {
    const int rep = ReplicaOf(m);
    ASSERT_GE(rep, 0) << cluster_->Nodes(0);
    Connection c = cluster_->node(rep).Connect();
    ASSERT_TRUE(c);
    // Without READONLY a replica redirects to its master.
    EXPECT_EQ(ReplyText(Command(c.get(), {"GET", key})).rfind("MOVED ", 0), 0u);
    ASSERT_EQ(ReplyText(Command(c.get(), {"READONLY"})), "OK");
    const std::string want = "v" + key.substr(4);
    EXPECT_TRUE(WaitUntil([&] {
      return ReplyText(Command(c.get(), {"GET", key})) == want;
    })) << key
        << " on node " << rep << "\n"
        << cluster_->Logs();
    // Writes still go to the master, even with READONLY.
    EXPECT_EQ(ReplyText(Command(c.get(), {"SET", key, "x"})).rfind("MOVED ", 0), 0u);
  }
}

TEST_F(ClusterReplication, ReplicaRoleFollowsTheNodeTable) {
  for (int m = 0; m < cluster_->size(); ++m) {
    if (cluster_->NodesLine(0, cluster_->Id(m)).find("master") == std::string::npos) continue;
    const int rep = ReplicaOf(m);
    ASSERT_GE(rep, 0) << cluster_->Nodes(0);
    Reply role = Command(To(rep), {"ROLE"});
    ASSERT_TRUE(role && role->type == REDIS_REPLY_ARRAY && role->elements == 5);
    EXPECT_EQ(std::string(role->element[0]->str), "slave");
    EXPECT_EQ(role->element[2]->integer, cluster_->port(m));
    EXPECT_TRUE(WaitUntil([&] {
      Reply r = Command(To(rep), {"ROLE"});
      return r && r->elements == 5 && std::string(r->element[3]->str) == "connected";
    }));
    EXPECT_EQ(ReplyText(Command(To(rep), {"REPLICAOF", "127.0.0.1", "1"})),
              "ERR REPLICAOF not allowed in cluster mode.");
  }
}

TEST_F(ClusterReplication, QuorumWriteIsOnTheReplicaWhenAcknowledged) {
  Reply r;
  int m = Routed({"GET", "quorum-key"}, &r);
  ASSERT_GE(m, 0);
  const int rep = ReplicaOf(m);
  ASSERT_GE(rep, 0);
  Connection mc = cluster_->node(m).Connect();
  Connection rc = cluster_->node(rep).Connect();
  ASSERT_EQ(ReplyText(Command(rc.get(), {"READONLY"})), "OK");
  ASSERT_EQ(ReplyText(Command(mc.get(), {"CLIENT", "CONSISTENCY", "ONE"})), "OK");
  for (int i = 0; i < 10; ++i) {
    const std::string v = std::to_string(i);
    ASSERT_EQ(ReplyText(Command(mc.get(), {"SET", "quorum-key", v})), "OK");
    ASSERT_EQ(ReplyText(Command(rc.get(), {"GET", "quorum-key"})), v);
  }
}

}  // namespace
}  // namespace cairn::testing
