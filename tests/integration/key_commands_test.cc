// Generic keyspace commands against a real cairn-server: DEL/UNLINK/EXISTS/
// TYPE/TOUCH, the EXPIRE and TTL families, PERSIST, DBSIZE, FLUSHDB/FLUSHALL,
// active expiry, and TTLs and counts across restarts. Expected replies and
// error texts were taken from redis-server 7.0.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "raw_client.h"
#include "server_process.h"

namespace cairn::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

int64_t WallMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

::testing::AssertionResult IsInt(const Reply& r, long long want) {
  if (r == nullptr) return ::testing::AssertionFailure() << "no reply";
  if (r->type != REDIS_REPLY_INTEGER) {
    return ::testing::AssertionFailure()
           << "type " << r->type << " (" << (r->str != nullptr ? r->str : "") << "), want " << want;
  }
  if (r->integer != want) {
    return ::testing::AssertionFailure() << "got " << r->integer << ", want " << want;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsError(const Reply& r, const std::string& want) {
  if (r == nullptr) return ::testing::AssertionFailure() << "no reply";
  if (r->type != REDIS_REPLY_ERROR) return ::testing::AssertionFailure() << "type " << r->type;
  if (want != r->str) return ::testing::AssertionFailure() << "got '" << r->str << "'";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsStatus(const Reply& r, const std::string& want) {
  if (r == nullptr) return ::testing::AssertionFailure() << "no reply";
  if (r->type != REDIS_REPLY_STATUS) {
    return ::testing::AssertionFailure()
           << "type " << r->type << " (" << (r->str != nullptr ? r->str : "") << ")";
  }
  if (want != r->str) return ::testing::AssertionFailure() << "got '" << r->str << "'";
  return ::testing::AssertionSuccess();
}

long long IntOf(const Reply& r) {
  EXPECT_NE(r, nullptr);
  if (r == nullptr) return -999;
  EXPECT_EQ(r->type, REDIS_REPLY_INTEGER) << (r->str != nullptr ? r->str : "");
  return r->integer;
}

class KeyCommands : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess();
    ASSERT_TRUE(server_->Start()) << server_->ReadLog();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    c_ = server_->Connect();
    ASSERT_NE(c_, nullptr);
    ASSERT_TRUE(IsStatus(Cmd(c(), "FLUSHALL"), "OK"));
  }
  redisContext* c() { return c_.get(); }

  static ServerProcess* server_;
  Connection c_;
};
ServerProcess* KeyCommands::server_ = nullptr;

// ------------------------------------------------------------ DEL / EXISTS

TEST_F(KeyCommands, DelCountsEachRemovedKeyOnce) {
  Cmd(c(), "SET a 1");
  Cmd(c(), "SET b 2");
  EXPECT_TRUE(IsInt(Cmd(c(), "DEL a b missing a"), 2));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXISTS a b"), 0));
  EXPECT_TRUE(IsInt(Cmd(c(), "DEL a"), 0));
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 0));
}

TEST_F(KeyCommands, UnlinkDeletesLikeDel) {
  Cmd(c(), "SET a 1");
  Cmd(c(), "SET b 2");
  EXPECT_TRUE(IsInt(Cmd(c(), "UNLINK a b c"), 2));
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 0));
}

TEST_F(KeyCommands, DelAndExistsTakeBinaryKeys) {
  const std::string key("bin\0\r\nkey", 9);
  ASSERT_TRUE(IsStatus(Command(c(), {"SET", key, "v"}), "OK"));
  EXPECT_TRUE(IsInt(Command(c(), {"EXISTS", key, std::string("bin", 3)}), 1));
  EXPECT_TRUE(IsInt(Command(c(), {"DEL", std::string("bin\0", 4), key}), 1));
  EXPECT_TRUE(IsInt(Command(c(), {"EXISTS", key}), 0));
}

TEST_F(KeyCommands, ExistsCountsRepeatedKeys) {
  Cmd(c(), "SET k v");
  EXPECT_TRUE(IsInt(Cmd(c(), "EXISTS k"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXISTS k k missing k"), 3));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXISTS missing"), 0));
}

