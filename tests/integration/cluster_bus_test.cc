// The cluster bus between real processes: gossip after one MEET, slot and
// epoch propagation, redirects across nodes, epoch conflicts, failure
// detection and rejoin, role bookkeeping, and a peer speaking garbage.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <sstream>
#include <string>

#include "tests/integration/cluster_harness.h"
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

std::string On(ClusterHarness& c, int i, const std::vector<std::string>& argv) {
  Connection conn = c.node(i).Connect();
  if (conn == nullptr) return "<no connection>";
  return Str(Command(conn.get(), argv));
}

// Fields of a CLUSTER NODES line.
std::vector<std::string> Fields(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

TEST(ClusterBus, OneMeetIsEnoughForEveryoneToKnowEveryone) {
  ClusterHarness c(3);
  ASSERT_TRUE(c.StartAll()) << c.Logs();
  // 1 and 2 each meet only 0; they learn of each other through gossip.
  ASSERT_EQ(On(c, 1,
               {"CLUSTER", "MEET", "127.0.0.1", std::to_string(c.port(0)),
                std::to_string(c.bus_port(0))}),
            "OK");
  ASSERT_EQ(On(c, 2,
               {"CLUSTER", "MEET", "127.0.0.1", std::to_string(c.port(0)),
                std::to_string(c.bus_port(0))}),
            "OK");
  std::string id2 = c.Id(2);
  EXPECT_TRUE(ClusterHarness::WaitFor(
      [&] {
        std::vector<std::string> f = Fields(c.NodesLine(1, id2));
        return f.size() >= 8 &&
               f[1] ==
                   "127.0.0.1:" + std::to_string(c.port(2)) + "@" + std::to_string(c.bus_port(2)) &&
               f[2] == "master" && f[7] == "connected";
      },
      20000))
      << c.Nodes(1) << c.Logs();
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(
        ClusterHarness::WaitFor([&] { return c.Info(i, "cluster_known_nodes") == "3"; }, 20000));
  }
  // Each node learned its own address from its peers.
  std::vector<std::string> me = Fields(c.NodesLine(0, c.Id(0)));
  ASSERT_GE(me.size(), 3u);
  EXPECT_EQ(me[1], "127.0.0.1:" + std::to_string(c.port(0)) + "@" + std::to_string(c.bus_port(0)));
  EXPECT_EQ(me[2], "myself,master");
  // Three masters that all started at configEpoch 0 end with distinct epochs.
  EXPECT_TRUE(ClusterHarness::WaitFor(
      [&] {
        std::set<std::string> epochs;
        for (int i = 0; i < 3; ++i) epochs.insert(c.Info(i, "cluster_my_epoch"));
        return epochs.size() == 3;
      },
      20000));
  EXPECT_NE(c.Info(0, "cluster_stats_messages_received"), "0");
  EXPECT_NE(c.Info(0, "cluster_stats_messages_meet_received"), "");
}

