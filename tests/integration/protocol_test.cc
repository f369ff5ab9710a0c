// The wire protocol as a client sees it: exact errors, limits, pipelining,
// binary safety, RESP3, and memory that a declared length must not reserve.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "tests/integration/raw_client.h"
#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

std::string Multibulk(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// Resident set size of a process in KiB (from /proc).
long RssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

class ProtocolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess({"--client-query-buffer-limit", "4mb"});
    ASSERT_TRUE(server_->Start()) << server_->ReadLog();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  RawClient& Client() {
    client_ = std::make_unique<RawClient>();
    EXPECT_TRUE(client_->Connect(server_->port()));
    return *client_;
  }
  static ServerProcess* server_;
  std::unique_ptr<RawClient> client_;
};
ServerProcess* ProtocolTest::server_ = nullptr;

TEST_F(ProtocolTest, NegativeBulkLengthIsAProtocolErrorAndCloses) {
  RawClient& c = Client();
  c.Send("*1\r\n$-5\r\n");
  EXPECT_EQ(c.ReadReply(), "-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ProtocolTest, BulkLengthOverProtoMaxBulkLenIsRefused) {
  RawClient& c = Client();
  c.Send("*1\r\n$536870913\r\n");
  EXPECT_EQ(c.ReadReply(), "-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ProtocolTest, NonNumericMultibulkLengthIsRefused) {
  RawClient& c = Client();
  c.Send("*abc\r\n");
  EXPECT_EQ(c.ReadReply(), "-ERR Protocol error: invalid multibulk length\r\n");
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ProtocolTest, MissingDollarIsReportedWithTheByteSeen) {
  RawClient& c = Client();
  c.Send("*1\r\nx3\r\nfoo\r\n");
  EXPECT_EQ(c.ReadReply(), "-ERR Protocol error: expected '$', got 'x'\r\n");
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ProtocolTest, UnbalancedQuotesInInlineCommand) {
  RawClient& c = Client();
  c.Send("SET \"foo bar\r\n");
  EXPECT_EQ(c.ReadReply(), "-ERR Protocol error: unbalanced quotes in request\r\n");
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ProtocolTest, TooBigInlineRequest) {
  RawClient& c = Client();
  c.Send(std::string(70 * 1024, 'a'));
  EXPECT_EQ(c.ReadReply(), "-ERR Protocol error: too big inline request\r\n");
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ProtocolTest, InlineCommandsWithQuotesWork) {
  RawClient& c = Client();
  c.Send("SET \"inline key\" 'a b'\r\nGET \"inline key\"\r\n\r\nPING\n");
  EXPECT_EQ(c.ReadReply(), "+OK\r\n");
  EXPECT_EQ(c.ReadReply(), "$3\r\na b\r\n");
  EXPECT_EQ(c.ReadReply(), "+PONG\r\n");
}

TEST_F(ProtocolTest, UnknownCommandNamesArguments) {
  RawClient& c = Client();
  c.Send(Multibulk({"foo", "a", "b"}));
  EXPECT_EQ(c.ReadReply(), "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
  c.Send(Multibulk({"GET"}));
  EXPECT_EQ(c.ReadReply(), "-ERR wrong number of arguments for 'get' command\r\n");
  // The connection stays usable after command errors.
  c.Send(Multibulk({"PING"}));
  EXPECT_EQ(c.ReadReply(), "+PONG\r\n");
}

TEST_F(ProtocolTest, EmptyMultibulkIsIgnored) {
  RawClient& c = Client();
  c.Send("*0\r\n*-1\r\n" + Multibulk({"PING"}));
  EXPECT_EQ(c.ReadReply(), "+PONG\r\n");
}

TEST_F(ProtocolTest, TenThousandPipelinedCommandsAllAnswerInOrder) {
  RawClient& c = Client();
  std::string batch;
  for (int i = 0; i < 10000; ++i) {
    batch += Multibulk({"SET", "pipe:" + std::to_string(i), std::to_string(i)});
  }
  for (int i = 0; i < 10000; ++i) batch += Multibulk({"GET", "pipe:" + std::to_string(i)});
  ASSERT_TRUE(c.Send(batch));
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(c.ReadReply(), "+OK\r\n") << i;
  for (int i = 0; i < 10000; ++i) {
    std::string v = std::to_string(i);
    ASSERT_EQ(c.ReadReply(), "$" + std::to_string(v.size()) + "\r\n" + v + "\r\n") << i;
  }
}

TEST_F(ProtocolTest, CommandSplitAcrossManyWritesIsReassembled) {
  RawClient& c = Client();
  std::string cmd = Multibulk({"SET", "split", std::string(100000, 'z')});
  for (size_t off = 0; off < cmd.size(); off += 997) {
    ASSERT_TRUE(c.Send(cmd.substr(off, 997)));
  }
  EXPECT_EQ(c.ReadReply(), "+OK\r\n");
  c.Send(Multibulk({"GET", "split"}));
  EXPECT_EQ(c.ReadReply(), "$100000\r\n" + std::string(100000, 'z') + "\r\n");
}

TEST_F(ProtocolTest, KeysAndValuesAreBinarySafe) {
  RawClient& c = Client();
  std::string key("bin\0key\r\n", 9);
  std::string value("\0\r\n\xff\x01 value\r\n", 14);
  c.Send(Multibulk({"SET", key, value}));
  EXPECT_EQ(c.ReadReply(), "+OK\r\n");
  c.Send(Multibulk({"GET", key}));
  EXPECT_EQ(c.ReadReply(), "$14\r\n" + value + "\r\n");
  c.Send(Multibulk({"GET", std::string("bin\0key", 7)}));
  EXPECT_EQ(c.ReadReply(), "$-1\r\n");
}

TEST_F(ProtocolTest, Resp3NullAndBackToResp2) {
  RawClient& c = Client();
  c.Send(Multibulk({"HELLO", "3"}));
  std::string hello = c.ReadReply();
  ASSERT_FALSE(hello.empty());
  EXPECT_EQ(hello[0], '%');
  EXPECT_NE(hello.find("proto"), std::string::npos);
  c.Send(Multibulk({"GET", "resp3:missing"}));
  EXPECT_EQ(c.ReadReply(), "_\r\n");
  c.Send(Multibulk({"HELLO", "2"}));
  EXPECT_EQ(c.ReadReply()[0], '*');
  c.Send(Multibulk({"GET", "resp3:missing"}));
  EXPECT_EQ(c.ReadReply(), "$-1\r\n");
}

TEST_F(ProtocolTest, DeclaredHugeBulkReservesNoMemory) {
  long before = RssKb(server_->pid());
  ASSERT_GT(before, 0);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 8; ++i) {
    auto c = std::make_unique<RawClient>();
    ASSERT_TRUE(c->Connect(server_->port()));
    // 512 MB declared, 3 bytes sent; and a huge argument count.
    c->Send("*2\r\n$3\r\nSET\r\n$536870912\r\nabc");
    clients.push_back(std::move(c));
    auto c2 = std::make_unique<RawClient>();
    ASSERT_TRUE(c2->Connect(server_->port()));
    c2->Send("*1073741824\r\n$4\r\nPING\r\n");
    clients.push_back(std::move(c2));
  }
  // The server keeps serving others meanwhile.
  RawClient& probe = Client();
  probe.Send(Multibulk({"PING"}));
  EXPECT_EQ(probe.ReadReply(), "+PONG\r\n");
  long after = RssKb(server_->pid());
  // 8 x 512 MB declared; allow 64 MB of noise.
  EXPECT_LT(after - before, 64 * 1024) << "RSS grew from " << before << " to " << after << " KiB";
}

TEST_F(ProtocolTest, QueryBufferLimitClosesTheClient) {
  RawClient& c = Client();
  // 4 MB limit: a 6 MB value that never completes must not be buffered forever.
  c.Send("*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$8000000\r\n");
  std::string chunk(1 << 20, 'x');
  bool closed = false;
  for (int i = 0; i < 7 && !closed; ++i) {
    if (!c.Send(chunk)) closed = true;
  }
  EXPECT_TRUE(closed || c.WaitClosed());
  RawClient& probe = Client();
  probe.Send(Multibulk({"PING"}));
  EXPECT_EQ(probe.ReadReply(), "+PONG\r\n");
}

}  // namespace
}  // namespace cairn::testing