TEST_F(KeyCommands, TouchCountsExistingKeys) {
  Cmd(c(), "SET a 1");
  Cmd(c(), "SET b 1");
  EXPECT_TRUE(IsInt(Cmd(c(), "TOUCH a b missing"), 2));
  EXPECT_TRUE(IsInt(Cmd(c(), "TOUCH a a"), 2));
}

TEST_F(KeyCommands, TypeNamesStringOrNone) {
  Cmd(c(), "SET k v");
  EXPECT_TRUE(IsStatus(Cmd(c(), "TYPE k"), "string"));
  EXPECT_TRUE(IsStatus(Cmd(c(), "TYPE missing"), "none"));
}

TEST_F(KeyCommands, ArityErrorsNameTheCommand) {
  EXPECT_TRUE(IsError(Cmd(c(), "DEL"), "ERR wrong number of arguments for 'del' command"));
  EXPECT_TRUE(IsError(Cmd(c(), "EXISTS"), "ERR wrong number of arguments for 'exists' command"));
  EXPECT_TRUE(IsError(Cmd(c(), "TYPE a b"), "ERR wrong number of arguments for 'type' command"));
  EXPECT_TRUE(IsError(Cmd(c(), "EXPIRE k"), "ERR wrong number of arguments for 'expire' command"));
  EXPECT_TRUE(IsError(Cmd(c(), "TTL"), "ERR wrong number of arguments for 'ttl' command"));
  EXPECT_TRUE(IsError(Cmd(c(), "DBSIZE x"), "ERR wrong number of arguments for 'dbsize' command"));
  EXPECT_TRUE(IsError(Cmd(c(), "PERSIST"), "ERR wrong number of arguments for 'persist' command"));
}

// ------------------------------------------------------------------ EXPIRE

TEST_F(KeyCommands, ExpireSetsATtlInSeconds) {
  Cmd(c(), "SET k v");
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE k 100"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "TTL k"), 100));
  long long pttl = IntOf(Cmd(c(), "PTTL k"));
  EXPECT_GT(pttl, 98'000);
  EXPECT_LE(pttl, 100'000);
}

TEST_F(KeyCommands, PexpireSetsATtlInMilliseconds) {
  Cmd(c(), "SET k v");
  EXPECT_TRUE(IsInt(Cmd(c(), "PEXPIRE k 5900"), 1));
  long long pttl = IntOf(Cmd(c(), "PTTL k"));
  EXPECT_GT(pttl, 5500);
  EXPECT_LE(pttl, 5900);
  // TTL rounds to the nearest second, as Redis ((ms + 500) / 1000): 5.9 s is 6
  // (for the next 400 ms).
  EXPECT_TRUE(IsInt(Cmd(c(), "TTL k"), 6));
}

TEST_F(KeyCommands, ExpireatAndPexpireatSetAbsoluteDeadlines) {
  Cmd(c(), "SET a v");
  Cmd(c(), "SET b v");
  const long long at_ms = WallMs() + 200'000;
  EXPECT_TRUE(IsInt(Command(c(), {"PEXPIREAT", "a", std::to_string(at_ms)}), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "PEXPIRETIME a"), at_ms));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRETIME a"), (at_ms + 500) / 1000));
  const long long at_s = at_ms / 1000;
  EXPECT_TRUE(IsInt(Command(c(), {"EXPIREAT", "b", std::to_string(at_s)}), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "PEXPIRETIME b"), at_s * 1000));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRETIME b"), at_s));
}

TEST_F(KeyCommands, ExpireOnAMissingKeyReturnsZero) {
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE missing 100"), 0));
  EXPECT_TRUE(IsInt(Cmd(c(), "PEXPIREAT missing 1"), 0));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXISTS missing"), 0));
}

TEST_F(KeyCommands, ADeadlineInThePastDeletesTheKey) {
  for (const char* cmd : {"EXPIRE k -1", "EXPIRE k 0", "PEXPIRE k -100", "EXPIREAT k 1",
                          "PEXPIREAT k 0", "PEXPIREAT k -9223372036854775808"}) {
    Cmd(c(), "SET k v");
    EXPECT_TRUE(IsInt(Cmd(c(), cmd), 1)) << cmd;
    EXPECT_TRUE(IsInt(Cmd(c(), "EXISTS k"), 0)) << cmd;
    EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 0)) << cmd;
  }
}

