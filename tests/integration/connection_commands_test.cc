// Connection commands against a real cairn-server: PING, ECHO, HELLO, AUTH,
// QUIT, RESET, SELECT and CLIENT. Expected replies were taken from a
// redis-server 7.0.15 run side by side. RESP3 replies (the HELLO 3 map,
// verbatim strings) are checked byte for byte over a raw socket, since
// hiredis 0.14 cannot parse RESP3 types.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kSyntax[] = "ERR syntax error";
constexpr char kNotInteger[] = "ERR value is not an integer or out of range";
constexpr char kWrongPass[] = "WRONGPASS invalid username-password pair or user is disabled.";
constexpr char kNoAuth[] = "NOAUTH Authentication required.";
constexpr char kHelloNoAuth[] =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
    "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
    "protocol version at the same time";
constexpr char kBadName[] =
    "ERR Client names cannot contain spaces, newlines or special characters.";

// ---- reply checks with readable failures ----

std::string Describe(const Reply& r) {
  if (!r) return "no reply";
  return "type " + std::to_string(r->type) + " '" +
         (r->str != nullptr ? std::string(r->str, r->len) : std::string()) + "'";
}

::testing::AssertionResult IsStatus(const Reply& r, const std::string& want) {
  if (!r || r->type != REDIS_REPLY_STATUS || std::string(r->str, r->len) != want) {
    return ::testing::AssertionFailure() << Describe(r) << ", want status " << want;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsBulk(const Reply& r, const std::string& want) {
  if (!r || r->type != REDIS_REPLY_STRING || std::string(r->str, r->len) != want) {
    return ::testing::AssertionFailure() << Describe(r) << ", want bulk " << want;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsError(const Reply& r, const std::string& want) {
  if (!r || r->type != REDIS_REPLY_ERROR || std::string(r->str, r->len) != want) {
    return ::testing::AssertionFailure() << Describe(r) << ", want error " << want;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsInt(const Reply& r, long long want) {
  if (!r || r->type != REDIS_REPLY_INTEGER || r->integer != want) {
    return ::testing::AssertionFailure()
           << Describe(r)
           << (r && r->type == REDIS_REPLY_INTEGER ? " = " + std::to_string(r->integer) : "")
           << ", want integer " << want;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsNil(const Reply& r) {
  if (!r || r->type != REDIS_REPLY_NIL) {
    return ::testing::AssertionFailure() << Describe(r) << ", want nil";
  }
  return ::testing::AssertionSuccess();
}

Reply Do(const Connection& c, const std::vector<std::string>& argv) {
  return Command(c.get(), argv);
}

long long ClientId(const Connection& c) {
  Reply r = Do(c, {"CLIENT", "ID"});
  return r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
}

std::string BulkText(const Reply& r) {
  return r && r->type == REDIS_REPLY_STRING ? std::string(r->str, r->len) : std::string();
}

// The value of `field=` in a CLIENT LIST line ("" if absent).
std::string Field(const std::string& line, const std::string& field) {
  std::string key = field + "=";
  size_t pos = 0;
  if (line.rfind(key, 0) != 0) {
    pos = line.find(" " + key);
    if (pos == std::string::npos) return "";
    ++pos;
  }
  size_t start = pos + key.size();
  size_t end = line.find_first_of(" \n", start);
  return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The CLIENT LIST line of client `id` ("" if not listed).
std::string LineOf(const std::string& list, long long id) {
  std::string prefix = "id=" + std::to_string(id) + " ";
  size_t pos = 0;
  while (pos < list.size()) {
    size_t end = list.find('\n', pos);
    if (end == std::string::npos) end = list.size();
    std::string line = list.substr(pos, end - pos);
    if (line.rfind(prefix, 0) == 0) return line;
    pos = end + 1;
  }
  return "";
}

// Polls `cond` every 10 ms until true or `timeout` passes.
template <typename F>
bool WaitFor(F cond, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

// A raw TCP connection, for replies that must be seen byte for byte.
class RawSocket {
 public:
  explicit RawSocket(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~RawSocket() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  // Sends argv as a RESP array.
  bool Send(const std::vector<std::string>& argv) {
    std::string out = "*" + std::to_string(argv.size()) + "\r\n";
    for (const auto& a : argv) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    return ::send(fd_, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size());
  }

  // Reads until `n` bytes are buffered (or timeout/close) and returns them.
  std::string Read(size_t n, int timeout_ms = 5000) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (buf_.size() < n && !closed_ && Fill(deadline)) {
    }
    std::string out = buf_.substr(0, n);
    buf_.erase(0, out.size());
    return out;
  }

  // Reads until the buffer holds `suffix` at its end-of-data (or timeout).
  std::string ReadUntil(const std::string& suffix, int timeout_ms = 5000) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (buf_.find(suffix) == std::string::npos && !closed_ && Fill(deadline)) {
    }
    size_t pos = buf_.find(suffix);
    size_t n = pos == std::string::npos ? buf_.size() : pos + suffix.size();
    std::string out = buf_.substr(0, n);
    buf_.erase(0, n);
    return out;
  }

  // True if the server closed the connection before the deadline.
  bool WaitClosed(int timeout_ms = 5000) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!closed_ && Fill(deadline)) {
    }
    return closed_;
  }

 private:
  bool Fill(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char tmp[4096];
    ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buf_;
  bool closed_ = false;
};

std::string HelloMap(char header, int proto, long long id) {
  std::string ids = std::to_string(id);
  return std::string(1, header) + (header == '%' ? "7" : "14") +
         "\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:" +
         std::to_string(proto) + "\r\n$2\r\nid\r\n:" + ids +
         "\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0"
         "\r\n";
}

// ================================================================ no password

class ConnectionCommands : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess();
    ASSERT_TRUE(server_->Start()) << server_->ReadLog();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  Connection Connect() {
    Connection c = server_->Connect();
    EXPECT_TRUE(c != nullptr);
    return c;
  }
  static ServerProcess* server_;
};
ServerProcess* ConnectionCommands::server_ = nullptr;

TEST_F(ConnectionCommands, PingRepliesPongOrEchoesItsArgument) {
  Connection c = Connect();
  EXPECT_TRUE(IsStatus(Do(c, {"PING"}), "PONG"));
  EXPECT_TRUE(IsBulk(Do(c, {"PING", "hello world"}), "hello world"));
  EXPECT_TRUE(
      IsError(Do(c, {"PING", "a", "b"}), "ERR wrong number of arguments for 'ping' command"));
}

TEST_F(ConnectionCommands, EchoRepliesItsArgumentBinarySafe) {
  Connection c = Connect();
  EXPECT_TRUE(IsBulk(Do(c, {"ECHO", std::string("a\0b\r\n", 5)}), std::string("a\0b\r\n", 5)));
  EXPECT_TRUE(IsError(Do(c, {"ECHO"}), "ERR wrong number of arguments for 'echo' command"));
  EXPECT_TRUE(
      IsError(Do(c, {"ECHO", "a", "b"}), "ERR wrong number of arguments for 'echo' command"));
}

TEST_F(ConnectionCommands, SelectIsolatesDatabases) {
  Connection c = Connect();
  ASSERT_TRUE(IsStatus(Do(c, {"SELECT", "1"}), "OK"));
  ASSERT_TRUE(IsStatus(Do(c, {"SET", "conn:select:k", "in-db-1"}), "OK"));
  EXPECT_TRUE(IsBulk(Do(c, {"GET", "conn:select:k"}), "in-db-1"));
  ASSERT_TRUE(IsStatus(Do(c, {"SELECT", "0"}), "OK"));
  EXPECT_TRUE(IsNil(Do(c, {"GET", "conn:select:k"})));
  // Another connection starts in db 0.
  Connection other = Connect();
  EXPECT_TRUE(IsNil(Do(other, {"GET", "conn:select:k"})));
  ASSERT_TRUE(IsStatus(Do(other, {"SELECT", "1"}), "OK"));
  EXPECT_TRUE(IsBulk(Do(other, {"GET", "conn:select:k"}), "in-db-1"));
}

TEST_F(ConnectionCommands, SelectRejectsBadIndexes) {
  Connection c = Connect();
  EXPECT_TRUE(IsStatus(Do(c, {"SELECT", "15"}), "OK"));
  EXPECT_TRUE(IsError(Do(c, {"SELECT", "16"}), "ERR DB index is out of range"));
  EXPECT_TRUE(IsError(Do(c, {"SELECT", "-1"}), "ERR DB index is out of range"));
  EXPECT_TRUE(IsError(Do(c, {"SELECT", "x"}), kNotInteger));
  EXPECT_TRUE(IsError(Do(c, {"SELECT", "01"}), kNotInteger));
  EXPECT_TRUE(IsError(Do(c, {"SELECT", "1.5"}), kNotInteger));
  EXPECT_TRUE(IsError(Do(c, {"SELECT", "99999999999"}),
                      "ERR value is out of range, value must between -2147483648 and 2147483647"));
  // The failed SELECTs left the connection in db 15.
  Reply info = Do(c, {"CLIENT", "INFO"});
  EXPECT_EQ(Field(BulkText(info), "db"), "15");
}

TEST_F(ConnectionCommands, AuthWithoutConfiguredPasswordBehavesAsRedis) {
  Connection c = Connect();
  EXPECT_TRUE(IsError(Do(c, {"AUTH", "x"}),
                      "ERR AUTH <password> called without any password configured for the default "
                      "user. Are you sure your configuration is correct?"));
  // The default user is "nopass": any password is accepted for it.
  EXPECT_TRUE(IsStatus(Do(c, {"AUTH", "default", "anything"}), "OK"));
  EXPECT_TRUE(IsError(Do(c, {"AUTH", "bob", "x"}), kWrongPass));
  EXPECT_TRUE(IsError(Do(c, {"AUTH", "a", "b", "c"}), kSyntax));
  EXPECT_TRUE(IsError(Do(c, {"AUTH"}), "ERR wrong number of arguments for 'auth' command"));
}

TEST_F(ConnectionCommands, HelloWithoutArgumentsReportsCurrentProtocol) {
  Connection c = Connect();
  long long id = ClientId(c);
  Reply r = Do(c, {"HELLO"});
  ASSERT_TRUE(r && r->type == REDIS_REPLY_ARRAY) << Describe(r);
  ASSERT_EQ(r->elements, 14u);
  EXPECT_EQ(std::string(r->element[0]->str), "server");
  EXPECT_EQ(std::string(r->element[1]->str), "redis");
  EXPECT_EQ(std::string(r->element[3]->str), "7.0.15");
  EXPECT_EQ(std::string(r->element[4]->str), "proto");
  EXPECT_EQ(r->element[5]->integer, 2);
  EXPECT_EQ(r->element[7]->integer, id);
  EXPECT_EQ(std::string(r->element[9]->str), "standalone");
  EXPECT_EQ(std::string(r->element[11]->str), "master");
  EXPECT_EQ(r->element[13]->type, REDIS_REPLY_ARRAY);
  EXPECT_EQ(r->element[13]->elements, 0u);
}

TEST_F(ConnectionCommands, Hello3RepliesWithResp3MapAndSwitchesProtocol) {
  RawSocket s(server_->port());
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s.Send({"CLIENT", "ID"}));
  std::string id_reply = s.ReadUntil("\r\n");
  ASSERT_EQ(id_reply[0], ':') << id_reply;
  long long id = std::stoll(id_reply.substr(1));

  ASSERT_TRUE(s.Send({"HELLO", "3"}));
  std::string want = HelloMap('%', 3, id);
  EXPECT_EQ(s.Read(want.size()), want);
  // Now nil is RESP3's "_" and CLIENT INFO a verbatim string.
  ASSERT_TRUE(s.Send({"CLIENT", "GETNAME"}));
  EXPECT_EQ(s.Read(3), "_\r\n");
  ASSERT_TRUE(s.Send({"CLIENT", "INFO"}));
  std::string info = s.ReadUntil("\n\r\n");
  EXPECT_TRUE(std::regex_search(info, std::regex("^=\\d+\\r\\ntxt:id=" + std::to_string(id) + " ")))
      << info;
  EXPECT_NE(info.find(" resp=3 "), std::string::npos) << info;
  // PING stays a simple string in RESP3.
  ASSERT_TRUE(s.Send({"PING"}));
  EXPECT_EQ(s.Read(7), "+PONG\r\n");
  // HELLO 2 answers in RESP2 again.
  ASSERT_TRUE(s.Send({"HELLO", "2"}));
  want = HelloMap('*', 2, id);
  EXPECT_EQ(s.Read(want.size()), want);
  ASSERT_TRUE(s.Send({"CLIENT", "GETNAME"}));
  EXPECT_EQ(s.Read(5), "$-1\r\n");
}

TEST_F(ConnectionCommands, HelloRejectsBadProtocolsAndOptions) {
  Connection c = Connect();
  EXPECT_TRUE(IsError(Do(c, {"HELLO", "4"}), "NOPROTO unsupported protocol version"));
  EXPECT_TRUE(IsError(Do(c, {"HELLO", "1"}), "NOPROTO unsupported protocol version"));
  EXPECT_TRUE(
      IsError(Do(c, {"HELLO", "x"}), "ERR Protocol version is not an integer or out of range"));
  EXPECT_TRUE(IsError(Do(c, {"HELLO", "2", "FOO"}), "ERR Syntax error in HELLO option 'FOO'"));
  EXPECT_TRUE(
      IsError(Do(c, {"HELLO", "2", "AUTH", "default"}), "ERR Syntax error in HELLO option 'AUTH'"));
  EXPECT_TRUE(
      IsError(Do(c, {"HELLO", "2", "SETNAME"}), "ERR Syntax error in HELLO option 'SETNAME'"));
  EXPECT_TRUE(IsError(Do(c, {"HELLO", "2", "SETNAME", "a b"}), kBadName));
  EXPECT_TRUE(IsError(Do(c, {"HELLO", "2", "AUTH", "bob", "x"}), kWrongPass));
}

TEST_F(ConnectionCommands, HelloSetnameNamesTheConnectionInOrder) {
  Connection c = Connect();
  Reply r = Do(c, {"HELLO", "2", "SETNAME", "first", "SETNAME", "second"});
  ASSERT_TRUE(r && r->type == REDIS_REPLY_ARRAY) << Describe(r);
  EXPECT_TRUE(IsBulk(Do(c, {"CLIENT", "GETNAME"}), "second"));
  // As Redis 7.0: a SETNAME before a bad option has already taken effect.
  EXPECT_TRUE(IsError(Do(c, {"HELLO", "2", "SETNAME", "third", "FOO"}),
                      "ERR Syntax error in HELLO option 'FOO'"));
  EXPECT_TRUE(IsBulk(Do(c, {"CLIENT", "GETNAME"}), "third"));
}

TEST_F(ConnectionCommands, ClientSetnameAndGetname) {
  Connection c = Connect();
  EXPECT_TRUE(IsNil(Do(c, {"CLIENT", "GETNAME"})));
  EXPECT_TRUE(IsStatus(Do(c, {"CLIENT", "SETNAME", "worker-1"}), "OK"));
  EXPECT_TRUE(IsBulk(Do(c, {"CLIENT", "GETNAME"}), "worker-1"));
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "SETNAME", "a b"}), kBadName));
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "SETNAME", "a\nb"}), kBadName));
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "SETNAME", "h\xc3\xa9llo"}), kBadName));
  EXPECT_TRUE(IsBulk(Do(c, {"CLIENT", "GETNAME"}), "worker-1"));
  // An empty name removes it.
  EXPECT_TRUE(IsStatus(Do(c, {"CLIENT", "SETNAME", ""}), "OK"));
  EXPECT_TRUE(IsNil(Do(c, {"CLIENT", "GETNAME"})));
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "SETNAME"}),
                      "ERR wrong number of arguments for 'client|setname' command"));
}

