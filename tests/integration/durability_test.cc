// What survives a crash: under appendfsync always every acknowledged write
// survives kill -9; a clean stop loses nothing in any mode; a restart keeps
// the data and the counts.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "tests/integration/raw_client.h"
#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

// Several writers record every key whose SET was acknowledged, until the
// server dies under them.
std::map<std::string, std::string> WriteUntilKilled(ServerProcess& server, int writers,
                                                    int kill_after_ms) {
  std::mutex mu;
  std::map<std::string, std::string> acked;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      Connection c = server.Connect();
      if (c == nullptr) return;
      for (int i = 0; !stop && i < 1000000; ++i) {
        std::string key = "w" + std::to_string(w) + ":" + std::to_string(i);
        std::string value = "value-" + std::to_string(i * 7 + w);
        Reply r = Command(c.get(), {"SET", key, value});
        if (r == nullptr || r->type != REDIS_REPLY_STATUS) return;
        std::lock_guard<std::mutex> lock(mu);
        acked[key] = value;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms));
  server.Kill();
  stop = true;
  for (auto& t : threads) t.join();
  return acked;
}

TEST(Durability, EveryAcknowledgedWriteSurvivesKill9UnderAlways) {
  ServerProcess server({"--appendfsync", "always"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  auto acked = WriteUntilKilled(server, 8, 1500);
  ASSERT_GT(acked.size(), 50u) << "too few writes to mean anything";
  ASSERT_TRUE(server.Restart()) << server.ReadLog();
  Connection c = server.Connect();
  ASSERT_NE(c, nullptr);
  size_t missing = 0;
  for (const auto& [key, value] : acked) {
    Reply r = Command(c.get(), {"GET", key});
    if (r == nullptr || r->type != REDIS_REPLY_STRING || std::string(r->str, r->len) != value) {
      ++missing;
    }
  }
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged writes";
  // Counts are exact after the crash too: at least every acked key (writes in
  // flight at the kill may have landed without an ack).
  Reply n = Cmd(c.get(), "DBSIZE");
  ASSERT_NE(n, nullptr);
  EXPECT_GE(static_cast<size_t>(n->integer), acked.size());
}

// APPEND to a long value writes a merge operand of the appended bytes, not
// the value again: thousands of pipelined appends build the same value as
// Redis would, reads in between see every append before them, and all of
// it survives kill -9 under always.
TEST(Durability, PipelinedAppendsToALongValueAddUpAndSurviveKill9UnderAlways) {
  ServerProcess server({"--appendfsync", "always"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  Connection c = server.Connect();
  ASSERT_NE(c, nullptr);
  std::string expect(40000, 'v');
  Reply set = Command(c.get(), {"SET", "log", expect});
  ASSERT_NE(set, nullptr);
  constexpr int kAppends = 3000;
  std::vector<std::string> pieces;
  for (int i = 0; i < kAppends; ++i) pieces.push_back("<" + std::to_string(i) + ">");
  for (int i = 0; i < kAppends; ++i) {
    const char* argv[] = {"APPEND", "log", pieces[i].data()};
    const size_t lens[] = {6, 3, pieces[i].size()};
    ASSERT_EQ(redisAppendCommandArgv(c.get(), 3, argv, lens), REDIS_OK);
    if (i % 500 == 250) {
      ASSERT_EQ(redisAppendCommand(c.get(), "GET log"), REDIS_OK);
    }
  }
  for (int i = 0; i < kAppends; ++i) {
    expect += pieces[i];
    void* raw = nullptr;
    ASSERT_EQ(redisGetReply(c.get(), &raw), REDIS_OK);
    Reply r(static_cast<redisReply*>(raw));
    ASSERT_EQ(r->type, REDIS_REPLY_INTEGER);
    ASSERT_EQ(r->integer, static_cast<long long>(expect.size())) << "append " << i;
    if (i % 500 == 250) {
      ASSERT_EQ(redisGetReply(c.get(), &raw), REDIS_OK);
      Reply got(static_cast<redisReply*>(raw));
      ASSERT_EQ(got->type, REDIS_REPLY_STRING);
      ASSERT_EQ(std::string(got->str, got->len), expect) << "read after append " << i;
    }
  }
  Reply ttl = Command(c.get(), {"EXPIRE", "log", "1000"});
  ASSERT_NE(ttl, nullptr);
  Reply more = Command(c.get(), {"APPEND", "log", "end"});
  ASSERT_NE(more, nullptr);
  expect += "end";
  c.reset();
  server.Kill();
  ASSERT_TRUE(server.Restart()) << server.ReadLog();
  c = server.Connect();
  ASSERT_NE(c, nullptr);
  Reply got = Command(c.get(), {"GET", "log"});
  ASSERT_NE(got, nullptr);
  ASSERT_EQ(got->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(got->str, got->len), expect);
  Reply left = Command(c.get(), {"TTL", "log"});
  ASSERT_NE(left, nullptr);
  EXPECT_GT(left->integer, 900);  // APPEND keeps the TTL
  Reply enc = Command(c.get(), {"OBJECT", "ENCODING", "log"});
  ASSERT_NE(enc, nullptr);
  EXPECT_EQ(std::string(enc->str, enc->len), "raw");
}

TEST(Durability, GroupCommitServesManyClientsPerFsync) {
  ServerProcess server({"--appendfsync", "always"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int w = 0; w < 16; ++w) {
    threads.emplace_back([&, w] {
      Connection c = server.Connect();
      for (int i = 0; c != nullptr && i < 100; ++i) {
        Reply r = Command(c.get(), {"SET", "g" + std::to_string(w) + ":" + std::to_string(i), "v"});
        if (r != nullptr && r->type == REDIS_REPLY_STATUS) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1600);
  Connection c = server.Connect();
  Reply n = Cmd(c.get(), "DBSIZE");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->integer, 1600);
}

// A client that sends its commands and half-closes its socket (as
// `printf ... | nc -q1` does) still gets every reply: the end of its input
// arrives while its write waits for the fsync.
TEST(Durability, HalfClosedClientGetsItsRepliesUnderAlways) {
  ServerProcess server({"--appendfsync", "always"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  for (int round = 0; round < 20; ++round) {
    RawClient raw;
    ASSERT_TRUE(raw.Connect(server.port()));
    const std::string value = "v" + std::to_string(round);
    ASSERT_TRUE(raw.Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(value.size()) + "\r\n" +
                         value + "\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n"));
    raw.ShutdownWrite();
    EXPECT_EQ(raw.ReadReply(), "+OK\r\n") << "round " << round;
    EXPECT_EQ(raw.ReadReply(), ":" + std::to_string(round + 1) + "\r\n") << "round " << round;
    EXPECT_TRUE(raw.WaitClosed()) << "round " << round;
  }
  Connection c = server.Connect();
  ASSERT_NE(c, nullptr);
  Reply n = Command(c.get(), {"GET", "n"});
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(std::string(n->str, n->len), "20");
}

// Input that arrives while the connection waits (for an fsync, or a WAIT
// that times out) is read ahead only so far, then runs in order once the
// wait is over: far more than that bound here, in one burst.
TEST(Durability, InputArrivingDuringAWaitRunsInOrderAfterIt) {
  ServerProcess server({"--appendfsync", "always"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  RawClient raw;
  ASSERT_TRUE(raw.Connect(server.port()));
  constexpr int kIncrs = 20000;
  std::string burst = "*3\r\n$4\r\nWAIT\r\n$1\r\n1\r\n$3\r\n300\r\n";
  for (int i = 0; i < kIncrs; ++i) burst += "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n";
  ASSERT_GT(burst.size(), 256u * 1024);
  // Sends from a thread: the server stops reading while the WAIT holds.
  std::thread sender([&] { EXPECT_TRUE(raw.Send(burst)); });
  EXPECT_EQ(raw.ReadReply(10000), ":0\r\n");  // no replica acknowledged
  int in_order = 0;
  for (int i = 1; i <= kIncrs; ++i) {
    std::string r = raw.ReadReply(10000);
    if (r != ":" + std::to_string(i) + "\r\n") {
      ADD_FAILURE() << "reply " << i << ": " << r;
      break;
    }
    ++in_order;
  }
  sender.join();
  EXPECT_EQ(in_order, kIncrs);
}

class CleanStop : public ::testing::TestWithParam<const char*> {};

TEST_P(CleanStop, LosesNothing) {
  ServerProcess server({"--appendfsync", GetParam()});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  {
    Connection c = server.Connect();
    ASSERT_NE(c, nullptr);
    for (int i = 0; i < 2000; ++i) {
      redisAppendCommand(c.get(), "SET clean:%d v%d", i, i);
    }
    for (int i = 0; i < 2000; ++i) {
      redisReply* r = nullptr;
      ASSERT_EQ(redisGetReply(c.get(), reinterpret_cast<void**>(&r)), REDIS_OK);
      freeReplyObject(r);
    }
  }
  ASSERT_TRUE(server.Stop()) << server.ReadLog();
  ASSERT_TRUE(server.Restart()) << server.ReadLog();
  Connection c = server.Connect();
  ASSERT_NE(c, nullptr);
  Reply n = Cmd(c.get(), "DBSIZE");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->integer, 2000);
  for (int i = 0; i < 2000; i += 97) {
    Reply r = Cmd(c.get(), "GET clean:%d", i);
    ASSERT_NE(r, nullptr);
    ASSERT_EQ(r->type, REDIS_REPLY_STRING);
    EXPECT_EQ(std::string(r->str, r->len), "v" + std::to_string(i));
  }
}

INSTANTIATE_TEST_SUITE_P(EveryFsyncPolicy, CleanStop,
                         ::testing::Values("always", "everysec", "no"));

TEST(Durability, SigtermExitsZeroAndSays) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  EXPECT_TRUE(server.Stop());
  EXPECT_NE(server.ReadLog().find("ready to exit"), std::string::npos) << server.ReadLog();
}

// A full disk (every write of the storage engine to a file failing with
// ENOSPC, CAIRN.FAULT DISK-FULL): writes answer an error and change
// nothing, reads and the server go on, acknowledged data stays; once the
// disk takes writes again the engine resumes by itself, and a restart finds
// everything acknowledged. Before, RocksDB's WAL writer and info log met
// their own error state on the next sync or message and aborted the server.
class DiskFull : public ::testing::TestWithParam<const char*> {};

TEST_P(DiskFull, WritesFailCleanlyAndResumeOnceThereIsRoom) {
  ServerProcess server({"--appendfsync", GetParam(), "--enable-fault-injection", "yes"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  Connection c = server.Connect();
  ASSERT_NE(c, nullptr);
  for (int i = 0; i < 500; ++i) {
    Reply r = Cmd(c.get(), "SET before:%d v%d", i, i);
    ASSERT_NE(r, nullptr);
    ASSERT_EQ(r->type, REDIS_REPLY_STATUS);
  }
  Reply f = Cmd(c.get(), "CAIRN.FAULT DISK-FULL 1500");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->type, REDIS_REPLY_STATUS) << (f->str ? f->str : "");
  // Past any write of the first one still in flight, every write fails.
  int failed = 0;
  for (int i = 0; i < 20; ++i) {
    Reply r = Cmd(c.get(), "SET during:%d x", i);
    ASSERT_NE(r, nullptr) << "the server went away: " << server.ReadLog();
    if (r->type == REDIS_REPLY_ERROR) {
      EXPECT_NE(std::string(r->str).find("No space left on device"), std::string::npos) << r->str;
      ++failed;
    }
  }
  EXPECT_GE(failed, 19);
  Reply g = Cmd(c.get(), "GET before:7");
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(g->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(g->str, g->len), "v7");
  Reply n = Cmd(c.get(), "DBSIZE");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->integer, 500);
  // Bounded wait for the engine to resume after the fault ends.
  bool resumed = false;
  for (int t = 0; t < 300 && !resumed; ++t) {
    Reply r = Cmd(c.get(), "SET after x");
    ASSERT_NE(r, nullptr) << "the server went away: " << server.ReadLog();
    resumed = r->type == REDIS_REPLY_STATUS;
    if (!resumed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(resumed) << server.ReadLog();
  for (int i = 0; i < 200; ++i) {
    Reply r = Cmd(c.get(), "SET later:%d y", i);
    ASSERT_NE(r, nullptr);
    ASSERT_EQ(r->type, REDIS_REPLY_STATUS);
  }
  ASSERT_TRUE(server.Stop()) << server.ReadLog();
  ASSERT_TRUE(server.Restart()) << server.ReadLog();
  c = server.Connect();
  ASSERT_NE(c, nullptr);
  n = Cmd(c.get(), "DBSIZE");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->integer, 701);
  for (const char* key : {"before:0", "before:499", "after", "later:199"}) {
    Reply r = Cmd(c.get(), "EXISTS %s", key);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->integer, 1) << key;
  }
  Reply d = Cmd(c.get(), "EXISTS during:5");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->integer, 0);
}

INSTANTIATE_TEST_SUITE_P(EveryFsyncPolicy, DiskFull,
                         ::testing::Values("always", "everysec", "no"));

TEST(DiskFull, FaultNeedsTheOption) {
  ServerProcess server;
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  Connection c = server.Connect();
  ASSERT_NE(c, nullptr);
  Reply r = Cmd(c.get(), "CAIRN.FAULT DISK-FULL 100");
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->type, REDIS_REPLY_ERROR);
  EXPECT_NE(std::string(r->str).find("not allowed"), std::string::npos) << r->str;
}

}  // namespace
}  // namespace cairn::testing