TEST_F(KeyCommands, NxSetsOnlyWithoutATtl) {
  Cmd(c(), "SET k v");
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE k 100 NX"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE k 200 nx"), 0));
  EXPECT_TRUE(IsInt(Cmd(c(), "TTL k"), 100));
}

TEST_F(KeyCommands, XxSetsOnlyWithATtl) {
  Cmd(c(), "SET k v");
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE k 100 XX"), 0));
  EXPECT_TRUE(IsInt(Cmd(c(), "TTL k"), -1));
  Cmd(c(), "EXPIRE k 100");
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE k 200 XX"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "TTL k"), 200));
}

TEST_F(KeyCommands, GtTreatsNoTtlAsInfinite) {
  Cmd(c(), "SET k v");
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE k 100 GT"), 0));
  EXPECT_TRUE(IsInt(Cmd(c(), "TTL k"), -1));
  Cmd(c(), "EXPIRE k 100");
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE k 50 GT"), 0));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE k 200 GT"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "TTL k"), 200));
  // Equal is not greater: absolute deadlines make that exact.
  const std::string t = std::to_string(WallMs() + 500'000);
  EXPECT_TRUE(IsInt(Command(c(), {"PEXPIREAT", "k", t}), 1));
  EXPECT_TRUE(IsInt(Command(c(), {"PEXPIREAT", "k", t, "GT"}), 0));
  EXPECT_TRUE(IsInt(Command(c(), {"PEXPIREAT", "k", t, "XX", "GT"}), 0));
  EXPECT_TRUE(IsInt(Command(c(), {"PEXPIREAT", "k", std::to_string(std::stoll(t) + 1), "GT"}), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "PEXPIRETIME k"), std::stoll(t) + 1));
}