TEST(ClusterBus, SlotsPropagateAndKeysAreRedirected) {
  ClusterHarness c(3);
  ASSERT_TRUE(c.Create()) << c.Logs();
  // "foo" is slot 12182, in the last third (node 2).
  EXPECT_EQ(On(c, 0, {"SET", "foo", "bar"}),
            "ERR:MOVED 12182 127.0.0.1:" + std::to_string(c.port(2)));
  EXPECT_EQ(On(c, 1, {"GET", "foo"}), "ERR:MOVED 12182 127.0.0.1:" + std::to_string(c.port(2)));
  EXPECT_EQ(On(c, 2, {"SET", "foo", "bar"}), "OK");
  EXPECT_EQ(On(c, 2, {"GET", "foo"}), "bar");
  // Every node has the same picture of who serves what.
  for (int i = 0; i < 3; ++i) {
    Connection conn = c.node(i).Connect();
    Reply slots = Cmd(conn.get(), "CLUSTER SLOTS");
    ASSERT_EQ(slots->type, REDIS_REPLY_ARRAY);
    ASSERT_EQ(slots->elements, 3u);
    for (int m = 0; m < 3; ++m) {
      redisReply* range = slots->element[m];
      ASSERT_EQ(range->elements, 3u);
      EXPECT_EQ(range->element[0]->integer, 16384 * m / 3);
      EXPECT_EQ(range->element[1]->integer, 16384 * (m + 1) / 3 - 1);
      redisReply* node = range->element[2];
      ASSERT_EQ(node->elements, 4u);
      EXPECT_EQ(std::string(node->element[0]->str), "127.0.0.1");
      EXPECT_EQ(node->element[1]->integer, c.port(m));
      EXPECT_EQ(std::string(node->element[2]->str), c.Id(m));
    }
    Reply shards = Cmd(conn.get(), "CLUSTER SHARDS");
    ASSERT_EQ(shards->type, REDIS_REPLY_ARRAY);
    EXPECT_EQ(shards->elements, 3u);
    EXPECT_EQ(c.Info(i, "cluster_size"), "3");
    EXPECT_EQ(c.Info(i, "cluster_slots_ok"), "16384");
  }
  Connection conn = c.node(0).Connect();
  Reply clients = Cmd(conn.get(), "INFO clients");
  EXPECT_NE(std::string(clients->str).find("cluster_connections:4\r\n"), std::string::npos)
      << clients->str;
  // One link to and one from each of the two peers.
  Reply links;
  EXPECT_TRUE(ClusterHarness::WaitFor(
      [&] {
        links = Cmd(conn.get(), "CLUSTER LINKS");
        return links != nullptr && links->type == REDIS_REPLY_ARRAY && links->elements == 4;
      },
      10000));
  std::multiset<std::string> seen;
  for (size_t i = 0; i < links->elements; ++i) {
    redisReply* m = links->element[i];
    ASSERT_EQ(m->elements, 12u);
    EXPECT_EQ(std::string(m->element[0]->str), "direction");
    seen.insert(std::string(m->element[1]->str) + " " + m->element[3]->str);
  }
  for (int peer = 1; peer < 3; ++peer) {
    EXPECT_EQ(seen.count("to " + c.Id(peer)), 1u);
    EXPECT_EQ(seen.count("from " + c.Id(peer)), 1u);
  }
}

TEST(ClusterBus, HigherConfigEpochWinsAContestedSlot) {
  ClusterHarness c(2, 1000, {"--cluster-require-full-coverage", "no"});
  ASSERT_TRUE(c.StartAll()) << c.Logs();
  ASSERT_EQ(On(c, 0, {"CLUSTER", "SET-CONFIG-EPOCH", "1"}), "OK");
  ASSERT_EQ(On(c, 0, {"CLUSTER", "ADDSLOTS", "100", "101"}), "OK");
  ASSERT_EQ(On(c, 1, {"CLUSTER", "SET-CONFIG-EPOCH", "2"}), "OK");
  ASSERT_EQ(On(c, 1, {"CLUSTER", "ADDSLOTS", "100"}), "OK");
  ASSERT_TRUE(c.Join()) << c.Logs();
  std::string id0 = c.Id(0), id1 = c.Id(1);
  for (int viewer = 0; viewer < 2; ++viewer) {
    EXPECT_TRUE(ClusterHarness::WaitFor(
        [&] {
          std::vector<std::string> f0 = Fields(c.NodesLine(viewer, id0));
          std::vector<std::string> f1 = Fields(c.NodesLine(viewer, id1));
          return f0.size() == 9 && f0[8] == "101" && f1.size() == 9 && f1[8] == "100";
        },
        20000))
        << "viewer " << viewer << "\n"
        << c.Nodes(viewer);
  }
  EXPECT_EQ(c.Info(0, "cluster_current_epoch"), "2");
}

TEST(ClusterBus, EpochCollisionIsResolvedByTheSmallerId) {
  ClusterHarness c(2);
  ASSERT_TRUE(c.StartAll()) << c.Logs();
  ASSERT_EQ(On(c, 0, {"CLUSTER", "SET-CONFIG-EPOCH", "5"}), "OK");
  ASSERT_EQ(On(c, 1, {"CLUSTER", "SET-CONFIG-EPOCH", "5"}), "OK");
  ASSERT_TRUE(c.Join()) << c.Logs();
  int smaller = c.Id(0) < c.Id(1) ? 0 : 1;
  EXPECT_TRUE(ClusterHarness::WaitFor(
      [&] {
        return c.Info(smaller, "cluster_my_epoch") == "6" &&
               c.Info(1 - smaller, "cluster_my_epoch") == "5" &&
               c.Info(1 - smaller, "cluster_current_epoch") == "6";
      },
      20000))
      << c.Logs();
}

