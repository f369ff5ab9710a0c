// Pub/Sub against a real cairn-server running four loops: delivery between
// connections (so, with several connections, between loops), counts,
// patterns, message order, the RESP2 subscribed context, RESP3 pushes (raw
// bytes), disconnects, RESET, CLIENT LIST/INFO fields and the slow
// subscriber limit. Expected replies were taken from redis-server 7.0.15.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/raw_client.h"
#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kNotAllowed[] =
    "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";

// A reply flattened to text for comparisons: bulk and status as they are,
// integers as ":n", nil as "(nil)", arrays as their elements joined by '|'.
std::string Flat(const redisReply* r) {
  if (r == nullptr) return "<no reply>";
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      return std::string(r->str, r->len);
    case REDIS_REPLY_ERROR:
      return "-" + std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER:
      return ":" + std::to_string(r->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_ARRAY: {
      std::string out;
      for (size_t i = 0; i < r->elements; ++i) {
        if (i > 0) out.push_back('|');
        out += Flat(r->element[i]);
      }
      return out;
    }
  }
  return "<type " + std::to_string(r->type) + ">";
}
std::string Flat(const Reply& r) { return Flat(r.get()); }

// The next reply on a connection (a push, or the reply to a pipelined
// command); null when none arrives within the connection's 2 s timeout.
Reply Next(redisContext* c) {
  void* r = nullptr;
  if (redisGetReply(c, &r) != REDIS_OK) return nullptr;
  return Reply(static_cast<redisReply*>(r));
}

// Sends a command and collects `n` replies (SUBSCRIBE a b c answers three).
std::vector<std::string> CallN(redisContext* c, const std::vector<std::string>& argv, size_t n) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  redisAppendCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data());
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(Flat(Next(c)));
  return out;
}

long long Int(const Reply& r) { return r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1; }

// One INFO field ("pubsub_channels") as text, "" if absent.
std::string InfoField(redisContext* c, const std::string& name) {
  Reply r = Cmd(c, "INFO stats");
  if (!r || r->type != REDIS_REPLY_STRING) return "";
  std::string text(r->str, r->len);
  size_t at = text.find("\r\n" + name + ":");
  if (at == std::string::npos) return "";
  at += name.size() + 3;
  return text.substr(at, text.find("\r\n", at) - at);
}

// Polls `cond` every 10 ms until it holds or 5 s pass.
template <typename F>
bool Eventually(F cond) {
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

std::string Resp(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& a : argv) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

class Pubsub : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess({"--threads", "4"});
    ASSERT_TRUE(server_->Start()) << server_->ReadLog();
  }
  static void TearDownTestSuite() {
    // A clean exit: no sanitizer report, no leak from the mailboxes.
    EXPECT_TRUE(server_->Stop()) << server_->ReadLog();
    delete server_;
    server_ = nullptr;
  }
  Connection Connect() {
    Connection c = server_->Connect();
    EXPECT_TRUE(c != nullptr);
    return c;
  }
  // Subscribed connections of earlier tests are closed asynchronously: wait
  // until the registry has forgotten them, so counts start from zero.
  void SetUp() override {
    Connection c = Connect();
    ASSERT_TRUE(Eventually([&] {
      return Flat(Cmd(c.get(), "PUBSUB CHANNELS")).empty() &&
             Int(Cmd(c.get(), "PUBSUB NUMPAT")) == 0;
    }));
  }
  static ServerProcess* server_;
};
ServerProcess* Pubsub::server_ = nullptr;