TEST_F(ConnectionCommands, ClientIdIsUniquePerConnection) {
  Connection a = Connect();
  Connection b = Connect();
  long long ida = ClientId(a);
  long long idb = ClientId(b);
  EXPECT_GT(ida, 0);
  // Distinct, not ordered: each loop accepts on its own, so a connection made
  // later may be accepted (and numbered) first.
  EXPECT_GT(idb, 0);
  EXPECT_NE(idb, ida);
  EXPECT_EQ(ClientId(a), ida);
  EXPECT_TRUE(IsError(Do(a, {"CLIENT", "ID", "x"}),
                      "ERR wrong number of arguments for 'client|id' command"));
}

TEST_F(ConnectionCommands, ClientInfoDescribesThisConnectionInRedisFormat) {
  Connection c = Connect();
  long long id = ClientId(c);
  ASSERT_TRUE(IsStatus(Do(c, {"SELECT", "3"}), "OK"));
  ASSERT_TRUE(IsStatus(Do(c, {"CLIENT", "SETNAME", "me"}), "OK"));
  std::string info = BulkText(Do(c, {"CLIENT", "INFO"}));
  // Redis 7.0's fields in order, then 7.2's lib-name and lib-ver.
  std::regex format(
      "^id=" + std::to_string(id) +
      " addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:" + std::to_string(server_->port()) +
      " fd=\\d+ name=me age=\\d+ idle=0 flags=N db=3 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 "
      "qbuf-free=\\d+ argv-mem=10 multi-mem=0 rbs=\\d+ rbp=\\d+ obl=0 oll=0 omem=0 tot-mem=\\d+ "
      "events=r cmd=client\\|info user=default redir=-1 resp=2 lib-name= lib-ver=\\n$");
  EXPECT_TRUE(std::regex_match(info, format)) << info;
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "INFO", "x"}),
                      "ERR wrong number of arguments for 'client|info' command"));
}

