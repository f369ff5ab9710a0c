// Keyspace commands against a real cairn-server: SCAN under concurrent
// writes (every key present for the whole scan comes back) and after its
// cursor table forgot a cursor, RENAME/MOVE atomicity seen by other
// connections, DUMP/RESTORE round trips, SWAPDB across a restart. Error
// texts and replies follow redis-server 7.0 (redis-compat-tests compares
// them byte for byte).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server_process.h"

namespace cairn::testing {
namespace {

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

::testing::AssertionResult IsStatus(const Reply& r, const std::string& want) {
  if (r == nullptr) return ::testing::AssertionFailure() << "no reply";
  if (r->type != REDIS_REPLY_STATUS) {
    return ::testing::AssertionFailure()
           << "type " << r->type << " (" << (r->str != nullptr ? r->str : "") << ")";
  }
  if (want != r->str) return ::testing::AssertionFailure() << "got '" << r->str << "'";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsError(const Reply& r, const std::string& want) {
  if (r == nullptr) return ::testing::AssertionFailure() << "no reply";
  if (r->type != REDIS_REPLY_ERROR) return ::testing::AssertionFailure() << "type " << r->type;
  if (want != r->str) return ::testing::AssertionFailure() << "got '" << r->str << "'";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsBulk(const Reply& r, const std::string& want) {
  if (r == nullptr) return ::testing::AssertionFailure() << "no reply";
  if (r->type != REDIS_REPLY_STRING) {
    return ::testing::AssertionFailure()
           << "type " << r->type << " (" << (r->str != nullptr ? r->str : "") << ")";
  }
  if (std::string(r->str, r->len) != want) {
    return ::testing::AssertionFailure() << "got '" << std::string(r->str, r->len) << "'";
  }
  return ::testing::AssertionSuccess();
}

bool IsNil(const Reply& r) { return r != nullptr && r->type == REDIS_REPLY_NIL; }

// One SCAN call: the next cursor, and the keys appended to *keys.
std::string ScanPage(redisContext* c, const std::string& cursor,
                     const std::vector<std::string>& options, std::vector<std::string>* keys) {
  std::vector<std::string> argv = {"SCAN", cursor};
  argv.insert(argv.end(), options.begin(), options.end());
  Reply r = Command(c, argv);
  EXPECT_NE(r, nullptr);
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
    ADD_FAILURE() << "bad SCAN reply";
    return "0";
  }
  for (size_t i = 0; i < r->element[1]->elements; ++i) {
    keys->emplace_back(r->element[1]->element[i]->str, r->element[1]->element[i]->len);
  }
  return std::string(r->element[0]->str, r->element[0]->len);
}

// A whole SCAN iteration, with at most `max_calls` calls.
std::vector<std::string> ScanAll(redisContext* c, const std::vector<std::string>& options,
                                 int* calls = nullptr, int max_calls = 200000) {
  std::vector<std::string> keys;
  std::string cursor = "0";
  int n = 0;
  do {
    cursor = ScanPage(c, cursor, options, &keys);
    ++n;
  } while (cursor != "0" && n < max_calls);
  EXPECT_EQ(cursor, "0") << "scan did not finish";
  if (calls != nullptr) *calls = n;
  return keys;
}

// Many SETs in one pipeline.
void FillKeys(redisContext* c, const std::string& prefix, int n, int db = 0) {
  Reply sel = Command(c, {"SELECT", std::to_string(db)});
  ASSERT_TRUE(IsStatus(sel, "OK"));
  for (int i = 0; i < n; ++i) {
    std::string k = prefix + std::to_string(i);
    redisAppendCommand(c, "SET %b v", k.data(), k.size());
  }
  for (int i = 0; i < n; ++i) {
    void* raw = nullptr;
    ASSERT_EQ(redisGetReply(c, &raw), REDIS_OK);
    Reply r(static_cast<redisReply*>(raw));
    ASSERT_TRUE(IsStatus(r, "OK"));
  }
}

class KeyspaceCommands : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess({"--threads", "2"});
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
ServerProcess* KeyspaceCommands::server_ = nullptr;

// ------------------------------------------------------------------- SCAN

TEST_F(KeyspaceCommands, ScanReturnsEveryStableKeyDespiteConcurrentInsertsAndDeletes) {
  constexpr int kStable = 3000;
  FillKeys(c(), "stable:", kStable);
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      Connection w = server_->Connect();
      if (w == nullptr) return;
      for (int n = 0; !stop.load(); ++n) {
        // New keys all over the keyspace, and deletions of keys that came
        // and went during the scan: neither may hide a stable key.
        std::string k = "churn:" + std::to_string(t) + ":" + std::to_string(n);
        Command(w.get(), {"SET", k, "v"});
        if (n >= 20) {
          Command(w.get(), {"DEL", "churn:" + std::to_string(t) + ":" + std::to_string(n - 20)});
        }
        writes.fetch_add(1);
      }
    });
  }
  int calls = 0;
  std::vector<std::string> keys = ScanAll(c(), {"COUNT", "10"}, &calls);
  std::vector<std::string> matched = ScanAll(c(), {"MATCH", "stable:*", "COUNT", "25"});
  stop = true;
  for (auto& w : writers) w.join();
  EXPECT_GT(writes.load(), 0);
  EXPECT_GT(calls, kStable / 10 / 2);  // COUNT is honoured roughly: many pages

