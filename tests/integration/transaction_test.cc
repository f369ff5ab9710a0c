// MULTI/EXEC/WATCH against a real cairn-server with several loop threads:
// optimistic increments from many connections never lose an update, other
// clients never see half a transaction, a client that drops mid-MULTI leaves
// nothing, an EXEC under appendfsync always survives kill -9 whole; and the
// conditional writes SET IFEQ / DELIFEQ.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

std::string Str(const Reply& r) { return ReplyText(r); }

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--threads", "4"});
    ASSERT_TRUE(server_->Start()) << server_->ReadLog();
  }
  std::unique_ptr<ServerProcess> server_;
};

// N clients run WATCH/GET/MULTI/SET/EXEC loops on shared counters; the final
// counts equal the successful EXECs (no lost update across loop threads).
TEST_F(TransactionTest, OptimisticIncrementsFromManyConnectionsAreExact) {
  constexpr int kClients = 8;
  constexpr int kCounters = 3;
  constexpr int kSuccessesPerClient = 60;
  std::atomic<int> successes[kCounters] = {};
  std::atomic<int> aborted{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      Connection c = server_->Connect();
      if (!c) {
        failed = true;
        return;
      }
      int done = 0;
      int i = 0;
      while (done < kSuccessesPerClient && std::chrono::steady_clock::now() < deadline) {
        const std::string key = "counter:" + std::to_string((t + i++) % kCounters);
        Reply w = Command(c.get(), {"WATCH", key});
        Reply g = Command(c.get(), {"GET", key});
        if (!w || !g) {
          failed = true;
          return;
        }
        long long v = g->type == REDIS_REPLY_NIL ? 0 : std::stoll(Str(g));
        Command(c.get(), {"MULTI"});
        Command(c.get(), {"SET", key, std::to_string(v + 1)});
        Reply e = Command(c.get(), {"EXEC"});
        if (!e) {
          failed = true;
          return;
        }
        if (e->type == REDIS_REPLY_NIL) {
          ++aborted;
          continue;
        }
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 1) {
          failed = true;
          return;
        }
        ++successes[(t + i - 1) % kCounters];
        ++done;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_FALSE(failed);
  Connection c = server_->Connect();
  ASSERT_TRUE(c);
  int total = 0;
  for (int k = 0; k < kCounters; ++k) {
    Reply g = Command(c.get(), {"GET", "counter:" + std::to_string(k)});
    EXPECT_EQ(Str(g), std::to_string(successes[k].load())) << "counter " << k;
    total += successes[k];
  }
  EXPECT_EQ(total, kClients * kSuccessesPerClient);
  // With 8 clients on 3 counters some EXECs must have met a changed key.
  EXPECT_GT(aborted.load(), 0);
}

// A transaction writing two keys is seen whole or not at all by MGET readers
// on other connections (other loop threads).
TEST_F(TransactionTest, ReadersNeverSeeHalfATransaction) {
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      Connection c = server_->Connect();
      if (!c) return;
      while (!stop) {
        Reply m = Command(c.get(), {"MGET", "a", "b"});
        if (!m || m->type != REDIS_REPLY_ARRAY || m->elements != 2) {
          ++torn;
          return;
        }
        auto val = [&](size_t i) {
          const redisReply* e = m->element[i];
          return e->type == REDIS_REPLY_NIL ? std::string("<nil>") : std::string(e->str, e->len);
        };
        if (val(0) != val(1)) ++torn;
        ++reads;
      }
    });
  }
  Connection w = server_->Connect();
  ASSERT_TRUE(w);
  for (int i = 0; i < 400; ++i) {
    Command(w.get(), {"MULTI"});
    Command(w.get(), {"SET", "a", std::to_string(i)});
    Command(w.get(), {"SET", "b", std::to_string(i)});
    Reply e = Command(w.get(), {"EXEC"});
    ASSERT_TRUE(e && e->type == REDIS_REPLY_ARRAY && e->elements == 2) << Str(e);
  }
  stop = true;
  for (auto& th : readers) th.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

