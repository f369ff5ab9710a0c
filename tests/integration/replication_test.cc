// Replication between real processes: a replica added to a loaded master
// gets everything (full sync) and then every later write (stream); a
// restarted replica, or a replica of a restarted master, resumes from its
// offset (partial resync); expiry and deletions replicate; replicas refuse
// writes; ROLE, INFO replication and REPLICAOF behave as in Redis.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

std::string Str(const Reply& r) { return ReplyText(r); }

std::string InfoField(redisContext* c, const std::string& field) {
  std::string info = Str(Command(c, {"INFO", "replication"}));
  size_t p = info.find(field + ":");
  if (p == std::string::npos) return "";
  size_t e = info.find("\r\n", p);
  return info.substr(p + field.size() + 1, e - p - field.size() - 1);
}

// Writes n keys "k<i>" -> "v<i>" with pipelining.
void Load(redisContext* c, int n, const std::string& prefix = "k") {
  constexpr int kBatch = 1000;
  for (int i = 0; i < n; i += kBatch) {
    int end = std::min(n, i + kBatch);
    for (int j = i; j < end; ++j) {
      std::string k = prefix + std::to_string(j), v = "v" + std::to_string(j);
      redisAppendCommand(c, "SET %b %b", k.data(), k.size(), v.data(), v.size());
    }
    for (int j = i; j < end; ++j) {
      void* r = nullptr;
      ASSERT_EQ(redisGetReply(c, &r), REDIS_OK);
      freeReplyObject(r);
    }
  }
}

class ReplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    master_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--threads", "2"});
    ASSERT_TRUE(master_->Start()) << master_->ReadLog();
    m_ = master_->Connect();
    ASSERT_TRUE(m_);
  }
  // A replica of the master (directives given at start).
  std::unique_ptr<ServerProcess> StartReplica(std::string dir = "") {
    auto r = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--replicaof", "127.0.0.1", std::to_string(master_->port())}, dir);
    EXPECT_TRUE(r->Start()) << r->ReadLog();
    return r;
  }
  bool InSync(redisContext* replica) {
    return InfoField(replica, "master_link_status") == "up" &&
           InfoField(replica, "slave_repl_offset") == InfoField(m_.get(), "master_repl_offset");
  }

  std::unique_ptr<ServerProcess> master_;
  Connection m_;
};

TEST_F(ReplicationTest, FullSyncThenStreamOfALoadedMaster) {
  constexpr int kKeys = 100000;
  Load(m_.get(), kKeys);
  Command(m_.get(), {"SELECT", "2"});
  Command(m_.get(), {"SET", "in-db2", "x", "EX", "1000"});
  Command(m_.get(), {"SELECT", "0"});
  auto replica = StartReplica();
  Connection r = replica->Connect();
  ASSERT_TRUE(r);
  ASSERT_TRUE(WaitUntil([&] { return InSync(r.get()); }, 60)) << replica->ReadLog();
  EXPECT_EQ(Str(Command(r.get(), {"DBSIZE"})), std::to_string(kKeys));
  EXPECT_EQ(Str(Command(r.get(), {"GET", "k4242"})), "v4242");
  Command(r.get(), {"SELECT", "2"});
  EXPECT_EQ(Str(Command(r.get(), {"GET", "in-db2"})), "x");
  Reply ttl = Command(r.get(), {"TTL", "in-db2"});
  EXPECT_GT(ttl->integer, 900);
  Command(r.get(), {"SELECT", "0"});
  // Later writes stream: a set, a delete, a flush of another db, an EXEC.
  Command(m_.get(), {"SET", "later", "1"});
  Command(m_.get(), {"DEL", "k1"});
  Command(m_.get(), {"MULTI"});
  Command(m_.get(), {"INCR", "later"});
  Command(m_.get(), {"SET", "txn", "y"});
  Command(m_.get(), {"EXEC"});
  ASSERT_TRUE(WaitUntil([&] { return InSync(r.get()); })) << replica->ReadLog();
  EXPECT_EQ(Str(Command(r.get(), {"GET", "later"})), "2");
  EXPECT_EQ(Str(Command(r.get(), {"GET", "txn"})), "y");
  EXPECT_EQ(Str(Command(r.get(), {"EXISTS", "k1"})), "0");
  EXPECT_EQ(Str(Command(r.get(), {"DBSIZE"})), Str(Command(m_.get(), {"DBSIZE"})));
}