TEST_F(Pubsub, SubscribeConfirmsEachChannelWithTheRunningCount) {
  Connection c = Connect();
  EXPECT_EQ(CallN(c.get(), {"SUBSCRIBE", "a", "b", "a"}, 3),
            (std::vector<std::string>{"subscribe|a|:1", "subscribe|b|:2", "subscribe|a|:2"}));
  EXPECT_EQ(CallN(c.get(), {"PSUBSCRIBE", "x*", "x*"}, 2),
            (std::vector<std::string>{"psubscribe|x*|:3", "psubscribe|x*|:3"}));
  // Counts are channels + patterns; unknown names answer the count unchanged.
  EXPECT_EQ(CallN(c.get(), {"UNSUBSCRIBE", "b", "nope"}, 2),
            (std::vector<std::string>{"unsubscribe|b|:2", "unsubscribe|nope|:2"}));
  EXPECT_EQ(CallN(c.get(), {"PUNSUBSCRIBE"}, 1), (std::vector<std::string>{"punsubscribe|x*|:1"}));
  EXPECT_EQ(CallN(c.get(), {"UNSUBSCRIBE"}, 1), (std::vector<std::string>{"unsubscribe|a|:0"}));
  // Nothing left: one reply with a nil name.
  EXPECT_EQ(CallN(c.get(), {"UNSUBSCRIBE"}, 1), (std::vector<std::string>{"unsubscribe|(nil)|:0"}));
  EXPECT_EQ(CallN(c.get(), {"PUNSUBSCRIBE"}, 1),
            (std::vector<std::string>{"punsubscribe|(nil)|:0"}));
  EXPECT_EQ(Flat(Cmd(c.get(), "GET k")), "(nil)");  // back to normal
}

TEST_F(Pubsub, UnsubscribeWithoutArgumentsDropsEveryChannel) {
  Connection c = Connect();
  CallN(c.get(), {"SUBSCRIBE", "a", "b", "c"}, 3);
  CallN(c.get(), {"PSUBSCRIBE", "p1", "p2"}, 2);
  std::vector<std::string> got = CallN(c.get(), {"UNSUBSCRIBE"}, 3);
  // Channels come in no fixed order (as Redis); the counts still run down.
  std::vector<std::string> names;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].substr(0, 12), "unsubscribe|") << got[i];
    ASSERT_EQ(got[i].substr(got[i].size() - 2), ":" + std::to_string(4 - i)) << got[i];
    names.push_back(got[i].substr(12, 1));
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
  // Patterns go in subscription order.
  EXPECT_EQ(CallN(c.get(), {"PUNSUBSCRIBE"}, 2),
            (std::vector<std::string>{"punsubscribe|p1|:1", "punsubscribe|p2|:0"}));
}

TEST_F(Pubsub, PublishReachesSubscribersOnEveryLoopInPublishOrder) {
  // Connections are spread over the four loops by the kernel; with 8
  // subscribers and 4 publishers, several pairs sit on different loops.
  constexpr int kSubscribers = 8;
  constexpr int kPublishers = 4;
  constexpr int kMessages = 200;
  std::vector<Connection> subs;
  for (int i = 0; i < kSubscribers; ++i) {
    subs.push_back(Connect());
    ASSERT_EQ(CallN(subs.back().get(), {"SUBSCRIBE", "news", "sport"}, 2).back(),
              "subscribe|sport|:2");
  }
  std::vector<Connection> pubs;
  for (int i = 0; i < kPublishers; ++i) pubs.push_back(Connect());
  // Publishers take turns, each PUBLISH finished before the next starts: that
  // is one global order, which every subscriber must see unchanged.
  std::vector<std::string> want;
  for (int m = 0; m < kMessages; ++m) {
    std::string channel = m % 3 == 0 ? "sport" : "news";
    std::string payload = "m" + std::to_string(m) + std::string(m % 7, 'x');
    Reply r = Command(pubs[m % kPublishers].get(), {"PUBLISH", channel, payload});
    ASSERT_EQ(Int(r), kSubscribers) << Flat(r);
    want.push_back("message|" + channel + "|" + payload);
  }
  for (int i = 0; i < kSubscribers; ++i) {
    for (int m = 0; m < kMessages; ++m) {
      ASSERT_EQ(Flat(Next(subs[i].get())), want[m]) << "subscriber " << i << " message " << m;
    }
  }
}