TEST(ClusterBus, GarbageOnTheBusPortIsDroppedAndTheNodeKeepsServing) {
  ClusterHarness c(2);
  ASSERT_TRUE(c.Create()) << c.Logs();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(c.bus_port(0)));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  const char kGarbage[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n*1\r\n$4\r\nPING\r\n";
  ASSERT_GT(send(fd, kGarbage, sizeof(kGarbage) - 1, 0), 0);
  char buf[64];
  // The node closes the connection (EOF or reset), not a timeout.
  ssize_t n = recv(fd, buf, sizeof(buf), 0);
  int err = errno;
  close(fd);
  EXPECT_TRUE(n == 0 || (n < 0 && err == ECONNRESET)) << n << " " << err;
  EXPECT_TRUE(ClusterHarness::WaitFor(
      [&] { return c.node(0).ReadLog().find("not the cluster bus protocol") != std::string::npos; },
      10000));
  EXPECT_EQ(On(c, 0, {"PING"}), "PONG");
  EXPECT_EQ(c.Info(0, "cluster_state"), "ok");
  EXPECT_EQ(c.Info(1, "cluster_known_nodes"), "2");
}

TEST(ClusterBus, KilledMasterIsMarkedFailAndRejoinsAfterRestart) {
  ClusterHarness c(3);
  ASSERT_TRUE(c.Create()) << c.Logs();
  std::string id2 = c.Id(2);
  c.Kill(2);
  // PFAIL after the node timeout, FAIL once both other masters agree.
  EXPECT_TRUE(ClusterHarness::WaitFor(
      [&] {
        for (int i = 0; i < 2; ++i) {
          std::vector<std::string> f = Fields(c.NodesLine(i, id2));
          if (f.size() < 3 || f[2] != "master,fail") return false;
        }
        return true;
      },
      20000))
      << c.Nodes(0) << c.Nodes(1);
  // Its slots are uncovered and full coverage is required.
  EXPECT_TRUE(c.WaitForState("fail", {0, 1}));
  EXPECT_EQ(c.Info(0, "cluster_slots_fail"), std::to_string(16384 - 16384 * 2 / 3));
  EXPECT_EQ(On(c, 0, {"SET", "a", "1"}), "ERR:CLUSTERDOWN The cluster is down");

  ASSERT_TRUE(c.Restart(2)) << c.Logs();
  EXPECT_EQ(c.Id(2), id2);  // same identity from its nodes.conf
  EXPECT_TRUE(c.WaitForState("ok")) << c.Nodes(0) << c.Logs();
  std::vector<std::string> f = Fields(c.NodesLine(0, id2));
  ASSERT_GE(f.size(), 9u);
  EXPECT_EQ(f[2], "master");
  EXPECT_EQ(f[8], std::to_string(16384 * 2 / 3) + "-16383");
  EXPECT_EQ(On(c, 2, {"SET", "foo", "bar"}), "OK");
}

