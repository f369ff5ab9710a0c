// Failover on a 3 masters + 3 replicas cluster made by redis-cli --cluster
// create: a killed master's replica wins the election and serves every
// write that was acknowledged under quorum 1; the old master comes back as
// its replica and drops what it wrote alone; CLUSTER FAILOVER (default,
// TAKEOVER) swaps roles without losing acknowledged writes. A master frozen
// (SIGSTOP) or cut off from the bus (CAIRN.FAULT BUS-DROP) for longer than
// the node timeout loses no acknowledged write either: its lease lapses, so
// it answers TRYAGAIN instead of serving stale data, and its promoted
// replica never acknowledges what it writes afterwards. Failover times are
// measured and printed, not asserted.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/cluster_harness.h"
#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

// The state letter of /proc/<pid>/stat ('T' = stopped), or '?'.
char TaskState(const std::filesystem::path& stat_file) {
  std::ifstream f(stat_file);
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() ? stat[paren + 2] : '?';
}

// The process's state as its threads show it: 'T' once every thread has
// stopped (a SIGSTOP stops them one by one), else a running thread's state.
char ProcessState(pid_t pid) {
  std::error_code ec;
  char state = '?';
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    state = TaskState(task.path() / "stat");
    if (state != 'T') return state;
  }
  return state;
}

// 2 s rather than 1 s: under sanitizers on a loaded machine a 1 s timeout
// sometimes marks a live node FAIL and starts a failover nobody asked for.
constexpr int kNodeTimeoutMs = 2000;

class ClusterFailover : public ::testing::Test {
 protected:
  virtual std::vector<std::string> ExtraArgs() { return {"--enable-fault-injection", "yes"}; }
  void SetUp() override {
    cluster_ = std::make_unique<ClusterHarness>(6, kNodeTimeoutMs, ExtraArgs());
    ASSERT_TRUE(cluster_->StartAll()) << cluster_->Logs();
    std::string out;
    int rc = RunWithTimeout("redis-cli --cluster create " + cluster_->Addresses() +
                                " --cluster-replicas 1 --cluster-yes",
                            120, &out);
    ASSERT_EQ(rc, 0) << out;
    ASSERT_TRUE(cluster_->WaitForState("ok")) << cluster_->Logs();
    for (int i = 0; i < cluster_->size(); ++i) ids_.push_back(cluster_->Id(i));
    // redis-cli returns once the replicas are configured; gossip takes a
    // moment more to tell every node.
    ASSERT_TRUE(ClusterHarness::WaitFor(
        [&] {
          for (int i = 0; i < cluster_->size(); ++i) {
            std::string nodes = cluster_->Nodes(i);
            int replicas = 0;
            for (size_t p = nodes.find("slave "); p != std::string::npos;
                 p = nodes.find("slave ", p + 1)) {
              ++replicas;
            }
            if (replicas != 3) return false;
          }
          return true;
        },
        20000))
        << cluster_->Logs();
  }