// MONITOR rides the same mailboxes: monitors on every loop see each
// command of every client, once, in the order the commands ran.
TEST_F(Pubsub, MonitorsOnEveryLoopSeeEveryClientsCommandsInOrder) {
  constexpr int kMonitors = 6;
  constexpr int kClients = 4;
  constexpr int kCommands = 100;
  std::vector<Connection> monitors;
  for (int i = 0; i < kMonitors; ++i) {
    monitors.push_back(Connect());
    ASSERT_EQ(Flat(Cmd(monitors.back().get(), "MONITOR")), "OK");
  }
  std::vector<Connection> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(Connect());
  std::vector<std::string> want;
  for (int m = 0; m < kCommands; ++m) {
    std::string key = "mon:" + std::to_string(m);
    Reply r = Command(clients[m % kClients].get(), {"SET", key, "v\n" + std::to_string(m)});
    ASSERT_EQ(Flat(r), "OK");
    want.push_back("\"SET\" \"" + key + "\" \"v\\n" + std::to_string(m) + "\"");
  }
  for (int i = 0; i < kMonitors; ++i) {
    for (int m = 0; m < kCommands; ++m) {
      Reply line = Next(monitors[i].get());
      ASSERT_NE(line, nullptr) << "monitor " << i << " line " << m;
      ASSERT_EQ(line->type, REDIS_REPLY_STATUS);
      const std::string text(line->str, line->len);
      EXPECT_NE(text.find("[0 127.0.0.1:"), std::string::npos) << text;
      EXPECT_EQ(text.substr(text.find("] ") + 2), want[m]) << "monitor " << i;
    }
  }
  // CONFIG is administrative: no monitor sees it; the next line is the ECHO.
  ASSERT_EQ(Flat(Cmd(clients[0].get(), "CONFIG GET port")).empty(), false);
  ASSERT_EQ(Flat(Cmd(clients[0].get(), "ECHO last")), "last");
  for (int i = 0; i < kMonitors; ++i) {
    Reply line = Next(monitors[i].get());
    ASSERT_NE(line, nullptr);
    const std::string text(line->str, line->len);
    EXPECT_EQ(text.substr(text.find("] ") + 2), "\"ECHO\" \"last\"") << "monitor " << i;
  }
}

TEST_F(Pubsub, ConcurrentPublishersKeepTheirOwnOrder) {
  constexpr int kPublishers = 4;
  constexpr int kMessages = 300;
  std::vector<Connection> subs;
  for (int i = 0; i < 3; ++i) {
    subs.push_back(Connect());
    CallN(subs.back().get(), {"PSUBSCRIBE", "load.*"}, 1);
  }
  std::vector<std::thread> threads;
  std::vector<int> failures(kPublishers, 0);
  for (int p = 0; p < kPublishers; ++p) {
    threads.emplace_back([&, p] {
      Connection c = server_->Connect();
      if (c == nullptr) {
        failures[p] = -1;
        return;
      }
      for (int m = 0; m < kMessages; ++m) {
        Reply r = Command(c.get(), {"PUBLISH", "load." + std::to_string(p), std::to_string(m)});
        if (Int(r) != 3) ++failures[p];
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, std::vector<int>(kPublishers, 0));
  // Every subscriber gets every message; per publisher, in sending order.
  for (auto& s : subs) {
    std::vector<int> next(kPublishers, 0);
    for (int i = 0; i < kPublishers * kMessages; ++i) {
      Reply r = Next(s.get());
      ASSERT_TRUE(r && r->type == REDIS_REPLY_ARRAY && r->elements == 4) << Flat(r);
      ASSERT_EQ(Flat(r->element[0]), "pmessage");
      ASSERT_EQ(Flat(r->element[1]), "load.*");
      int p = std::stoi(Flat(r->element[2]).substr(5));
      ASSERT_EQ(Flat(r->element[3]), std::to_string(next[p])) << "publisher " << p;
      ++next[p];
    }
  }
}

TEST_F(Pubsub, PublishCountsChannelAndPatternReceivers) {
  Connection a = Connect();
  Connection b = Connect();
  Connection c = Connect();
  Connection pub = Connect();
  CallN(a.get(), {"SUBSCRIBE", "chat"}, 1);
  CallN(b.get(), {"PSUBSCRIBE", "ch*", "nomatch*"}, 2);
  CallN(c.get(), {"PSUBSCRIBE", "c?at", "*"}, 2);
  EXPECT_EQ(Int(Cmd(pub.get(), "PUBLISH chat hello")), 4);
  EXPECT_EQ(Flat(Next(a.get())), "message|chat|hello");
  EXPECT_EQ(Flat(Next(b.get())), "pmessage|ch*|chat|hello");
  // Two matching patterns of one client: two pmessages.
  std::vector<std::string> got = {Flat(Next(c.get())), Flat(Next(c.get()))};
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"pmessage|*|chat|hello", "pmessage|c?at|chat|hello"}));
  EXPECT_EQ(Int(Cmd(pub.get(), "PUBLISH other x")), 1);
  EXPECT_EQ(Flat(Next(c.get())), "pmessage|*|other|x");
  // Redis's glob never matches the empty channel, not even "*".
  EXPECT_EQ(Int(Command(pub.get(), {"PUBLISH", "", "x"})), 0);
  EXPECT_EQ(Int(Cmd(pub.get(), "PUBLISH nobody-listens x")), 1);
  EXPECT_EQ(Flat(Next(c.get())), "pmessage|*|nobody-listens|x");
}