TEST_F(ConnectionCommands, ClientSetinfoShowsLibraryInList) {
  Connection c = Connect();
  long long id = ClientId(c);
  EXPECT_TRUE(IsStatus(Do(c, {"CLIENT", "SETINFO", "LIB-NAME", "redis-py"}), "OK"));
  EXPECT_TRUE(IsStatus(Do(c, {"CLIENT", "SETINFO", "lib-ver", "5.0.1"}), "OK"));
  EXPECT_TRUE(
      IsError(Do(c, {"CLIENT", "SETINFO", "lib-foo", "x"}), "ERR Unrecognized option 'lib-foo'"));
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "SETINFO", "lib-name", "a b"}),
                      "ERR lib-name cannot contain spaces, newlines or special characters."));
  Connection other = Connect();
  std::string line = LineOf(BulkText(Do(other, {"CLIENT", "LIST"})), id);
  EXPECT_EQ(Field(line, "lib-name"), "redis-py") << line;
  EXPECT_EQ(Field(line, "lib-ver"), "5.0.1") << line;
}

TEST_F(ConnectionCommands, ClientListShowsEveryConnectionAndFilters) {
  Connection a = Connect();
  Connection b = Connect();
  long long ida = ClientId(a);
  long long idb = ClientId(b);
  ASSERT_TRUE(IsStatus(Do(b, {"CLIENT", "SETNAME", "bee"}), "OK"));
  ASSERT_TRUE(IsStatus(Do(b, {"SELECT", "2"}), "OK"));

  std::string list = BulkText(Do(a, {"CLIENT", "LIST"}));
  std::string la = LineOf(list, ida);
  std::string lb = LineOf(list, idb);
  ASSERT_FALSE(la.empty()) << list;
  ASSERT_FALSE(lb.empty()) << list;
  EXPECT_EQ(Field(la, "cmd"), "client|list");
  EXPECT_EQ(Field(lb, "name"), "bee");
  EXPECT_EQ(Field(lb, "db"), "2");
  EXPECT_EQ(Field(lb, "cmd"), "select");
  EXPECT_EQ(list.back(), '\n');

  // TYPE normal lists everyone; no connection is a replica, master or pubsub.
  EXPECT_FALSE(LineOf(BulkText(Do(a, {"CLIENT", "LIST", "TYPE", "normal"})), idb).empty());
  EXPECT_TRUE(IsBulk(Do(a, {"CLIENT", "LIST", "TYPE", "replica"}), ""));
  EXPECT_TRUE(IsBulk(Do(a, {"CLIENT", "LIST", "TYPE", "master"}), ""));
  EXPECT_TRUE(IsError(Do(a, {"CLIENT", "LIST", "TYPE", "foo"}), "ERR Unknown client type 'foo'"));

  // ID lists in the order given; unknown IDs are skipped.
  std::string by_id =
      BulkText(Do(a, {"CLIENT", "LIST", "ID", std::to_string(idb), "999999", std::to_string(ida)}));
  EXPECT_EQ(by_id.rfind("id=" + std::to_string(idb) + " ", 0), 0u) << by_id;
  EXPECT_NE(by_id.find("\nid=" + std::to_string(ida) + " "), std::string::npos) << by_id;
  EXPECT_EQ(std::count(by_id.begin(), by_id.end(), '\n'), 2);
  EXPECT_TRUE(IsError(Do(a, {"CLIENT", "LIST", "ID", "x"}), "ERR Invalid client ID"));
  EXPECT_TRUE(IsError(Do(a, {"CLIENT", "LIST", "ID"}), kSyntax));
  EXPECT_TRUE(IsError(Do(a, {"CLIENT", "LIST", "foo"}), kSyntax));
}