TEST_F(KeyCommands, LtTreatsNoTtlAsInfinite) {
  Cmd(c(), "SET k v");
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE k 100 LT"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "TTL k"), 100));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE k 200 LT"), 0));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE k 50 lt"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "TTL k"), 50));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE k 10 XX LT"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "TTL k"), 10));
  // Equal is not less.
  const long long t = WallMs() + 5'000;
  EXPECT_TRUE(IsInt(Command(c(), {"PEXPIREAT", "k", std::to_string(t)}), 1));
  EXPECT_TRUE(IsInt(Command(c(), {"PEXPIREAT", "k", std::to_string(t), "LT"}), 0));
  EXPECT_TRUE(IsInt(Command(c(), {"PEXPIREAT", "k", std::to_string(t - 1), "LT"}), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "PEXPIRETIME k"), t - 1));
  // A past deadline that passes LT deletes the key.
  EXPECT_TRUE(IsInt(Cmd(c(), "PEXPIREAT k 1 LT"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXISTS k"), 0));
}

TEST_F(KeyCommands, IncompatibleExpireOptionsAreRejected) {
  Cmd(c(), "SET k v");
  const std::string nx = "ERR NX and XX, GT or LT options at the same time are not compatible";
  const std::string gtlt = "ERR GT and LT options at the same time are not compatible";
  EXPECT_TRUE(IsError(Cmd(c(), "EXPIRE k 100 NX XX"), nx));
  EXPECT_TRUE(IsError(Cmd(c(), "EXPIRE k 100 XX NX"), nx));
  EXPECT_TRUE(IsError(Cmd(c(), "PEXPIRE k 100 NX GT"), nx));
  EXPECT_TRUE(IsError(Cmd(c(), "EXPIREAT k 100 LT NX"), nx));
  EXPECT_TRUE(IsError(Cmd(c(), "PEXPIREAT k 100 GT LT"), gtlt));
  EXPECT_TRUE(IsError(Cmd(c(), "EXPIRE k 100 GT XX LT"), gtlt));
  EXPECT_TRUE(IsError(Cmd(c(), "EXPIRE k 100 NX GT LT"), nx));  // NX is checked first
  EXPECT_TRUE(IsInt(Cmd(c(), "TTL k"), -1));
}

TEST_F(KeyCommands, UnknownExpireOptionIsNamed) {
  Cmd(c(), "SET k v");
  EXPECT_TRUE(IsError(Cmd(c(), "EXPIRE k 100 FOO"), "ERR Unsupported option FOO"));
  EXPECT_TRUE(IsError(Cmd(c(), "PEXPIRE k 100 NX bar"), "ERR Unsupported option bar"));
  // Options are checked before the time argument, as Redis.
  EXPECT_TRUE(IsError(Cmd(c(), "EXPIRE k notanumber FOO"), "ERR Unsupported option FOO"));
  EXPECT_TRUE(IsError(Cmd(c(), "EXPIRE missing 100 FOO"), "ERR Unsupported option FOO"));
  // CR/LF in the option cannot break the reply line.
  EXPECT_TRUE(
      IsError(Command(c(), {"EXPIRE", "k", "100", "a\r\nb"}), "ERR Unsupported option a  b"));
}

TEST_F(KeyCommands, NonIntegerExpireIsRejected) {
  Cmd(c(), "SET k v");
  const std::string err = "ERR value is not an integer or out of range";
  EXPECT_TRUE(IsError(Cmd(c(), "EXPIRE k abc"), err));
  EXPECT_TRUE(IsError(Cmd(c(), "PEXPIRE k 1.5"), err));
  EXPECT_TRUE(IsError(Cmd(c(), "EXPIREAT k 9223372036854775808"), err));
  EXPECT_TRUE(IsError(Cmd(c(), "EXPIRE missing abc"), err));
  EXPECT_TRUE(IsInt(Cmd(c(), "TTL k"), -1));
}

TEST_F(KeyCommands, ExpireOverflowIsAnInvalidExpireTime) {
  Cmd(c(), "SET k v");
  EXPECT_TRUE(IsError(Cmd(c(), "EXPIRE k 9223372036854775807"),
                      "ERR invalid expire time in 'expire' command"));
  EXPECT_TRUE(IsError(Cmd(c(), "EXPIRE k -9223372036854775808"),
                      "ERR invalid expire time in 'expire' command"));
  EXPECT_TRUE(IsError(Cmd(c(), "EXPIREAT k 9223372036854776"),
                      "ERR invalid expire time in 'expireat' command"));
  EXPECT_TRUE(IsError(Cmd(c(), "PEXPIRE k 9223372036854775807"),
                      "ERR invalid expire time in 'pexpire' command"));
  EXPECT_TRUE(IsError(Cmd(c(), "expire missing 9223372036854775807"),
                      "ERR invalid expire time in 'expire' command"));
  EXPECT_TRUE(IsInt(Cmd(c(), "TTL k"), -1));
  // The largest absolute deadline fits.
  EXPECT_TRUE(IsInt(Cmd(c(), "PEXPIREAT k 9223372036854775807"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "PEXPIRETIME k"), 9223372036854775807LL));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRETIME k"), 9223372036854776LL));  // rounded, as Redis
}

// ---------------------------------------------------------------- TTL etc.

TEST_F(KeyCommands, TtlFamilyReportsMissingAndPersistentKeys) {
  for (const char* cmd : {"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"}) {
    EXPECT_TRUE(IsInt(Command(c(), {cmd, "missing"}), -2)) << cmd;
  }
  Cmd(c(), "SET k v");
  for (const char* cmd : {"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"}) {
    EXPECT_TRUE(IsInt(Command(c(), {cmd, "k"}), -1)) << cmd;
  }
}

TEST_F(KeyCommands, PersistRemovesTheTtl) {
  Cmd(c(), "SET k v");
  EXPECT_TRUE(IsInt(Cmd(c(), "PERSIST k"), 0));
  Cmd(c(), "EXPIRE k 100");
  EXPECT_TRUE(IsInt(Cmd(c(), "PERSIST k"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "TTL k"), -1));
  EXPECT_TRUE(IsInt(Cmd(c(), "PERSIST k"), 0));
  EXPECT_TRUE(IsInt(Cmd(c(), "PERSIST missing"), 0));
}

TEST_F(KeyCommands, AnExpiredKeyIsNeverReturned) {
  Cmd(c(), "SET k v");
  Cmd(c(), "SET other v");
  const auto start = steady_clock::now();
  ASSERT_TRUE(IsInt(Cmd(c(), "PEXPIRE k 100"), 1));
  ASSERT_TRUE(IsInt(Cmd(c(), "PEXPIRE other 100"), 1));
  // Past the deadline (whoever deletes it), no command may see the key.
  std::this_thread::sleep_until(start + milliseconds(150));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXISTS k k"), 0));
  EXPECT_TRUE(IsInt(Cmd(c(), "TTL k"), -2));
  EXPECT_TRUE(IsInt(Cmd(c(), "PTTL k"), -2));
  EXPECT_TRUE(IsInt(Cmd(c(), "PEXPIRETIME k"), -2));
  EXPECT_TRUE(IsStatus(Cmd(c(), "TYPE k"), "none"));
  EXPECT_TRUE(IsInt(Cmd(c(), "PERSIST k"), 0));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE k 100"), 0));
  EXPECT_TRUE(IsInt(Cmd(c(), "TOUCH k"), 0));
  EXPECT_TRUE(IsInt(Cmd(c(), "DEL k other"), 0));
  Reply r = Cmd(c(), "GET k");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->type, REDIS_REPLY_NIL);
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 0));
}

