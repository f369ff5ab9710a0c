// What survives a crash: under appendfsync always every acknowledged write
// survives kill -9; a clean stop loses nothing in any mode; a restart keeps
// the data and the counts.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

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

}  // namespace
}  // namespace cairn::testing