  std::set<std::string> seen(keys.begin(), keys.end());
  int missing = 0;
  for (int i = 0; i < kStable; ++i) missing += seen.count("stable:" + std::to_string(i)) ? 0 : 1;
  EXPECT_EQ(missing, 0);
  std::set<std::string> seen_matched(matched.begin(), matched.end());
  EXPECT_EQ(seen_matched.size(), static_cast<size_t>(kStable));
  for (const auto& k : matched) EXPECT_EQ(k.rfind("stable:", 0), 0u) << k;
}

TEST_F(KeyspaceCommands, ScanWithoutWritesReturnsEachKeyExactlyOnce) {
  FillKeys(c(), "k", 1000);
  std::vector<std::string> keys = ScanAll(c(), {"COUNT", "33"});
  EXPECT_EQ(keys.size(), 1000u);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 1000u);
}

TEST_F(KeyspaceCommands, ScanCursorForgottenByTheServerRestartsItsSlotAndMissesNothing) {
  FillKeys(c(), "k", 400);
  std::vector<std::string> keys;
  std::string cursor = ScanPage(c(), "0", {"COUNT", "50"}, &keys);
  ASSERT_NE(cursor, "0");
  // Push the cursor out of the server's table (16384 entries): every SCAN
  // call that stops early remembers one position.
  Connection other = server_->Connect();
  ASSERT_NE(other, nullptr);
  constexpr int kCalls = 17000;
  for (int i = 0; i < kCalls; ++i) redisAppendCommand(other.get(), "SCAN 0 COUNT 1");
  for (int i = 0; i < kCalls; ++i) {
    void* raw = nullptr;
    ASSERT_EQ(redisGetReply(other.get(), &raw), REDIS_OK);
    freeReplyObject(raw);
  }
  int guard = 0;
  while (cursor != "0" && ++guard < 10000) cursor = ScanPage(c(), cursor, {"COUNT", "50"}, &keys);
  std::set<std::string> seen(keys.begin(), keys.end());
  EXPECT_EQ(seen.size(), 400u);
}

TEST_F(KeyspaceCommands, ScanFiltersByTypeAndSkipsExpiredKeys) {
  FillKeys(c(), "k", 30);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(IsStatus(Command(c(), {"SET", "gone" + std::to_string(i), "v", "PX", "1"}), "OK"));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::vector<std::string> keys = ScanAll(c(), {"COUNT", "7", "TYPE", "string"});
  EXPECT_EQ(keys.size(), 30u);
  for (const auto& k : keys) EXPECT_EQ(k.rfind("gone", 0), std::string::npos) << k;
  EXPECT_TRUE(ScanAll(c(), {"TYPE", "hash"}).empty());
  EXPECT_TRUE(IsError(Cmd(c(), "SCAN 0 COUNT 0"), "ERR syntax error"));
  EXPECT_TRUE(IsError(Cmd(c(), "SCAN abc"), "ERR invalid cursor"));
}