TEST_F(ConnectionCommands, ClientKillByIdClosesTheOtherConnection) {
  Connection a = Connect();
  Connection b = Connect();
  long long idb = ClientId(b);
  ASSERT_GT(idb, 0);
  EXPECT_TRUE(IsInt(Do(a, {"CLIENT", "KILL", "ID", std::to_string(idb)}), 1));
  // b's next command finds the connection closed.
  EXPECT_TRUE(WaitFor([&] { return Do(b, {"PING"}) == nullptr; }));
  EXPECT_TRUE(WaitFor([&] { return LineOf(BulkText(Do(a, {"CLIENT", "LIST"})), idb).empty(); }));
  // Killing it again finds nothing; a survives.
  EXPECT_TRUE(IsInt(Do(a, {"CLIENT", "KILL", "ID", std::to_string(idb)}), 0));
  EXPECT_TRUE(IsStatus(Do(a, {"PING"}), "PONG"));
}

TEST_F(ConnectionCommands, ClientKillOldFormByAddress) {
  Connection a = Connect();
  Connection b = Connect();
  std::string addr = Field(BulkText(Do(b, {"CLIENT", "INFO"})), "addr");
  ASSERT_FALSE(addr.empty());
  EXPECT_TRUE(IsStatus(Do(a, {"CLIENT", "KILL", addr}), "OK"));
  EXPECT_TRUE(WaitFor([&] { return Do(b, {"PING"}) == nullptr; }));
  EXPECT_TRUE(WaitFor([&] {
    Reply r = Do(a, {"CLIENT", "KILL", addr});
    return IsError(r, "ERR No such client");
  }));
}

