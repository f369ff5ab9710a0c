// Pipelining against a real cairn-server with several loop threads: the
// writes of one read share one batch (storage::Engine::BeginPipeline), so
// these check what that must not change. Pipelined read-modify-writes from
// many connections lose no update; a pipeline reads its own writes and gets
// its replies in order, MULTI/EXEC and FLUSHDB inside it included; pipelines
// locking the same keys in opposite orders all finish; and under appendfsync
// always every acknowledged pipelined write survives kill -9. With one loop,
// the commands of different connections share the loop's batch
// (Worker::JoinLoopBatch): INCR replies stay exact and acknowledged writes
// survive kill -9 too.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

std::string Str(const redisReply* r) {
  if (r == nullptr) return "<no reply>";
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
      r->type == REDIS_REPLY_ERROR) {
    return std::string(r->str, r->len);
  }
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  if (r->type == REDIS_REPLY_NIL) return "<nil>";
  if (r->type == REDIS_REPLY_ARRAY) {
    std::string s = "[";
    for (size_t i = 0; i < r->elements; ++i) s += (i ? "," : "") + Str(r->element[i]);
    return s + "]";
  }
  return "<type " + std::to_string(r->type) + ">";
}

// Sends every command in one go, then reads the replies in order.
std::vector<std::string> Pipeline(redisContext* c,
                                  const std::vector<std::vector<std::string>>& cmds) {
  for (const auto& argv : cmds) {
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    for (const auto& a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    redisAppendCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data());
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < cmds.size(); ++i) {
    void* r = nullptr;
    if (redisGetReply(c, &r) != REDIS_OK) break;
    out.push_back(Str(static_cast<redisReply*>(r)));
    freeReplyObject(r);
  }
  return out;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--threads", "4"});
    ASSERT_TRUE(server_->Start()) << server_->ReadLog();
  }
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(PipelineTest, PipelinedIncrementsFromManyConnectionsAreExact) {
  constexpr int kClients = 8;
  constexpr int kRounds = 40;
  constexpr int kDepth = 25;
  constexpr int kCounters = 3;
  ASSERT_TRUE(RunClients(*server_, kClients, [&](int t, redisContext* c) {
    for (int round = 0; round < kRounds; ++round) {
      std::vector<std::vector<std::string>> cmds;
      for (int i = 0; i < kDepth; ++i) {
        cmds.push_back({"INCR", "ctr:" + std::to_string((t + round + i) % kCounters)});
      }
      // Multi-key writes in both orders make the loops contend for locks.
      cmds.push_back(
          {"MSET", "m:" + std::to_string(t % 2), "x", "m:" + std::to_string(1 - t % 2), "y"});
      std::vector<std::string> replies = Pipeline(c, cmds);
      if (replies.size() != cmds.size() || replies.back() != "OK") return false;
    }
    return true;
  }));
  Connection c = server_->Connect();
  ASSERT_TRUE(c);
  long long total = 0;
  for (int k = 0; k < kCounters; ++k) {
    Reply r = Command(c.get(), {"GET", "ctr:" + std::to_string(k)});
    ASSERT_TRUE(r);
    total += std::stoll(Str(r.get()));
  }
  EXPECT_EQ(total, static_cast<long long>(kClients) * kRounds * kDepth);
  Reply n = Command(c.get(), {"DBSIZE"});
  EXPECT_EQ(Str(n.get()), std::to_string(kCounters + 2));
}