// Commands inside EXEC see the transaction's own earlier writes.
TEST_F(TransactionTest, QueuedCommandsSeeEarlierWritesOfTheTransaction) {
  Connection c = server_->Connect();
  ASSERT_TRUE(c);
  Command(c.get(), {"MULTI"});
  Command(c.get(), {"SET", "n", "5"});
  Command(c.get(), {"INCRBY", "n", "10"});
  Command(c.get(), {"APPEND", "n", "x"});
  Command(c.get(), {"GET", "n"});
  Command(c.get(), {"DEL", "n"});
  Command(c.get(), {"EXISTS", "n"});
  Command(c.get(), {"SET", "m", "1"});
  Reply e = Command(c.get(), {"EXEC"});
  ASSERT_TRUE(e && e->type == REDIS_REPLY_ARRAY && e->elements == 7) << Str(e);
  EXPECT_EQ(e->element[1]->integer, 15);
  EXPECT_EQ(e->element[2]->integer, 3);
  EXPECT_EQ(std::string(e->element[3]->str, e->element[3]->len), "15x");
  EXPECT_EQ(e->element[4]->integer, 1);
  EXPECT_EQ(e->element[5]->integer, 0);
  EXPECT_EQ(Str(Command(c.get(), {"DBSIZE"})), "1");
  EXPECT_EQ(Str(Command(c.get(), {"EXISTS", "n"})), "0");
}

