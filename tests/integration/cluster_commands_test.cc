// CLUSTER commands, redirects and nodes.conf on a single cluster-mode node
// (no peers), replies compared with what Redis 7.0 answers.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/integration/cluster_harness.h"
#include "tests/integration/raw_client.h"
#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

std::string Str(const Reply& r) {
  if (r == nullptr) return "<null>";
  if (r->type == REDIS_REPLY_ERROR) return "ERR:" + std::string(r->str, r->len);
  if (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING) {
    return std::string(r->str, r->len);
  }
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  if (r->type == REDIS_REPLY_NIL) return "<nil>";
  return "<array:" + std::to_string(r->elements) + ">";
}

class ClusterSingleNode : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<ClusterHarness>(1);
    ASSERT_TRUE(cluster_->StartAll()) << cluster_->Logs();
    conn_ = cluster_->node(0).Connect();
    ASSERT_NE(conn_, nullptr);
  }
  std::string Run(const std::vector<std::string>& argv) { return Str(Command(conn_.get(), argv)); }
  std::string Run(const char* text) { return Str(Cmd(conn_.get(), text)); }

  std::unique_ptr<ClusterHarness> cluster_;
  Connection conn_;
};

TEST_F(ClusterSingleNode, FreshNodeDescribesItself) {
  std::string id = Run("CLUSTER MYID");
  ASSERT_EQ(id.size(), 40u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(Run("CLUSTER MYSHARDID").size(), 40u);
  std::string port = std::to_string(cluster_->port(0));
  std::string bus = std::to_string(cluster_->bus_port(0));
  // A lone node does not know its own address yet, as in Redis.
  EXPECT_EQ(Run("CLUSTER NODES"),
            id + " :" + port + "@" + bus + " myself,master - 0 0 0 connected\n");
  EXPECT_EQ(cluster_->Info(0, "cluster_state"), "fail");
  EXPECT_EQ(cluster_->Info(0, "cluster_slots_assigned"), "0");
  EXPECT_EQ(cluster_->Info(0, "cluster_known_nodes"), "1");
  EXPECT_EQ(cluster_->Info(0, "cluster_size"), "0");
  std::string info = Run("INFO cluster");
  EXPECT_NE(info.find("cluster_enabled:1\r\n"), std::string::npos) << info;
  EXPECT_NE(Run("INFO server").find("redis_mode:cluster\r\n"), std::string::npos);
}

TEST_F(ClusterSingleNode, AddAndDeleteSlotsAsRedis) {
  EXPECT_EQ(Run("CLUSTER ADDSLOTS 0 1 2 100"), "OK");
  EXPECT_EQ(Run("CLUSTER ADDSLOTSRANGE 200 300"), "OK");
  EXPECT_EQ(Run("CLUSTER ADDSLOTS 0"), "ERR:ERR Slot 0 is already busy");
  EXPECT_EQ(Run("CLUSTER ADDSLOTS 16384"), "ERR:ERR Invalid or out of range slot");
  EXPECT_EQ(Run("CLUSTER ADDSLOTS abc"), "ERR:ERR Invalid or out of range slot");
  EXPECT_EQ(Run("CLUSTER ADDSLOTS 7 7"), "ERR:ERR Slot 7 specified multiple times");
  EXPECT_EQ(Run("CLUSTER DELSLOTS 5000"), "ERR:ERR Slot 5000 is already unassigned");
  EXPECT_EQ(Run("CLUSTER ADDSLOTSRANGE 10 5"),
            "ERR:ERR start slot number 10 is greater than end slot number 5");
  EXPECT_EQ(Run("CLUSTER ADDSLOTSRANGE 1"),
            "ERR:ERR wrong number of arguments for 'cluster|addslotsrange' command");
  EXPECT_EQ(Run("CLUSTER ADDSLOTSRANGE 1 2 3"),
            "ERR:ERR wrong number of arguments for 'cluster|addslotsrange' command");
  // A refused command changed nothing: slot 7 is still free.
  std::string nodes = Run("CLUSTER NODES");
  EXPECT_NE(nodes.find(" connected 0-2 100 200-300\n"), std::string::npos) << nodes;
  EXPECT_EQ(cluster_->Info(0, "cluster_slots_assigned"), "105");
  EXPECT_EQ(Run("CLUSTER DELSLOTSRANGE 0 2"), "OK");
  EXPECT_EQ(Run("CLUSTER DELSLOTS 100"), "OK");
  nodes = Run("CLUSTER NODES");
  EXPECT_NE(nodes.find(" connected 200-300\n"), std::string::npos) << nodes;
  EXPECT_EQ(Run("CLUSTER FLUSHSLOTS"), "OK");
  EXPECT_EQ(cluster_->Info(0, "cluster_slots_assigned"), "0");
}

TEST_F(ClusterSingleNode, RedirectsFollowSlotOwnershipAndState) {
  // 12182 = slot of "foo"; 15495 = slot of "a", 3300 = slot of "b".
  EXPECT_EQ(Run("SET foo bar"), "ERR:CLUSTERDOWN Hash slot not served");
  EXPECT_EQ(Run("CLUSTER ADDSLOTS 15495"), "OK");
  // The slot is ours but the cluster is down (not every slot is covered).
  EXPECT_EQ(Run("SET a 1"), "ERR:CLUSTERDOWN The cluster is down");
  // The first key decides "not served" before the slots are compared.
  EXPECT_EQ(Run("MSET b 1 a 2"), "ERR:CLUSTERDOWN Hash slot not served");
  EXPECT_EQ(Run("MSET a 1 b 2"), "ERR:CROSSSLOT Keys in request don't hash to the same slot");
  // Commands without keys run whatever the state.
  EXPECT_EQ(Run("PING"), "PONG");
  EXPECT_EQ(Run("CLUSTER ADDSLOTSRANGE 0 15494"), "OK");
  EXPECT_EQ(Run("CLUSTER ADDSLOTSRANGE 15496 16383"), "OK");
  EXPECT_TRUE(
      ClusterHarness::WaitFor([&] { return cluster_->Info(0, "cluster_state") == "ok"; }, 10000));
  EXPECT_EQ(Run("SET a 1"), "OK");
  EXPECT_EQ(Run("MSET {t}x 1 {t}y 2"), "OK");
  EXPECT_EQ(Run("MGET {t}x {t}y"), "<array:2>");
  EXPECT_EQ(Run("MSET a 1 b 2"), "ERR:CROSSSLOT Keys in request don't hash to the same slot");
  EXPECT_EQ(Run("SELECT 1"), "ERR:ERR SELECT is not allowed in cluster mode");
  EXPECT_EQ(Run("SELECT 0"), "OK");
  EXPECT_EQ(Run("MOVE a 1"), "ERR:ERR MOVE is not allowed in cluster mode");
  EXPECT_EQ(Run("SWAPDB 0 1"), "ERR:ERR SWAPDB is not allowed in cluster mode");
  EXPECT_EQ(Run("COPY {t}x {t}z DB 1"),
            "ERR:ERR Copying to another database is not allowed in cluster mode");
  EXPECT_EQ(Run("COPY {t}x {t}z"), "1");
  EXPECT_EQ(Run("READONLY"), "OK");
  EXPECT_EQ(Run("READWRITE"), "OK");
  EXPECT_EQ(Run("ASKING"), "OK");
  EXPECT_EQ(Run("GET a"), "1");
  std::string errors = Run("INFO errorstats");
  EXPECT_NE(errors.find("errorstat_CROSSSLOT:count=2"), std::string::npos) << errors;
  EXPECT_NE(errors.find("errorstat_CLUSTERDOWN:count=3"), std::string::npos) << errors;
}

TEST_F(ClusterSingleNode, MultiIsFlaggedByARedirectAtQueueTime) {
  ASSERT_EQ(Run("CLUSTER ADDSLOTSRANGE 0 16383"), "OK");
  ASSERT_TRUE(
      ClusterHarness::WaitFor([&] { return cluster_->Info(0, "cluster_state") == "ok"; }, 10000));
  EXPECT_EQ(Run("MULTI"), "OK");
  EXPECT_EQ(Run("SET {t}a 1"), "QUEUED");
  EXPECT_EQ(Run("MSET a 1 b 2"), "ERR:CROSSSLOT Keys in request don't hash to the same slot");
  EXPECT_EQ(Run("EXEC"), "ERR:EXECABORT Transaction discarded because of previous errors.");
  EXPECT_EQ(Run("GET {t}a"), "<nil>");
  // Each command alone is fine, but EXEC sees keys of two slots.
  EXPECT_EQ(Run("MULTI"), "OK");
  EXPECT_EQ(Run("SET a 1"), "QUEUED");
  EXPECT_EQ(Run("SET b 1"), "QUEUED");
  EXPECT_EQ(Run("EXEC"), "ERR:CROSSSLOT Keys in request don't hash to the same slot");
  EXPECT_EQ(Run("EXEC"), "ERR:ERR EXEC without MULTI");
  EXPECT_EQ(Run("GET a"), "<nil>");
}

TEST_F(ClusterSingleNode, SlotQueriesAreRangeReads) {
  ASSERT_EQ(Run("CLUSTER ADDSLOTSRANGE 0 16383"), "OK");
  ASSERT_TRUE(
      ClusterHarness::WaitFor([&] { return cluster_->Info(0, "cluster_state") == "ok"; }, 10000));
  EXPECT_EQ(Run("CLUSTER KEYSLOT foo"), "12182");
  EXPECT_EQ(Run("CLUSTER KEYSLOT {user1000}.following"), Run("CLUSTER KEYSLOT user1000"));
  std::string slot = Run("CLUSTER KEYSLOT t");
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Run({"SET", "{t}" + std::to_string(i), "v"}), "OK");
  }
  ASSERT_EQ(Run("SET other v"), "OK");
  EXPECT_EQ(Run({"CLUSTER", "COUNTKEYSINSLOT", slot}), "5");
  Reply r = Command(conn_.get(), {"CLUSTER", "GETKEYSINSLOT", slot, "3"});
  ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(r->elements, 3u);
  EXPECT_EQ(std::string(r->element[0]->str), "{t}0");
  EXPECT_EQ(std::string(r->element[2]->str), "{t}2");
  ASSERT_EQ(Run("DEL {t}0"), "1");
  EXPECT_EQ(Run({"CLUSTER", "COUNTKEYSINSLOT", slot}), "4");
  EXPECT_EQ(Run("CLUSTER COUNTKEYSINSLOT 16384"), "ERR:ERR Invalid slot");
  EXPECT_EQ(Run("CLUSTER COUNTKEYSINSLOT abc"), "ERR:ERR value is not an integer or out of range");
  EXPECT_EQ(Run("CLUSTER GETKEYSINSLOT 1 -1"), "ERR:ERR Invalid slot or number of keys");
  EXPECT_EQ(Run("CLUSTER GETKEYSINSLOT 1 abc"), "ERR:ERR value is not an integer or out of range");
  EXPECT_EQ(Run("CLUSTER FLUSHSLOTS"), "ERR:ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
  EXPECT_EQ(Run("CLUSTER RESET"),
            "ERR:ERR CLUSTER RESET can't be called with master nodes containing keys");
}