TEST_F(Pubsub, ChannelAndPatternMessagesComeInRedisOrder) {
  Connection s = Connect();
  Connection pub = Connect();
  CallN(s.get(), {"SUBSCRIBE", "c1"}, 1);
  CallN(s.get(), {"PSUBSCRIBE", "c*"}, 1);
  EXPECT_EQ(Int(Cmd(pub.get(), "PUBLISH c1 hi")), 2);
  EXPECT_EQ(Flat(Next(s.get())), "message|c1|hi");  // the channel first, then patterns
  EXPECT_EQ(Flat(Next(s.get())), "pmessage|c*|c1|hi");
}

TEST_F(Pubsub, ChannelsAndPayloadsAreBinarySafe) {
  Connection s = Connect();
  Connection pub = Connect();
  std::string channel("a\0b\r\n", 5);
  std::string payload("\x00\xff\r\n*1\r\n", 9);
  Reply r = Command(s.get(), {"SUBSCRIBE", channel});
  ASSERT_TRUE(r && r->type == REDIS_REPLY_ARRAY && r->elements == 3);
  EXPECT_EQ(std::string(r->element[1]->str, r->element[1]->len), channel);
  EXPECT_EQ(Int(Command(pub.get(), {"PUBLISH", channel, payload})), 1);
  Reply m = Next(s.get());
  ASSERT_TRUE(m && m->type == REDIS_REPLY_ARRAY && m->elements == 3);
  EXPECT_EQ(std::string(m->element[1]->str, m->element[1]->len), channel);
  EXPECT_EQ(std::string(m->element[2]->str, m->element[2]->len), payload);
  Reply n = Command(pub.get(), {"PUBSUB", "NUMSUB", channel});
  ASSERT_TRUE(n && n->type == REDIS_REPLY_ARRAY && n->elements == 2);
  EXPECT_EQ(n->element[1]->integer, 1);
}

TEST_F(Pubsub, Resp2SubscribedContextAllowsOnlyPubsubCommands) {
  Connection c = Connect();
  CallN(c.get(), {"SUBSCRIBE", "ch"}, 1);
  EXPECT_EQ(Flat(Cmd(c.get(), "GET k")), std::string("-ERR Can't execute 'get") + kNotAllowed);
  EXPECT_EQ(Flat(Cmd(c.get(), "CLIENT ID")),
            std::string("-ERR Can't execute 'client|id") + kNotAllowed);
  EXPECT_EQ(Flat(Cmd(c.get(), "HELLO")), std::string("-ERR Can't execute 'hello") + kNotAllowed);
  // Arity and unknown commands are checked first.
  EXPECT_EQ(Flat(Cmd(c.get(), "GET")), "-ERR wrong number of arguments for 'get' command");
  EXPECT_EQ(Flat(Cmd(c.get(), "NOSUCH")),
            "-ERR unknown command 'NOSUCH', with args beginning with: ");
  EXPECT_EQ(Flat(Cmd(c.get(), "PING")), "pong|");
  EXPECT_EQ(Flat(Cmd(c.get(), "PING hi")), "pong|hi");
  EXPECT_EQ(Flat(Cmd(c.get(), "PING a b")), "-ERR wrong number of arguments for 'ping' command");
  // Subscribed through a pattern only is the same context.
  EXPECT_EQ(Flat(Cmd(c.get(), "PSUBSCRIBE p*")), "psubscribe|p*|:2");
  EXPECT_EQ(Flat(Cmd(c.get(), "UNSUBSCRIBE")), "unsubscribe|ch|:1");
  EXPECT_EQ(Flat(Cmd(c.get(), "SET k v")), std::string("-ERR Can't execute 'set") + kNotAllowed);
  EXPECT_EQ(Flat(Cmd(c.get(), "PUNSUBSCRIBE")), "punsubscribe|p*|:0");
  EXPECT_EQ(Flat(Cmd(c.get(), "PING")), "PONG");
  EXPECT_EQ(Flat(Cmd(c.get(), "SET k v")), "OK");
  EXPECT_EQ(Flat(Cmd(c.get(), "QUIT")), "OK");
}

