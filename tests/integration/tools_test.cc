// The real Redis tools against Cairn: redis-cli as a user types into it, and
// redis-benchmark's standard suite with no errors.
#include <gtest/gtest.h>

#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

class ToolsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess();
    ASSERT_TRUE(server_->Start()) << server_->ReadLog();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static std::string Port() { return std::to_string(server_->port()); }
  static ServerProcess* server_;
};
ServerProcess* ToolsTest::server_ = nullptr;

TEST_F(ToolsTest, RedisCliRunsCommandsFromStdin) {
  std::string out;
  int rc = RunWithTimeout(
      "printf 'SET cli:a hello\\nGET cli:a\\nINCR cli:n\\nINCR cli:n\\n"
      "GET cli:missing\\n' | redis-cli -p " +
          Port(),
      30, &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "OK\nhello\n1\n2\n\n");
}

TEST_F(ToolsTest, RedisCliShowsErrorsLikeRedis) {
  std::string out;
  int rc = RunWithTimeout("redis-cli -p " + Port() + " GET", 30, &out);
  EXPECT_EQ(rc, 0);
  // Without a terminal redis-cli prints the error text bare and a blank
  // line, byte for byte what it prints against redis-server.
  EXPECT_EQ(out, "ERR wrong number of arguments for 'get' command\n\n");
}

TEST_F(ToolsTest, RedisCliInteractiveSessionUnderATerminal) {
  // `script` gives redis-cli a pseudo-terminal, so it runs its interactive
  // mode (prompt, COMMAND DOCS hints) exactly as a person would use it.
  // TERM=dumb keeps linenoise from querying the cursor position, which
  // nothing would answer here.
  std::string out;
  int rc = RunWithTimeout(
      "printf 'SET tty:k v1\\nGET tty:k\\nexit\\n' | TERM=dumb script -qfec \"redis-cli -p " +
          Port() + "\" /dev/null",
      30, &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("127.0.0.1:" + Port() + ">"), std::string::npos) << out;
  EXPECT_NE(out.find("\"v1\""), std::string::npos) << out;
}

TEST_F(ToolsTest, RedisBenchmarkStandardSuiteHasNoErrors) {
  std::string out;
  int rc = RunWithTimeout(
      "redis-benchmark -p " + Port() + " -t ping,set,get,incr,mset -n 100000 -P 16 -q", 240, &out);
  EXPECT_EQ(rc, 0) << out;
  for (const char* test : {"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"}) {
    EXPECT_NE(out.find(std::string(test) + ": "), std::string::npos) << test << "\n" << out;
  }
  EXPECT_EQ(out.find("rror"), std::string::npos) << out;
  // The counter INCR ran 100000 times on key:__rand_int__ (a single key without -r).
  Connection c = server_->Connect();
  ASSERT_NE(c, nullptr);
  Reply r = Cmd(c.get(), "GET counter:__rand_int__");
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(r->str, r->len), "100000");
}

}  // namespace
}  // namespace cairn::testing