TEST(ClusterBus, ReplicateForgetAndRoles) {
  ClusterHarness c(3, 1000);
  ASSERT_TRUE(c.StartAll()) << c.Logs();
  ASSERT_TRUE(c.Join()) << c.Logs();
  ASSERT_TRUE(c.AssignSlots(2));
  std::string id0 = c.Id(0), id1 = c.Id(1), id2 = c.Id(2);
  EXPECT_EQ(On(c, 0, {"CLUSTER", "REPLICATE", id1}),
            "ERR:ERR To set a master the node must be empty and without assigned slots.");
  ASSERT_EQ(On(c, 2, {"CLUSTER", "REPLICATE", id0}), "OK");
  // Everyone learns the new role through gossip.
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(ClusterHarness::WaitFor(
        [&] {
          std::vector<std::string> f = Fields(c.NodesLine(i, id2));
          return f.size() >= 4 && f[2] == "slave" && f[3] == id0;
        },
        20000))
        << c.Nodes(i);
  }
  EXPECT_EQ(On(c, 1, {"CLUSTER", "REPLICATE", id2}),
            "ERR:ERR I can only replicate a master, not a replica.");
  EXPECT_TRUE(c.WaitForState("ok"));
  Connection conn = c.node(1).Connect();
  Reply reps = Command(conn.get(), {"CLUSTER", "REPLICAS", id0});
  ASSERT_EQ(reps->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(reps->elements, 1u);
  EXPECT_EQ(std::string(reps->element[0]->str).rfind(id2 + " ", 0), 0u);
  EXPECT_EQ(On(c, 1, {"CLUSTER", "REPLICAS", id2}), "ERR:ERR The specified node is not a master");
  EXPECT_EQ(On(c, 2, {"CLUSTER", "FORGET", id0}), "ERR:ERR Can't forget my master!");
  EXPECT_EQ(c.Info(2, "cluster_my_epoch"), c.Info(0, "cluster_my_epoch"));
  // NODES shows a replica with its master's epoch, as Redis does.
  EXPECT_EQ(Fields(c.NodesLine(1, id2))[6], Fields(c.NodesLine(1, id0))[6]);
  // CLUSTER SLOTS lists the replica after its master.
  Reply slots = Cmd(conn.get(), "CLUSTER SLOTS");
  ASSERT_EQ(slots->type, REDIS_REPLY_ARRAY);
  bool found = false;
  for (size_t i = 0; i < slots->elements; ++i) {
    redisReply* r = slots->element[i];
    if (std::string(r->element[2]->element[2]->str) == id0) {
      ASSERT_EQ(r->elements, 4u);
      EXPECT_EQ(std::string(r->element[3]->element[2]->str), id2);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  // FORGET on every other node, as redis-cli del-node does; the blacklist
  // keeps gossip from bringing it back.
  c.Kill(2);
  ASSERT_EQ(On(c, 0, {"CLUSTER", "FORGET", id2}), "OK");
  ASSERT_EQ(On(c, 1, {"CLUSTER", "FORGET", id2}), "OK");
  EXPECT_EQ(c.Info(0, "cluster_known_nodes"), "2");
  EXPECT_EQ(c.Info(1, "cluster_known_nodes"), "2");
  EXPECT_EQ(On(c, 0, {"CLUSTER", "COUNT-FAILURE-REPORTS", id2}), "ERR:ERR Unknown node " + id2);
  EXPECT_EQ(On(c, 0, {"CLUSTER", "COUNT-FAILURE-REPORTS", id1}), "0");
}

TEST(ClusterBus, AnnouncedPortAndHostnameAreWhatPeersAndClientsSee) {
  // Node 1 says it is reachable for clients on another port (as behind a
  // NAT or in a container); the bus port stays the real one.
  int announced = FreePort();
  ClusterHarness c(2, 1000, {});
  ClusterHarness announcing(1, 1000,
                            {"--cluster-announce-port", std::to_string(announced),
                             "--cluster-announce-hostname", "node-b.example"});
  ASSERT_TRUE(c.StartAll()) << c.Logs();
  ASSERT_TRUE(announcing.StartAll()) << announcing.Logs();
  ASSERT_EQ(On(c, 0,
               {"CLUSTER", "MEET", "127.0.0.1", std::to_string(announcing.port(0)),
                std::to_string(announcing.bus_port(0))}),
            "OK");
  ASSERT_EQ(On(c, 0, {"CLUSTER", "ADDSLOTSRANGE", "0", "8191"}), "OK");
  ASSERT_EQ(On(announcing, 0, {"CLUSTER", "ADDSLOTSRANGE", "8192", "16383"}), "OK");
  std::string id = announcing.Id(0);
  std::string expected = "127.0.0.1:" + std::to_string(announced) + "@" +
                         std::to_string(announcing.bus_port(0)) + ",node-b.example";
  EXPECT_TRUE(ClusterHarness::WaitFor(
      [&] {
        std::vector<std::string> f = Fields(c.NodesLine(0, id));
        return f.size() >= 2 && f[1] == expected && c.Info(0, "cluster_state") == "ok";
      },
      20000))
      << c.Nodes(0) << announcing.Logs();
  // "foo" (slot 12182) is served by the announcing node: clients are sent
  // to the announced port.
  EXPECT_EQ(On(c, 0, {"SET", "foo", "bar"}),
            "ERR:MOVED 12182 127.0.0.1:" + std::to_string(announced));
  Connection conn = c.node(0).Connect();
  Reply slots = Cmd(conn.get(), "CLUSTER SLOTS");
  ASSERT_EQ(slots->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(slots->elements, 2u);
  redisReply* node = slots->element[1]->element[2];
  ASSERT_EQ(node->elements, 4u);
  EXPECT_EQ(node->element[1]->integer, announced);
  ASSERT_EQ(node->element[3]->elements, 2u);  // {hostname: node-b.example}
  EXPECT_EQ(std::string(node->element[3]->element[1]->str), "node-b.example");
}

}  // namespace
}  // namespace cairn::testing