TEST_F(ReplicationTest, ReplicaRefusesWritesAndReportsItsRole) {
  auto replica = StartReplica();
  Connection r = replica->Connect();
  ASSERT_TRUE(WaitUntil([&] { return InSync(r.get()); })) << replica->ReadLog();
  EXPECT_EQ(Str(Command(r.get(), {"SET", "a", "1"})),
            "READONLY You can't write against a read only replica.");
  Command(r.get(), {"MULTI"});
  EXPECT_EQ(Str(Command(r.get(), {"SET", "a", "1"})),
            "READONLY You can't write against a read only replica.");
  EXPECT_EQ(Str(Command(r.get(), {"EXEC"})),
            "EXECABORT Transaction discarded because of previous errors.");
  Reply role = Command(r.get(), {"ROLE"});
  ASSERT_EQ(role->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(role->elements, 5u);
  EXPECT_EQ(std::string(role->element[0]->str), "slave");
  EXPECT_EQ(std::string(role->element[1]->str), "127.0.0.1");
  EXPECT_EQ(role->element[2]->integer, master_->port());
  EXPECT_EQ(std::string(role->element[3]->str), "connected");
  Reply mrole = Command(m_.get(), {"ROLE"});
  ASSERT_EQ(mrole->type, REDIS_REPLY_ARRAY);
  EXPECT_EQ(std::string(mrole->element[0]->str), "master");
  ASSERT_EQ(mrole->element[2]->elements, 1u);
  EXPECT_EQ(std::string(mrole->element[2]->element[0]->element[1]->str),
            std::to_string(replica->port()));
  EXPECT_EQ(InfoField(m_.get(), "connected_slaves"), "1");
  EXPECT_EQ(InfoField(r.get(), "role"), "slave");
  EXPECT_EQ(InfoField(r.get(), "master_port"), std::to_string(master_->port()));
  EXPECT_EQ(Str(Command(r.get(), {"REPLICAOF", "127.0.0.1", std::to_string(master_->port())})),
            "OK Already connected to specified master");
  EXPECT_EQ(Str(Command(r.get(), {"REPLICAOF", "127.0.0.1", "notaport"})),
            "ERR Invalid master port");
  // Promotion: writable, keeps the data.
  Command(m_.get(), {"SET", "before-promotion", "1"});
  ASSERT_TRUE(WaitUntil([&] { return InSync(r.get()); }));
  EXPECT_EQ(Str(Command(r.get(), {"REPLICAOF", "NO", "ONE"})), "OK");
  EXPECT_EQ(Str(Command(r.get(), {"SET", "a", "1"})), "OK");
  EXPECT_EQ(Str(Command(r.get(), {"GET", "before-promotion"})), "1");
  EXPECT_EQ(InfoField(r.get(), "role"), "master");
  ASSERT_TRUE(WaitUntil([&] { return InfoField(m_.get(), "connected_slaves") == "0"; }));
}

TEST_F(ReplicationTest, RestartedReplicaResumesWithoutFullSync) {
  Load(m_.get(), 1000);
  TempDir dir;
  auto replica = StartReplica(dir.path());
  {
    Connection r = replica->Connect();
    ASSERT_TRUE(WaitUntil([&] { return InSync(r.get()); })) << replica->ReadLog();
  }
  ASSERT_TRUE(replica->Stop());
  Load(m_.get(), 500, "while-down-");
  ASSERT_TRUE(replica->Restart());
  Connection r = replica->Connect();
  ASSERT_TRUE(WaitUntil([&] { return InSync(r.get()); })) << replica->ReadLog();
  EXPECT_EQ(Str(Command(r.get(), {"DBSIZE"})), "1500");
  EXPECT_EQ(Str(Command(r.get(), {"GET", "while-down-7"})), "v7");
  const std::string log = replica->ReadLog();
  EXPECT_NE(log.find("partial resync"), std::string::npos) << log;
  // Exactly one full sync: the first start.
  EXPECT_EQ(log.find("full sync", log.find("full sync") + 1), std::string::npos) << log;
}

TEST_F(ReplicationTest, ReplicaOfARestartedMasterResumes) {
  auto replica = StartReplica();
  Connection r = replica->Connect();
  Command(m_.get(), {"SET", "a", "1"});
  ASSERT_TRUE(WaitUntil([&] { return InSync(r.get()); })) << replica->ReadLog();
  ASSERT_TRUE(master_->Stop());
  ASSERT_TRUE(WaitUntil([&] { return InfoField(r.get(), "master_link_status") == "down"; }));
  // Reads keep working while the link is down (replica-serve-stale-data yes).
  EXPECT_EQ(Str(Command(r.get(), {"GET", "a"})), "1");
  ASSERT_TRUE(master_->Restart());
  m_ = master_->Connect();
  Command(m_.get(), {"SET", "b", "2"});
  ASSERT_TRUE(WaitUntil([&] { return InSync(r.get()); })) << replica->ReadLog();
  EXPECT_EQ(Str(Command(r.get(), {"GET", "b"})), "2");
  EXPECT_NE(replica->ReadLog().find("partial resync"), std::string::npos);
}

TEST_F(ReplicationTest, StaleReadsRefusedWhenConfigured) {
  auto replica = std::make_unique<ServerProcess>(std::vector<std::string>{
      "--replicaof", "127.0.0.1", "1", "--replica-serve-stale-data", "no"});
  ASSERT_TRUE(replica->Start()) << replica->ReadLog();
  Connection r = replica->Connect();
  EXPECT_EQ(Str(Command(r.get(), {"GET", "a"})),
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
  // As in Redis, only commands flagged "stale" (INFO, CONFIG, REPLICAOF...) run.
  EXPECT_EQ(Str(Command(r.get(), {"PING"})),
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
  EXPECT_EQ(Str(Command(r.get(), {"SET", "a", "1"})),
            "READONLY You can't write against a read only replica.");
  EXPECT_EQ(InfoField(r.get(), "master_link_status"), "down");
}

// APPEND, SETRANGE and SETBIT on a long value replicate as the merge
// operands the master wrote; the replica builds the same value, before and
// after a full sync of a master holding operands not yet compacted away.
TEST_F(ReplicationTest, ChangesToALongValueReplicateAsTheyWereWritten) {
  std::string expect(30000, 'x');
  Command(m_.get(), {"SET", "log", expect});
  auto change = [&](int i) {
    const std::string piece = "<" + std::to_string(i) + ">";
    Command(m_.get(), {"APPEND", "log", piece});
    expect += piece;
    Command(m_.get(), {"SETRANGE", "log", std::to_string(7 * i), "#"});
    expect[7 * i] = '#';
    Command(m_.get(), {"SETBIT", "log", std::to_string(8 * (11 * i) + 7), "1"});
    expect[11 * i] = static_cast<char>(expect[11 * i] | 1);
  };
  for (int i = 0; i < 100; ++i) change(i);
  auto replica = StartReplica();  // full sync
  Connection r = replica->Connect();
  ASSERT_TRUE(r);
  ASSERT_TRUE(WaitUntil([&] { return InSync(r.get()); }, 60)) << replica->ReadLog();
  EXPECT_EQ(Str(Command(r.get(), {"GET", "log"})), expect);
  for (int i = 100; i < 300; ++i) change(i);  // streamed
  ASSERT_TRUE(WaitUntil([&] { return InSync(r.get()); })) << replica->ReadLog();
  EXPECT_EQ(Str(Command(m_.get(), {"GET", "log"})), expect);
  EXPECT_EQ(Str(Command(r.get(), {"GET", "log"})), expect);
}

TEST_F(ReplicationTest, ExpiryReplicatesAsDeletion) {
  auto replica = StartReplica();
  Connection r = replica->Connect();
  Command(m_.get(), {"SET", "e", "1", "PX", "300"});
  Command(m_.get(), {"SET", "keep", "1"});
  ASSERT_TRUE(WaitUntil([&] { return InSync(r.get()); })) << replica->ReadLog();
  EXPECT_EQ(Str(Command(r.get(), {"GET", "e"})), "1");
  // The master's active expiry deletes it; the deletion reaches the replica.
  ASSERT_TRUE(WaitUntil([&] { return Str(Command(m_.get(), {"DBSIZE"})) == "1"; }));
  ASSERT_TRUE(WaitUntil([&] { return Str(Command(r.get(), {"DBSIZE"})) == "1"; }));
  EXPECT_EQ(Str(Command(r.get(), {"GET", "e"})), "<nil>");
  EXPECT_EQ(Str(Command(r.get(), {"GET", "keep"})), "1");
}

TEST_F(ReplicationTest, WaitCountsReplicasThatAppliedTheWrite) {
  // No replica: WAIT 1 returns 0 once its timeout passed; WAIT 0 at once.
  Command(m_.get(), {"SET", "a", "1"});
  EXPECT_EQ(Str(Command(m_.get(), {"WAIT", "1", "200"})), "0");
  EXPECT_EQ(Str(Command(m_.get(), {"WAIT", "0", "0"})), "0");
  EXPECT_EQ(Str(Command(m_.get(), {"WAIT", "1", "-1"})), "ERR timeout is negative");
  EXPECT_EQ(Str(Command(m_.get(), {"WAIT", "1", "x"})),
            "ERR timeout is not an integer or out of range");
  auto replica = StartReplica();
  Connection r = replica->Connect();
  ASSERT_TRUE(WaitUntil([&] { return InSync(r.get()); })) << replica->ReadLog();
  for (int i = 0; i < 20; ++i) {
    Command(m_.get(), {"SET", "w" + std::to_string(i), "x"});
    // WAIT 1 0 blocks until the replica applied it: then it must be readable there.
    ASSERT_EQ(Str(Command(m_.get(), {"WAIT", "1", "0"})), "1");
    ASSERT_EQ(Str(Command(r.get(), {"GET", "w" + std::to_string(i)})), "x");
  }
  EXPECT_EQ(Str(Command(r.get(), {"WAIT", "0", "0"})).rfind("ERR WAIT cannot be used", 0), 0u);
  // The other commands of a pipeline wait behind WAIT, in order.
  redisAppendCommand(m_.get(), "SET p 1");
  redisAppendCommand(m_.get(), "WAIT 1 0");
  redisAppendCommand(m_.get(), "GET p");
  std::vector<std::string> got;
  for (int i = 0; i < 3; ++i) {
    void* raw = nullptr;
    ASSERT_EQ(redisGetReply(m_.get(), &raw), REDIS_OK);
    got.push_back(Str(Reply(static_cast<redisReply*>(raw))));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"OK", "1", "1"}));
}

TEST_F(ReplicationTest, QuorumWritesWaitForReplicasOrFailWithNoReplicas) {
  Command(m_.get(), {"CONFIG", "SET", "replica-ack-timeout", "300"});
  EXPECT_EQ(Str(Command(m_.get(), {"CLIENT", "CONSISTENCY"})), "default");
  EXPECT_EQ(Str(Command(m_.get(), {"CLIENT", "CONSISTENCY", "ONE"})), "OK");
  EXPECT_EQ(Str(Command(m_.get(), {"CLIENT", "CONSISTENCY", "bogus"})), "ERR syntax error");
  // No replica: the write is applied locally but not acknowledged.
  EXPECT_EQ(Str(Command(m_.get(), {"SET", "q", "1"})),
            "NOREPLICAS Not enough good replicas to write.");
  // A read that may see it is held too (a failover could take the value
  // back), and so is a conditional write that wrote nothing.
  EXPECT_EQ(Str(Command(m_.get(), {"GET", "q"})), "NOREPLICAS Not enough good replicas to write.");
  EXPECT_EQ(Str(Command(m_.get(), {"SET", "q", "2", "NX"})),
            "NOREPLICAS Not enough good replicas to write.");
  auto replica = StartReplica();
  Connection r = replica->Connect();
  ASSERT_TRUE(WaitUntil([&] { return InSync(r.get()); })) << replica->ReadLog();
  // Once the replica has everything, reads answer.
  ASSERT_TRUE(WaitUntil([&] { return Str(Command(m_.get(), {"GET", "q"})) == "1"; }));
  // Acknowledged under quorum 1: already on the replica when OK arrives.
  for (int i = 0; i < 20; ++i) {
    const std::string k = "q" + std::to_string(i);
    ASSERT_EQ(Str(Command(m_.get(), {"SET", k, "v"})), "OK");
    ASSERT_EQ(Str(Command(r.get(), {"GET", k})), "v");
  }
  // Pipelined writes too: each reply means the replica has it.
  for (int i = 0; i < 10; ++i) {
    const std::string k = "pq" + std::to_string(i);
    redisAppendCommand(m_.get(), "SET %s v", k.c_str());
  }
  for (int i = 0; i < 10; ++i) {
    void* raw = nullptr;
    ASSERT_EQ(redisGetReply(m_.get(), &raw), REDIS_OK);
    Reply rep(static_cast<redisReply*>(raw));
    ASSERT_EQ(Str(rep), "OK");
    ASSERT_EQ(Str(Command(r.get(), {"GET", "pq" + std::to_string(i)})), "v");
  }
  // Node-wide setting, and "all".
  Connection other = master_->Connect();
  EXPECT_EQ(Str(Command(other.get(), {"CONFIG", "SET", "replica-ack-quorum", "all"})), "OK");
  Reply got = Command(other.get(), {"CONFIG", "GET", "replica-ack-quorum"});
  ASSERT_TRUE(got && got->type == REDIS_REPLY_ARRAY && got->elements == 2);
  EXPECT_EQ(std::string(got->element[1]->str), "all");
  EXPECT_EQ(Str(Command(other.get(), {"SET", "all", "1"})), "OK");
  EXPECT_EQ(Str(Command(r.get(), {"GET", "all"})), "1");
  EXPECT_EQ(Str(Command(other.get(), {"CONFIG", "SET", "replica-ack-quorum", "2"})), "OK");
  EXPECT_EQ(Str(Command(other.get(), {"SET", "two", "1"})),
            "NOREPLICAS Not enough good replicas to write.");
  EXPECT_EQ(Str(Command(other.get(), {"CLIENT", "CONSISTENCY", "ASYNC"})), "OK");
  EXPECT_EQ(Str(Command(other.get(), {"SET", "async", "1"})), "OK");
}

}  // namespace
}  // namespace cairn::testing
