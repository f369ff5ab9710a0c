// Redis-compatible slot migration against real cairn-server processes:
// CLUSTER SETSLOT, the redirects of an open slot (ASK, TRYAGAIN, ASKING),
// MIGRATE with RESTORE-ASKING, and the redis-cli --cluster flows built on
// them (reshard, add-node, rebalance, del-node, fix, check). Replies are the
// ones redis-server 7.0 gives for the same sequence.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/cluster_harness.h"
#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

std::string Text(redisContext* c, const std::vector<std::string>& argv) {
  return ReplyText(Command(c, argv));
}

// As a cluster client does: a TRYAGAIN is retried (bounded). A master whose
// peer just restarted answers it until the peer confirms its lease again.
std::string TextRetrying(redisContext* c, const std::vector<std::string>& argv) {
  std::string r;
  for (int i = 0; i < 100; ++i) {
    r = Text(c, argv);
    if (r.rfind("TRYAGAIN", 0) != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return r;
}

std::string MyselfLine(ClusterHarness& cluster, int i) {
  return cluster.NodesLine(i, cluster.Id(i));
}

// `redis-cli --cluster check` found nothing to complain about.
void ExpectCheckClean(ClusterHarness& cluster, int via) {
  std::string out;
  int rc = RunWithTimeout(
      "redis-cli --cluster check 127.0.0.1:" + std::to_string(cluster.port(via)), 60, &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("[OK] All nodes agree about slots configuration."), std::string::npos) << out;
  EXPECT_NE(out.find("[OK] All 16384 slots covered."), std::string::npos) << out;
  EXPECT_EQ(out.find("[WARNING]"), std::string::npos) << out;
  EXPECT_EQ(out.find("[ERR]"), std::string::npos) << out;
}

// Waits until `redis-cli --cluster check` is clean (gossip has spread the
// last SETSLOT NODE), then asserts it.
void WaitCheckClean(ClusterHarness& cluster, int via) {
  ClusterHarness::WaitFor(
      [&] {
        std::string out;
        return RunWithTimeout(
                   "redis-cli --cluster check 127.0.0.1:" + std::to_string(cluster.port(via)), 60,
                   &out) == 0 &&
               out.find("[WARNING]") == std::string::npos && out.find("[ERR]") == std::string::npos;
      },
      30000);
  ExpectCheckClean(cluster, via);
}

void WriteKeys(ClusterHarness& cluster, const std::string& prefix, int n) {
  for (int i = 0; i < n; ++i) {
    std::string k = prefix + std::to_string(i);
    ASSERT_EQ(ReplyText(cluster.ClusterCommand({"SET", k, "v" + k})), "OK") << k;
  }
}

// Every key reads back its value through a cluster-aware client.
void ExpectKeys(ClusterHarness& cluster, const std::string& prefix, int n, int via = 0) {
  int wrong = 0;
  std::string first_wrong;
  for (int i = 0; i < n; ++i) {
    std::string k = prefix + std::to_string(i);
    std::string got = ReplyText(cluster.ClusterCommand({"GET", k}, via));
    if (got != "v" + k) {
      if (wrong++ == 0) first_wrong = k + " -> " + got;
    }
  }
  EXPECT_EQ(wrong, 0) << "first: " << first_wrong;
}

// The slots node i claims in its own CLUSTER NODES line.
int SlotCount(ClusterHarness& cluster, int i) {
  std::string line = MyselfLine(cluster, i);
  std::vector<std::string> w;
  size_t at = 0;
  while (at < line.size()) {
    size_t sp = line.find(' ', at);
    if (sp == std::string::npos) sp = line.size();
    w.push_back(line.substr(at, sp - at));
    at = sp + 1;
  }
  int n = 0;
  for (size_t j = 8; j < w.size(); ++j) {
    if (w[j].empty() || w[j][0] == '[') continue;
    size_t dash = w[j].find('-');
    int from = std::stoi(w[j].substr(0, dash));
    int to = dash == std::string::npos ? from : std::stoi(w[j].substr(dash + 1));
    n += to - from + 1;
  }
  return n;
}

// "foo" hashes to slot 12182, owned by node 1 of a two-master cluster
// (0-8191 | 8192-16383); node 0 imports it.
TEST(ClusterSetSlot, OpenSlotRedirectsMigrateAndCloseAsRedis) {
  ClusterHarness cluster(2);
  ASSERT_TRUE(cluster.Create()) << cluster.Logs();
  const std::string id0 = cluster.Id(0), id1 = cluster.Id(1);
  const std::string addr0 = "127.0.0.1:" + std::to_string(cluster.port(0));
  const std::string addr1 = "127.0.0.1:" + std::to_string(cluster.port(1));
  Connection target = cluster.node(0).Connect();
  Connection source = cluster.node(1).Connect();
  ASSERT_NE(target, nullptr);
  ASSERT_NE(source, nullptr);

  // Refusals, with Redis's texts.
  EXPECT_EQ(Text(source.get(), {"CLUSTER", "SETSLOT", "12182", "IMPORTING", id0}),
            "ERR I'm already the owner of hash slot 12182");
  EXPECT_EQ(Text(target.get(), {"CLUSTER", "SETSLOT", "12182", "MIGRATING", id1}),
            "ERR I'm not the owner of hash slot 12182");
  EXPECT_EQ(Text(source.get(), {"CLUSTER", "SETSLOT", "12182", "MIGRATING", "nosuch"}),
            "ERR I don't know about node nosuch");
  EXPECT_EQ(Text(source.get(), {"CLUSTER", "SETSLOT", "12182", "NODE", "nosuch"}),
            "ERR Unknown node nosuch");
  EXPECT_EQ(Text(source.get(), {"CLUSTER", "SETSLOT", "12182", "BOGUS"}),
            "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
  EXPECT_EQ(Text(source.get(), {"CLUSTER", "SETSLOT", "12182", "STABLE", "extra"}),
            "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
  EXPECT_EQ(Text(source.get(), {"CLUSTER", "SETSLOT", "16384", "STABLE"}),
            "ERR Invalid or out of range slot");

  ASSERT_EQ(Text(source.get(), {"SET", "foo", "1"}), "OK");
  ASSERT_EQ(Text(source.get(), {"SET", "{foo}a", "2"}), "OK");
  ASSERT_EQ(Text(target.get(), {"CLUSTER", "SETSLOT", "12182", "IMPORTING", id1}), "OK");
  ASSERT_EQ(Text(source.get(), {"CLUSTER", "SETSLOT", "12182", "MIGRATING", id0}), "OK");

  // Only myself's line shows the open slot; SLOTS and ownership are unchanged.
  EXPECT_EQ(MyselfLine(cluster, 1), cluster.NodesLine(1, id1));
  EXPECT_NE(MyselfLine(cluster, 1).find(" 8192-16383 [12182->-" + id0 + "]"), std::string::npos)
      << MyselfLine(cluster, 1);
  EXPECT_NE(MyselfLine(cluster, 0).find(" 0-8191 [12182-<-" + id1 + "]"), std::string::npos)
      << MyselfLine(cluster, 0);
  EXPECT_EQ(cluster.NodesLine(0, id1).find('['), std::string::npos) << cluster.NodesLine(0, id1);
  Reply slots = Cmd(source.get(), "CLUSTER SLOTS");
  ASSERT_NE(slots, nullptr);
  EXPECT_EQ(slots->elements, 2u);

  // The source serves the keys it has; ASK for a key it lacks; TRYAGAIN for
  // a multi-key command with some of each; ASK if all are gone.
  EXPECT_EQ(Text(source.get(), {"GET", "foo"}), "1");
  EXPECT_EQ(Text(source.get(), {"GET", "{foo}x"}), "ASK 12182 " + addr0);
  EXPECT_EQ(Text(source.get(), {"SET", "{foo}new", "v"}), "ASK 12182 " + addr0);
  EXPECT_EQ(Text(source.get(), {"MGET", "foo", "{foo}x"}),
            "TRYAGAIN Multiple keys request during rehashing of slot");
  EXPECT_EQ(Text(source.get(), {"MGET", "{foo}x", "{foo}y"}), "ASK 12182 " + addr0);
  EXPECT_EQ(Text(source.get(), {"MGET", "foo", "{foo}a"}), "<array 2>");
  // A transaction on the open slot (its keys here) runs on the source.
  EXPECT_EQ(Text(source.get(), {"WATCH", "{foo}a"}), "OK");
  EXPECT_EQ(Text(source.get(), {"MULTI"}), "OK");
  EXPECT_EQ(Text(source.get(), {"SET", "foo", "1"}), "QUEUED");
  EXPECT_EQ(Text(source.get(), {"EXEC"}), "<array 1>");
  EXPECT_EQ(Text(source.get(), {"MULTI"}), "OK");
  EXPECT_EQ(Text(source.get(), {"GET", "{foo}gone"}), "ASK 12182 " + addr0);
  EXPECT_EQ(Text(source.get(), {"EXEC"}),
            "EXECABORT Transaction discarded because of previous errors.");

  // The target runs a command only right after ASKING (one command only).
  EXPECT_EQ(Text(target.get(), {"GET", "foo"}), "MOVED 12182 " + addr1);
  EXPECT_EQ(Text(target.get(), {"ASKING"}), "OK");
  EXPECT_EQ(Text(target.get(), {"GET", "foo"}), "<nil>");
  EXPECT_EQ(Text(target.get(), {"GET", "foo"}), "MOVED 12182 " + addr1);
  EXPECT_EQ(Text(target.get(), {"ASKING"}), "OK");
  EXPECT_EQ(Text(target.get(), {"MGET", "foo", "{foo}a"}),
            "TRYAGAIN Multiple keys request during rehashing of slot");
  // ASKING covers a whole MULTI ... EXEC.
  EXPECT_EQ(Text(target.get(), {"ASKING"}), "OK");
  EXPECT_EQ(Text(target.get(), {"MULTI"}), "OK");
  EXPECT_EQ(Text(target.get(), {"GET", "foo"}), "QUEUED");
  EXPECT_EQ(Text(target.get(), {"EXEC"}), "<array 1>");

  EXPECT_EQ(Text(source.get(), {"CLUSTER", "SETSLOT", "12182", "NODE", id0}),
            "ERR Can't assign hashslot 12182 to a different node while I still hold keys for "
            "this hash slot.");

  // MIGRATE moves both keys (RESTORE-ASKING on the target, then DEL here).
  EXPECT_EQ(Text(source.get(), {"MIGRATE", "127.0.0.1", std::to_string(cluster.port(0)), "", "0",
                                "5000", "KEYS", "foo", "{foo}a"}),
            "OK");
  EXPECT_EQ(Text(source.get(), {"CLUSTER", "COUNTKEYSINSLOT", "12182"}), "0");
  EXPECT_EQ(Text(source.get(), {"GET", "foo"}), "ASK 12182 " + addr0);
  EXPECT_EQ(Text(source.get(),
                 {"MIGRATE", "127.0.0.1", std::to_string(cluster.port(0)), "foo", "0", "5000"}),
            "NOKEY");
  EXPECT_EQ(Text(target.get(), {"ASKING"}), "OK");
  EXPECT_EQ(Text(target.get(), {"MGET", "foo", "{foo}a"}), "<array 2>");
  EXPECT_EQ(Text(target.get(), {"CLUSTER", "COUNTKEYSINSLOT", "12182"}), "2");

  // The open slot survives a restart (nodes.conf).
  source.reset();
  cluster.Kill(1);
  ASSERT_TRUE(cluster.Restart(1)) << cluster.Logs();
  EXPECT_NE(MyselfLine(cluster, 1).find("[12182->-" + id0 + "]"), std::string::npos)
      << MyselfLine(cluster, 1);
  source = cluster.node(1).Connect();
  ASSERT_NE(source, nullptr);

  // Closing: the target first (it takes a new configEpoch), then the source.
  ASSERT_EQ(Text(target.get(), {"CLUSTER", "SETSLOT", "12182", "NODE", id0}), "OK");
  ASSERT_EQ(Text(source.get(), {"CLUSTER", "SETSLOT", "12182", "NODE", id0}), "OK");
  EXPECT_EQ(MyselfLine(cluster, 0).find('['), std::string::npos) << MyselfLine(cluster, 0);
  EXPECT_EQ(MyselfLine(cluster, 1).find('['), std::string::npos) << MyselfLine(cluster, 1);
  EXPECT_EQ(Text(source.get(), {"GET", "foo"}), "MOVED 12182 " + addr0);
  EXPECT_EQ(TextRetrying(target.get(), {"GET", "foo"}), "1");
  EXPECT_EQ(TextRetrying(target.get(), {"GET", "{foo}a"}), "2");
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(ClusterHarness::WaitFor(
        [&] {
          std::string line = cluster.NodesLine(i, id0);
          return line.find(" 0-8191 12182") != std::string::npos;
        },
        20000))
        << cluster.Nodes(i);
  }
  // Gossip must not give the slot back to the old owner.
  EXPECT_TRUE(ClusterHarness::WaitFor(
      [&] {
        return cluster.NodesLine(1, id1).find(" 8192-12181 12183-16383") != std::string::npos;
      },
      20000))
      << cluster.Nodes(1);
  WaitCheckClean(cluster, 1);
}

TEST(ClusterSetSlot, ReplicaRefusesSetSlot) {
  ClusterHarness cluster(2);
  ASSERT_TRUE(cluster.StartAll() && cluster.Join() && cluster.AssignSlots(1)) << cluster.Logs();
  Connection replica = cluster.node(1).Connect();
  ASSERT_NE(replica, nullptr);
  ASSERT_EQ(Text(replica.get(), {"CLUSTER", "REPLICATE", cluster.Id(0)}), "OK");
  EXPECT_EQ(Text(replica.get(), {"CLUSTER", "SETSLOT", "1", "STABLE"}),
            "ERR Please use SETSLOT only with masters.");
  Connection master = cluster.node(0).Connect();
  ASSERT_TRUE(ClusterHarness::WaitFor(
      [&] { return cluster.NodesLine(0, cluster.Id(1)).find("slave") != std::string::npos; },
      20000))
      << cluster.Nodes(0);
  EXPECT_EQ(Text(master.get(), {"CLUSTER", "SETSLOT", "1", "MIGRATING", cluster.Id(1)}),
            "ERR Target node is not a master");
}

// reshard, add-node, rebalance --cluster-use-empty-masters, emptying a
// master and del-node, with check clean and every key readable after each.
TEST(ClusterReshardTools, ReshardRebalanceAndDelNodeKeepEveryKey) {
  ClusterHarness cluster(5);
  ASSERT_TRUE(cluster.StartAll()) << cluster.Logs();
  std::string out;
  ASSERT_EQ(cluster.CreateWithRedisCli(3, 0, &out), 0) << out;
  ASSERT_TRUE(cluster.WaitForState("ok", {0, 1, 2})) << cluster.Logs();
  const std::string entry = "127.0.0.1:" + std::to_string(cluster.port(0));
  const int kKeys = 600;
  WriteKeys(cluster, "rk:", kKeys);

  // reshard: 300 slots from node 0 to node 1.
  ASSERT_EQ(
      RunWithTimeout("redis-cli --cluster reshard " + entry + " --cluster-from " + cluster.Id(0) +
                         " --cluster-to " + cluster.Id(1) + " --cluster-slots 300 --cluster-yes",
                     300, &out),
      0)
      << out;
  EXPECT_EQ(out.find("ERR"), std::string::npos) << out;
  WaitCheckClean(cluster, 0);
  EXPECT_EQ(SlotCount(cluster, 0), 5461 - 300);
  EXPECT_EQ(SlotCount(cluster, 1), 5462 + 300);
  ExpectKeys(cluster, "rk:", kKeys, 2);

  // add-node (an empty master), then rebalance onto it. A small weight for
  // the newcomer keeps the move short; the flow is the same.
  const std::string newcomer = "127.0.0.1:" + std::to_string(cluster.port(3));
  ASSERT_EQ(RunWithTimeout("redis-cli --cluster add-node " + newcomer + " " + entry, 120, &out), 0)
      << out;
  EXPECT_NE(out.find("[OK] New node added correctly."), std::string::npos) << out;
  ASSERT_TRUE(ClusterHarness::WaitFor([&] { return cluster.KnownNodes(3) == 4; }, 20000))
      << cluster.Nodes(3);
  WaitCheckClean(cluster, 3);
  ASSERT_EQ(
      RunWithTimeout("redis-cli --cluster rebalance " + entry +
                         " --cluster-use-empty-masters --cluster-weight " + cluster.Id(3) + "=0.1",
                     300, &out),
      0)
      << out;
  EXPECT_EQ(out.find("ERR"), std::string::npos) << out;
  WaitCheckClean(cluster, 0);
  const int moved = SlotCount(cluster, 3);
  EXPECT_GT(moved, 300) << MyselfLine(cluster, 3);
  ExpectKeys(cluster, "rk:", kKeys, 3);

  // Every member (node 4 joins later) must see the cluster up again before
  // redis-cli moves slots out of node 3: on a loaded machine one may still
  // be catching up.
  ASSERT_TRUE(cluster.WaitForState("ok", {0, 1, 2, 3})) << cluster.Logs();
  // Empty node 3 again; a master left without slots follows the node that
  // took its last slot (Redis 7.0), then del-node removes it.
  ASSERT_EQ(RunWithTimeout("redis-cli --cluster reshard " + entry + " --cluster-from " +
                               cluster.Id(3) + " --cluster-to " + cluster.Id(2) +
                               " --cluster-slots " + std::to_string(moved) + " --cluster-yes",
                           300, &out),
            0)
      << out;
  EXPECT_EQ(SlotCount(cluster, 3), 0);
  EXPECT_TRUE(ClusterHarness::WaitFor(
      [&] { return MyselfLine(cluster, 3).find("slave " + cluster.Id(2)) != std::string::npos; },
      20000))
      << MyselfLine(cluster, 3);
  WaitCheckClean(cluster, 0);
  const std::string id3 = cluster.Id(3);
  ASSERT_EQ(RunWithTimeout("redis-cli --cluster del-node " + entry + " " + id3, 120, &out), 0)
      << out;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(cluster.Info(i, "cluster_known_nodes"), "3");
  EXPECT_EQ(cluster.Info(3, "cluster_known_nodes"), "1");
  // The FORGET ban keeps gossip from re-adding it.
  EXPECT_EQ(cluster.NodesLine(1, id3), "");
  WaitCheckClean(cluster, 0);
  ExpectKeys(cluster, "rk:", kKeys, 1);

  // RESET SOFT left the removed replica an empty master (it could join
  // again once the others' 60 s FORGET ban on its id is over).
  Connection removed = cluster.node(3).Connect();
  ASSERT_NE(removed, nullptr);
  EXPECT_EQ(Text(removed.get(), {"DBSIZE"}), "0");
  EXPECT_NE(MyselfLine(cluster, 3).find("myself,master"), std::string::npos)
      << MyselfLine(cluster, 3);

  // add-node as the replica of a chosen master, then del-node of a replica.
  const std::string fifth = "127.0.0.1:" + std::to_string(cluster.port(4));
  const std::string id4 = cluster.Id(4);
  ASSERT_EQ(RunWithTimeout("redis-cli --cluster add-node " + fifth + " " + entry +
                               " --cluster-slave --cluster-master-id " + cluster.Id(1),
                           120, &out),
            0)
      << out;
  EXPECT_NE(out.find("[OK] New node added correctly."), std::string::npos) << out;
  for (int i : {0, 1, 2, 4}) {
    EXPECT_TRUE(ClusterHarness::WaitFor(
        [&] {
          return cluster.NodesLine(i, id4).find("slave " + cluster.Id(1)) != std::string::npos;
        },
        20000))
        << cluster.Nodes(i);
  }
  WaitCheckClean(cluster, 0);
  ASSERT_EQ(RunWithTimeout("redis-cli --cluster del-node " + entry + " " + id4, 120, &out), 0)
      << out;
  EXPECT_EQ(cluster.Info(4, "cluster_known_nodes"), "1");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(cluster.Info(i, "cluster_known_nodes"), "3");
  WaitCheckClean(cluster, 2);
  ExpectKeys(cluster, "rk:", kKeys, 2);
}

// fix closes a slot left open half-way and covers an unassigned slot.
TEST(ClusterReshardTools, FixClosesOpenSlotsAndCoversUnassignedSlots) {
  ClusterHarness cluster(3, 1000, {"--cluster-require-full-coverage", "no"});
  ASSERT_TRUE(cluster.Create()) << cluster.Logs();
  // Without full coverage "ok" comes early: wait until gossip spread every slot.
  ASSERT_TRUE(ClusterHarness::WaitFor(
      [&] {
        for (int i = 0; i < 3; ++i) {
          if (cluster.Info(i, "cluster_slots_assigned") != "16384") return false;
        }
        return true;
      },
      20000));
  const std::string entry = "127.0.0.1:" + std::to_string(cluster.port(0));
  // Slot 12182 ({foo}) belongs to node 2 (10923-16383).
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(ReplyText(cluster.ClusterCommand({"SET", "{foo}" + std::to_string(i), "v"})), "OK");
  }
  Connection n1 = cluster.node(1).Connect();
  Connection n2 = cluster.node(2).Connect();
  ASSERT_EQ(Text(n1.get(), {"CLUSTER", "SETSLOT", "12182", "IMPORTING", cluster.Id(2)}), "OK");
  ASSERT_EQ(Text(n2.get(), {"CLUSTER", "SETSLOT", "12182", "MIGRATING", cluster.Id(1)}), "OK");
  // Half the keys moved already.
  std::vector<std::string> migrate = {
      "MIGRATE", "127.0.0.1", std::to_string(cluster.port(1)), "", "0", "5000", "KEYS"};
  for (int i = 0; i < 10; ++i) migrate.push_back("{foo}" + std::to_string(i));
  ASSERT_EQ(Text(n2.get(), migrate), "OK");

  std::string out;
  EXPECT_NE(RunWithTimeout("redis-cli --cluster check " + entry, 60, &out), 0) << out;
  EXPECT_NE(out.find("open slot"), std::string::npos) << out;
  ASSERT_EQ(RunWithTimeout("redis-cli --cluster fix " + entry + " --cluster-yes", 120, &out), 0)
      << out;
  WaitCheckClean(cluster, 0);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(ReplyText(cluster.ClusterCommand({"GET", "{foo}" + std::to_string(i)})), "v") << i;
  }

  // Slot 100 (node 0's, no keys) forgotten by everyone: fix assigns it.
  for (int i = 0; i < 3; ++i) {
    Connection c = cluster.node(i).Connect();
    Reply r = Cmd(c.get(), "CLUSTER DELSLOTS 100");
    ASSERT_NE(r, nullptr);
  }
  ASSERT_TRUE(ClusterHarness::WaitFor(
      [&] {
        for (int i = 0; i < 3; ++i) {
          if (cluster.Info(i, "cluster_slots_assigned") != "16383") return false;
        }
        return true;
      },
      20000));
  EXPECT_NE(RunWithTimeout("redis-cli --cluster check " + entry, 60, &out), 0) << out;
  // This question of fix ignores --cluster-yes: answer it.
  ASSERT_EQ(RunWithTimeout("yes yes | redis-cli --cluster fix " + entry, 120, &out), 0) << out;
  EXPECT_NE(out.find("[100]"), std::string::npos) << out;
  WaitCheckClean(cluster, 1);
  EXPECT_EQ(ReplyText(cluster.ClusterCommand({"SET", "{foo}0", "w"})), "OK");
}

// As Redis's migrateGetSocket: MIGRATE keeps one connection per target and
// reuses it (also across dbs, with a SELECT only when the db changes).
TEST(MigrateCommand, ReusesOneConnectionPerTarget) {
  ServerProcess source, target;
  ASSERT_TRUE(source.Start() && target.Start());
  Connection s = source.Connect();
  Connection t = target.Connect();
  auto clients = [&] {
    Reply r = Command(t.get(), {"CLIENT", "LIST"});
    std::string list(r->str, r->len);
    return std::count(list.begin(), list.end(), '\n');
  };
  // Start() probed the target with a connection of its own, which may
  // still be listed until the target saw it close: wait (bounded) until
  // only this test's connection is left.
  for (int i = 0; i < 100 && clients() != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto before = clients();
  ASSERT_EQ(before, 1);
  const std::string port = std::to_string(target.port());
  for (int i = 0; i < 3; ++i) {
    std::string k = "m" + std::to_string(i);
    ASSERT_EQ(Text(s.get(), {"SET", k, "v"}), "OK");
    ASSERT_EQ(Text(s.get(), {"MIGRATE", "127.0.0.1", port, k, std::to_string(i % 2), "5000"}),
              "OK");
  }
  EXPECT_EQ(clients(), before + 1);
  EXPECT_EQ(Text(t.get(), {"GET", "m0"}), "v");
  ASSERT_EQ(Text(t.get(), {"SELECT", "1"}), "OK");
  EXPECT_EQ(Text(t.get(), {"GET", "m1"}), "v");
  ASSERT_EQ(Text(t.get(), {"SELECT", "0"}), "OK");
  EXPECT_EQ(Text(t.get(), {"GET", "m2"}), "v");
  // The target went away and came back: the stale connection is dropped
  // and the MIGRATE succeeds on a new one.
  ASSERT_TRUE(target.Stop());
  ASSERT_TRUE(target.Restart());
  ASSERT_EQ(Text(s.get(), {"SET", "after", "v"}), "OK");
  EXPECT_EQ(Text(s.get(), {"MIGRATE", "127.0.0.1", port, "after", "0", "5000"}), "OK");
  Connection t2 = target.Connect();
  EXPECT_EQ(Text(t2.get(), {"GET", "after"}), "v");
}

}  // namespace
}  // namespace cairn::testing