TEST_F(ConnectionCommands, ClientKillSkipsCallerUnlessSkipmeNo) {
  Connection a = Connect();
  long long ida = ClientId(a);
  std::string id = std::to_string(ida);
  EXPECT_TRUE(IsInt(Do(a, {"CLIENT", "KILL", "ID", id}), 0));
  EXPECT_TRUE(IsInt(Do(a, {"CLIENT", "KILL", "ID", id, "SKIPME", "yes"}), 0));
  EXPECT_TRUE(IsStatus(Do(a, {"PING"}), "PONG"));
  // The reply comes first, then the connection closes.
  EXPECT_TRUE(IsInt(Do(a, {"CLIENT", "KILL", "ID", id, "SKIPME", "no"}), 1));
  EXPECT_TRUE(WaitFor([&] { return Do(a, {"PING"}) == nullptr; }));
}

TEST_F(ConnectionCommands, ClientKillFiltersCombine) {
  Connection a = Connect();
  Connection b = Connect();
  std::string info = BulkText(Do(b, {"CLIENT", "INFO"}));
  std::string idb = Field(info, "id");
  std::string laddr = Field(info, "laddr");
  // Filters are ANDed: a wrong LADDR spares b.
  EXPECT_TRUE(IsInt(Do(a, {"CLIENT", "KILL", "ID", idb, "LADDR", "10.0.0.1:1"}), 0));
  EXPECT_TRUE(IsInt(Do(a, {"CLIENT", "KILL", "ID", idb, "TYPE", "pubsub"}), 0));
  EXPECT_TRUE(IsStatus(Do(b, {"PING"}), "PONG"));
  EXPECT_TRUE(IsInt(
      Do(a, {"CLIENT", "KILL", "ID", idb, "LADDR", laddr, "USER", "default", "TYPE", "normal"}),
      1));
  EXPECT_TRUE(WaitFor([&] { return Do(b, {"PING"}) == nullptr; }));
}