TEST_F(KeyspaceCommands, ScanAndKeysAreBinarySafe) {
  const std::string a("\x00\xff\r\n", 4);
  const std::string b(
      "a\x00"
      "b",
      3);
  ASSERT_TRUE(IsStatus(Command(c(), {"SET", a, "1"}), "OK"));
  ASSERT_TRUE(IsStatus(Command(c(), {"SET", b, "2"}), "OK"));
  std::vector<std::string> keys = ScanAll(c(), {});
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()), (std::set<std::string>{a, b}));
  Reply r = Command(c(), {"KEYS", std::string("a\x00*", 3)});
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(r->elements, 1u);
  EXPECT_EQ(std::string(r->element[0]->str, r->element[0]->len), b);
}

// --------------------------------------------------- RENAME, MOVE, COPY

TEST_F(KeyspaceCommands, RenameIsAtomicForOtherConnections) {
  ASSERT_TRUE(IsStatus(Cmd(c(), "SET a payload"), "OK"));
  std::atomic<bool> stop{false};
  std::thread renamer([&] {
    Connection w = server_->Connect();
    if (w == nullptr) return;
    for (int i = 0; !stop.load(); ++i) {
      Reply r = Cmd(w.get(), i % 2 == 0 ? "RENAME a b" : "RENAME b a");
      if (r == nullptr || r->type != REDIS_REPLY_STATUS) {
        ADD_FAILURE() << "RENAME failed";
        return;
      }
    }
  });
  int half_seen = 0;
  for (int i = 0; i < 2000; ++i) {
    // MGET locks both keys, so it sees the state before or after a RENAME.
    Reply r = Cmd(c(), "MGET a b");
    ASSERT_NE(r, nullptr);
    ASSERT_EQ(r->elements, 2u);
    int present =
        (r->element[0]->type == REDIS_REPLY_STRING) + (r->element[1]->type == REDIS_REPLY_STRING);
    if (present != 1) ++half_seen;
  }
  stop = true;
  renamer.join();
  EXPECT_EQ(half_seen, 0);
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 1));
}

TEST_F(KeyspaceCommands, RenameCarriesTheDeadline) {
  ASSERT_TRUE(IsStatus(Cmd(c(), "SET a v PX 100000"), "OK"));
  Reply deadline = Cmd(c(), "PEXPIRETIME a");
  ASSERT_NE(deadline, nullptr);
  ASSERT_TRUE(IsStatus(Cmd(c(), "RENAME a b"), "OK"));
  EXPECT_TRUE(IsInt(Cmd(c(), "PEXPIRETIME b"), deadline->integer));
  EXPECT_TRUE(IsInt(Cmd(c(), "EXISTS a"), 0));
  EXPECT_TRUE(IsError(Cmd(c(), "RENAME a b"), "ERR no such key"));
  EXPECT_TRUE(IsInt(Cmd(c(), "RENAMENX b b"), 0));
}