TEST_F(KeyCommands, ActiveExpiryDeletesKeysNoOneReads) {
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(IsStatus(Command(c(), {"SET", "ae:" + std::to_string(i), "v"}), "OK"));
  }
  Cmd(c(), "SET keeper v");
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 101));
  // TTLs only after the count, so a slow machine cannot expire keys before it.
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(IsInt(Command(c(), {"PEXPIRE", "ae:" + std::to_string(i), "100"}), 1));
  }
  // Only DBSIZE is asked: it does not touch keys, so only the active cycle
  // (hz 10) can bring it down.
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  long long n = -1;
  while (steady_clock::now() < deadline) {
    n = IntOf(Cmd(c(), "DBSIZE"));
    if (n == 1) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(n, 1);
  EXPECT_TRUE(IsInt(Cmd(c(), "EXISTS keeper"), 1));
}

// ---------------------------------------------------------- DBSIZE / FLUSH

TEST_F(KeyCommands, DbsizeIsExactThroughOverwriteDeleteAndExpire) {
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 0));
  for (int i = 0; i < 10; ++i) Command(c(), {"SET", "k" + std::to_string(i), "v"});
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 10));
  for (int i = 0; i < 10; ++i) Command(c(), {"SET", "k" + std::to_string(i), "w"});
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 10));
  EXPECT_TRUE(IsInt(Cmd(c(), "DEL k0 k1 k1 nothere"), 2));
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 8));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE k2 -1"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 7));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXPIRE k3 100"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "PERSIST k3"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 7));
  EXPECT_TRUE(IsStatus(Cmd(c(), "FLUSHDB"), "OK"));
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 0));
}

TEST_F(KeyCommands, DbsizeAndFlushdbArePerDatabase) {
  Cmd(c(), "SET a 1");
  Cmd(c(), "SET b 1");
  ASSERT_TRUE(IsStatus(Cmd(c(), "SELECT 3"), "OK"));
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 0));
  Cmd(c(), "SET a 1");
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXISTS b"), 0));
  EXPECT_TRUE(IsStatus(Cmd(c(), "FLUSHDB"), "OK"));
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 0));
  ASSERT_TRUE(IsStatus(Cmd(c(), "SELECT 0"), "OK"));
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 2));
}

TEST_F(KeyCommands, FlushallEmptiesEveryDatabase) {
  Cmd(c(), "SET a 1");
  ASSERT_TRUE(IsStatus(Cmd(c(), "SELECT 15"), "OK"));
  Cmd(c(), "SET a 1");
  Cmd(c(), "EXPIRE a 100");
  EXPECT_TRUE(IsStatus(Cmd(c(), "FLUSHALL"), "OK"));
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 0));
  ASSERT_TRUE(IsStatus(Cmd(c(), "SELECT 0"), "OK"));
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 0));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXISTS a"), 0));
}