TEST_F(ConnectionCommands, ClientKillRejectsBadArguments) {
  Connection c = Connect();
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "KILL"}),
                      "ERR wrong number of arguments for 'client|kill' command"));
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "KILL", "1.2.3.4:5"}), "ERR No such client"));
  EXPECT_TRUE(
      IsError(Do(c, {"CLIENT", "KILL", "ID", "0"}), "ERR client-id should be greater than 0"));
  EXPECT_TRUE(
      IsError(Do(c, {"CLIENT", "KILL", "ID", "x"}), "ERR client-id should be greater than 0"));
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "KILL", "TYPE", "foo"}), "ERR Unknown client type 'foo'"));
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "KILL", "USER", "bob"}), "ERR No such user 'bob'"));
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "KILL", "SKIPME", "maybe"}), kSyntax));
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "KILL", "foo", "bar"}), kSyntax));
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "KILL", "ADDR", "1.2.3.4:5", "ID"}), kSyntax));
  EXPECT_TRUE(IsStatus(Do(c, {"PING"}), "PONG"));
}

TEST_F(ConnectionCommands, ClientContainerErrorsAndHelp) {
  Connection c = Connect();
  EXPECT_TRUE(IsError(Do(c, {"CLIENT"}), "ERR wrong number of arguments for 'client' command"));
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "foo"}), "ERR unknown subcommand 'foo'. Try CLIENT HELP."));
  Reply help = Do(c, {"CLIENT", "HELP"});
  ASSERT_TRUE(help && help->type == REDIS_REPLY_ARRAY) << Describe(help);
  ASSERT_GT(help->elements, 2u);
  EXPECT_EQ(std::string(help->element[0]->str),
            "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_EQ(std::string(help->element[help->elements - 1]->str), "    Prints this help.");
  EXPECT_TRUE(IsStatus(Do(c, {"CLIENT", "NO-EVICT", "on"}), "OK"));
  EXPECT_EQ(Field(BulkText(Do(c, {"CLIENT", "INFO"})), "flags"), "e");
  EXPECT_TRUE(IsStatus(Do(c, {"CLIENT", "NO-EVICT", "OFF"}), "OK"));
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "NO-EVICT", "maybe"}), kSyntax));
  EXPECT_TRUE(IsInt(Do(c, {"CLIENT", "GETREDIR"}), -1));
}