// Before running a pipeline the connection parses ahead to prefetch its keys
// (Connection::PrefetchKeys): that pass must change no reply, whatever the
// commands are: inline ones, a SELECT that moves the later keys to another
// db, wrong arity, unknown commands, subcommands, keyless and multi-key
// commands, and a command cut in two by the end of the buffer.
TEST_F(PipelineTest, PipelinesOfEveryKindOfCommandAnswerAsOneByOne) {
  Connection c = server_->Connect();
  ASSERT_TRUE(c);
  const std::string first =
      "SET a 1\r\n"  // inline
      "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n"
      "*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n"
      "*2\r\n$3\r\nGET\r\n$1\r\na\r\n"  // db 1: absent
      "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$2\r\nv1\r\n"
      "*2\r\n$3\r\nSET\r\n$1\r\nz\r\n"   // wrong arity
      "*2\r\n$4\r\nNOPE\r\n$1\r\na\r\n"  // unknown command
      "*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$9\r\ndatabases\r\n"
      "PING\r\n"
      "*5\r\n$4\r\nMSET\r\n$1\r\nm\r\n$1\r\nx\r\n$1\r\nn\r\n$1\r\ny\r\n"
      "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
      "*4\r\n$4\r\nMGET\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nm\r\n"
      "*2\r\n$4\r\nINCR\r\n$";  // cut: "1\r\na\r\n" comes in the next write
  ASSERT_EQ(redisAppendFormattedCommand(c.get(), first.data(), first.size()), REDIS_OK);
  int done = 0;
  while (done == 0) ASSERT_EQ(redisBufferWrite(c.get(), &done), REDIS_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::string rest = "1\r\na\r\nGET a\r\n*2\r\n$3\r\nGET\r\n$1\r\nm\r\n";
  ASSERT_EQ(redisAppendFormattedCommand(c.get(), rest.data(), rest.size()), REDIS_OK);
  const std::vector<std::string> want = {
      "OK",
      "OK",
      "OK",
      "<nil>",
      "OK",
      "ERR wrong number of arguments for 'set' command",
      "ERR unknown command 'NOPE', with args beginning with: 'a' ",
      "[databases,16]",
      "PONG",
      "OK",
      "OK",
      "[1,2,<nil>]",
      "2",
      "2",
      "<nil>",
  };
  std::vector<std::string> replies;
  for (size_t i = 0; i < want.size(); ++i) {
    void* r = nullptr;
    if (redisGetReply(c.get(), &r) != REDIS_OK) break;
    replies.push_back(Str(static_cast<redisReply*>(r)));
    freeReplyObject(r);
  }
  EXPECT_EQ(replies, want);
  // db 1 has what the pipeline wrote there.
  EXPECT_EQ(Str(Command(c.get(), {"SELECT", "1"}).get()), "OK");
  EXPECT_EQ(Str(Command(c.get(), {"MGET", "a", "m", "n"}).get()), "[v1,x,y]");
}

TEST_F(PipelineTest, PipelineReadsItsOwnWritesInOrderIncludingMultiAndFlush) {
  Connection c = server_->Connect();
  ASSERT_TRUE(c);
  std::vector<std::string> replies = Pipeline(c.get(), {
                                                           {"SET", "a", "1"},
                                                           {"GET", "a"},
                                                           {"INCR", "a"},
                                                           {"APPEND", "a", "0"},
                                                           {"MULTI"},
                                                           {"INCR", "a"},
                                                           {"GET", "a"},
                                                           {"EXEC"},
                                                           {"SET", "b", "x", "EX", "100"},
                                                           {"TTL", "b"},
                                                           {"DEL", "a"},
                                                           {"EXISTS", "a", "b"},
                                                           {"DBSIZE"},
                                                           {"FLUSHDB"},
                                                           {"GET", "b"},
                                                           {"SET", "c", "3"},
                                                           {"DBSIZE"},
                                                       });
  std::vector<std::string> want = {"OK",  "1", "2", "2", "OK", "QUEUED", "QUEUED", "[21,21]", "OK",
                                   "100", "1", "1", "1", "OK", "<nil>",  "OK",     "1"};
  // EXISTS a b after DEL a: only b.
  EXPECT_EQ(replies, want);
  // Another connection sees exactly the final state.
  Connection other = server_->Connect();
  ASSERT_TRUE(other);
  EXPECT_EQ(Str(Command(other.get(), {"GET", "c"}).get()), "3");
  EXPECT_EQ(Str(Command(other.get(), {"DBSIZE"}).get()), "1");
}

TEST_F(PipelineTest, OpposingMultiKeyPipelinesAllFinish) {
  constexpr int kClients = 6;
  constexpr int kRounds = 60;
  // Every client returns (a deadlock would leave hiredis timing out).
  EXPECT_TRUE(RunClients(*server_, kClients, [&](int t, redisContext* c) {
    for (int round = 0; round < kRounds; ++round) {
      // INCR then MSET touch p and q in opposite orders on odd clients.
      const std::string first = t % 2 ? "p" : "q";
      const std::string second = t % 2 ? "q" : "p";
      std::vector<std::string> replies = Pipeline(c, {{"INCR", first},
                                                      {"INCR", second},
                                                      {"MSET", second, "0", first, "0"},
                                                      {"INCRBY", first, "5"},
                                                      {"GET", first}});
      if (replies.size() != 5 || replies[2] != "OK") return false;
    }
    return true;
  }));
  Connection c = server_->Connect();
  ASSERT_TRUE(c);
  EXPECT_EQ(Str(Command(c.get(), {"PING"}).get()), "PONG");
}

// Request/response clients on one loop: the loop batches the commands of
// different connections, and each INCR still sees every earlier one (its
// replies are exactly 1..N per counter).
TEST(LoopBatch, IncrementsFromManyConnectionsOnOneLoopAreLinearizable) {
  for (const char* threads : {"1", "2"}) {
    ServerProcess server({"--threads", threads});
    ASSERT_TRUE(server.Start()) << server.ReadLog();
    constexpr int kClients = 12;
    constexpr int kOps = 200;
    std::mutex mu;
    std::map<std::string, std::vector<long long>> seen;
    ASSERT_TRUE(RunClients(server, kClients,
                           [&](int t, redisContext* c) {
                             for (int i = 0; i < kOps; ++i) {
                               const std::string key = "ctr:" + std::to_string((t + i) % 2);
                               Reply r = Command(c, {"INCR", key});
                               if (!r || r->type != REDIS_REPLY_INTEGER) return false;
                               std::lock_guard<std::mutex> lock(mu);
                               seen[key].push_back(r->integer);
                             }
                             return true;
                           }))
        << "threads " << threads;
    Connection c = server.Connect();
    ASSERT_TRUE(c);
    long long total = 0;
    for (auto& [key, values] : seen) {
      std::sort(values.begin(), values.end());
      for (size_t i = 0; i < values.size(); ++i) {
        ASSERT_EQ(values[i], static_cast<long long>(i + 1)) << key << " threads " << threads;
      }
      Reply r = Command(c.get(), {"GET", key});
      EXPECT_EQ(Str(r.get()), std::to_string(values.size()));
      total += static_cast<long long>(values.size());
    }
    EXPECT_EQ(total, static_cast<long long>(kClients) * kOps);
  }
}

// Under appendfsync always, every acknowledged write survives kill -9:
// pipelined (batched within a read) and one command at a time from many
// connections on one loop (batched across connections).
void AcknowledgedWritesSurviveKill9(const char* threads, int writers, int depth) {
  ServerProcess server({"--appendfsync", "always", "--threads", threads});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  const int kWriters = writers;
  const int kDepth = depth;
  std::mutex mu;
  std::map<std::string, std::string> acked;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      Connection c = server.Connect();
      if (!c) return;
      for (int round = 0; !stop; ++round) {
        std::vector<std::vector<std::string>> cmds;
        for (int i = 0; i < kDepth; ++i) {
          const std::string n = std::to_string(w) + ":" + std::to_string(round * kDepth + i);
          cmds.push_back({"SET", "k" + n, "v" + n});
        }
        std::vector<std::string> replies = Pipeline(c.get(), cmds);
        std::lock_guard<std::mutex> lock(mu);
        for (size_t i = 0; i < replies.size(); ++i) {
          if (replies[i] == "OK") acked[cmds[i][1]] = cmds[i][2];
        }
        if (replies.size() != cmds.size()) return;  // killed
      }
    });
  }
  // Let some pipelines be acknowledged, then kill mid-stream.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (acked.size() >= 2000) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server.Kill();
  stop = true;
  for (auto& th : threads) th.join();
  ASSERT_GE(acked.size(), 2000u);
  ASSERT_TRUE(server.Restart()) << server.ReadLog();
  Connection c = server.Connect();
  ASSERT_TRUE(c);
  size_t missing = 0;
  for (const auto& [k, v] : acked) {
    Reply r = Command(c.get(), {"GET", k});
    if (!r || Str(r.get()) != v) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged writes";
}

TEST(PipelineDurability, AcknowledgedPipelinedWritesSurviveKill9UnderAlways) {
  AcknowledgedWritesSurviveKill9("4", 4, 20);
}

TEST(LoopBatch, AcknowledgedWritesOfManyConnectionsOnOneLoopSurviveKill9UnderAlways) {
  AcknowledgedWritesSurviveKill9("1", 12, 1);
}

}  // namespace
}  // namespace cairn::testing