TEST_F(KeyCommands, FlushTakesSyncOrAsyncOnly) {
  for (const char* cmd : {"FLUSHDB", "FLUSHALL"}) {
    Cmd(c(), "SET a 1");
    EXPECT_TRUE(IsStatus(Command(c(), {cmd, "ASYNC"}), "OK")) << cmd;
    EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 0));
    Cmd(c(), "SET a 1");
    EXPECT_TRUE(IsStatus(Command(c(), {cmd, "sync"}), "OK")) << cmd;
    EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 0));
    Cmd(c(), "SET a 1");
    EXPECT_TRUE(IsError(Command(c(), {cmd, "now"}), "ERR syntax error")) << cmd;
    EXPECT_TRUE(IsError(Command(c(), {cmd, "SYNC", "ASYNC"}), "ERR syntax error")) << cmd;
    EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 1)) << "a failed flush must not flush";
  }
}

TEST_F(KeyCommands, InfoKeyspaceCountsKeysAndExpires) {
  Cmd(c(), "SET a 1");
  Cmd(c(), "SET b 1");
  Cmd(c(), "SET c 1");
  Cmd(c(), "EXPIRE c 1000");
  Reply r = Cmd(c(), "INFO keyspace");
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->type, REDIS_REPLY_STRING);
  std::string info(r->str, r->len);
  EXPECT_NE(info.find("db0:keys=3,expires=1,"), std::string::npos) << info;
  EXPECT_EQ(info.find("db1:"), std::string::npos) << info;  // empty dbs are not listed
}

long long InfoField(redisContext* c, const std::string& field) {
  Reply r = Cmd(c, "INFO stats");
  if (r == nullptr || r->type != REDIS_REPLY_STRING) return -1;
  std::string info(r->str, r->len);
  size_t at = info.find("\r\n" + field + ":");
  if (at == std::string::npos) return -1;
  return std::stoll(info.substr(at + field.size() + 3));
}

TEST_F(KeyCommands, ReadLookupsCountKeyspaceHitsAndMisses) {
  Cmd(c(), "SET k v");
  const long long hits = InfoField(c(), "keyspace_hits");
  const long long misses = InfoField(c(), "keyspace_misses");
  ASSERT_GE(hits, 0);
  ASSERT_GE(misses, 0);
  Cmd(c(), "EXISTS k nope k");  // +2 +1
  Cmd(c(), "TYPE k");           // +1
  Cmd(c(), "TTL nope");         // +0 +1
  Cmd(c(), "TOUCH k");          // +1
  Cmd(c(), "PERSIST k");        // a write lookup: not counted
  Cmd(c(), "DEL nope");         // not counted
  EXPECT_EQ(InfoField(c(), "keyspace_hits"), hits + 4);
  EXPECT_EQ(InfoField(c(), "keyspace_misses"), misses + 2);
}

// hiredis 0.14 cannot read RESP3, so this one speaks raw bytes.
std::string Resp(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& a : argv) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