// A client that disconnects with a queued transaction leaves no trace.
TEST_F(TransactionTest, DisconnectMidMultiAppliesNothing) {
  {
    Connection c = server_->Connect();
    ASSERT_TRUE(c);
    Command(c.get(), {"MULTI"});
    Command(c.get(), {"SET", "ghost", "1"});
    Command(c.get(), {"WATCH", "w"});
  }
  Connection d = server_->Connect();
  ASSERT_TRUE(d);
  // The server has seen the close once a later command on a fresh
  // connection reports the old one gone from CLIENT LIST (bounded wait).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    Reply l = Command(d.get(), {"CLIENT", "LIST"});
    if (Str(l).find("flags=x") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(Str(Command(d.get(), {"EXISTS", "ghost"})), "0");
  EXPECT_EQ(Str(Command(d.get(), {"DBSIZE"})), "0");
}

TEST_F(TransactionTest, ClientListShowsMultiState) {
  Connection c = server_->Connect();
  ASSERT_TRUE(c);
  Command(c.get(), {"MULTI"});
  Command(c.get(), {"SET", "a", "1"});
  Command(c.get(), {"GET", "a"});
  Connection d = server_->Connect();
  Reply id = Command(c.get(), {"DISCARD"});
  EXPECT_EQ(Str(id), "OK");
  Command(c.get(), {"MULTI"});
  Command(c.get(), {"PING"});
  std::string list = Str(Command(d.get(), {"CLIENT", "LIST"}));
  EXPECT_NE(list.find("flags=x"), std::string::npos) << list;
  EXPECT_NE(list.find("multi=1"), std::string::npos) << list;
  Command(c.get(), {"DISCARD"});
  list = Str(Command(d.get(), {"CLIENT", "LIST"}));
  EXPECT_EQ(list.find("flags=x"), std::string::npos) << list;
}

TEST(TransactionDurability, ExecUnderAlwaysSurvivesKillWhole) {
  ServerProcess server({"--appendfsync", "always", "--threads", "2"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  {
    Connection c = server.Connect();
    ASSERT_TRUE(c);
    for (int i = 0; i < 50; ++i) {
      Command(c.get(), {"MULTI"});
      for (int k = 0; k < 5; ++k) {
        Command(c.get(), {"SET", "t" + std::to_string(i) + ":" + std::to_string(k), "v"});
      }
      Reply e = Command(c.get(), {"EXEC"});
      ASSERT_TRUE(e && e->type == REDIS_REPLY_ARRAY && e->elements == 5) << Str(e);
    }
  }
  server.Kill();
  ASSERT_TRUE(server.Restart()) << server.ReadLog();
  Connection c = server.Connect();
  ASSERT_TRUE(c);
  EXPECT_EQ(Str(Command(c.get(), {"DBSIZE"})), "250");
}

TEST_F(TransactionTest, SetIfEqSetsOnlyOnEqualValue) {
  Connection c = server_->Connect();
  ASSERT_TRUE(c);
  EXPECT_EQ(Str(Command(c.get(), {"SET", "k", "v1", "IFEQ", "v0"})), "<nil>");
  EXPECT_EQ(Str(Command(c.get(), {"EXISTS", "k"})), "0");  // a missing key is not created
  Command(c.get(), {"SET", "k", "v1"});
  EXPECT_EQ(Str(Command(c.get(), {"SET", "k", "v2", "IFEQ", "nope"})), "<nil>");
  EXPECT_EQ(Str(Command(c.get(), {"GET", "k"})), "v1");
  EXPECT_EQ(Str(Command(c.get(), {"SET", "k", "v2", "IFEQ", "v1"})), "OK");
  EXPECT_EQ(Str(Command(c.get(), {"GET", "k"})), "v2");
  EXPECT_EQ(Str(Command(c.get(), {"SET", "k", "v3", "IFEQ", "v2", "GET", "EX", "100"})), "v2");
  EXPECT_EQ(Str(Command(c.get(), {"GET", "k"})), "v3");
  Reply ttl = Command(c.get(), {"TTL", "k"});
  EXPECT_GT(ttl->integer, 90);
  EXPECT_EQ(Str(Command(c.get(), {"SET", "k", "v", "IFEQ", "v3", "NX"})), "ERR syntax error");
  EXPECT_EQ(Str(Command(c.get(), {"SET", "k", "v", "XX", "IFEQ", "v3"})), "ERR syntax error");
  EXPECT_EQ(Str(Command(c.get(), {"SET", "k", "v", "IFEQ"})), "ERR syntax error");
  // A write by IFEQ is a change for WATCH.
  Command(c.get(), {"WATCH", "k"});
  Connection d = server_->Connect();
  EXPECT_EQ(Str(Command(d.get(), {"SET", "k", "v4", "IFEQ", "v3"})), "OK");
  Command(c.get(), {"MULTI"});
  Command(c.get(), {"PING"});
  EXPECT_EQ(Str(Command(c.get(), {"EXEC"})), "<nil>");
}

TEST_F(TransactionTest, DelIfEqDeletesOnlyOnEqualValue) {
  Connection c = server_->Connect();
  ASSERT_TRUE(c);
  EXPECT_EQ(Str(Command(c.get(), {"DELIFEQ", "lock", "token"})), "0");
  Command(c.get(), {"SET", "lock", "token"});
  EXPECT_EQ(Str(Command(c.get(), {"DELIFEQ", "lock", "other"})), "0");
  EXPECT_EQ(Str(Command(c.get(), {"EXISTS", "lock"})), "1");
  EXPECT_EQ(Str(Command(c.get(), {"DELIFEQ", "lock", "token"})), "1");
  EXPECT_EQ(Str(Command(c.get(), {"EXISTS", "lock"})), "0");
  EXPECT_EQ(Str(Command(c.get(), {"DELIFEQ", "lock"})),
            "ERR wrong number of arguments for 'delifeq' command");
}

// Concurrent compare-and-set with SET IFEQ: exactly one of many racing
// clients wins each round.
TEST_F(TransactionTest, SetIfEqHasOneWinnerPerRound) {
  Connection c = server_->Connect();
  ASSERT_TRUE(c);
  Command(c.get(), {"SET", "cas", "0"});
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      Connection k = server_->Connect();
      if (!k) return;
      for (int round = 0; round < 100; ++round) {
        Reply r = Command(k.get(),
                          {"SET", "cas", std::to_string(round + 1), "IFEQ", std::to_string(round)});
        if (r && r->type == REDIS_REPLY_STATUS) ++wins;
      }
    });
  }
  for (auto& th : threads) th.join();
  Reply g = Command(c.get(), {"GET", "cas"});
  EXPECT_EQ(Str(g), std::to_string(wins.load()));
  EXPECT_LE(wins.load(), 100);
  EXPECT_GT(wins.load(), 0);
}

}  // namespace
}  // namespace cairn::testing
