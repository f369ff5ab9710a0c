// server/slowlog.h: what an entry keeps of a command (Redis's limits and
// redactions), the length limit, and ids that keep counting after RESET.
#include "server/slowlog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace cairn {
namespace {

using ::testing::ElementsAre;

void Add(SlowLog& log, std::vector<std::string_view> argv, size_t max_len = 128) {
  log.Add(argv, 7, 1700000000, "127.0.0.1:5000", "name", max_len);
}

TEST(SlowLog, KeepsACommandAndWhoSentIt) {
  SlowLog log;
  Add(log, {"SET", "k", "v"});
  std::vector<SlowLog::Entry> got = log.Newest(-1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, 0u);
  EXPECT_EQ(got[0].micros, 7);
  EXPECT_EQ(got[0].unix_seconds, 1700000000);
  EXPECT_THAT(got[0].args, ElementsAre("SET", "k", "v"));
  EXPECT_EQ(got[0].addr, "127.0.0.1:5000");
  EXPECT_EQ(got[0].name, "name");
}

TEST(SlowLog, CutsLongArgumentsAndLongCommandsAsRedisDoes) {
  SlowLog log;
  const std::string big(200, 'x');
  Add(log, {"SET", "k", big});
  std::vector<std::string> many_args;
  for (int i = 0; i < 40; ++i) many_args.push_back(std::to_string(i));
  std::vector<std::string_view> argv(many_args.begin(), many_args.end());
  Add(log, argv);
  Add(log, std::vector<std::string_view>(argv.begin(), argv.begin() + 32));  // exactly 32: all kept
  std::vector<SlowLog::Entry> got = log.Newest(-1);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].args[2], std::string(128, 'x') + "... (72 more bytes)");
  ASSERT_EQ(got[1].args.size(), 32u);
  EXPECT_EQ(got[1].args[30], "30");
  EXPECT_EQ(got[1].args[31], "... (9 more arguments)");
  ASSERT_EQ(got[0].args.size(), 32u);
  EXPECT_EQ(got[0].args[31], "31");
}

TEST(SlowLog, RedactsSecrets) {
  SlowLog log;
  Add(log, {"AUTH", "pw"});
  Add(log, {"auth", "user", "pw"});
  Add(log, {"HELLO", "3", "SETNAME", "n", "AUTH", "user", "pw"});
  Add(log, {"HELLO", "3", "AUTH", "user"});  // no pair: Redis fails it unredacted
  Add(log, {"CONFIG", "SET", "maxmemory", "1", "requirepass", "pw"});
  Add(log, {"MIGRATE", "h", "1", "k", "0", "10", "AUTH2", "user", "pw"});
  std::vector<SlowLog::Entry> got = log.Newest(-1);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_THAT(got[5].args, ElementsAre("AUTH", "(redacted)"));
  EXPECT_THAT(got[4].args, ElementsAre("auth", "(redacted)", "(redacted)"));
  EXPECT_THAT(got[3].args,
              ElementsAre("HELLO", "3", "SETNAME", "n", "AUTH", "(redacted)", "(redacted)"));
  EXPECT_THAT(got[2].args, ElementsAre("HELLO", "3", "AUTH", "user"));
  EXPECT_THAT(got[1].args,
              ElementsAre("CONFIG", "SET", "maxmemory", "1", "requirepass", "(redacted)"));
  EXPECT_THAT(got[0].args, ElementsAre("MIGRATE", "h", "1", "k", "0", "10", "AUTH2", "(redacted)",
                                       "(redacted)"));
}

TEST(SlowLog, KeepsTheNewestUpToItsLengthAndIdsOutliveAReset) {
  SlowLog log;
  for (int i = 0; i < 5; ++i) Add(log, {"PING"}, 3);
  EXPECT_EQ(log.size(), 3u);
  std::vector<SlowLog::Entry> got = log.Newest(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].id, 4u);
  EXPECT_EQ(got[1].id, 3u);
  EXPECT_TRUE(log.Newest(0).empty());
  log.Reset();
  EXPECT_EQ(log.size(), 0u);
  Add(log, {"PING"});
  ASSERT_EQ(log.Newest(10).size(), 1u);
  EXPECT_EQ(log.Newest(10)[0].id, 5u);
  Add(log, {"PING"}, 0);  // a length of 0 keeps nothing
  EXPECT_EQ(log.size(), 0u);
}

}  // namespace
}  // namespace cairn
