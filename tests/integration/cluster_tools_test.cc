// Real cluster tools against a Cairn cluster, as a user would run them:
// redis-cli --cluster create/check, redis-cli -c, redis-benchmark --cluster,
// and redis-py's RedisCluster.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "tests/integration/cluster_harness.h"
#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

int CountOf(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class ClusterTools : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new ClusterHarness(6);
    ASSERT_TRUE(cluster_->StartAll()) << cluster_->Logs();
    std::string out;
    int rc = RunWithTimeout("redis-cli --cluster create " + cluster_->Addresses() +
                                " --cluster-replicas 1 --cluster-yes",
                            120, &out);
    create_output_ = new std::string(out);
    ASSERT_EQ(rc, 0) << out;
    ASSERT_TRUE(cluster_->WaitForState("ok")) << cluster_->Logs();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    delete create_output_;
    create_output_ = nullptr;
  }
  static std::string Port(int i) { return std::to_string(cluster_->port(i)); }

  static ClusterHarness* cluster_;
  static std::string* create_output_;
};
ClusterHarness* ClusterTools::cluster_ = nullptr;
std::string* ClusterTools::create_output_ = nullptr;

TEST_F(ClusterTools, CreateBuildsThreeMastersWithAReplicaEach) {
  EXPECT_NE(create_output_->find("[OK] All 16384 slots covered."), std::string::npos)
      << *create_output_;
  // Every node ends with the same view: 3 masters with slots, 3 replicas.
  for (int i = 0; i < cluster_->size(); ++i) {
    ASSERT_TRUE(ClusterHarness::WaitFor(
        [&] {
          std::string nodes = cluster_->Nodes(i);
          return CountOf(nodes, "master") == 3 && CountOf(nodes, "slave") == 3 &&
                 CountOf(nodes, " connected") == 6;
        },
        20000))
        << cluster_->Nodes(i);
    EXPECT_EQ(cluster_->Info(i, "cluster_size"), "3");
    EXPECT_EQ(cluster_->Info(i, "cluster_known_nodes"), "6");
  }
}

TEST_F(ClusterTools, CheckReportsFullCoverageWithoutWarnings) {
  std::string out;
  int rc = RunWithTimeout("redis-cli --cluster check 127.0.0.1:" + Port(0), 60, &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("[OK] All nodes agree about slots configuration."), std::string::npos) << out;
  EXPECT_NE(out.find("[OK] All 16384 slots covered."), std::string::npos) << out;
  EXPECT_EQ(out.find("[WARNING]"), std::string::npos) << out;
  EXPECT_EQ(out.find("[ERR]"), std::string::npos) << out;
  EXPECT_EQ(CountOf(out, "1 additional replica(s)"), 3) << out;
}

TEST_F(ClusterTools, RedisCliFollowsMovedRedirects) {
  std::string out;
  int rc = RunWithTimeout("redis-cli -c -p " + Port(0) + " SET tools:foo bar && redis-cli -c -p " +
                              Port(1) + " GET tools:foo && redis-cli -c -p " + Port(2) +
                              " GET tools:foo",
                          60, &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "OK\nbar\nbar\n");
}

TEST_F(ClusterTools, RedisBenchmarkClusterModeRunsWithoutErrors) {
  std::string out;
  int rc = RunWithTimeout(
      "redis-benchmark --cluster -h 127.0.0.1 -p " + Port(0) + " -t set,get -n 3000 -c 10 -q", 180,
      &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("SET: "), std::string::npos) << out;
  EXPECT_NE(out.find("GET: "), std::string::npos) << out;
  EXPECT_EQ(out.find("rror"), std::string::npos) << out;
}

TEST_F(ClusterTools, RedisPyRedisClusterDiscoversAndRoutes) {
  std::string script =
      "from redis.cluster import RedisCluster\n"
      "r = RedisCluster(host='127.0.0.1', port=" +
      Port(3) +
      ")\n"
      "assert len(r.get_primaries()) == 3, r.get_nodes()\n"
      "for i in range(50):\n"
      "    assert r.set('py:%d' % i, str(i))\n"
      "assert all(r.get('py:%d' % i) == str(i).encode() for i in range(50))\n"
      "assert r.mset({'{py}a': '1', '{py}b': '2'})\n"
      "assert r.mget('{py}a', '{py}b') == [b'1', b'2']\n"
      "p = r.pipeline()\n"
      "for i in range(30):\n"
      "    p.incr('pipe:%d' % i)\n"
      "assert p.execute() == [1] * 30\n"
      "assert r.keyslot('foo') == 12182\n"
      "print('ok')\n";
  std::string out;
  int rc = RunWithTimeout("/usr/bin/python3 -c \"" + script + "\"", 120, &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "ok\n");
}

TEST(ClusterToolsMastersOnly, CreateWithoutReplicas) {
  ClusterHarness cluster(3);
  ASSERT_TRUE(cluster.StartAll()) << cluster.Logs();
  std::string out;
  int rc = RunWithTimeout(
      "redis-cli --cluster create " + cluster.Addresses() + " --cluster-replicas 0 --cluster-yes",
      120, &out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("[OK] All 16384 slots covered."), std::string::npos) << out;
  ASSERT_TRUE(cluster.WaitForState("ok")) << cluster.Logs();
  rc = RunWithTimeout("redis-cli --cluster check 127.0.0.1:" + std::to_string(cluster.port(1)), 60,
                      &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("[OK] All 16384 slots covered."), std::string::npos) << out;
  EXPECT_EQ(out.find("[WARNING]"), std::string::npos) << out;
  EXPECT_EQ(CountOf(out, "slots) master"), 3) << out;
  EXPECT_EQ(CountOf(out, "slots) slave"), 0) << out;
}

TEST(ClusterToolsMastersOnly, AddNodeAsReplicaThenDelNode) {
  ClusterHarness cluster(4);
  ASSERT_TRUE(cluster.StartAll()) << cluster.Logs();
  std::string out;
  ASSERT_EQ(cluster.CreateWithRedisCli(3, 0, &out), 0) << out;
  ASSERT_TRUE(cluster.WaitForState("ok", {0, 1, 2})) << cluster.Logs();
  std::string newcomer = "127.0.0.1:" + std::to_string(cluster.port(3));
  std::string entry = "127.0.0.1:" + std::to_string(cluster.port(0));
  ASSERT_EQ(
      RunWithTimeout("redis-cli --cluster add-node " + newcomer + " " + entry + " --cluster-slave",
                     120, &out),
      0)
      << out;
  EXPECT_NE(out.find("[OK] New node added correctly."), std::string::npos) << out;
  std::string id3 = cluster.Id(3);
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(ClusterHarness::WaitFor(
        [&] {
          std::string line = cluster.NodesLine(i, id3);
          return line.find(" slave ") != std::string::npos ||
                 line.find(",slave ") != std::string::npos;
        },
        20000))
        << cluster.Nodes(i);
  }
  ASSERT_EQ(RunWithTimeout("redis-cli --cluster del-node " + entry + " " + id3, 120, &out), 0)
      << out;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(cluster.Info(i, "cluster_known_nodes"), "3");
  EXPECT_EQ(cluster.Info(3, "cluster_known_nodes"), "1");
  ASSERT_EQ(RunWithTimeout("redis-cli --cluster check " + entry, 60, &out), 0) << out;
  EXPECT_NE(out.find("[OK] All 16384 slots covered."), std::string::npos) << out;
  EXPECT_EQ(out.find("[WARNING]"), std::string::npos) << out;
}

}  // namespace
}  // namespace cairn::testing