TEST_F(ConnectionCommands, CommandInfoListsClientSubcommands) {
  Connection c = Connect();
  Reply r = Do(c, {"COMMAND", "INFO", "client"});
  ASSERT_TRUE(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1) << Describe(r);
  const redisReply* info = r->element[0];
  ASSERT_EQ(info->type, REDIS_REPLY_ARRAY);
  ASSERT_GE(info->elements, 10u);
  EXPECT_EQ(info->element[1]->integer, -2);
  const redisReply* subs = info->element[9];
  ASSERT_EQ(subs->type, REDIS_REPLY_ARRAY);
  std::vector<std::string> names;
  for (size_t i = 0; i < subs->elements; ++i) names.emplace_back(subs->element[i]->element[0]->str);
  for (const char* want : {"client|id", "client|kill", "client|list", "client|setname",
                           "client|getname", "client|info", "client|setinfo"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

TEST_F(ConnectionCommands, QuitRepliesOkThenCloses) {
  RawSocket s(server_->port());
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s.Send({"QUIT"}));
  EXPECT_EQ(s.Read(5), "+OK\r\n");
  EXPECT_TRUE(s.WaitClosed());
}

TEST_F(ConnectionCommands, QuitInPipelineDropsLaterCommands) {
  RawSocket s(server_->port());
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s.Send({"PING"}) && s.Send({"QUIT"}) && s.Send({"PING"}));
  EXPECT_EQ(s.Read(12), "+PONG\r\n+OK\r\n");
  EXPECT_TRUE(s.WaitClosed());
  EXPECT_EQ(s.Read(1, 100), "");
}

TEST_F(ConnectionCommands, ResetRestoresAFreshConnection) {
  RawSocket s(server_->port());
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s.Send({"SELECT", "4"}));
  EXPECT_EQ(s.Read(5), "+OK\r\n");
  ASSERT_TRUE(s.Send({"CLIENT", "SETNAME", "before"}));
  EXPECT_EQ(s.Read(5), "+OK\r\n");
  ASSERT_TRUE(s.Send({"HELLO", "3"}));
  EXPECT_EQ(s.Read(2), "%7");
  s.ReadUntil("*0\r\n");
  ASSERT_TRUE(s.Send({"RESET"}));
  EXPECT_EQ(s.Read(8), "+RESET\r\n");
  // RESP2 again (nil is $-1), no name, db 0.
  ASSERT_TRUE(s.Send({"CLIENT", "GETNAME"}));
  EXPECT_EQ(s.Read(5), "$-1\r\n");
  ASSERT_TRUE(s.Send({"CLIENT", "INFO"}));
  std::string info = s.ReadUntil("\n\r\n");
  EXPECT_EQ(info[0], '$') << info;
  EXPECT_NE(info.find(" db=0 "), std::string::npos) << info;
  EXPECT_NE(info.find(" name= "), std::string::npos) << info;
  EXPECT_NE(info.find(" resp=2 "), std::string::npos) << info;
}

// ================================================================ requirepass

