#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "server/pubsub.h"
#include "server/resp/reply.h"

namespace cairn {
namespace {

// Describes deliveries as "id:channel:payload" or "id:pattern>channel:payload".
std::vector<std::string> Describe(const std::vector<PubsubDelivery>& mail) {
  std::vector<std::string> out;
  for (const auto& d : mail) {
    std::string s = std::to_string(d.client_id) + ":";
    if (d.pattern != nullptr) s += *d.pattern + ">";
    s += d.message->channel + ":" + d.message->payload;
    out.push_back(s);
  }
  return out;
}

TEST(PubsubRegistry, CountsAreChannelsPlusPatternsPerClient) {
  PubsubRegistry reg(2, nullptr);
  size_t count = 0;
  EXPECT_TRUE(reg.Subscribe(7, 0, "a", &count));
  EXPECT_EQ(count, 1u);
  EXPECT_FALSE(reg.Subscribe(7, 0, "a", &count));  // already subscribed
  EXPECT_EQ(count, 1u);
  EXPECT_TRUE(reg.PSubscribe(7, 0, "a*", &count));
  EXPECT_EQ(count, 2u);
  EXPECT_FALSE(reg.Unsubscribe(7, "nope", &count));
  EXPECT_EQ(count, 2u);
  EXPECT_FALSE(reg.Unsubscribe(99, "a", &count));  // a client with nothing
  EXPECT_EQ(count, 0u);
  EXPECT_TRUE(reg.PUnsubscribe(7, "a*", &count));
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(reg.NumPatterns(), 0u);
  EXPECT_TRUE(reg.Unsubscribe(7, "a", &count));
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(reg.NumChannels(), 0u);
}

TEST(PubsubRegistry, PublishQueuesForTheSubscribersLoopAndWakesIt) {
  std::vector<int> woken;
  PubsubRegistry reg(3, [&](int w) { woken.push_back(w); });
  size_t count = 0;
  reg.Subscribe(1, 0, "news", &count);
  reg.Subscribe(2, 2, "news", &count);
  reg.PSubscribe(2, 2, "n*", &count);
  reg.PSubscribe(3, 2, "x*", &count);
  EXPECT_EQ(reg.Publish("news", "hi"), 3);
  EXPECT_EQ(woken, (std::vector<int>{0, 2}));
  EXPECT_EQ(Describe(reg.TakeAll(0)), (std::vector<std::string>{"1:news:hi"}));
  EXPECT_TRUE(reg.TakeAll(1).empty());
  EXPECT_EQ(Describe(reg.TakeAll(2)), (std::vector<std::string>{"2:news:hi", "2:n*>news:hi"}));
  EXPECT_TRUE(reg.TakeAll(2).empty());  // taken once
  EXPECT_EQ(reg.Publish("other", "x"), 0);
}

TEST(PubsubRegistry, TakeForKeepsTheOrderOfEveryoneElse) {
  PubsubRegistry reg(1, nullptr);
  size_t count = 0;
  reg.Subscribe(1, 0, "c", &count);
  reg.Subscribe(2, 0, "c", &count);
  for (int i = 0; i < 3; ++i) reg.Publish("c", std::to_string(i));
  auto mine = Describe(reg.TakeFor(0, 2));
  EXPECT_EQ(mine, (std::vector<std::string>{"2:c:0", "2:c:1", "2:c:2"}));
  EXPECT_EQ(Describe(reg.TakeAll(0)), (std::vector<std::string>{"1:c:0", "1:c:1", "1:c:2"}));
}

TEST(PubsubRegistry, RemoveClientDropsEverySubscription) {
  PubsubRegistry reg(1, nullptr);
  size_t count = 0;
  reg.Subscribe(1, 0, "a", &count);
  reg.Subscribe(1, 0, "b", &count);
  reg.Subscribe(2, 0, "b", &count);
  reg.PSubscribe(1, 0, "*", &count);
  reg.RemoveClient(1);
  EXPECT_EQ(reg.Channels(nullptr), (std::vector<std::string>{"b"}));
  EXPECT_EQ(reg.NumSubscribers("b"), 1u);
  EXPECT_EQ(reg.NumPatterns(), 0u);
  EXPECT_TRUE(reg.ChannelsOf(1).empty());
  EXPECT_EQ(reg.Publish("a", "x"), 0);
}

TEST(PubsubRegistry, PatternsOfKeepSubscriptionOrder) {
  PubsubRegistry reg(1, nullptr);
  size_t count = 0;
  for (const char* p : {"z*", "a*", "m*"}) reg.PSubscribe(5, 0, p, &count);
  EXPECT_EQ(reg.PatternsOf(5), (std::vector<std::string>{"z*", "a*", "m*"}));
  std::string pattern = "a*";
  reg.Subscribe(6, 0, "abc", &count);
  reg.Subscribe(6, 0, "xyz", &count);
  EXPECT_EQ(reg.Channels(&pattern), (std::vector<std::string>{"abc"}));
}

TEST(PubsubRegistry, ConcurrentPublishersGiveEveryReceiverTheSameOrder) {
  PubsubRegistry reg(2, nullptr);
  size_t count = 0;
  reg.Subscribe(1, 0, "c", &count);
  reg.Subscribe(2, 1, "c", &count);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&reg, t] {
      for (int i = 0; i < 500; ++i) reg.Publish("c", std::to_string(t * 1000 + i));
    });
  }
  for (auto& th : threads) th.join();
  auto a = reg.TakeAll(0);
  auto b = reg.TakeAll(1);
  ASSERT_EQ(a.size(), 2000u);
  ASSERT_EQ(b.size(), 2000u);
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].message->payload, b[i].message->payload) << i;
  }
}

TEST(WritePubsubMessage, EncodesRedisFramesInBothProtocols) {
  PubsubDelivery d;
  d.message = std::make_shared<const PubsubMessage>(PubsubMessage{"ch", "hi"});
  std::string out;
  resp::ReplyBuilder reply(&out);
  WritePubsubMessage(reply, d);
  EXPECT_EQ(out, "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
  out.clear();
  reply.set_protocol(3);
  d.pattern = std::make_shared<const std::string>("c*");
  WritePubsubMessage(reply, d);
  EXPECT_EQ(out, ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$2\r\nhi\r\n");
}

TEST(AllowedWhileSubscribed, IsRedisList) {
  for (const char* ok : {"ping", "subscribe", "unsubscribe", "psubscribe", "punsubscribe",
                         "ssubscribe", "sunsubscribe", "quit", "reset"}) {
    EXPECT_TRUE(AllowedWhileSubscribed(ok)) << ok;
  }
  for (const char* no : {"get", "hello", "publish", "client", "multi", "echo"}) {
    EXPECT_FALSE(AllowedWhileSubscribed(no)) << no;
  }
}

}  // namespace
}  // namespace cairn
