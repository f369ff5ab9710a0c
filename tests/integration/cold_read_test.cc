// Cold reads against a real cairn-server: after a restart the block cache is
// empty, so every GET of a key stored in an SST needs a file read. Those
// reads run on the thread pool (INFO stats cold_reads_offloaded counts
// them) and their replies still come back right and in order, pipelined
// with hot commands, from many connections at once, and when the client
// goes away before the answer. With cold-read-offload no they stay on the
// loop.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

constexpr int kKeys = 2000;

std::string Key(int i) { return "cold:" + std::to_string(i); }
std::string Value(int i) { return "value-" + std::to_string(i) + std::string(100, 'x'); }

uint64_t InfoField(redisContext* c, const std::string& field) {
  Reply r = Cmd(c, "INFO stats");
  std::string info = ReplyText(r);
  size_t at = info.find(field + ":");
  if (at == std::string::npos) return UINT64_MAX;
  return std::stoull(info.substr(at + field.size() + 1));
}

// Fills the server, stops it cleanly (memtables flushed into SSTs) and
// starts it again with an empty block cache.
void LoadAndRestart(ServerProcess& server) {
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  {
    Connection c = server.Connect();
    ASSERT_TRUE(c);
    for (int i = 0; i < kKeys; ++i) redisAppendCommand(c.get(), "SET %s %s", Key(i).c_str(), Value(i).c_str());
    for (int i = 0; i < kKeys; ++i) {
      void* r = nullptr;
      ASSERT_EQ(redisGetReply(c.get(), &r), REDIS_OK);
      freeReplyObject(r);
    }
  }
  ASSERT_TRUE(server.Stop()) << server.ReadLog();
  ASSERT_TRUE(server.Restart()) << server.ReadLog();
}

TEST(ColdReads, UncachedGetsRunOffTheLoopAndAnswerInOrder) {
  ServerProcess server;
  LoadAndRestart(server);
  Connection c = server.Connect();
  ASSERT_TRUE(c);
  ASSERT_EQ(InfoField(c.get(), "cold_reads_offloaded"), 0u);
  // Cold GETs pipelined with hot commands: replies in order, right values.
  redisAppendCommand(c.get(), "GET %s", Key(1).c_str());
  redisAppendCommand(c.get(), "SET hot 1");
  redisAppendCommand(c.get(), "GET hot");
  redisAppendCommand(c.get(), "MGET %s %s", Key(500).c_str(), Key(1500).c_str());
  redisAppendCommand(c.get(), "INCR hot");
  redisAppendCommand(c.get(), "STRLEN %s", Key(1999).c_str());
  redisAppendCommand(c.get(), "PING");
  std::vector<std::string> got;
  for (int i = 0; i < 7; ++i) {
    void* r = nullptr;
    ASSERT_EQ(redisGetReply(c.get(), &r), REDIS_OK);
    Reply reply(static_cast<redisReply*>(r));
    if (reply->type == REDIS_REPLY_ARRAY) {
      std::string s;
      for (size_t j = 0; j < reply->elements; ++j) s += std::string(reply->element[j]->str, reply->element[j]->len) + "|";
      got.push_back(s);
    } else {
      got.push_back(ReplyText(reply));
    }
  }
  EXPECT_EQ(got[0], Value(1));
  EXPECT_EQ(got[1], "OK");
  EXPECT_EQ(got[2], "1");
  EXPECT_EQ(got[3], Value(500) + "|" + Value(1500) + "|");
  EXPECT_EQ(got[4], "2");
  EXPECT_EQ(got[5], std::to_string(Value(1999).size()));
  EXPECT_EQ(got[6], "PONG");
  EXPECT_GE(InfoField(c.get(), "cold_reads_offloaded"), 1u);
}

TEST(ColdReads, ManyConnectionsReadEveryKeyRight) {
  ServerProcess server({"--threads", "2"});
  LoadAndRestart(server);
  constexpr int kClients = 8;
  std::atomic<int> wrong{0};
  ASSERT_TRUE(RunClients(server, kClients, [&](int t, redisContext* c) {
    for (int i = t; i < kKeys; i += kClients) {
      if (ReplyText(Command(c, {"GET", Key(i)})) != Value(i)) ++wrong;
      Reply h = Command(c, {"INCR", "hot:" + std::to_string(t)});
      if (!h || h->type != REDIS_REPLY_INTEGER) ++wrong;
    }
    return true;
  }));
  EXPECT_EQ(wrong.load(), 0);
  Connection c = server.Connect();
  ASSERT_TRUE(c);
  EXPECT_GE(InfoField(c.get(), "cold_reads_offloaded"), 1u);
  Reply n = Cmd(c.get(), "DBSIZE");
  EXPECT_EQ(ReplyText(n), std::to_string(kKeys + kClients));
}

TEST(ColdReads, ClientGoneBeforeTheAnswerLeavesTheServerServing) {
  ServerProcess server;
  LoadAndRestart(server);
  for (int round = 0; round < 20; ++round) {
    Connection c = server.Connect();
    ASSERT_TRUE(c);
    for (int i = 0; i < 10; ++i) {
      redisAppendCommand(c.get(), "GET %s", Key(round * 50 + i).c_str());
    }
    int done = 0;
    redisBufferWrite(c.get(), &done);
    // Closed at once, with the reads in flight.
  }
  Connection c = server.Connect();
  ASSERT_TRUE(c);
  EXPECT_EQ(ReplyText(Command(c.get(), {"GET", Key(kKeys - 1)})), Value(kKeys - 1));
  EXPECT_EQ(ReplyText(Cmd(c.get(), "PING")), "PONG");
}

TEST(ColdReads, OffloadCanBeTurnedOff) {
  ServerProcess server({"--cold-read-offload", "no"});
  LoadAndRestart(server);
  Connection c = server.Connect();
  ASSERT_TRUE(c);
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(ReplyText(Command(c.get(), {"GET", Key(i)})), Value(i));
  }
  EXPECT_EQ(InfoField(c.get(), "cold_reads_offloaded"), 0u);
  EXPECT_EQ(ReplyText(Cmd(c.get(), "CONFIG SET cold-read-offload yes")), "OK");
  for (int i = 50; i < 100; ++i) {
    ASSERT_EQ(ReplyText(Command(c.get(), {"GET", Key(i)})), Value(i));
  }
  EXPECT_GE(InfoField(c.get(), "cold_reads_offloaded"), 1u);
}

}  // namespace
}  // namespace cairn::testing