TEST_F(KeyspaceCommands, MoveAndCopyAcrossDatabasesKeepCountsAndTtls) {
  ASSERT_TRUE(IsStatus(Cmd(c(), "SET k v EX 1000"), "OK"));
  EXPECT_TRUE(IsInt(Cmd(c(), "COPY k k DB 3"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "MOVE k 4"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 0));
  EXPECT_TRUE(IsError(Cmd(c(), "MOVE k 0"), "ERR source and destination objects are the same"));
  EXPECT_TRUE(IsError(Cmd(c(), "MOVE k 16"), "ERR DB index is out of range"));
  for (const char* db : {"3", "4"}) {
    ASSERT_TRUE(IsStatus(Command(c(), {"SELECT", db}), "OK"));
    EXPECT_TRUE(IsInt(Cmd(c(), "DBSIZE"), 1));
    EXPECT_TRUE(IsBulk(Cmd(c(), "GET k"), "v"));
    Reply ttl = Cmd(c(), "TTL k");
    ASSERT_NE(ttl, nullptr);
    EXPECT_GT(ttl->integer, 990);
  }
  EXPECT_TRUE(IsInt(Cmd(c(), "MOVE k 3"), 0));  // exists there already
}

TEST_F(KeyspaceCommands, RandomKeyAndKeys) {
  EXPECT_TRUE(IsNil(Cmd(c(), "RANDOMKEY")));
  FillKeys(c(), "k", 50);
  std::set<std::string> seen;
  for (int i = 0; i < 300; ++i) {
    Reply r = Cmd(c(), "RANDOMKEY");
    ASSERT_NE(r, nullptr);
    ASSERT_EQ(r->type, REDIS_REPLY_STRING);
    seen.insert(r->str);
  }
  EXPECT_GT(seen.size(), 10u);  // not always the same key
  Reply r = Cmd(c(), "KEYS k1*");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->elements, 11u);  // k1, k10..k19
}

// ---------------------------------------------------------- DUMP, RESTORE

TEST_F(KeyspaceCommands, DumpRestoreRoundTripsWithTtl) {
  std::string big(5000, 'q');
  ASSERT_TRUE(IsStatus(Command(c(), {"SET", "big", big}), "OK"));
  ASSERT_TRUE(IsStatus(Cmd(c(), "SET n 12345"), "OK"));
  for (const char* key : {"big", "n"}) {
    Reply payload = Command(c(), {"DUMP", key});
    ASSERT_NE(payload, nullptr);
    ASSERT_EQ(payload->type, REDIS_REPLY_STRING);
    std::string p(payload->str, payload->len);
    std::string copy = std::string(key) + ".copy";
    EXPECT_TRUE(IsStatus(Command(c(), {"RESTORE", copy, "50000", p}), "OK"));
    EXPECT_TRUE(IsError(Command(c(), {"RESTORE", copy, "0", p}),
                        "BUSYKEY Target key name already exists."));
    Reply pttl = Command(c(), {"PTTL", copy});
    ASSERT_NE(pttl, nullptr);
    EXPECT_GT(pttl->integer, 40000);
    Reply orig = Command(c(), {"GET", key});
    ASSERT_NE(orig, nullptr);
    EXPECT_TRUE(IsBulk(Command(c(), {"GET", copy}), std::string(orig->str, orig->len)));
    p[p.size() - 1] ^= 1;
    EXPECT_TRUE(IsError(Command(c(), {"RESTORE", copy, "0", p, "REPLACE"}),
                        "ERR DUMP payload version or checksum are wrong"));
  }
  EXPECT_LT(Command(c(), {"DUMP", "big"})->len, 200u);  // LZF-compressed
}

// ----------------------------------------------------------- OBJECT

TEST_F(KeyspaceCommands, ObjectReportsRedisEncodings) {
  ASSERT_TRUE(IsStatus(Cmd(c(), "SET i 42"), "OK"));
  ASSERT_TRUE(IsStatus(Cmd(c(), "SET e hello"), "OK"));
  ASSERT_TRUE(IsStatus(Command(c(), {"SET", "r", std::string(45, 'x')}), "OK"));
  EXPECT_TRUE(IsBulk(Cmd(c(), "OBJECT ENCODING i"), "int"));
  EXPECT_TRUE(IsBulk(Cmd(c(), "OBJECT ENCODING e"), "embstr"));
  EXPECT_TRUE(IsBulk(Cmd(c(), "OBJECT ENCODING r"), "raw"));
  EXPECT_TRUE(IsInt(Cmd(c(), "OBJECT REFCOUNT i"), 2147483647));
  EXPECT_TRUE(IsInt(Cmd(c(), "OBJECT REFCOUNT e"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "OBJECT IDLETIME e"), 0));
  EXPECT_TRUE(IsNil(Cmd(c(), "OBJECT ENCODING missing")));
  EXPECT_TRUE(
      IsError(Cmd(c(), "OBJECT NOPE k"), "ERR unknown subcommand 'NOPE'. Try OBJECT HELP."));
}

