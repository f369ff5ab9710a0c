// Atomic slot migration (CLUSTER MIGRATESLOTS / GETSLOTMIGRATIONS /
// CANCELSLOTMIGRATIONS, Valkey 9's commands) against real cairn-server
// processes: the rows move over the bus, writes made meanwhile follow them,
// clients never see ASK, and a cancelled or failed job leaves the source
// owning everything and the target holding nothing.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <map>
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

// A command through a cluster client, retrying TRYAGAIN (bounded), as
// cluster clients do: a master answers it until its lease is confirmed.
std::string ClusterText(ClusterHarness& cluster, const std::vector<std::string>& argv) {
  std::string r;
  for (int i = 0; i < 200; ++i) {
    r = ReplyText(cluster.ClusterCommand(argv));
    if (r.rfind("TRYAGAIN", 0) != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return r;
}

// One GETSLOTMIGRATIONS entry as field -> value text.
using Entry = std::map<std::string, std::string>;

std::vector<Entry> Migrations(ServerProcess& node) {
  std::vector<Entry> out;
  Connection c = node.Connect();
  if (!c) return out;
  Reply r = Command(c.get(), {"CLUSTER", "GETSLOTMIGRATIONS"});
  if (!r || r->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i < r->elements; ++i) {
    const redisReply* e = r->element[i];
    Entry entry;
    for (size_t j = 0; j + 1 < e->elements; j += 2) {
      const redisReply* v = e->element[j + 1];
      entry[e->element[j]->str] =
          v->type == REDIS_REPLY_INTEGER ? std::to_string(v->integer) : std::string(v->str, v->len);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

// Waits until the newest job on `node` is in a terminal state; returns it.
Entry WaitDone(ServerProcess& node, int seconds = 60) {
  Entry last;
  WaitUntil(
      [&] {
        std::vector<Entry> all = Migrations(node);
        if (all.empty()) return false;
        last = all.back();
        return last["state"] == "success" || last["state"] == "failed" ||
               last["state"] == "cancelled";
      },
      seconds);
  return last;
}

int64_t DbSize(ServerProcess& node) {
  Connection c = node.Connect();
  Reply r = Command(c.get(), {"DBSIZE"});
  return r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
}

// The configEpoch field of node `id` in `viewer`'s CLUSTER NODES.
uint64_t ConfigEpoch(ClusterHarness& cluster, int viewer, const std::string& id) {
  std::string line = cluster.NodesLine(viewer, id);
  std::vector<std::string> w;
  size_t at = 0;
  while (at < line.size()) {
    size_t sp = line.find(' ', at);
    if (sp == std::string::npos) sp = line.size();
    w.push_back(line.substr(at, sp - at));
    at = sp + 1;
  }
  return w.size() > 6 ? std::stoull(w[6]) : 0;
}

// A writer that talks to one node as a plain client and follows MOVED by
// reconnecting; any other error, and any ASK, is a failure it records.
class Writer {
 public:
  Writer(ClusterHarness& cluster, int node, std::string prefix)
      : cluster_(cluster), node_(node), prefix_(std::move(prefix)) {}
  ~Writer() { Stop(); }
  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int acked() const { return acked_; }
  const std::vector<std::string>& errors() const { return errors_; }
  int64_t max_latency_ms() const { return max_latency_ms_; }

 private:
  void Run() {
    int port = cluster_.port(node_);
    std::unique_ptr<redisContext, void (*)(redisContext*)> c(nullptr, redisFree);
    for (int i = 0; !stop_ && i < 1000000; ++i) {
      const std::string k = prefix_ + std::to_string(i);
      bool done = false;
      for (int hop = 0; hop < 5 && !done; ++hop) {
        if (c == nullptr) {
          timeval tv{5, 0};
          c.reset(redisConnectWithTimeout("127.0.0.1", port, tv));
          if (c == nullptr || c->err) {
            errors_.push_back("connect to " + std::to_string(port));
            return;
          }
          redisSetTimeout(c.get(), tv);
        }
        auto t0 = std::chrono::steady_clock::now();
        std::string r = Text(c.get(), {"SET", k, "v" + k});
        int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - t0)
                         .count();
        max_latency_ms_ = std::max(max_latency_ms_, ms);
        if (r == "OK") {
          acked_ = i + 1;
          done = true;
        } else if (r.rfind("MOVED ", 0) == 0) {
          port = std::stoi(r.substr(r.rfind(':') + 1));
          c.reset();
        } else if (r.rfind("TRYAGAIN", 0) == 0 && tryagain_ < 1000) {
          // A lease not confirmed yet: cluster clients retry it.
          ++tryagain_;
          --hop;
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        } else {
          errors_.push_back(k + ": " + r);
          return;
        }
      }
      if (!done) {
        errors_.push_back(k + ": too many redirects");
        return;
      }
    }
  }

  ClusterHarness& cluster_;
  int node_;
  std::string prefix_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::atomic<int> acked_{0};
  std::vector<std::string> errors_;
  int64_t max_latency_ms_ = 0;
  int tryagain_ = 0;
};

// A key whose slot node 0 of `cluster` owns (slots below `limit`).
std::string KeyBelow(ClusterHarness& cluster, const std::string& prefix, int limit, int* n) {
  while (true) {
    std::string k = prefix + std::to_string((*n)++);
    Reply r = cluster.ClusterCommand({"CLUSTER", "KEYSLOT", k});
    if (r && r->type == REDIS_REPLY_INTEGER && r->integer < limit) return k;
  }
}

TEST(AtomicSlotMigration, MovesSlotsWithWritesOnTheWayAndNoAsk) {
  ClusterHarness cluster(2);
  ASSERT_TRUE(cluster.Create()) << cluster.Logs();
  const std::string id0 = cluster.Id(0), id1 = cluster.Id(1);
  // Node 0 owns 0-8191. Keys of all kinds there: plain, with TTL.
  const int kKeys = 3000;
  for (int i = 0; i < kKeys; ++i) {
    std::string k = "k" + std::to_string(i);
    std::vector<std::string> cmd = {"SET", k, "v" + k};
    if (i % 3 == 0) cmd.insert(cmd.end(), {"EX", "100000"});
    ASSERT_EQ(ClusterText(cluster, cmd), "OK") << k;
  }
  const int64_t before0 = DbSize(cluster.node(0));
  const int64_t before1 = DbSize(cluster.node(1));
  ASSERT_GT(before0, 1000);
  ASSERT_EQ(before0 + before1, kKeys);
  EXPECT_EQ(Migrations(cluster.node(0)).size(), 0u);

  Writer writer(cluster, 0, "w");
  writer.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Connection c0 = cluster.node(0).Connect();
  // Half of node 0's slots (a master that lost them all would turn into a
  // replica of the new owner, as in Redis).
  ASSERT_EQ(Text(c0.get(), {"CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", "0", "4095", "NODE", id1}),
            "OK");
  Entry job = WaitDone(cluster.node(0));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  writer.Stop();
  ASSERT_EQ(job["state"], "success") << job["message"] << cluster.Logs();
  EXPECT_EQ(job["operation"], "EXPORT");
  EXPECT_EQ(job["slot_ranges"], "0-4095");
  EXPECT_EQ(job["source_node"], id0);
  EXPECT_EQ(job["target_node"], id1);
  EXPECT_EQ(job["name"].size(), 40u);
  EXPECT_EQ(job["message"], "");
  std::vector<Entry> imports = Migrations(cluster.node(1));
  ASSERT_EQ(imports.size(), 1u);
  EXPECT_EQ(imports[0]["operation"], "IMPORT");
  EXPECT_EQ(imports[0]["name"], job["name"]);
  EXPECT_EQ(imports[0]["state"], "success");

  // No ASK, no error: writes waited through the pause, then got MOVED.
  EXPECT_TRUE(writer.errors().empty()) << writer.errors().front();
  EXPECT_GT(writer.acked(), 0);

  // Node 1 owns the slots with a configEpoch above node 0's.
  EXPECT_GT(ConfigEpoch(cluster, 0, id1), ConfigEpoch(cluster, 0, id0)) << cluster.Nodes(0) << "\n"
                                                                        << cluster.Nodes(1);
  EXPECT_TRUE(WaitUntil([&] { return cluster.Info(0, "cluster_state") == "ok"; }, 20));
  Connection c1 = cluster.node(1).Connect();
  // Per-slot counts moved with the rows.
  int64_t slot_count0 = 0, slot_count1 = 0;
  for (int slot = 0; slot < 4096; slot += 97) {
    Reply a = Command(c0.get(), {"CLUSTER", "COUNTKEYSINSLOT", std::to_string(slot)});
    Reply b = Command(c1.get(), {"CLUSTER", "COUNTKEYSINSLOT", std::to_string(slot)});
    ASSERT_TRUE(a && b);
    slot_count0 += a->integer;
    slot_count1 += b->integer;
  }
  EXPECT_EQ(slot_count0, 0);
  EXPECT_GT(slot_count1, 0);
  int n = 0;
  std::string moved = Text(c0.get(), {"GET", KeyBelow(cluster, "m", 4096, &n)});
  EXPECT_EQ(moved.rfind("MOVED ", 0), 0u) << moved;

  // Every key and every acknowledged write is where its slot is, TTLs kept;
  // node 0 kept nothing of the moved slots.
  EXPECT_EQ(DbSize(cluster.node(0)) + DbSize(cluster.node(1)), kKeys + writer.acked());
  int wrong = 0;
  std::string first_wrong;
  auto expect = [&](const std::string& what, bool ok) {
    if (!ok && wrong++ == 0) first_wrong = what;
  };
  for (int i = 0; i < kKeys; ++i) {
    std::string k = "k" + std::to_string(i);
    std::string got = ClusterText(cluster, {"GET", k});
    expect(k + " -> " + got, got == "v" + k);
    if (i % 3 == 0) {
      Reply slot = Command(c1.get(), {"CLUSTER", "KEYSLOT", k});
      const bool on1 = slot->integer < 4096 || slot->integer >= 8192;
      Reply ttl = Command(on1 ? c1.get() : c0.get(), {"TTL", k});
      expect(k + " TTL " + ReplyText(ttl),
             ttl && ttl->type == REDIS_REPLY_INTEGER && ttl->integer > 0);
    }
  }
  for (int i = 0; i < writer.acked(); ++i) {
    std::string k = "w" + std::to_string(i);
    std::string got = ClusterText(cluster, {"GET", k});
    expect(k + " -> " + got, got == "v" + k);
  }
  EXPECT_EQ(wrong, 0) << "first: " << first_wrong;
  std::string out;
  EXPECT_EQ(RunWithTimeout("redis-cli --cluster check 127.0.0.1:" + std::to_string(cluster.port(1)),
                           60, &out),
            0)
      << out;
  EXPECT_NE(out.find("[OK] All 16384 slots covered."), std::string::npos) << out;
}

TEST(AtomicSlotMigration, CancelLeavesTheSourceOwningEverything) {
  ClusterHarness cluster(2, 1000, {"--enable-fault-injection", "yes"});
  ASSERT_TRUE(cluster.Create()) << cluster.Logs();
  const std::string id1 = cluster.Id(1);
  int n = 0;
  std::vector<std::string> keys;
  for (int i = 0; i < 500; ++i) keys.push_back(KeyBelow(cluster, "c", 8192, &n));
  for (const std::string& k : keys) {
    ASSERT_EQ(ClusterText(cluster, {"SET", k, "v" + k}), "OK");
  }
  const int64_t before1 = DbSize(cluster.node(1));
  Connection c0 = cluster.node(0).Connect();
  ASSERT_EQ(Text(c0.get(), {"CAIRN.FAULT", "MIGRATION-HOLD", "60000"}), "OK");
  ASSERT_EQ(Text(c0.get(), {"CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", "0", "8191", "NODE", id1}),
            "OK");
  // The rows reach the target; the job waits in its streaming phase (which
  // the source enters once the target acknowledged the snapshot's last
  // chunk, a moment after the rows are there).
  ASSERT_TRUE(WaitUntil([&] { return DbSize(cluster.node(1)) == before1 + 500; }, 30))
      << cluster.Logs();
  std::vector<Entry> running;
  ASSERT_TRUE(WaitUntil(
      [&] {
        running = Migrations(cluster.node(0));
        return running.size() == 1 && running[0]["state"] == "streaming";
      },
      30))
      << (running.empty() ? std::string("no migration") : running[0]["state"]) << "\n"
      << cluster.Logs();
  // Writes go on at the source meanwhile.
  EXPECT_EQ(Text(c0.get(), {"SET", keys[0], "changed"}), "OK");
  EXPECT_EQ(Text(c0.get(), {"CLUSTER", "CANCELSLOTMIGRATIONS"}), "OK");
  Entry job = WaitDone(cluster.node(0));
  EXPECT_EQ(job["state"], "cancelled");
  // The target dropped what it got and owns nothing new; the source serves.
  EXPECT_TRUE(WaitUntil([&] { return DbSize(cluster.node(1)) == before1; }, 30));
  EXPECT_TRUE(WaitUntil(
      [&] {
        std::vector<Entry> im = Migrations(cluster.node(1));
        return im.size() == 1 && im[0]["state"] == "cancelled";
      },
      10));
  EXPECT_EQ(Text(c0.get(), {"GET", keys[0]}), "changed");
  EXPECT_EQ(Text(c0.get(), {"GET", keys[1]}), "v" + keys[1]);
  EXPECT_EQ(Text(c0.get(), {"SET", keys[1], "after"}), "OK");
  EXPECT_EQ(DbSize(cluster.node(0)), 500);
  Connection c1 = cluster.node(1).Connect();
  std::string moved = Text(c1.get(), {"GET", keys[1]});
  EXPECT_EQ(moved.rfind("MOVED ", 0), 0u) << moved;
}

TEST(AtomicSlotMigration, TargetDeathFailsTheJobAndTheSourceKeepsServing) {
  ClusterHarness cluster(
      3, 1000, {"--enable-fault-injection", "yes", "--cluster-require-full-coverage", "no"});
  ASSERT_TRUE(cluster.Create()) << cluster.Logs();
  const std::string id1 = cluster.Id(1);
  int n = 0;
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) keys.push_back(KeyBelow(cluster, "f", 101, &n));
  for (const std::string& k : keys) {
    ASSERT_EQ(ClusterText(cluster, {"SET", k, "v" + k}), "OK");
  }
  const int64_t before1 = DbSize(cluster.node(1));
  Connection c0 = cluster.node(0).Connect();
  ASSERT_EQ(Text(c0.get(), {"CAIRN.FAULT", "MIGRATION-HOLD", "60000"}), "OK");
  ASSERT_EQ(Text(c0.get(), {"CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", "0", "100", "NODE", id1}),
            "OK");
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::vector<Entry> m = Migrations(cluster.node(0));
        return !m.empty() && m[0]["state"] == "streaming";
      },
      30));
  ASSERT_EQ(DbSize(cluster.node(1)), before1 + 200);  // the rows arrived
  cluster.Kill(1);
  Entry job = WaitDone(cluster.node(0), 60);
  EXPECT_EQ(job["state"], "failed");
  EXPECT_NE(job["message"], "");
  // Node 0 still owns slot 0..5460 and serves them (node 2 keeps its lease).
  int wrong = 0;
  for (const std::string& k : keys) {
    std::string got;
    for (int i = 0; i < 100; ++i) {
      got = Text(c0.get(), {"GET", k});
      if (got.rfind("TRYAGAIN", 0) != 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (got != "v" + k) ++wrong;
  }
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(Text(c0.get(), {"SET", keys[0], "x"}), "OK");
  // Restarted, the target drops the rows of the import it never finished.
  ASSERT_TRUE(cluster.Restart(1)) << cluster.Logs();
  EXPECT_TRUE(WaitUntil([&] { return DbSize(cluster.node(1)) == before1; }, 30))
      << DbSize(cluster.node(1));
  EXPECT_EQ(Text(c0.get(), {"GET", keys[1]}), "v" + keys[1]);
}

// With replica-ack-quorum 1 the target takes the slots only once its replica
// has the imported rows: with the replica stopped the job fails (and the
// source keeps the slots); running again, it succeeds and the replica holds
// every moved key.
TEST(AtomicSlotMigration, TheTargetWaitsForItsReplicaQuorum) {
  ClusterHarness cluster(3, 1000, {"--cluster-require-full-coverage", "no"});
  ASSERT_TRUE(cluster.StartAll() && cluster.Join() && cluster.AssignSlots(2)) << cluster.Logs();
  const std::string id1 = cluster.Id(1);
  Connection c2 = cluster.node(2).Connect();
  ASSERT_EQ(Text(c2.get(), {"CLUSTER", "REPLICATE", id1}), "OK");
  ASSERT_TRUE(cluster.WaitForState("ok", {0, 1, 2})) << cluster.Logs();
  Connection c1 = cluster.node(1).Connect();
  ASSERT_TRUE(WaitUntil(
      [&] {
        Reply r = Command(c1.get(), {"INFO", "replication"});
        return r && std::string(r->str, r->len).find("state=online") != std::string::npos;
      },
      30))
      << cluster.Logs();
  ASSERT_EQ(Text(c1.get(), {"CONFIG", "SET", "replica-ack-quorum", "1"}), "OK");
  int n = 0;
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) keys.push_back(KeyBelow(cluster, "q", 100, &n));
  for (const std::string& k : keys) ASSERT_EQ(ClusterText(cluster, {"SET", k, "v" + k}), "OK");
  Connection c0 = cluster.node(0).Connect();

  ASSERT_EQ(kill(cluster.node(2).pid(), SIGSTOP), 0);
  ASSERT_EQ(Text(c0.get(), {"CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", "0", "99", "NODE", id1}),
            "OK");
  Entry failed = WaitDone(cluster.node(0));
  kill(cluster.node(2).pid(), SIGCONT);
  EXPECT_EQ(failed["state"], "failed") << cluster.Logs();
  EXPECT_EQ(ClusterText(cluster, {"GET", keys[0]}), "v" + keys[0]);
  EXPECT_EQ(Text(c0.get(), {"GET", keys[0]}), "v" + keys[0]);  // still node 0's

  ASSERT_TRUE(WaitUntil(
      [&] {
        Reply r = Command(c1.get(), {"INFO", "replication"});
        return r && std::string(r->str, r->len).find("state=online") != std::string::npos;
      },
      30));
  ASSERT_TRUE(WaitUntil([&] { return DbSize(cluster.node(1)) == 0; }, 30));  // dropped
  ASSERT_EQ(Text(c0.get(), {"CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", "0", "99", "NODE", id1}),
            "OK");
  Entry done = WaitDone(cluster.node(0));
  EXPECT_EQ(done["state"], "success") << done["message"] << cluster.Logs();
  EXPECT_EQ(DbSize(cluster.node(2)), 300);  // the replica had them before the switch
  EXPECT_EQ(DbSize(cluster.node(1)), 300);
  EXPECT_EQ(DbSize(cluster.node(0)), 0);
}

TEST(AtomicSlotMigration, RefusesBadRequests) {
  ClusterHarness cluster(2);
  ASSERT_TRUE(cluster.Create()) << cluster.Logs();
  const std::string id0 = cluster.Id(0), id1 = cluster.Id(1);
  Connection c0 = cluster.node(0).Connect();
  auto migrate = [&](std::vector<std::string> tail) {
    std::vector<std::string> cmd = {"CLUSTER", "MIGRATESLOTS"};
    cmd.insert(cmd.end(), tail.begin(), tail.end());
    return Text(c0.get(), cmd);
  };
  EXPECT_EQ(migrate({"SLOTSRANGE", "0", "10", "NODE"}),
            "ERR wrong number of arguments for 'cluster|migrateslots' command");
  EXPECT_EQ(migrate({"SLOTS", "0", "10", "NODE", id1}), "ERR syntax error");
  EXPECT_EQ(migrate({"SLOTSRANGE", "0", "10", "11", "NODE", id1}), "ERR syntax error");
  EXPECT_EQ(migrate({"SLOTSRANGE", "0", "16384", "NODE", id1}), "ERR Invalid or out of range slot");
  EXPECT_EQ(migrate({"SLOTSRANGE", "10", "0", "NODE", id1}),
            "ERR start slot number 10 is greater than end slot number 0");
  EXPECT_EQ(migrate({"SLOTSRANGE", "0", "10", "NODE", std::string(40, 'a')}),
            "ERR Unknown node " + std::string(40, 'a'));
  EXPECT_EQ(migrate({"SLOTSRANGE", "0", "10", "NODE", id0}),
            "ERR Target node can not be this node.");
  EXPECT_EQ(migrate({"SLOTSRANGE", "9000", "9001", "NODE", id1}),
            "ERR I'm not the owner of hash slot 9000");
  EXPECT_EQ(migrate({"SLOTSRANGE", "0", "10", "5", "6", "NODE", id1}),
            "ERR Slot 5 specified multiple times");
  // Nothing was queued by a refused request.
  EXPECT_EQ(Migrations(cluster.node(0)).size(), 0u);
  EXPECT_EQ(Text(c0.get(), {"CLUSTER", "CANCELSLOTMIGRATIONS"}), "OK");
  EXPECT_EQ(Text(c0.get(), {"CLUSTER", "GETSLOTMIGRATIONS", "x"}),
            "ERR wrong number of arguments for 'cluster|getslotmigrations' command");

  ServerProcess standalone;
  ASSERT_TRUE(standalone.Start());
  Connection s = standalone.Connect();
  EXPECT_EQ(Text(s.get(), {"CLUSTER", "GETSLOTMIGRATIONS"}),
            "ERR This instance has cluster support disabled");
}

}  // namespace
}  // namespace cairn::testing