TEST_F(Pubsub, Resp3UsesPushesAndAllowsEveryCommand) {
  RawClient c;
  ASSERT_TRUE(c.Connect(server_->port()));
  ASSERT_TRUE(c.Send(Resp({"HELLO", "3"})));
  ASSERT_EQ(c.ReadReply().substr(0, 1), "%");
  ASSERT_TRUE(c.Send(Resp({"UNSUBSCRIBE"})));
  EXPECT_EQ(c.ReadReply(), ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n");
  ASSERT_TRUE(c.Send(Resp({"SUBSCRIBE", "ch"})));
  EXPECT_EQ(c.ReadReply(), ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
  ASSERT_TRUE(c.Send(Resp({"PSUBSCRIBE", "c*"})));
  EXPECT_EQ(c.ReadReply(), ">3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:2\r\n");
  ASSERT_TRUE(c.Send(Resp({"GET", "nokey"})));
  EXPECT_EQ(c.ReadReply(), "_\r\n");
  ASSERT_TRUE(c.Send(Resp({"PING"})));
  EXPECT_EQ(c.ReadReply(), "+PONG\r\n");
  // Publishing to itself: the messages come before PUBLISH's own reply.
  ASSERT_TRUE(c.Send(Resp({"PUBLISH", "ch", "me"})));
  EXPECT_EQ(c.ReadReply(), ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nme\r\n");
  EXPECT_EQ(c.ReadReply(), ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$2\r\nme\r\n");
  EXPECT_EQ(c.ReadReply(), ":2\r\n");
  // From another connection.
  Connection pub = Connect();
  EXPECT_EQ(Int(Cmd(pub.get(), "PUBLISH ch x")), 2);
  EXPECT_EQ(c.ReadReply(), ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n");
  EXPECT_EQ(c.ReadReply(), ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$1\r\nx\r\n");
  // RESET: no confirmations, back to RESP2 and to no subscriptions.
  ASSERT_TRUE(c.Send(Resp({"RESET"})));
  EXPECT_EQ(c.ReadReply(), "+RESET\r\n");
  EXPECT_EQ(Int(Cmd(pub.get(), "PUBLISH ch x")), 0);
}

TEST_F(Pubsub, UnsubscribeConfirmationFollowsEarlierMessages) {
  Connection s = Connect();
  Connection pub = Connect();
  CallN(s.get(), {"SUBSCRIBE", "ch"}, 1);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(Int(Command(pub.get(), {"PUBLISH", "ch", "x"})), 1);
  // Whatever loop the subscriber is on, every message published before the
  // UNSUBSCRIBE arrives before its confirmation, and none after it.
  std::vector<std::string> got = CallN(s.get(), {"UNSUBSCRIBE", "ch"}, 51);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(got[i], "message|ch|x") << i;
  EXPECT_EQ(got[50], "unsubscribe|ch|:0");
  EXPECT_EQ(Flat(Cmd(s.get(), "PING")), "PONG");
}

TEST_F(Pubsub, MessagesPublishedBeforeACommandComeBeforeItsReply) {
  Connection s = Connect();
  Connection pub = Connect();
  CallN(s.get(), {"SUBSCRIBE", "ch"}, 1);
  for (int round = 0; round < 20; ++round) {
    // PUBLISH has answered, so the message is queued for the subscriber's
    // loop; the PING sent after that must not overtake it.
    ASSERT_EQ(Int(Command(pub.get(), {"PUBLISH", "ch", std::to_string(round)})), 1);
    EXPECT_EQ(CallN(s.get(), {"PING"}, 2),
              (std::vector<std::string>{"message|ch|" + std::to_string(round), "pong|"}));
  }
}

TEST_F(Pubsub, DisconnectedSubscriberIsForgotten) {
  Connection pub = Connect();
  {
    Connection s1 = Connect();
    Connection s2 = Connect();
    CallN(s1.get(), {"SUBSCRIBE", "gone", "stay"}, 2);
    CallN(s1.get(), {"PSUBSCRIBE", "go*"}, 1);
    CallN(s2.get(), {"SUBSCRIBE", "stay"}, 1);
    EXPECT_EQ(Int(Cmd(pub.get(), "PUBLISH gone x")), 2);
    EXPECT_EQ(InfoField(pub.get(), "pubsub_channels"), "2");
    EXPECT_EQ(InfoField(pub.get(), "pubsub_patterns"), "1");
  }
  // The two subscribers may live on different loops, each forgetting its
  // client when its own loop sees the close: wait for both.
  EXPECT_TRUE(Eventually([&] {
    return Int(Cmd(pub.get(), "PUBLISH gone x")) == 0 &&
           Int(Cmd(pub.get(), "PUBLISH stay x")) == 0;
  }));
  EXPECT_EQ(Flat(Cmd(pub.get(), "PUBSUB CHANNELS")), "");
  EXPECT_EQ(Int(Cmd(pub.get(), "PUBSUB NUMPAT")), 0);
  EXPECT_EQ(InfoField(pub.get(), "pubsub_channels"), "0");
  EXPECT_EQ(InfoField(pub.get(), "pubsub_patterns"), "0");
}

TEST_F(Pubsub, ResetUnsubscribesEverythingSilently) {
  Connection s = Connect();
  Connection pub = Connect();
  CallN(s.get(), {"SUBSCRIBE", "a", "b"}, 2);
  CallN(s.get(), {"PSUBSCRIBE", "a*"}, 1);
  EXPECT_EQ(Flat(Cmd(s.get(), "RESET")), "RESET");
  EXPECT_EQ(Flat(Cmd(pub.get(), "PUBSUB NUMSUB a b")), "a|:0|b|:0");
  EXPECT_EQ(Int(Cmd(pub.get(), "PUBSUB NUMPAT")), 0);
  EXPECT_EQ(Int(Cmd(pub.get(), "PUBLISH a x")), 0);
  EXPECT_EQ(Flat(Cmd(s.get(), "EXISTS reset-test-key")), ":0");  // any command again
  EXPECT_EQ(Flat(Cmd(s.get(), "PING")), "PONG");
}

TEST_F(Pubsub, PubsubSubcommandsDescribeTheRegistry) {
  Connection a = Connect();
  Connection b = Connect();
  Connection q = Connect();
  CallN(a.get(), {"SUBSCRIBE", "news.uk", "news.fr", "sport"}, 3);
  CallN(b.get(), {"SUBSCRIBE", "news.uk"}, 1);
  CallN(a.get(), {"PSUBSCRIBE", "news.*", "x"}, 2);
  CallN(b.get(), {"PSUBSCRIBE", "news.*"}, 1);
  Reply all = Cmd(q.get(), "PUBSUB CHANNELS");
  ASSERT_TRUE(all && all->type == REDIS_REPLY_ARRAY);
  std::vector<std::string> names;
  for (size_t i = 0; i < all->elements; ++i) names.push_back(Flat(all->element[i]));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"news.fr", "news.uk", "sport"}));
  EXPECT_EQ(Flat(Cmd(q.get(), "PUBSUB CHANNELS s[p]ort")), "sport");
  EXPECT_EQ(Flat(Cmd(q.get(), "PUBSUB NUMSUB news.uk news.fr none")),
            "news.uk|:2|news.fr|:1|none|:0");
  EXPECT_EQ(Flat(Cmd(q.get(), "PUBSUB NUMSUB")), "");
  EXPECT_EQ(Int(Cmd(q.get(), "PUBSUB NUMPAT")), 2);  // distinct patterns, as Redis 7.0
  EXPECT_EQ(InfoField(q.get(), "pubsub_channels"), "3");
  EXPECT_EQ(InfoField(q.get(), "pubsub_patterns"), "2");
  EXPECT_EQ(Flat(Cmd(q.get(), "PUBSUB CHANNELS a b")),
            "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB "
            "HELP.");
  EXPECT_EQ(Flat(Cmd(q.get(), "PUBSUB NUMPAT x")),
            "-ERR wrong number of arguments for 'pubsub|numpat' command");
  EXPECT_EQ(Flat(Cmd(q.get(), "PUBSUB nope")), "-ERR unknown subcommand 'nope'. Try PUBSUB HELP.");
  EXPECT_EQ(Flat(Cmd(q.get(), "PUBSUB")), "-ERR wrong number of arguments for 'pubsub' command");
  Reply help = Cmd(q.get(), "PUBSUB HELP");
  ASSERT_TRUE(help && help->type == REDIS_REPLY_ARRAY);
  EXPECT_EQ(help->elements, 14u);
  EXPECT_EQ(Flat(help->element[0]),
            "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
}

TEST_F(Pubsub, ClientListShowsSubscriptionCountsAndType) {
  Connection s = Connect();
  Connection q = Connect();
  long long id = Int(Cmd(s.get(), "CLIENT ID"));
  CallN(s.get(), {"SUBSCRIBE", "a", "b"}, 2);
  CallN(s.get(), {"PSUBSCRIBE", "p*"}, 1);
  std::string line = Flat(Cmd(q.get(), "CLIENT LIST ID %lld", id));
  EXPECT_NE(line.find(" flags=P db=0 sub=2 psub=1 ssub=0 "), std::string::npos) << line;
  std::string pubsub = Flat(Cmd(q.get(), "CLIENT LIST TYPE pubsub"));
  EXPECT_NE(pubsub.find("id=" + std::to_string(id) + " "), std::string::npos) << pubsub;
  std::string normal = Flat(Cmd(q.get(), "CLIENT LIST TYPE normal"));
  EXPECT_EQ(normal.find("id=" + std::to_string(id) + " "), std::string::npos) << normal;
  std::string self = Flat(Cmd(q.get(), "CLIENT INFO"));
  EXPECT_NE(self.find(" flags=N db=0 sub=0 psub=0 "), std::string::npos) << self;
  // KILL TYPE pubsub takes only subscribed clients.
  EXPECT_EQ(Int(Cmd(q.get(), "CLIENT KILL TYPE pubsub")), 1);
  EXPECT_TRUE(Eventually([&] { return Int(Cmd(q.get(), "PUBSUB NUMPAT")) == 0; }));
  EXPECT_EQ(Flat(Cmd(q.get(), "PING")), "PONG");
}

TEST_F(Pubsub, SlowSubscriberIsClosedWithoutBlockingThePublisher) {
  // A subscriber that never reads, with a small receive window so the
  // kernel buffers little on its behalf.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(server_->port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  std::string sub = Resp({"SUBSCRIBE", "firehose"});
  ASSERT_EQ(send(fd, sub.data(), sub.size(), MSG_NOSIGNAL), static_cast<ssize_t>(sub.size()));
  Connection pub = Connect();
  ASSERT_TRUE(
      Eventually([&] { return Flat(Cmd(pub.get(), "PUBSUB NUMSUB firehose")) == "firehose|:1"; }));

  // 48 MB in 1 MB messages: past the 32 MB hard limit. Each PUBLISH only
  // queues, so the publisher is answered at once every time.
  std::string payload(1 << 20, 'z');
  auto t0 = Clock::now();
  for (int i = 0; i < 48; ++i) {
    Reply r = Command(pub.get(), {"PUBLISH", "firehose", payload});
    ASSERT_TRUE(r && r->type == REDIS_REPLY_INTEGER) << "publish " << i << ": " << Flat(r);
  }
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(20));
  EXPECT_TRUE(Eventually([&] { return Int(Cmd(pub.get(), "PUBLISH firehose x")) == 0; }));
  EXPECT_EQ(Flat(Cmd(pub.get(), "PUBSUB NUMSUB firehose")), "firehose|:0");
  EXPECT_NE(server_->ReadLog().find("pubsub output over the 32mb hard limit"), std::string::npos);
  close(fd);
  // The server is fine and the publisher's connection too.
  EXPECT_EQ(Flat(Cmd(pub.get(), "PING")), "PONG");
}

TEST_F(Pubsub, SubscribersComingAndGoingWhilePublishingLeaveNothingBehind) {
  std::atomic<bool> stop{false};
  std::atomic<long long> published{0};
  std::vector<std::thread> publishers;
  for (int p = 0; p < 2; ++p) {
    publishers.emplace_back([&, p] {
      Connection c = server_->Connect();
      if (c == nullptr) return;
      for (int i = 0; !stop; ++i) {
        Reply r = Command(c.get(), {"PUBLISH", "churn." + std::to_string(i % 5), "x"});
        if (r && r->type == REDIS_REPLY_INTEGER) ++published;
      }
    });
  }
  std::vector<std::thread> churners;
  std::atomic<int> rounds{0};
  for (int t = 0; t < 4; ++t) {
    churners.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        Connection c = server_->Connect();
        if (c == nullptr) continue;
        CallN(c.get(), {"SUBSCRIBE", "churn.1", "churn." + std::to_string(t)}, 2);
        CallN(c.get(), {"PSUBSCRIBE", "churn.*"}, 1);
        // Read a little, or nothing, then vanish with messages in flight.
        for (int k = 0; k < i % 3; ++k) Next(c.get());
        if (i % 4 == 0) CallN(c.get(), {"UNSUBSCRIBE", "churn.1"}, 1);
        ++rounds;
      }
    });
  }
  for (auto& t : churners) t.join();
  stop = true;
  for (auto& t : publishers) t.join();
  EXPECT_EQ(rounds.load(), 100);
  EXPECT_GT(published.load(), 0);
  Connection q = Connect();
  EXPECT_TRUE(Eventually([&] {
    return Flat(Cmd(q.get(), "PUBSUB CHANNELS")).empty() && Int(Cmd(q.get(), "PUBSUB NUMPAT")) == 0;
  }));
  EXPECT_EQ(Int(Cmd(q.get(), "PUBLISH churn.1 x")), 0);
  EXPECT_EQ(InfoField(q.get(), "pubsub_channels"), "0");
}