// Redis picks an encoding when a command builds the value: APPEND to a key
// and SETRANGE make it raw, INCRBYFLOAT never makes an integer, COPY's
// duplicate of a shared integer is not shared, and RENAME keeps the object.
TEST_F(KeyspaceCommands, ObjectEncodingFollowsTheCommandThatWroteTheValue) {
  ASSERT_TRUE(IsStatus(Cmd(c(), "SET a 1"), "OK"));
  ASSERT_TRUE(IsInt(Cmd(c(), "APPEND a 2"), 2));
  EXPECT_TRUE(IsBulk(Cmd(c(), "OBJECT ENCODING a"), "raw"));
  EXPECT_TRUE(IsInt(Cmd(c(), "OBJECT REFCOUNT a"), 1));
  ASSERT_TRUE(IsInt(Cmd(c(), "EXPIRE a 100"), 1));
  EXPECT_TRUE(IsBulk(Cmd(c(), "OBJECT ENCODING a"), "raw"));  // a TTL keeps the value
  ASSERT_TRUE(IsInt(Cmd(c(), "INCR a"), 13));
  EXPECT_TRUE(IsBulk(Cmd(c(), "OBJECT ENCODING a"), "int"));
  EXPECT_TRUE(IsInt(Cmd(c(), "OBJECT REFCOUNT a"), 2147483647));

  ASSERT_TRUE(IsInt(Cmd(c(), "APPEND fresh 12"), 2));  // a new key is stored as SET would
  EXPECT_TRUE(IsBulk(Cmd(c(), "OBJECT ENCODING fresh"), "int"));
  ASSERT_TRUE(IsInt(Cmd(c(), "SETRANGE s 0 12"), 2));
  EXPECT_TRUE(IsBulk(Cmd(c(), "OBJECT ENCODING s"), "raw"));
  ASSERT_TRUE(IsStatus(Cmd(c(), "SET f 2"), "OK"));
  ASSERT_TRUE(IsBulk(Cmd(c(), "INCRBYFLOAT f 1"), "3"));
  EXPECT_TRUE(IsBulk(Cmd(c(), "OBJECT ENCODING f"), "embstr"));
  EXPECT_TRUE(IsInt(Cmd(c(), "OBJECT REFCOUNT f"), 1));

  ASSERT_TRUE(IsStatus(Cmd(c(), "SET n 5"), "OK"));
  ASSERT_TRUE(IsInt(Cmd(c(), "COPY n n2"), 1));
  EXPECT_TRUE(IsBulk(Cmd(c(), "OBJECT ENCODING n2"), "int"));
  EXPECT_TRUE(IsInt(Cmd(c(), "OBJECT REFCOUNT n2"), 1));
  EXPECT_TRUE(IsInt(Cmd(c(), "OBJECT REFCOUNT n"), 2147483647));
  ASSERT_TRUE(IsInt(Cmd(c(), "COPY s s2"), 1));
  EXPECT_TRUE(IsBulk(Cmd(c(), "OBJECT ENCODING s2"), "raw"));
  ASSERT_TRUE(IsStatus(Cmd(c(), "RENAME s s3"), "OK"));
  EXPECT_TRUE(IsBulk(Cmd(c(), "OBJECT ENCODING s3"), "raw"));
  ASSERT_TRUE(IsStatus(Cmd(c(), "SET s3 12"), "OK"));  // a new value: SET's encoding
  EXPECT_TRUE(IsBulk(Cmd(c(), "OBJECT ENCODING s3"), "int"));
}