  // Node index of the replica of master m, as node `viewer` sees it.
  int ReplicaOf(int m, int viewer = 0) {
    for (int i = 0; i < cluster_->size(); ++i) {
      if (cluster_->NodesLine(viewer, ids_[i]).find("slave " + ids_[m]) != std::string::npos) {
        return i;
      }
    }
    return -1;
  }
  int FirstMaster() {
    for (int i = 0; i < cluster_->size(); ++i) {
      if (cluster_->NodesLine(0, ids_[i]).find("master") != std::string::npos) return i;
    }
    return -1;
  }
  int IndexOfPort(int port) {
    for (int i = 0; i < cluster_->size(); ++i) {
      if (cluster_->port(i) == port) return i;
    }
    return -1;
  }
  // A connection whose writes are acknowledged only once a replica has them.
  redisContext* QuorumConn(int i) {
    auto& c = conns_[i];
    if (!c) {
      c = cluster_->node(i).Connect();
      if (c) Command(c.get(), {"CLIENT", "CONSISTENCY", "ONE"});
    }
    return c.get();
  }
  // SET through the owner (following MOVED); the owner's index or -1.
  int RoutedSet(const std::string& key, const std::string& value, std::string* reply) {
    int i = 0;
    for (int hop = 0; hop < 5; ++hop) {
      redisContext* c = QuorumConn(i);
      if (c == nullptr) return -1;
      *reply = ReplyText(Command(c, {"SET", key, value}));
      if (reply->rfind("MOVED ", 0) != 0) return i;
      i = IndexOfPort(std::stoi(reply->substr(reply->rfind(':') + 1)));
      if (i < 0) return -1;
    }
    return -1;
  }
  // Writes `n` keys with quorum 1; those owned by `master` go into *on_master.
  void WriteKeys(const std::string& prefix, int n, int master,
                 std::map<std::string, std::string>* on_master) {
    for (int k = 0; k < n; ++k) {
      const std::string key = prefix + std::to_string(k);
      const std::string value = "v" + std::to_string(k);
      std::string reply;
      int owner = RoutedSet(key, value, &reply);
      ASSERT_EQ(reply, "OK") << key << "\n" << cluster_->Logs();
      if (owner == master) (*on_master)[key] = value;
    }
  }
  // Waits until every master's replica has its link up, so quorum writes
  // are acknowledged.
  void WaitForReplicationLinks() {
    for (int i = 0; i < cluster_->size(); ++i) {
      ASSERT_TRUE(WaitUntil([&] {
        Connection c = cluster_->node(i).Connect();
        Reply r = c ? Command(c.get(), {"ROLE"}) : nullptr;
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 1) return false;
        if (std::string(r->element[0]->str) == "master") return true;
        return r->elements == 5 && std::string(r->element[3]->str) == "connected";
      })) << "node "
          << i << "\n"
          << cluster_->Logs();
    }
  }
  // Node i replicates from the node at index `master`, its link up.
  bool ReplicatingFrom(int i, int master) {
    Connection c = cluster_->node(i).Connect();
    Reply r = c ? Command(c.get(), {"ROLE"}) : nullptr;
    return r && r->type == REDIS_REPLY_ARRAY && r->elements == 5 &&
           std::string(r->element[0]->str) == "slave" &&
           r->element[2]->integer == cluster_->port(master) &&
           std::string(r->element[3]->str) == "connected";
  }
  bool IsMaster(int viewer, int node) {
    std::string line = cluster_->NodesLine(viewer, ids_[node]);
    return line.find("master") != std::string::npos && line.find("fail") == std::string::npos;
  }
  // The configEpoch node `viewer` has for `node` (CLUSTER NODES field 7).
  std::string ConfigEpoch(int viewer, int node) {
    std::istringstream in(cluster_->NodesLine(viewer, ids_[node]));
    std::string field;
    for (int f = 0; f < 7; ++f) in >> field;
    return field;
  }
  bool IsReplicaOf(int viewer, int node, int master) {
    return cluster_->NodesLine(viewer, ids_[node]).find("slave " + ids_[master]) !=
           std::string::npos;
  }
  std::vector<int> AllBut(int skip) {
    std::vector<int> v;
    for (int i = 0; i < cluster_->size(); ++i) {
      if (i != skip) v.push_back(i);
    }
    return v;
  }
  // Every key readable from node i (a master, or a replica via READONLY).
  void ExpectKeys(int i, const std::map<std::string, std::string>& keys) {
    Connection c = cluster_->node(i).Connect();
    ASSERT_TRUE(c);
    ASSERT_EQ(ReplyText(Command(c.get(), {"READONLY"})), "OK");
    // One bounded wait for all of them (a replica may still be syncing),
    // then every key is checked.
    WaitUntil(
        [&] {
          for (const auto& [key, value] : keys) {
            if (ReplyText(Command(c.get(), {"GET", key})) != value) return false;
          }
          return true;
        },
        30);
    for (const auto& [key, value] : keys) {
      EXPECT_EQ(ReplyText(Command(c.get(), {"GET", key})), value)
          << key << " on node " << i << "\n"
          << ReplyText(Command(c.get(), {"ROLE"}));
    }
  }
  static double SecondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  // A client on its own thread writing unique keys at quorum 1 over every
  // master, following MOVED, keeping the acknowledged ones (issue 7's
  // "client writing unique keys and recording every acknowledged one").
  class UniqueWriter {
   public:
    explicit UniqueWriter(ClusterFailover& t) : t_(t) {
      thread_ = std::thread([this] { Run(); });
    }
    ~UniqueWriter() { Stop(); }
    void Stop() {
      stop_ = true;
      if (thread_.joinable()) thread_.join();
    }
    // Acknowledged writes so far (call after Stop, or racy).
    const std::map<std::string, std::string>& acked() const { return acked_; }
    int indeterminate() const { return indeterminate_; }
    int refused() const { return refused_; }
    // Acknowledged writes counted while running.
    int acked_count() const { return acked_count_.load(); }

   private:
    void Run() {
      std::map<int, Connection> conns;
      std::map<std::string, int> route;  // hash tag -> node index
      for (int n = 0; !stop_; ++n) {
        const std::string tag = "{t" + std::to_string(n % 16) + "}";
        const std::string key = tag + "u" + std::to_string(n);
        const std::string value = "v" + std::to_string(n);
        int i = route.count(tag) ? route[tag] : 0;
        for (int hop = 0; hop < 4; ++hop) {
          Connection& c = conns[i];
          if (!c) {
            c = t_.cluster_->node(i).Connect();
            if (c) Command(c.get(), {"CLIENT", "CONSISTENCY", "ONE"});
          }
          if (!c) {
            ++refused_;  // nothing was sent
            break;
          }
          Reply r = Command(c.get(), {"SET", key, value});
          std::string text = ReplyText(r);
          if (!r || c->err != 0) {
            ++indeterminate_;  // a timeout (a frozen node): maybe applied
            c.reset();
            break;
          }
          if (text == "OK") {
            acked_[key] = value;
            ++acked_count_;
            break;
          }
          if (text.rfind("MOVED ", 0) == 0) {
            int next = t_.IndexOfPort(std::stoi(text.substr(text.rfind(':') + 1)));
            if (next < 0) break;
            route[tag] = i = next;
            continue;
          }
          if (text.rfind("NOREPLICAS", 0) == 0) {
            ++indeterminate_;
          } else {
            ++refused_;  // TRYAGAIN, CLUSTERDOWN, READONLY: not applied
          }
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }

    ClusterFailover& t_;
    std::atomic<bool> stop_{false};
    std::map<std::string, std::string> acked_;
    std::atomic<int> acked_count_{0};
    int indeterminate_ = 0;
    int refused_ = 0;
    std::thread thread_;
  };

  // GET key on its owner, following MOVED and waiting out TRYAGAIN /
  // CLUSTERDOWN (bounded).
  std::string RoutedGet(const std::string& key) {
    int i = 0;
    std::string text;
    for (int attempt = 0; attempt < 40; ++attempt) {
      Connection c = cluster_->node(i).Connect();
      if (!c) {
        i = (i + 1) % cluster_->size();
        continue;
      }
      text = ReplyText(Command(c.get(), {"GET", key}));
      if (text.rfind("MOVED ", 0) == 0) {
        int next = IndexOfPort(std::stoi(text.substr(text.rfind(':') + 1)));
        if (next >= 0) i = next;
        continue;
      }
      if (text.rfind("TRYAGAIN", 0) != 0 && text.rfind("CLUSTERDOWN", 0) != 0) return text;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return text;
  }
  // Every acknowledged write readable with its value, from its owner.
  void ExpectAcked(const UniqueWriter& w) {
    int lost = 0;
    for (const auto& [key, value] : w.acked()) {
      std::string got = RoutedGet(key);
      if (got != value) {
        ++lost;
        ADD_FAILURE() << "lost acknowledged write " << key << "=" << value << ": " << got;
        if (lost > 5) break;
      }
    }
    EXPECT_EQ(lost, 0);
  }
  // A key in a slot of master m, by node 0's table (CLUSTER KEYSLOT and
  // MOVED tell: a SET there is not MOVED elsewhere).
  std::string KeyOn(int m, const std::string& prefix) {
    for (int k = 0; k < 10000; ++k) {
      std::string key = prefix + std::to_string(k);
      Connection c = cluster_->node(m).Connect();
      if (!c) return "";
      std::string r = ReplyText(Command(c.get(), {"GET", key}));
      if (r.rfind("MOVED", 0) != 0) return key;
    }
    return "";
  }
  // A master frozen or cut off past the node timeout, with a client writing
  // throughout: the replica takes over, nothing acknowledged is lost, and a
  // write queued on the old master (`frozen`: it runs when the process
  // resumes) or sent to it after the failover is refused before it runs.
  // `freeze` starts the fault, `thaw` ends it.
  static bool NotApplied(const std::string& reply) {
    return reply.rfind("TRYAGAIN", 0) == 0 || reply.rfind("MOVED", 0) == 0 ||
           reply.rfind("CLUSTERDOWN", 0) == 0;
  }
  void LongFaultLosesNothing(const char* what, bool frozen, const std::function<void(int)>& freeze,
                             const std::function<void(int)>& thaw) {
    const int m = FirstMaster();
    ASSERT_GE(m, 0);
    const int rep = ReplicaOf(m);
    ASSERT_GE(rep, 0) << cluster_->Nodes(0);
    ASSERT_NO_FATAL_FAILURE(WaitForReplicationLinks());
    const std::string probe = KeyOn(m, "probe:");
    ASSERT_FALSE(probe.empty());
    Connection queued = cluster_->node(m).Connect();
    ASSERT_TRUE(queued);
    ASSERT_EQ(ReplyText(Command(queued.get(), {"CLIENT", "CONSISTENCY", "ONE"})), "OK");
    UniqueWriter writer(*this);
    ASSERT_TRUE(WaitUntil([&] { return writer.acked_count() > 100; }, 30)) << cluster_->Logs();

    const auto t0 = std::chrono::steady_clock::now();
    freeze(m);
    if (frozen) {
      // Sent now, read by the old master whenever it runs again.
      ASSERT_EQ(redisAppendCommand(queued.get(), "SET %s queued", probe.c_str()), REDIS_OK);
      int done = 0;
      while (done == 0) ASSERT_EQ(redisBufferWrite(queued.get(), &done), REDIS_OK);
    }
    ASSERT_TRUE(ClusterHarness::WaitFor(
        [&] { return cluster_->NodesLine(rep, ids_[m]).find("fail") != std::string::npos; },
        kNodeTimeoutMs + 20000))
        << cluster_->Logs();
    const double failed = SecondsSince(t0);
    // The replica serves writes: a write to one of its new slots succeeds.
    std::string reply;
    ASSERT_TRUE(ClusterHarness::WaitFor(
        [&] {
          Connection c = cluster_->node(rep).Connect();
          reply = c ? ReplyText(Command(c.get(), {"SET", probe + ":new", "x"})) : "";
          return reply == "OK";
        },
        20000))
        << reply << "\n"
        << cluster_->Logs();
    const double serving = SecondsSince(t0);
    std::printf(
        "[ failover ] %s, node-timeout %d ms: FAIL after %.2f s, replica serving writes after "
        "%.2f s (%.2f s after FAIL)\n",
        what, kNodeTimeoutMs, failed, serving, serving - failed);
    std::string q, old_read;
    if (!frozen) {
      // Still cut off and still serving clients: the old master refuses a
      // write and a read of what the new master wrote; it never answers
      // from its old state.
      q = ReplyText(Command(queued.get(), {"SET", probe, "queued"}));
      old_read = ReplyText(Command(queued.get(), {"GET", probe + ":new"}));
    }
    thaw(m);
    if (frozen) {
      // The queued write was refused before it ran: a lapsed lease, or the
      // new owner already known.
      redisSetTimeout(queued.get(), timeval{10, 0});
      void* raw = nullptr;
      ASSERT_EQ(redisGetReply(queued.get(), &raw), REDIS_OK);
      Reply queued_reply(static_cast<redisReply*>(raw));
      q = ReplyText(queued_reply);
      // A read on the old master right away.
      old_read = ReplyText(Command(queued.get(), {"GET", probe + ":new"}));
    }
    EXPECT_TRUE(NotApplied(q)) << q;
    EXPECT_TRUE(NotApplied(old_read)) << old_read;
    ASSERT_TRUE(ClusterHarness::WaitFor([&] { return IsReplicaOf(m, m, rep); }, 30000))
        << cluster_->Logs();
    ASSERT_TRUE(cluster_->WaitForState("ok", {}, 30000)) << cluster_->Logs();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    writer.Stop();
    std::printf("[ failover ] %s: %zu acknowledged, %d indeterminate, %d refused\n", what,
                writer.acked().size(), writer.indeterminate(), writer.refused());
    EXPECT_EQ(RoutedGet(probe), "<nil>") << "the refused write ran";
    EXPECT_EQ(RoutedGet(probe + ":new"), "x");
    ExpectAcked(writer);
  }

  std::unique_ptr<ClusterHarness> cluster_;
  std::vector<std::string> ids_;
  std::map<int, Connection> conns_;
};

TEST_F(ClusterFailover, ReplicaOfAKilledMasterTakesOverWithEveryAcknowledgedWrite) {
  const int m = FirstMaster();
  ASSERT_GE(m, 0);
  const int rep = ReplicaOf(m);
  ASSERT_GE(rep, 0) << cluster_->Nodes(0);
  ASSERT_NO_FATAL_FAILURE(WaitForReplicationLinks());
  std::map<std::string, std::string> keys;
  ASSERT_NO_FATAL_FAILURE(WriteKeys("auto:", 150, m, &keys));
  ASSERT_FALSE(keys.empty());
  conns_.clear();

  const auto t0 = std::chrono::steady_clock::now();
  cluster_->Kill(m);
  ASSERT_TRUE(ClusterHarness::WaitFor([&] { return IsMaster(rep, rep); }, kNodeTimeoutMs + 15000))
      << cluster_->Logs();
  const double promoted = SecondsSince(t0);
  ASSERT_TRUE(cluster_->WaitForState("ok", AllBut(m))) << cluster_->Logs();
  std::printf(
      "[ failover ] node-timeout %d ms: replica promoted after %.2f s, cluster ok after "
      "%.2f s\n",
      kNodeTimeoutMs, promoted, SecondsSince(t0));
  for (int i : AllBut(m)) {
    EXPECT_TRUE(ClusterHarness::WaitFor([&] { return IsMaster(i, rep); }, 10000))
        << "node " << i << " does not see the new master\n"
        << cluster_->Nodes(i);
  }
  // The winner's configEpoch is the election's epoch, newer than every
  // other master's, and every node has it in its table.
  const std::string epoch = cluster_->Info(rep, "cluster_my_epoch");
  EXPECT_GE(std::stoull(cluster_->Info(rep, "cluster_current_epoch")), std::stoull(epoch));
  for (int i : AllBut(m)) {
    EXPECT_TRUE(ClusterHarness::WaitFor([&] { return ConfigEpoch(i, rep) == epoch; }, 10000))
        << "node " << i << ": " << cluster_->NodesLine(i, ids_[rep]);
    if (i != rep && IsMaster(0, i)) EXPECT_LT(std::stoull(ConfigEpoch(0, i)), std::stoull(epoch));
  }
  EXPECT_NE(cluster_->Info(rep, "cluster_stats_messages_auth-req_sent"), "");
  ExpectKeys(rep, keys);

  // The old master comes back as a replica of the new one, with its data.
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(cluster_->Restart(m)) << cluster_->Logs();
  ASSERT_TRUE(ClusterHarness::WaitFor([&] { return IsReplicaOf(m, m, rep); }, 20000))
      << cluster_->Nodes(m) << cluster_->Logs();
  std::printf("[ failover ] old master rejoined as a replica after %.2f s\n", SecondsSince(t1));
  ASSERT_TRUE(cluster_->WaitForState("ok")) << cluster_->Logs();
  ASSERT_TRUE(ClusterHarness::WaitFor([&] { return ReplicatingFrom(m, rep); }, 20000))
      << cluster_->Logs();
  ExpectKeys(m, keys);
}

TEST_F(ClusterFailover, OldMasterDropsWritesItsReplicaNeverSaw) {
  const int m = FirstMaster();
  ASSERT_GE(m, 0);
  const int rep = ReplicaOf(m);
  ASSERT_GE(rep, 0) << cluster_->Nodes(0);
  ASSERT_NO_FATAL_FAILURE(WaitForReplicationLinks());
  std::map<std::string, std::string> keys;
  ASSERT_NO_FATAL_FAILURE(WriteKeys("kept:", 60, m, &keys));
  ASSERT_FALSE(keys.empty());
  conns_.clear();

  // With its replica down, the master acknowledges an asynchronous write
  // nobody else has; then it dies too, and the replica comes back and wins.
  cluster_->Kill(rep);
  std::string lost_key;
  {
    Connection c = cluster_->node(m).Connect();
    ASSERT_TRUE(c);
    for (int k = 0; k < 1000 && lost_key.empty(); ++k) {
      std::string key = "lost:" + std::to_string(k);
      std::string r = ReplyText(Command(c.get(), {"SET", key, "x"}));
      if (r == "OK") lost_key = key;
    }
  }
  ASSERT_FALSE(lost_key.empty());
  cluster_->Kill(m);
  ASSERT_TRUE(cluster_->Restart(rep)) << cluster_->Logs();
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(ClusterHarness::WaitFor([&] { return IsMaster(rep, rep); }, 30000))
      << cluster_->Logs();
  std::printf("[ failover ] restarted replica promoted after %.2f s\n", SecondsSince(t0));
  ASSERT_TRUE(cluster_->WaitForState("ok", AllBut(m))) << cluster_->Logs();

  ASSERT_TRUE(cluster_->Restart(m)) << cluster_->Logs();
  ASSERT_TRUE(ClusterHarness::WaitFor([&] { return IsReplicaOf(m, m, rep); }, 20000))
      << cluster_->Logs();
  // Once its link is up it has been through the sync that replaced its data.
  ASSERT_TRUE(ClusterHarness::WaitFor([&] { return ReplicatingFrom(m, rep); }, 20000))
      << cluster_->Logs();
  ExpectKeys(m, keys);  // synced from the new master...
  Connection c = cluster_->node(m).Connect();
  ASSERT_TRUE(c);
  ASSERT_EQ(ReplyText(Command(c.get(), {"READONLY"})), "OK");
  EXPECT_EQ(ReplyText(Command(c.get(), {"GET", lost_key})), "<nil>")  // ...replacing its own
      << cluster_->Logs();
  EXPECT_NE(cluster_->node(m).ReadLog().find("full sync"), std::string::npos)
      << cluster_->node(m).ReadLog();
}

TEST_F(ClusterFailover, ManualFailoverSwapsRolesWithoutLosingAcknowledgedWrites) {
  const int m = FirstMaster();
  ASSERT_GE(m, 0);
  const int rep = ReplicaOf(m);
  ASSERT_GE(rep, 0);
  ASSERT_NO_FATAL_FAILURE(WaitForReplicationLinks());
  std::map<std::string, std::string> keys;
  ASSERT_NO_FATAL_FAILURE(WriteKeys("manual:", 100, m, &keys));

  Connection mc = cluster_->node(m).Connect();
  ASSERT_TRUE(mc);
  EXPECT_EQ(ReplyText(Command(mc.get(), {"CLUSTER", "FAILOVER"})),
            "ERR You should send CLUSTER FAILOVER to a replica");
  Connection rc = cluster_->node(rep).Connect();
  ASSERT_TRUE(rc);
  EXPECT_EQ(ReplyText(Command(rc.get(), {"CLUSTER", "FAILOVER", "NOW"})), "ERR syntax error");
  EXPECT_EQ(ReplyText(Command(rc.get(), {"CLUSTER", "FAILOVER", "FORCE", "X"})),
            "ERR unknown subcommand or wrong number of arguments for 'FAILOVER'. Try CLUSTER "
            "HELP.");
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(ReplyText(Command(rc.get(), {"CLUSTER", "FAILOVER"})), "OK");
  ASSERT_TRUE(ClusterHarness::WaitFor([&] { return IsMaster(rep, rep); }, 15000))
      << cluster_->Logs();
  std::printf("[ failover ] manual failover done after %.2f s\n", SecondsSince(t0));
  ASSERT_TRUE(ClusterHarness::WaitFor([&] { return IsReplicaOf(m, m, rep); }, 15000))
      << cluster_->Logs();
  ASSERT_TRUE(cluster_->WaitForState("ok")) << cluster_->Logs();
  ExpectKeys(rep, keys);
  ASSERT_TRUE(ClusterHarness::WaitFor([&] { return ReplicatingFrom(m, rep); }, 20000))
      << cluster_->Logs();
  ExpectKeys(m, keys);
  EXPECT_NE(cluster_->Info(m, "cluster_stats_messages_mfstart_received"), "");
  // New writes land on the new master and reach the old one.
  conns_.clear();
  std::map<std::string, std::string> more;
  ASSERT_NO_FATAL_FAILURE(WaitForReplicationLinks());
  ASSERT_NO_FATAL_FAILURE(WriteKeys("after:", 50, rep, &more));
  ASSERT_FALSE(more.empty());
  ExpectKeys(m, more);
}

TEST_F(ClusterFailover, TakeoverPromotesWithoutAnElection) {
  const int m = FirstMaster();
  ASSERT_GE(m, 0);
  const int rep = ReplicaOf(m);
  ASSERT_GE(rep, 0);
  ASSERT_NO_FATAL_FAILURE(WaitForReplicationLinks());
  std::map<std::string, std::string> keys;
  ASSERT_NO_FATAL_FAILURE(WriteKeys("takeover:", 100, m, &keys));
  const std::string epoch_before = cluster_->Info(rep, "cluster_current_epoch");

  Connection rc = cluster_->node(rep).Connect();
  ASSERT_TRUE(rc);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(ReplyText(Command(rc.get(), {"CLUSTER", "FAILOVER", "TAKEOVER"})), "OK");
  EXPECT_TRUE(IsMaster(rep, rep));  // at once: no votes needed
  EXPECT_EQ(cluster_->Info(rep, "cluster_stats_messages_auth-req_sent"), "");
  EXPECT_EQ(std::stoull(cluster_->Info(rep, "cluster_current_epoch")),
            std::stoull(epoch_before) + 1);
  EXPECT_EQ(cluster_->Info(rep, "cluster_my_epoch"), cluster_->Info(rep, "cluster_current_epoch"));
  ASSERT_TRUE(ClusterHarness::WaitFor([&] { return IsReplicaOf(m, m, rep); }, 15000))
      << cluster_->Logs();
  std::printf("[ failover ] takeover: old master a replica after %.2f s\n", SecondsSince(t0));
  ASSERT_TRUE(cluster_->WaitForState("ok")) << cluster_->Logs();
  ExpectKeys(rep, keys);
  ASSERT_TRUE(ClusterHarness::WaitFor([&] { return ReplicatingFrom(m, rep); }, 20000))
      << cluster_->Logs();
  ExpectKeys(m, keys);
}

TEST_F(ClusterFailover, ForceElectsWithoutWaitingForFailWhenTheMasterIsDown) {
  const int m = FirstMaster();
  ASSERT_GE(m, 0);
  const int rep = ReplicaOf(m);
  ASSERT_GE(rep, 0);
  ASSERT_NO_FATAL_FAILURE(WaitForReplicationLinks());
  std::map<std::string, std::string> keys;
  ASSERT_NO_FATAL_FAILURE(WriteKeys("force:", 100, m, &keys));
  conns_.clear();

  cluster_->Kill(m);
  Connection rc = cluster_->node(rep).Connect();
  ASSERT_TRUE(rc);
  // The replica notices the dead link long before the master is FAIL.
  ASSERT_TRUE(ClusterHarness::WaitFor(
      [&] {
        return ReplyText(Command(rc.get(), {"CLUSTER", "FAILOVER"})) ==
               "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE";
      },
      kNodeTimeoutMs))
      << cluster_->Logs();
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(ReplyText(Command(rc.get(), {"CLUSTER", "FAILOVER", "FORCE"})), "OK");
  ASSERT_TRUE(ClusterHarness::WaitFor([&] { return IsMaster(rep, rep); }, 15000))
      << cluster_->Logs();
  std::printf("[ failover ] FORCE: replica promoted after %.2f s\n", SecondsSince(t0));
  EXPECT_NE(cluster_->Info(rep, "cluster_stats_messages_auth-ack_received"), "");
  ASSERT_TRUE(cluster_->WaitForState("ok", AllBut(m))) << cluster_->Logs();
  ExpectKeys(rep, keys);
}

TEST_F(ClusterFailover, MasterPausedLongerThanNodeTimeoutLosesNoAcknowledgedWrite) {
  LongFaultLosesNothing(
      "SIGSTOP", true,
      [&](int m) {
        ASSERT_EQ(kill(cluster_->node(m).pid(), SIGSTOP), 0);
        // Delivery is asynchronous: the queued write must reach a process
        // that is already stopped, not one finishing its last commands.
        ASSERT_TRUE(WaitUntil([&] { return ProcessState(cluster_->node(m).pid()) == 'T'; }, 5));
      },
      [&](int m) { ASSERT_EQ(kill(cluster_->node(m).pid(), SIGCONT), 0); });
}

TEST_F(ClusterFailover, MasterCutOffFromTheBusLosesNoAcknowledgedWrite) {
  Connection mc;
  LongFaultLosesNothing(
      "bus partition", false,
      [&](int m) {
        mc = cluster_->node(m).Connect();
        ASSERT_TRUE(mc);
        // Long enough for the failover; it ends by itself, or at thaw.
        ASSERT_EQ(ReplyText(Command(mc.get(), {"CAIRN.FAULT", "BUS-DROP", "60000"})), "OK");
      },
      [&](int) {
        ASSERT_EQ(ReplyText(Command(mc.get(), {"CAIRN.FAULT", "BUS-DROP", "0"})), "OK");
      });
}

TEST_F(ClusterFailover, FaultCommandChecksItsArguments) {
  Connection c = cluster_->node(0).Connect();
  ASSERT_TRUE(c);
  EXPECT_EQ(ReplyText(Command(c.get(), {"CAIRN.FAULT", "BUS-DROP", "-1"})),
            "ERR the drop time must be an integer between 0 and 3600000 (milliseconds)");
  EXPECT_EQ(ReplyText(Command(c.get(), {"CAIRN.FAULT", "BUS-DROP", "x"})),
            "ERR the drop time must be an integer between 0 and 3600000 (milliseconds)");
  EXPECT_EQ(ReplyText(Command(c.get(), {"CAIRN.FAULT", "BUS-DROP"})),
            "ERR wrong number of arguments for 'cairn.fault|bus-drop' command");
  EXPECT_EQ(ReplyText(Command(c.get(), {"CAIRN.FAULT", "NOPE", "1"})),
            "ERR unknown subcommand 'NOPE'. Try CAIRN.FAULT HELP.");
  EXPECT_EQ(ReplyText(Command(c.get(), {"CAIRN.FAULT", "MIGRATION-HOLD", "3600001"})),
            "ERR the hold time must be an integer between 0 and 3600000 (milliseconds)");
  EXPECT_EQ(ReplyText(Command(c.get(), {"CAIRN.FAULT", "MIGRATION-HOLD", "0"})), "OK");
  EXPECT_EQ(ReplyText(Command(c.get(), {"CAIRN.FAULT", "BUS-DROP", "0"})), "OK");
}

// Without leases (cluster-master-lease no) the old master does run the
// write queued while it was frozen; the promoted replica fenced its link at
// the promotion, so nobody acknowledges it: the client gets NOREPLICAS (maybe
// applied), never OK, and the write does not survive.
class ClusterFailoverNoLease : public ClusterFailover {
 protected:
  std::vector<std::string> ExtraArgs() override {
    return {"--cluster-master-lease", "no", "--replica-ack-timeout", "3000"};
  }
};

TEST_F(ClusterFailoverNoLease, PromotedReplicaNeverAcknowledgesItsOldMastersWrites) {
  const int m = FirstMaster();
  ASSERT_GE(m, 0);
  const int rep = ReplicaOf(m);
  ASSERT_GE(rep, 0) << cluster_->Nodes(0);
  ASSERT_NO_FATAL_FAILURE(WaitForReplicationLinks());
  const std::string probe = KeyOn(m, "fenced:");
  ASSERT_FALSE(probe.empty());
  Connection queued = cluster_->node(m).Connect();
  ASSERT_TRUE(queued);
  ASSERT_EQ(ReplyText(Command(queued.get(), {"CLIENT", "CONSISTENCY", "ONE"})), "OK");
  ASSERT_EQ(ReplyText(Command(queued.get(), {"SET", probe, "before"})), "OK");

  ASSERT_EQ(kill(cluster_->node(m).pid(), SIGSTOP), 0);
  // Delivery is asynchronous: the write must reach a process already
  // stopped, not one still serving (which would rightly acknowledge it).
  ASSERT_TRUE(WaitUntil([&] { return ProcessState(cluster_->node(m).pid()) == 'T'; }, 5));
  ASSERT_EQ(redisAppendCommand(queued.get(), "SET %s after", probe.c_str()), REDIS_OK);
  int done = 0;
  while (done == 0) ASSERT_EQ(redisBufferWrite(queued.get(), &done), REDIS_OK);
  ASSERT_TRUE(ClusterHarness::WaitFor([&] { return IsMaster(rep, rep); }, kNodeTimeoutMs + 20000))
      << cluster_->Logs();
  EXPECT_NE(cluster_->node(rep).ReadLog().find("fenced"), std::string::npos)
      << cluster_->node(rep).ReadLog();
  ASSERT_EQ(kill(cluster_->node(m).pid(), SIGCONT), 0);
  redisSetTimeout(queued.get(), timeval{15, 0});
  void* raw = nullptr;
  ASSERT_EQ(redisGetReply(queued.get(), &raw), REDIS_OK);
  Reply r(static_cast<redisReply*>(raw));
  const std::string text = ReplyText(r);
  EXPECT_NE(text, "OK") << "the old master's write was acknowledged";
  EXPECT_TRUE(text.rfind("NOREPLICAS", 0) == 0 || text.rfind("MOVED", 0) == 0) << text;
  ASSERT_TRUE(ClusterHarness::WaitFor([&] { return IsReplicaOf(m, m, rep); }, 30000))
      << cluster_->Logs();
  EXPECT_EQ(RoutedGet(probe), "before");
}

}  // namespace
}  // namespace cairn::testing