TEST_F(ClusterSingleNode, EpochCommands) {
  EXPECT_EQ(Run("CLUSTER SET-CONFIG-EPOCH -1"), "ERR:ERR Invalid config epoch specified: -1");
  EXPECT_EQ(Run("CLUSTER SET-CONFIG-EPOCH abc"), "ERR:ERR value is not an integer or out of range");
  EXPECT_EQ(Run("CLUSTER SET-CONFIG-EPOCH 5"), "OK");
  EXPECT_EQ(Run("CLUSTER SET-CONFIG-EPOCH 6"), "ERR:ERR Node config epoch is already non-zero");
  EXPECT_EQ(cluster_->Info(0, "cluster_current_epoch"), "5");
  EXPECT_EQ(cluster_->Info(0, "cluster_my_epoch"), "5");
  // Already the highest epoch: nothing to bump.
  EXPECT_EQ(Run("CLUSTER BUMPEPOCH"), "STILL 5");
  EXPECT_EQ(Run("CLUSTER SAVECONFIG"), "OK");
}

TEST_F(ClusterSingleNode, NodeAdminErrorsAsRedis) {
  std::string id = Run("CLUSTER MYID");
  EXPECT_EQ(Run("CLUSTER FORGET abc"), "ERR:ERR Unknown node abc");
  EXPECT_EQ(Run({"CLUSTER", "FORGET", id}), "ERR:ERR I tried hard but I can't forget myself...");
  EXPECT_EQ(Run("CLUSTER COUNT-FAILURE-REPORTS abc"), "ERR:ERR Unknown node abc");
  EXPECT_EQ(Run({"CLUSTER", "COUNT-FAILURE-REPORTS", id}), "0");
  EXPECT_EQ(Run("CLUSTER REPLICAS abc"), "ERR:ERR Unknown node abc");
  EXPECT_EQ(Run({"CLUSTER", "REPLICAS", id}), "<array:0>");
  EXPECT_EQ(Run("CLUSTER REPLICATE abc"), "ERR:ERR Unknown node abc");
  EXPECT_EQ(Run({"CLUSTER", "REPLICATE", id}), "ERR:ERR Can't replicate myself");
  EXPECT_EQ(Run("CLUSTER MEET 1.2.3 4"), "ERR:ERR Invalid node address specified: 1.2.3:4");
  EXPECT_EQ(Run("CLUSTER MEET 127.0.0.1 abc"), "ERR:ERR Invalid TCP base port specified: abc");
  EXPECT_EQ(Run("CLUSTER RESET foo"), "ERR:ERR syntax error");
  EXPECT_EQ(Run("CLUSTER LINKS"), "<array:0>");
  EXPECT_EQ(Run("CLUSTER NOPE"), "ERR:ERR unknown subcommand 'NOPE'. Try CLUSTER HELP.");
  Reply help = Cmd(conn_.get(), "CLUSTER HELP");
  ASSERT_EQ(help->type, REDIS_REPLY_ARRAY);
  EXPECT_EQ(std::string(help->element[0]->str),
            "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
}

TEST_F(ClusterSingleNode, ResetHardTakesANewIdentity) {
  std::string id = Run("CLUSTER MYID");
  ASSERT_EQ(Run("CLUSTER ADDSLOTS 1 2 3"), "OK");
  EXPECT_EQ(Run("CLUSTER RESET SOFT"), "OK");
  EXPECT_EQ(Run("CLUSTER MYID"), id);
  EXPECT_EQ(cluster_->Info(0, "cluster_slots_assigned"), "0");
  ASSERT_EQ(Run("CLUSTER SET-CONFIG-EPOCH 3"), "OK");
  EXPECT_EQ(Run("CLUSTER RESET HARD"), "OK");
  EXPECT_NE(Run("CLUSTER MYID"), id);
  EXPECT_EQ(cluster_->Info(0, "cluster_current_epoch"), "0");
}

TEST_F(ClusterSingleNode, IdentityAndSlotsSurviveARestart) {
  std::string id = Run("CLUSTER MYID");
  ASSERT_EQ(Run("CLUSTER SET-CONFIG-EPOCH 7"), "OK");
  ASSERT_EQ(Run("CLUSTER ADDSLOTSRANGE 0 99"), "OK");
  ASSERT_EQ(Run("CLUSTER ADDSLOTS 500"), "OK");
  conn_.reset();
  std::ifstream in(cluster_->node(0).dir() + "/nodes.conf");
  std::stringstream conf;
  conf << in.rdbuf();
  EXPECT_NE(conf.str().find(id + " "), std::string::npos) << conf.str();
  EXPECT_NE(conf.str().find("myself,master - 0 0 7 connected 0-99 500\n"), std::string::npos)
      << conf.str();
  EXPECT_NE(conf.str().find("vars currentEpoch 7 lastVoteEpoch 0\n"), std::string::npos)
      << conf.str();
  cluster_->Kill(0);
  ASSERT_TRUE(cluster_->Restart(0)) << cluster_->Logs();
  conn_ = cluster_->node(0).Connect();
  ASSERT_NE(conn_, nullptr);
  EXPECT_EQ(Run("CLUSTER MYID"), id);
  EXPECT_EQ(cluster_->Info(0, "cluster_my_epoch"), "7");
  EXPECT_NE(Run("CLUSTER NODES").find(" 7 connected 0-99 500\n"), std::string::npos);
}

// Redis Cluster's PUBLISH: sent on one node, delivered by every node to its
// own subscribers (over the bus); the reply counts the publisher's node's.
TEST(ClusterPubsub, APublishOnOneNodeReachesSubscribersOnTheOthers) {
  ClusterHarness cluster(3);
  ASSERT_TRUE(cluster.Create()) << cluster.Logs();
  RawClient channel_sub, pattern_sub;
  ASSERT_TRUE(channel_sub.Connect(cluster.port(2)));
  ASSERT_TRUE(pattern_sub.Connect(cluster.port(1)));
  ASSERT_TRUE(channel_sub.Send("SUBSCRIBE news\r\n"));
  ASSERT_TRUE(pattern_sub.Send("PSUBSCRIBE n*s\r\n"));
  EXPECT_EQ(channel_sub.ReadReply(), "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
  EXPECT_EQ(pattern_sub.ReadReply(), "*3\r\n$10\r\npsubscribe\r\n$3\r\nn*s\r\n:1\r\n");
  Connection publisher = cluster.node(0).Connect();
  ASSERT_NE(publisher, nullptr);
  // The bus links may still be coming up: publish until one arrives
  // (bounded), then every later one must arrive in order.
  std::string first;
  for (int i = 0; i < 40 && first.empty(); ++i) {
    EXPECT_EQ(ReplyText(Command(publisher.get(), {"PUBLISH", "news", "hello"})), "0");
    first = channel_sub.ReadReply(250);
  }
  ASSERT_EQ(first, "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
  while (!channel_sub.ReadReply(250).empty()) {
  }
  while (!pattern_sub.ReadReply(250).empty()) {
  }
  for (const char* m : {"one", "two"}) {
    EXPECT_EQ(ReplyText(Command(publisher.get(), {"PUBLISH", "news", m})), "0");
  }
  const std::string one = "$4\r\nnews\r\n$3\r\none\r\n";
  const std::string two = "$4\r\nnews\r\n$3\r\ntwo\r\n";
  EXPECT_EQ(channel_sub.ReadReply(), "*3\r\n$7\r\nmessage\r\n" + one);
  EXPECT_EQ(channel_sub.ReadReply(), "*3\r\n$7\r\nmessage\r\n" + two);
  EXPECT_EQ(pattern_sub.ReadReply(), "*4\r\n$8\r\npmessage\r\n$3\r\nn*s\r\n" + one);
  EXPECT_EQ(pattern_sub.ReadReply(), "*4\r\n$8\r\npmessage\r\n$3\r\nn*s\r\n" + two);
  // On the subscriber's own node the count is its subscriber, and the
  // message is not delivered twice (the bus never forwards it back).
  Connection local = cluster.node(2).Connect();
  EXPECT_EQ(ReplyText(Command(local.get(), {"PUBLISH", "news", "here"})), "1");
  EXPECT_EQ(channel_sub.ReadReply(), "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$4\r\nhere\r\n");
  EXPECT_EQ(channel_sub.ReadReply(500), "");
}

TEST(ClusterStandalone, ClusterCommandsRefusedWithoutClusterMode) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  Connection c = server.Connect();
  EXPECT_EQ(Str(Cmd(c.get(), "CLUSTER INFO")),
            "ERR:ERR This instance has cluster support disabled");
  EXPECT_EQ(Str(Cmd(c.get(), "READONLY")), "ERR:ERR This instance has cluster support disabled");
  EXPECT_EQ(Str(Cmd(c.get(), "SELECT 1")), "OK");
  EXPECT_NE(Str(Cmd(c.get(), "INFO cluster")).find("cluster_enabled:0"), std::string::npos);
}

TEST(ClusterStartup, BusyBusPortOrCorruptNodesConfStopsStartUpWithOneLine) {
  TempDir dir;
  // Hold a port so the bus cannot bind it.
  int holder = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(holder, 1), 0);
  socklen_t len = sizeof(addr);
  getsockname(holder, reinterpret_cast<sockaddr*>(&addr), &len);
  int busy = ntohs(addr.sin_port);
  std::string base = ServerBinary() + " --bind 127.0.0.1 --port " + std::to_string(FreePort()) +
                     " --cluster-enabled yes --dir " + dir.path();
  std::string out;
  int rc = RunWithTimeout(base + " --cluster-port " + std::to_string(busy), 60, &out);
  close(holder);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("cairn-server: can't start: can't listen on cluster bus 127.0.0.1:" +
                     std::to_string(busy)),
            std::string::npos)
      << out;
  {
    std::ofstream conf(dir.path() + "/nodes.conf");
    conf << "this is not a nodes.conf\n";
  }
  rc = RunWithTimeout(base + " --cluster-port " + std::to_string(FreePort()), 60, &out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("nodes.conf line 1"), std::string::npos) << out;
}

}  // namespace
}  // namespace cairn::testing