namespace cairn::testing {
namespace {

// With requirepass set, a client that has not authenticated may only send
// small commands (Redis 7): big declared sizes are refused before AUTH.
TEST(ProtocolBeforeAuth, LargeCommandsAreRefusedUntilAuthenticated) {
  ServerProcess server({"--requirepass", "secret"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  RawClient many;
  ASSERT_TRUE(many.Connect(server.port()));
  many.Send("*11\r\n");
  EXPECT_EQ(many.ReadReply(), "-ERR Protocol error: unauthenticated multibulk length\r\n");
  EXPECT_TRUE(many.WaitClosed());

  RawClient big;
  ASSERT_TRUE(big.Connect(server.port()));
  big.Send("*2\r\n$3\r\nGET\r\n$20000\r\n");
  EXPECT_EQ(big.ReadReply(), "-ERR Protocol error: unauthenticated bulk length\r\n");
  EXPECT_TRUE(big.WaitClosed());

  // After AUTH (in the same pipelined write) the limits are lifted.
  RawClient ok;
  ASSERT_TRUE(ok.Connect(server.port()));
  std::string value(20000, 'v');
  ok.Send(Multibulk({"AUTH", "secret"}) + Multibulk({"SET", "big", value}) +
          Multibulk({"STRLEN", "big"}));
  EXPECT_EQ(ok.ReadReply(), "+OK\r\n");
  EXPECT_EQ(ok.ReadReply(), "+OK\r\n");
  EXPECT_EQ(ok.ReadReply(), ":20000\r\n");
}

// CLIENT REPLY OFF drops the replies of pipelined writes that wait for an
// fsync (appendfsync always) without disturbing the replies after ON.
TEST(ProtocolReplyOff, PipelinedWritesUnderAlwaysAnswerNothingUntilOn) {
  ServerProcess server({"--appendfsync", "always"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  c.Send("CLIENT REPLY OFF\r\nSET a 1\r\nSET b 2\r\nINCR a\r\nGET b\r\n"
         "CLIENT REPLY ON\r\nGET a\r\nCLIENT REPLY SKIP\r\nSET c 3\r\nGET c\r\n");
  EXPECT_EQ(c.ReadReply(), "+OK\r\n");
  EXPECT_EQ(c.ReadReply(), "$1\r\n2\r\n");
  EXPECT_EQ(c.ReadReply(), "$1\r\n3\r\n");
}

}  // namespace
}  // namespace cairn::testing