TEST_F(KeyCommands, RepliesKeepTheirTypesInResp3) {
  RawClient raw;
  ASSERT_TRUE(raw.Connect(server_->port()));
  auto ask = [&raw](const std::vector<std::string>& argv) {
    EXPECT_TRUE(raw.Send(Resp(argv)));
    return raw.ReadReply();
  };
  std::string hello = ask({"HELLO", "3"});
  ASSERT_FALSE(hello.empty());
  ASSERT_EQ(hello[0], '%') << hello;
  EXPECT_EQ(ask({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(ask({"TYPE", "k"}), "+string\r\n");
  EXPECT_EQ(ask({"TYPE", "nope"}), "+none\r\n");
  EXPECT_EQ(ask({"EXPIRE", "k", "100"}), ":1\r\n");
  EXPECT_EQ(ask({"TTL", "k"}), ":100\r\n");
  EXPECT_EQ(ask({"TTL", "nope"}), ":-2\r\n");
  EXPECT_EQ(ask({"EXISTS", "k", "k"}), ":2\r\n");
  EXPECT_EQ(ask({"DBSIZE"}), ":1\r\n");
  EXPECT_EQ(ask({"DEL", "k"}), ":1\r\n");
  EXPECT_EQ(ask({"FLUSHALL"}), "+OK\r\n");
  EXPECT_EQ(ask({"EXPIRE", "k", "1", "XX", "NX"}),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
}

// ---------------------------------------------------------------- restarts

// Each test here owns its server: it stops and restarts it.
TEST(KeyPersistence, TtlsSurviveARestartWithTheirAbsoluteDeadline) {
  ServerProcess server;
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  long long deadline = 0;
  {
    Connection c = server.Connect();
    ASSERT_NE(c, nullptr);
    Cmd(c.get(), "SET long v");
    ASSERT_TRUE(IsInt(Cmd(c.get(), "EXPIRE long 100"), 1));
    Cmd(c.get(), "SET short v");
    ASSERT_TRUE(IsInt(Cmd(c.get(), "PEXPIRE short 300"), 1));
    Cmd(c.get(), "SET plain v");
    deadline = IntOf(Cmd(c.get(), "PEXPIRETIME long"));
    ASSERT_GT(deadline, WallMs());
  }
  const auto stopped = steady_clock::now();
  ASSERT_TRUE(server.Stop()) << server.ReadLog();
  std::this_thread::sleep_until(stopped + milliseconds(400));  // "short" expires while down
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  Connection c = server.Connect();
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(IsInt(Cmd(c.get(), "PEXPIRETIME long"), deadline));
  long long ttl = IntOf(Cmd(c.get(), "TTL long"));
  EXPECT_GE(ttl, 95);
  EXPECT_LE(ttl, 100);
  EXPECT_TRUE(IsInt(Cmd(c.get(), "TTL plain"), -1));
  EXPECT_TRUE(IsInt(Cmd(c.get(), "EXISTS short"), 0));
  EXPECT_TRUE(IsInt(Cmd(c.get(), "TTL short"), -2));
  EXPECT_TRUE(IsInt(Cmd(c.get(), "DBSIZE"), 2));
}

TEST(KeyPersistence, DbsizeIsExactRightAfterRestart) {
  ServerProcess server;
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  {
    Connection c = server.Connect();
    ASSERT_NE(c, nullptr);
    for (int i = 0; i < 20; ++i) Command(c.get(), {"SET", "k" + std::to_string(i), "v"});
    for (int i = 0; i < 5; ++i) Command(c.get(), {"SET", "k" + std::to_string(i), "again"});
    ASSERT_TRUE(IsInt(Cmd(c.get(), "DEL k0 k1 k2"), 3));
    ASSERT_TRUE(IsInt(Cmd(c.get(), "EXPIRE k3 1000"), 1));
    ASSERT_TRUE(IsStatus(Cmd(c.get(), "SELECT 2"), "OK"));
    for (int i = 0; i < 4; ++i) Command(c.get(), {"SET", "x" + std::to_string(i), "v"});
    ASSERT_TRUE(IsStatus(Cmd(c.get(), "SELECT 5"), "OK"));
    Cmd(c.get(), "SET gone v");
    ASSERT_TRUE(IsStatus(Cmd(c.get(), "FLUSHDB"), "OK"));
  }
  ASSERT_TRUE(server.Stop()) << server.ReadLog();
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  {
    Connection c = server.Connect();
    ASSERT_NE(c, nullptr);
    EXPECT_TRUE(IsInt(Cmd(c.get(), "DBSIZE"), 17));
    ASSERT_TRUE(IsStatus(Cmd(c.get(), "SELECT 2"), "OK"));
    EXPECT_TRUE(IsInt(Cmd(c.get(), "DBSIZE"), 4));
    ASSERT_TRUE(IsStatus(Cmd(c.get(), "SELECT 5"), "OK"));
    EXPECT_TRUE(IsInt(Cmd(c.get(), "DBSIZE"), 0));
  }
  // A crash (SIGKILL) keeps the counts exact too: they are in the same
  // write batches as the keys.
  {
    Connection c = server.Connect();
    ASSERT_NE(c, nullptr);
    Cmd(c.get(), "SET after-restart v");
    ASSERT_TRUE(IsInt(Cmd(c.get(), "DEL k19"), 1));
    EXPECT_TRUE(IsInt(Cmd(c.get(), "DBSIZE"), 17));
  }
  server.Kill();
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  Connection c = server.Connect();
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(IsInt(Cmd(c.get(), "DBSIZE"), 17));
  EXPECT_TRUE(IsInt(Cmd(c.get(), "EXISTS after-restart k19"), 1));
}

}  // namespace
}  // namespace cairn::testing