// ---------------------------------------------------------------- restarts

TEST(KeyspacePersistence, SwapDbSurvivesARestartWithCountsAndTtls) {
  ServerProcess server({"--appendfsync", "always"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  {
    Connection c = server.Connect();
    ASSERT_NE(c, nullptr);
    FillKeys(c.get(), "zero:", 10, 0);
    ASSERT_TRUE(IsStatus(Cmd(c.get(), "SET ttl v EX 5000"), "OK"));
    FillKeys(c.get(), "one:", 3, 1);
    ASSERT_TRUE(IsStatus(Cmd(c.get(), "SWAPDB 0 1"), "OK"));
    EXPECT_TRUE(IsInt(Cmd(c.get(), "DBSIZE"), 11));  // still selecting db 1
    EXPECT_TRUE(IsError(Cmd(c.get(), "SWAPDB 0 16"), "ERR DB index is out of range"));
    EXPECT_TRUE(IsError(Cmd(c.get(), "SWAPDB a 0"), "ERR invalid first DB index"));
    EXPECT_TRUE(IsError(Cmd(c.get(), "SWAPDB 0 a"), "ERR invalid second DB index"));
  }
  server.Kill();  // acknowledged under appendfsync always: nothing may be lost
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  Connection c = server.Connect();
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(IsInt(Cmd(c.get(), "DBSIZE"), 3));
  EXPECT_TRUE(IsBulk(Cmd(c.get(), "GET one:0"), "v"));
  ASSERT_TRUE(IsStatus(Cmd(c.get(), "SELECT 1"), "OK"));
  EXPECT_TRUE(IsInt(Cmd(c.get(), "DBSIZE"), 11));
  Reply ttl = Cmd(c.get(), "TTL ttl");
  ASSERT_NE(ttl, nullptr);
  EXPECT_GT(ttl->integer, 4900);
  EXPECT_TRUE(IsInt(Cmd(c.get(), "EXISTS zero:9"), 1));
}

TEST(KeyspacePersistence, AValuesEncodingSurvivesKill) {
  ServerProcess server({"--appendfsync", "always"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  {
    Connection c = server.Connect();
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(IsStatus(Cmd(c.get(), "SET a 1"), "OK"));
    ASSERT_TRUE(IsInt(Cmd(c.get(), "APPEND a 2"), 2));
    ASSERT_TRUE(IsBulk(Cmd(c.get(), "INCRBYFLOAT f 3"), "3"));
  }
  server.Kill();
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  Connection c = server.Connect();
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(IsBulk(Cmd(c.get(), "OBJECT ENCODING a"), "raw"));
  EXPECT_TRUE(IsBulk(Cmd(c.get(), "OBJECT ENCODING f"), "embstr"));
  EXPECT_TRUE(IsBulk(Cmd(c.get(), "GET a"), "12"));
}

TEST(KeyspacePersistence, RestoredKeysAndRenamesSurviveKill) {
  ServerProcess server({"--appendfsync", "always"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  {
    Connection c = server.Connect();
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(IsStatus(Cmd(c.get(), "SET src hello"), "OK"));
    Reply p = Cmd(c.get(), "DUMP src");
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(
        IsStatus(Command(c.get(), {"RESTORE", "dst", "0", std::string(p->str, p->len)}), "OK"));
    ASSERT_TRUE(IsStatus(Cmd(c.get(), "RENAME src moved"), "OK"));
  }
  server.Kill();
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  Connection c = server.Connect();
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(IsBulk(Cmd(c.get(), "GET dst"), "hello"));
  EXPECT_TRUE(IsBulk(Cmd(c.get(), "GET moved"), "hello"));
  EXPECT_TRUE(IsInt(Cmd(c.get(), "EXISTS src"), 0));
  EXPECT_TRUE(IsInt(Cmd(c.get(), "DBSIZE"), 2));
}

}  // namespace
}  // namespace cairn::testing