TEST_F(Pubsub, RedisCliSubscribePrintsEachMessage) {
  // redis-cli stays subscribed until `timeout` ends it; what it printed by
  // then is what a user sees (same bytes as against redis-server 7.0).
  std::string out;
  std::thread cli([&] {
    RunWithTimeout("redis-cli -p " + std::to_string(server_->port()) + " SUBSCRIBE cli-ch", 3,
                   &out);
  });
  Connection pub = Connect();
  bool subscribed =
      Eventually([&] { return Flat(Cmd(pub.get(), "PUBSUB NUMSUB cli-ch")) == "cli-ch|:1"; });
  EXPECT_EQ(Int(Cmd(pub.get(), "PUBLISH cli-ch hello")), subscribed ? 1 : 0);
  EXPECT_EQ(Int(Cmd(pub.get(), "PUBLISH cli-ch %s", "two words")), subscribed ? 1 : 0);
  cli.join();
  ASSERT_TRUE(subscribed);
  EXPECT_EQ(out, "subscribe\ncli-ch\n1\nmessage\ncli-ch\nhello\nmessage\ncli-ch\ntwo words\n");
}

TEST_F(Pubsub, CommandInfoMatchesRedis) {
  Connection c = Connect();
  EXPECT_EQ(Flat(Cmd(c.get(), "COMMAND INFO subscribe")),
            "subscribe|:-2|pubsub|noscript|loading|stale|:0|:0|:0|@pubsub|@slow|||");
  EXPECT_EQ(Flat(Cmd(c.get(), "COMMAND INFO publish")),
            "publish|:3|pubsub|loading|stale|fast|:0|:0|:0|@pubsub|@fast|||");
  EXPECT_EQ(Flat(Cmd(c.get(), "COMMAND INFO punsubscribe")),
            "punsubscribe|:-1|pubsub|noscript|loading|stale|:0|:0|:0|@pubsub|@slow|||");
  EXPECT_EQ(Flat(Cmd(c.get(), "COMMAND INFO pubsub|help")),
            "pubsub|help|:2|loading|stale|:0|:0|:0|@slow|||");
  EXPECT_EQ(Flat(Cmd(c.get(), "COMMAND INFO pubsub|numpat")),
            "pubsub|numpat|:2|pubsub|loading|stale|:0|:0|:0|@pubsub|@slow|||");
}

}  // namespace
}  // namespace cairn::testing