class RequirePass : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess({"--requirepass", "s3cret"});
    ASSERT_TRUE(server_->Start()) << server_->ReadLog();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  Connection Connect() {
    Connection c = server_->Connect();
    EXPECT_TRUE(c != nullptr);
    return c;
  }
  static ServerProcess* server_;
};
ServerProcess* RequirePass::server_ = nullptr;

TEST_F(RequirePass, CommandsBeforeAuthGetNoauth) {
  Connection c = Connect();
  EXPECT_TRUE(IsError(Do(c, {"PING"}), kNoAuth));
  EXPECT_TRUE(IsError(Do(c, {"SELECT", "1"}), kNoAuth));
  EXPECT_TRUE(IsError(Do(c, {"CLIENT", "ID"}), kNoAuth));
  EXPECT_TRUE(IsError(Do(c, {"GET", "k"}), kNoAuth));
  EXPECT_TRUE(IsError(Do(c, {"HELLO"}), kHelloNoAuth));
  EXPECT_TRUE(IsError(Do(c, {"HELLO", "3"}), kHelloNoAuth));
}

TEST_F(RequirePass, WrongPasswordIsRejected) {
  Connection c = Connect();
  EXPECT_TRUE(IsError(Do(c, {"AUTH", "wrong"}), kWrongPass));
  EXPECT_TRUE(IsError(Do(c, {"AUTH", "default", "wrong"}), kWrongPass));
  EXPECT_TRUE(IsError(Do(c, {"AUTH", "bob", "s3cret"}), kWrongPass));
  EXPECT_TRUE(IsError(Do(c, {"AUTH", "s3cre"}), kWrongPass));
  EXPECT_TRUE(IsError(Do(c, {"AUTH", "s3crett"}), kWrongPass));
  EXPECT_TRUE(IsError(Do(c, {"HELLO", "2", "AUTH", "default", "wrong"}), kWrongPass));
  EXPECT_TRUE(IsError(Do(c, {"PING"}), kNoAuth));
}

TEST_F(RequirePass, RightPasswordAuthenticates) {
  Connection c = Connect();
  EXPECT_TRUE(IsStatus(Do(c, {"AUTH", "s3cret"}), "OK"));
  EXPECT_TRUE(IsStatus(Do(c, {"PING"}), "PONG"));
  // A later wrong AUTH does not log the connection out.
  EXPECT_TRUE(IsError(Do(c, {"AUTH", "wrong"}), kWrongPass));
  EXPECT_TRUE(IsStatus(Do(c, {"PING"}), "PONG"));

  Connection d = Connect();
  EXPECT_TRUE(IsStatus(Do(d, {"AUTH", "default", "s3cret"}), "OK"));
  EXPECT_TRUE(IsStatus(Do(d, {"SET", "conn:auth:k", "v"}), "OK"));
  EXPECT_TRUE(IsBulk(Do(d, {"GET", "conn:auth:k"}), "v"));
}

TEST_F(RequirePass, Hello3WithAuthAuthenticatesAndSwitches) {
  RawSocket s(server_->port());
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s.Send({"PING"}));
  EXPECT_EQ(s.ReadUntil("\r\n"), std::string("-") + kNoAuth + "\r\n");
  ASSERT_TRUE(s.Send({"HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "h3"}));
  std::string head = s.Read(2);
  EXPECT_EQ(head, "%7");
  std::string rest = s.ReadUntil("$7\r\nmodules\r\n*0\r\n");
  EXPECT_NE(rest.find("$5\r\nproto\r\n:3\r\n"), std::string::npos) << rest;
  ASSERT_TRUE(s.Send({"PING"}));
  EXPECT_EQ(s.Read(7), "+PONG\r\n");
  ASSERT_TRUE(s.Send({"CLIENT", "GETNAME"}));
  EXPECT_EQ(s.Read(8), "$2\r\nh3\r\n");
}

TEST_F(RequirePass, ResetLogsOut) {
  Connection c = Connect();
  ASSERT_TRUE(IsStatus(Do(c, {"AUTH", "s3cret"}), "OK"));
  EXPECT_TRUE(IsStatus(Do(c, {"RESET"}), "RESET"));
  EXPECT_TRUE(IsError(Do(c, {"PING"}), kNoAuth));
  // QUIT is allowed before AUTH.
  EXPECT_TRUE(IsStatus(Do(c, {"QUIT"}), "OK"));
}

}  // namespace
}  // namespace cairn::testing
