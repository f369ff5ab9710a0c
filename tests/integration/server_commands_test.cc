// Server administration and introspection against a real cairn-server:
// CONFIG, INFO, COMMAND, TIME, DEBUG SLEEP, SHUTDOWN, and start-up refusals
// (bad config, unusable data dir). Expected texts were taken from a
// redis-server 7.0.15 run side by side; RESP3 bytes are checked over a raw
// socket since hiredis 0.14 cannot parse RESP3 types.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/raw_client.h"
#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

std::string Str(const Reply& r) { return ReplyText(r); }

::testing::AssertionResult IsError(const Reply& r, const std::string& want) {
  if (!r) return ::testing::AssertionFailure() << "no reply";
  if (r->type != REDIS_REPLY_ERROR) {
    return ::testing::AssertionFailure() << "not an error: " << Str(r);
  }
  if (Str(r) != want) return ::testing::AssertionFailure() << "error '" << Str(r) << "'";
  return ::testing::AssertionSuccess();
}

// "field:value" lines of an INFO text.
std::map<std::string, std::string> InfoFields(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find("\r\n", pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 2;
    size_t colon = line.find(':');
    if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
    out[line.substr(0, colon)] = line.substr(colon + 1);
  }
  return out;
}

std::vector<std::string> InfoHeaders(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = text.find("# ", pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      size_t nl = text.find("\r\n", pos);
      out.push_back(text.substr(pos + 2, nl - pos - 2));
    }
    pos += 2;
  }
  return out;
}

// RESP2 command encoding for the raw client.
std::string Resp(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& a : argv) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

class ServerCommands : public ::testing::Test {
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
    c_ = server_->Connect();
    ASSERT_NE(c_, nullptr);
  }
  std::string Info(const std::string& section = "") {
    Reply r = section.empty() ? Cmd(c_.get(), "INFO") : Command(c_.get(), {"INFO", section});
    EXPECT_EQ(r->type, REDIS_REPLY_STRING);
    return Str(r);
  }

  static ServerProcess* server_;
  Connection c_;
};
ServerProcess* ServerCommands::server_ = nullptr;

// ---------------------------------------------------------------- CONFIG

TEST_F(ServerCommands, ConfigGetReturnsPairsForPatternsOnce) {
  Reply r = Cmd(c_.get(), "CONFIG GET port port maxmemory");
  ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(r->elements, 4u);
  std::map<std::string, std::string> m;
  for (size_t i = 0; i + 1 < r->elements; i += 2) {
    m[r->element[i]->str] = r->element[i + 1]->str;
  }
  EXPECT_EQ(m["port"], std::to_string(server_->port()));
  EXPECT_EQ(m["maxmemory"], "0");
  // An exact name is echoed as given, as Redis 7.0 does.
  r = Cmd(c_.get(), "CONFIG GET PORT");
  ASSERT_EQ(r->elements, 2u);
  EXPECT_STREQ(r->element[0]->str, "PORT");
  r = Cmd(c_.get(), "CONFIG GET nosuch*");
  ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
  EXPECT_EQ(r->elements, 0u);
}

TEST_F(ServerCommands, ConfigGetIsAMapInResp3) {
  RawClient raw;
  ASSERT_TRUE(raw.Connect(server_->port()));
  ASSERT_TRUE(raw.Send(Resp({"HELLO", "3"})));
  ASSERT_FALSE(raw.ReadReply().empty());
  ASSERT_TRUE(raw.Send(Resp({"CONFIG", "GET", "appendonly"})));
  EXPECT_EQ(raw.ReadReply(), "%1\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n");
}

TEST_F(ServerCommands, ConfigSetChangesValuesAtomically) {
  ASSERT_EQ(Str(Cmd(c_.get(), "CONFIG SET hz 20 maxclients 500")), "OK");
  Reply r = Cmd(c_.get(), "CONFIG GET hz");
  EXPECT_STREQ(r->element[1]->str, "20");
  // A bad later pair leaves the earlier one unchanged.
  EXPECT_TRUE(IsError(Cmd(c_.get(), "CONFIG SET hz 30 maxclients 0"),
                      "ERR CONFIG SET failed (possibly related to argument 'maxclients') - "
                      "argument must be between 1 and 4294967295 inclusive"));
  r = Cmd(c_.get(), "CONFIG GET hz");
  EXPECT_STREQ(r->element[1]->str, "20");
  r = Cmd(c_.get(), "CONFIG GET maxclients");
  EXPECT_STREQ(r->element[1]->str, "500");
  ASSERT_EQ(Str(Cmd(c_.get(), "CONFIG SET hz 10 maxclients 10000")), "OK");
}

TEST_F(ServerCommands, ConfigErrorsMatchRedis) {
  EXPECT_TRUE(IsError(Cmd(c_.get(), "CONFIG SET nosuch 1"),
                      "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"));
  EXPECT_TRUE(IsError(Cmd(c_.get(), "CONFIG SET daemonize yes"),
                      "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't "
                      "set immutable config"));
  EXPECT_TRUE(IsError(Cmd(c_.get(), "CONFIG SET hz 20 hz 30"),
                      "ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate "
                      "parameter"));
  EXPECT_TRUE(IsError(Cmd(c_.get(), "CONFIG SET appendfsync bad"),
                      "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - "
                      "argument(s) must be one of the following: everysec, always, no"));
  EXPECT_TRUE(IsError(Cmd(c_.get(), "CONFIG SET a b c"), "ERR syntax error"));
  EXPECT_TRUE(IsError(Cmd(c_.get(), "CONFIG SET hz"),
                      "ERR wrong number of arguments for 'config|set' command"));
  EXPECT_TRUE(IsError(Cmd(c_.get(), "CONFIG GET"),
                      "ERR wrong number of arguments for 'config|get' command"));
  EXPECT_TRUE(IsError(Cmd(c_.get(), "CONFIG RESETSTAT x"),
                      "ERR wrong number of arguments for 'config|resetstat' command"));
  EXPECT_TRUE(
      IsError(Cmd(c_.get(), "CONFIG"), "ERR wrong number of arguments for 'config' command"));
  EXPECT_TRUE(
      IsError(Cmd(c_.get(), "CONFIG foo"), "ERR unknown subcommand 'foo'. Try CONFIG HELP."));
  EXPECT_TRUE(
      IsError(Cmd(c_.get(), "CONFIG REWRITE"), "ERR The server is running without a config file"));
}

TEST_F(ServerCommands, ConfigHelpIsStatusLines) {
  Reply r = Cmd(c_.get(), "CONFIG HELP");
  ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(r->elements, 11u);
  EXPECT_EQ(r->element[0]->type, REDIS_REPLY_STATUS);
  EXPECT_STREQ(r->element[0]->str,
               "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_STREQ(r->element[10]->str, "    Prints this help.");
}

TEST_F(ServerCommands, ConfigResetStatClearsCounters) {
  Cmd(c_.get(), "SET resetstat-key v");
  Cmd(c_.get(), "NOSUCHCOMMAND");
  ASSERT_EQ(Str(Cmd(c_.get(), "CONFIG RESETSTAT")), "OK");
  auto stats = InfoFields(Info("stats"));
  // Only the INFO itself has been processed since the reset.
  EXPECT_EQ(stats["total_commands_processed"], "1");
  EXPECT_EQ(stats["total_error_replies"], "0");
  std::string cs = Info("commandstats");
  EXPECT_EQ(cs.find("cmdstat_set:"), std::string::npos) << cs;
  EXPECT_EQ(Info("errorstats"), "# Errorstats\r\n");
}

// ------------------------------------------------------------------ INFO

TEST_F(ServerCommands, InfoDefaultSectionsInRedisOrder) {
  std::string text = Info();
  EXPECT_EQ(text.rfind("# Server\r\nredis_version:7.0.15\r\n", 0), 0u) << text;
  EXPECT_EQ(InfoHeaders(text),
            (std::vector<std::string>{"Server", "Clients", "Memory", "Persistence", "Stats",
                                      "Replication", "CPU", "Modules", "Errorstats", "Cluster",
                                      "Keyspace"}));
  auto all = InfoHeaders(Info("all"));
  EXPECT_NE(std::find(all.begin(), all.end(), "Commandstats"), all.end());
  // Arguments in any order, any case; output in Redis's order.
  Reply two = Command(c_.get(), {"INFO", "keyspace", "CPU"});
  EXPECT_EQ(InfoHeaders(Str(two)), (std::vector<std::string>{"CPU", "Keyspace"}));
  EXPECT_EQ(Info("nosuchsection"), "");
}

TEST_F(ServerCommands, InfoServerFieldsDescribeThisProcess) {
  auto f = InfoFields(Info("server"));
  EXPECT_EQ(f["redis_version"], "7.0.15");
  EXPECT_EQ(f["cairn_version"], "0.1.0");
  EXPECT_EQ(f["redis_mode"], "standalone");
  EXPECT_EQ(f["tcp_port"], std::to_string(server_->port()));
  EXPECT_EQ(f["process_id"], std::to_string(server_->pid()));
  EXPECT_EQ(f["run_id"].size(), 40u);
  EXPECT_EQ(f["arch_bits"], "64");
  EXPECT_NE(f["executable"].find("cairn-server"), std::string::npos);
  EXPECT_EQ(f["hz"], "10");
  EXPECT_TRUE(f.count("uptime_in_seconds"));
  auto r = InfoFields(Info("replication"));
  EXPECT_EQ(r["role"], "master");
  EXPECT_EQ(r["connected_slaves"], "0");
  EXPECT_EQ(r["master_replid"].size(), 40u);
  EXPECT_NE(r["master_replid"], f["run_id"]);
  EXPECT_EQ(InfoFields(Info("cluster"))["cluster_enabled"], "0");
  auto p = InfoFields(Info("persistence"));
  EXPECT_EQ(p["loading"], "0");
  EXPECT_EQ(p["aof_enabled"], "1");
  EXPECT_EQ(p["rdb_bgsave_in_progress"], "0");
  EXPECT_EQ(p["aof_rewrite_in_progress"], "0");
}

// CONFIG SET maxmemory at runtime shares the budget out again: the key cache
// shrinks to its 3/8 and grows back, and no key is lost on the way.
TEST(ConfigSetMaxmemory, ResizesTheCachesAndKeepsEveryKey) {
  ServerProcess server;
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  Connection c = server.Connect();
  ASSERT_TRUE(c);
  const int kKeys = 20000;
  const std::string value(200, 'v');
  for (int i = 0; i < kKeys; ++i) {
    redisAppendCommand(c.get(), "SET key:%d %b", i, value.data(), value.size());
  }
  for (int i = 0; i < kKeys; ++i) {
    redisReply* r = nullptr;
    ASSERT_EQ(redisGetReply(c.get(), reinterpret_cast<void**>(&r)), REDIS_OK);
    freeReplyObject(r);
  }
  auto key_cache_bytes = [&] {
    return std::stoll(InfoFields(Str(Command(c.get(), {"INFO", "memory"})))["key_cache_bytes"]);
  };
  // 20,000 rows of about 230 bytes: more than 3/8 of a 2 MB budget.
  ASSERT_GT(key_cache_bytes(), 3ll << 20);

  EXPECT_EQ(Str(Command(c.get(), {"CONFIG", "SET", "maxmemory", "2mb"})), "OK");
  Reply got = Command(c.get(), {"CONFIG", "GET", "maxmemory"});
  ASSERT_EQ(got->elements, 2u);
  EXPECT_STREQ(got->element[1]->str, "2097152");
  auto memory = InfoFields(Str(Command(c.get(), {"INFO", "memory"})));
  EXPECT_EQ(memory["maxmemory"], "2097152");
  EXPECT_EQ(memory["maxmemory_human"], "2.00M");
  // 3/8 of 2 MB, plus the shards' bucket arrays.
  EXPECT_LE(key_cache_bytes(), (768ll << 10) + (512ll << 10));
  for (int i = 0; i < kKeys; i += 97) {
    EXPECT_EQ(Str(Command(c.get(), {"GET", "key:" + std::to_string(i)})), value) << i;
  }
  EXPECT_EQ(Command(c.get(), {"DBSIZE"})->integer, kKeys);

  // Back to the default budget: the cache fills again as keys are read.
  EXPECT_EQ(Str(Command(c.get(), {"CONFIG", "SET", "maxmemory", "0"})), "OK");
  for (int i = 0; i < kKeys; ++i) {
    redisAppendCommand(c.get(), "GET key:%d", i);
  }
  for (int i = 0; i < kKeys; ++i) {
    redisReply* r = nullptr;
    ASSERT_EQ(redisGetReply(c.get(), reinterpret_cast<void**>(&r)), REDIS_OK);
    ASSERT_EQ(r->type, REDIS_REPLY_STRING) << i;
    freeReplyObject(r);
  }
  EXPECT_GT(key_cache_bytes(), 3ll << 20);
  EXPECT_TRUE(server.Stop());
}

// Cairn's own persistence fields: WAL fsyncs (each acknowledged write under
// appendfsync always waits for one) and RocksDB's background work.
TEST(InfoPersistence, CountsWalFsyncsAndShowsBackgroundWork) {
  ServerProcess server({"--appendfsync", "always"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  Connection c = server.Connect();
  ASSERT_TRUE(c);
  auto fields = [&] { return InfoFields(Str(Command(c.get(), {"INFO", "persistence"}))); };
  auto before = fields();
  for (const char* name : {"wal_fsyncs", "wal_last_fsync_usec", "storage_flushes_running",
                           "storage_compactions_running", "storage_compaction_pending_bytes"}) {
    ASSERT_TRUE(before.count(name)) << name;
    EXPECT_GE(std::stoll(before[name]), 0) << name;
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Str(Command(c.get(), {"SET", "k" + std::to_string(i), "v"})), "OK");
  }
  // Each reply came after an fsync that covered its write.
  EXPECT_GE(std::stoll(fields()["wal_fsyncs"]), std::stoll(before["wal_fsyncs"]) + 3);
}

TEST_F(ServerCommands, InfoClientsCountsConnections) {
  auto before = std::stoi(InfoFields(Info("clients"))["connected_clients"]);
  EXPECT_GE(before, 1);
  // Other suites' connections to this shared server may still be closing:
  // wait (bounded) until the count settles, then add one.
  const auto settle = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (int last = -1; std::chrono::steady_clock::now() < settle;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    before = std::stoi(InfoFields(Info("clients"))["connected_clients"]);
    if (before == last) break;
    last = before;
  }
  Connection extra = server_->Connect();
  ASSERT_EQ(Str(Cmd(extra.get(), "PING")), "PONG");
  EXPECT_EQ(std::stoi(InfoFields(Info("clients"))["connected_clients"]), before + 1);
  EXPECT_EQ(InfoFields(Info("clients"))["maxclients"], "10000");
}

TEST_F(ServerCommands, InfoMemoryAndCpuReportNumbers) {
  auto m = InfoFields(Info("memory"));
  EXPECT_GT(std::stoll(m["used_memory"]), 0);
  EXPECT_GT(std::stoll(m["used_memory_rss"]), 0);
  EXPECT_GE(std::stoll(m["used_memory_peak"]), std::stoll(m["used_memory"]));
  EXPECT_EQ(m["maxmemory"], "0");
  EXPECT_EQ(m["maxmemory_human"], "0B");
  EXPECT_FALSE(m["used_memory_human"].empty());
  auto c = InfoFields(Info("cpu"));
  EXPECT_GT(std::stod(c["used_cpu_user"]) + std::stod(c["used_cpu_sys"]), 0.0);
}

TEST_F(ServerCommands, InfoKeyspaceListsOnlyNonEmptyDbs) {
  Connection c = server_->Connect();
  ASSERT_EQ(Str(Cmd(c.get(), "SELECT 9")), "OK");
  EXPECT_EQ(Info("keyspace").find("db9:"), std::string::npos);
  ASSERT_EQ(Str(Cmd(c.get(), "SET ks1 v")), "OK");
  ASSERT_EQ(Str(Cmd(c.get(), "SET ks2 v")), "OK");
  ASSERT_EQ(Str(Command(c.get(), {"PEXPIRE", "ks2", "100000"})), "1");
  EXPECT_NE(Info("keyspace").find("db9:keys=2,expires=1,avg_ttl=0\r\n"), std::string::npos)
      << Info("keyspace");
  Cmd(c.get(), "DEL ks1 ks2");
  EXPECT_EQ(Info("keyspace").find("db9:"), std::string::npos);
}

TEST_F(ServerCommands, InfoCommandStatsAndErrorStatsCount) {
  ASSERT_EQ(Str(Cmd(c_.get(), "CONFIG RESETSTAT")), "OK");
  Cmd(c_.get(), "GET cs-key");
  Cmd(c_.get(), "GET cs-key");
  Cmd(c_.get(), "GET");  // rejected: arity
  Cmd(c_.get(), "CONFIG GET port");
  Cmd(c_.get(), "CONFIG SET nosuch 1");  // failed
  auto cs = InfoFields(Info("commandstats"));
  EXPECT_EQ(cs["cmdstat_get"].rfind("calls=2,", 0), 0u) << cs["cmdstat_get"];
  EXPECT_NE(cs["cmdstat_get"].find(",rejected_calls=1,failed_calls=0"), std::string::npos)
      << cs["cmdstat_get"];
  EXPECT_EQ(cs["cmdstat_config|get"].rfind("calls=1,", 0), 0u) << cs["cmdstat_config|get"];
  EXPECT_NE(cs["cmdstat_config|set"].find("calls=1,"), std::string::npos);
  EXPECT_NE(cs["cmdstat_config|set"].find(",rejected_calls=0,failed_calls=1"), std::string::npos)
      << cs["cmdstat_config|set"];
  EXPECT_EQ(Info("errorstats"), "# Errorstats\r\nerrorstat_ERR:count=2\r\n");
  // The time a command took is counted in microseconds: DEBUG SLEEP 0.05
  // takes at least 50,000.
  ASSERT_EQ(Str(Cmd(c_.get(), "DEBUG SLEEP 0.05")), "OK");
  cs = InfoFields(Info("commandstats"));
  const std::string& debug = cs["cmdstat_debug"];
  const size_t at = debug.find(",usec=");
  ASSERT_NE(at, std::string::npos) << debug;
  const long long usec = std::stoll(debug.substr(at + 6));
  EXPECT_GE(usec, 49000) << debug;
  EXPECT_LT(usec, 60'000'000) << debug;
  EXPECT_EQ(InfoFields(Info("stats"))["total_error_replies"], "2");
}

TEST_F(ServerCommands, InfoIsVerbatimInResp3) {
  RawClient raw;
  ASSERT_TRUE(raw.Connect(server_->port()));
  ASSERT_TRUE(raw.Send(Resp({"HELLO", "3"})));
  ASSERT_FALSE(raw.ReadReply().empty());
  ASSERT_TRUE(raw.Send(Resp({"INFO", "cluster"})));
  EXPECT_EQ(raw.ReadReply(), "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n");
  ASSERT_TRUE(raw.Send(Resp({"INFO", "nosuch"})));
  EXPECT_EQ(raw.ReadReply(), "=4\r\ntxt:\r\n");
}

// --------------------------------------------------------------- COMMAND

TEST_F(ServerCommands, CommandInfoGetIsRedisShape) {
  RawClient raw;
  ASSERT_TRUE(raw.Connect(server_->port()));
  ASSERT_TRUE(raw.Send(Resp({"HELLO", "3"})));
  ASSERT_FALSE(raw.ReadReply().empty());
  ASSERT_TRUE(raw.Send(Resp({"COMMAND", "INFO", "get", "nosuch"})));
  // Byte for byte what redis-server 7.0.15 sends.
  EXPECT_EQ(raw.ReadReply(),
            "*2\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
            "~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n"
            "+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n"
            "$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n"
            "$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n"
            "$5\r\nlimit\r\n:0\r\n~0\r\n_\r\n");
}

TEST_F(ServerCommands, CommandInfoContainerListsSubcommands) {
  Reply r = Cmd(c_.get(), "COMMAND INFO config config|get");
  ASSERT_EQ(r->elements, 2u);
  const redisReply* config = r->element[0];
  ASSERT_EQ(config->elements, 10u);
  EXPECT_STREQ(config->element[0]->str, "config");
  EXPECT_EQ(config->element[1]->integer, -2);
  EXPECT_EQ(config->element[9]->elements, 5u);
  const redisReply* get = r->element[1];
  EXPECT_STREQ(get->element[0]->str, "config|get");
  EXPECT_EQ(get->element[1]->integer, -3);
  std::set<std::string> flags;
  for (size_t i = 0; i < get->element[2]->elements; ++i)
    flags.insert(get->element[2]->element[i]->str);
  EXPECT_EQ(flags, (std::set<std::string>{"admin", "noscript", "loading", "stale"}));
  std::vector<std::string> cats;
  for (size_t i = 0; i < get->element[6]->elements; ++i)
    cats.push_back(get->element[6]->element[i]->str);
  EXPECT_EQ(cats, (std::vector<std::string>{"@admin", "@slow", "@dangerous"}));
}

TEST_F(ServerCommands, CommandCountAndListAgree) {
  Reply count = Cmd(c_.get(), "COMMAND COUNT");
  ASSERT_EQ(count->type, REDIS_REPLY_INTEGER);
  Reply all = Cmd(c_.get(), "COMMAND");
  ASSERT_EQ(all->type, REDIS_REPLY_ARRAY);
  EXPECT_EQ(static_cast<long long>(all->elements), count->integer);
  Reply list = Cmd(c_.get(), "COMMAND LIST");
  std::set<std::string> names;
  for (size_t i = 0; i < list->elements; ++i) names.insert(list->element[i]->str);
  EXPECT_TRUE(names.count("get"));
  EXPECT_TRUE(names.count("config|get"));
  EXPECT_GT(static_cast<long long>(list->elements), count->integer);  // + subcommands
  Reply pat = Cmd(c_.get(), "COMMAND LIST FILTERBY PATTERN conf*");
  EXPECT_EQ(pat->elements, 6u);
  Reply admin = Cmd(c_.get(), "COMMAND LIST FILTERBY ACLCAT admin");
  std::set<std::string> a;
  for (size_t i = 0; i < admin->elements; ++i) a.insert(admin->element[i]->str);
  EXPECT_TRUE(a.count("config|set"));
  EXPECT_TRUE(a.count("shutdown"));
  EXPECT_FALSE(a.count("get"));
  EXPECT_EQ(Cmd(c_.get(), "COMMAND LIST FILTERBY ACLCAT @admin")->elements, 0u);
  EXPECT_EQ(Cmd(c_.get(), "COMMAND LIST FILTERBY MODULE x")->elements, 0u);
  EXPECT_TRUE(IsError(Cmd(c_.get(), "COMMAND LIST FILTERBY foo x"), "ERR syntax error"));
  EXPECT_TRUE(IsError(Cmd(c_.get(), "COMMAND LIST foo"), "ERR syntax error"));
}

TEST_F(ServerCommands, CommandDocsHasSummaryAndSubcommands) {
  Reply r = Cmd(c_.get(), "COMMAND DOCS get nosuch config");
  ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(r->elements, 4u);  // two commands, flattened map
  EXPECT_STREQ(r->element[0]->str, "get");
  const redisReply* get = r->element[1];
  ASSERT_EQ(get->elements, 10u);  // Redis's four fields, then its arguments
  EXPECT_STREQ(get->element[0]->str, "summary");
  EXPECT_STREQ(get->element[4]->str, "group");
  EXPECT_STREQ(get->element[5]->str, "string");
  EXPECT_STREQ(get->element[8]->str, "arguments");
  ASSERT_EQ(get->element[9]->elements, 1u);  // the key
  const redisReply* config = r->element[3];
  ASSERT_EQ(config->elements, 10u);
  EXPECT_STREQ(config->element[8]->str, "subcommands");
  EXPECT_EQ(config->element[9]->elements, 10u);  // 5 subcommands as a map
  EXPECT_EQ(Cmd(c_.get(), "COMMAND DOCS nosuch")->elements, 0u);
}

TEST_F(ServerCommands, CommandGetKeysFindsKeysOrExplains) {
  Reply r = Cmd(c_.get(), "COMMAND GETKEYS get a");
  ASSERT_EQ(r->elements, 1u);
  EXPECT_STREQ(r->element[0]->str, "a");
  EXPECT_TRUE(IsError(Cmd(c_.get(), "COMMAND GETKEYS nosuch a"), "ERR Invalid command specified"));
  EXPECT_TRUE(
      IsError(Cmd(c_.get(), "COMMAND GETKEYS config foo"), "ERR Invalid command specified"));
  EXPECT_TRUE(IsError(Cmd(c_.get(), "COMMAND GETKEYS config get x"),
                      "ERR The command has no key arguments"));
  EXPECT_TRUE(IsError(Cmd(c_.get(), "COMMAND GETKEYS set a"),
                      "ERR Invalid number of arguments specified for command"));
  EXPECT_TRUE(IsError(Cmd(c_.get(), "COMMAND GETKEYS get"),
                      "ERR wrong number of arguments for 'command|getkeys' command"));
  r = Cmd(c_.get(), "COMMAND GETKEYSANDFLAGS get a");
  ASSERT_EQ(r->elements, 1u);
  ASSERT_EQ(r->element[0]->elements, 2u);
  EXPECT_STREQ(r->element[0]->element[0]->str, "a");
  EXPECT_STREQ(r->element[0]->element[1]->element[0]->str, "RO");
}

TEST_F(ServerCommands, CommandHelpAndUnknownSubcommand) {
  Reply r = Cmd(c_.get(), "COMMAND HELP");
  ASSERT_EQ(r->elements, 21u);
  EXPECT_STREQ(r->element[0]->str,
               "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_TRUE(
      IsError(Cmd(c_.get(), "COMMAND foo"), "ERR unknown subcommand 'foo'. Try COMMAND HELP."));
}

// ------------------------------------------------------ TIME, DEBUG, ...

TEST_F(ServerCommands, TimeIsWallClockSecondsAndMicros) {
  Reply r = Cmd(c_.get(), "TIME");
  ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(r->elements, 2u);
  ASSERT_EQ(r->element[0]->type, REDIS_REPLY_STRING);
  long long secs = std::stoll(r->element[0]->str);
  long long usec = std::stoll(r->element[1]->str);
  EXPECT_LE(std::llabs(secs - static_cast<long long>(time(nullptr))), 5);
  EXPECT_GE(usec, 0);
  EXPECT_LT(usec, 1000000);
  EXPECT_TRUE(IsError(Cmd(c_.get(), "TIME x"), "ERR wrong number of arguments for 'time' command"));
}

TEST_F(ServerCommands, DebugSleepBlocksForTheGivenTime) {
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(Str(Cmd(c_.get(), "DEBUG SLEEP 0.3")), "OK");
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_GE(ms, 290);
  EXPECT_EQ(Str(Cmd(c_.get(), "DEBUG SLEEP 0")), "OK");
  EXPECT_TRUE(IsError(Cmd(c_.get(), "DEBUG SLEEP"),
                      "ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try "
                      "DEBUG HELP."));
  EXPECT_TRUE(IsError(Cmd(c_.get(), "DEBUG foo"),
                      "ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG "
                      "HELP."));
  EXPECT_EQ(Cmd(c_.get(), "DEBUG HELP")->type, REDIS_REPLY_ARRAY);
}

TEST_F(ServerCommands, ShutdownArgumentErrors) {
  EXPECT_TRUE(IsError(Cmd(c_.get(), "SHUTDOWN ABORT"), "ERR No shutdown in progress."));
  EXPECT_TRUE(IsError(Cmd(c_.get(), "SHUTDOWN NOSAVE SAVE"), "ERR syntax error"));
  EXPECT_TRUE(IsError(Cmd(c_.get(), "SHUTDOWN ABORT NOW"), "ERR syntax error"));
  EXPECT_TRUE(IsError(Cmd(c_.get(), "SHUTDOWN foo"), "ERR syntax error"));
  EXPECT_EQ(Str(Cmd(c_.get(), "PING")), "PONG");
}

// A server of its own: SHUTDOWN ends the process cleanly, with no reply.
TEST(ShutdownCommand, StopsTheServerAndKeepsData) {
  ServerProcess server;
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  {
    Connection c = server.Connect();
    ASSERT_EQ(Str(Cmd(c.get(), "SET survives yes")), "OK");
    Reply r = Cmd(c.get(), "SHUTDOWN NOSAVE NOW");
    EXPECT_EQ(r, nullptr);  // connection closed, no reply
  }
  int status = -1;
  bool exited = false;
  for (int i = 0; i < 200 && !exited; ++i) {
    pid_t p = waitpid(server.pid(), &status, WNOHANG);
    if (p == server.pid()) exited = true;
    if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(exited) << "server did not exit after SHUTDOWN";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_TRUE(server.Restart()) << server.ReadLog();
  Connection c = server.Connect();
  EXPECT_EQ(Str(Cmd(c.get(), "GET survives")), "yes");
}

// -------------------------------------------------- start-up refusals

// Runs the binary with `args`, expects exit 1 and one line of output that
// contains `needle`.
void ExpectRefusal(const std::string& args, const std::string& needle) {
  std::string out;
  int rc = RunWithTimeout(ServerBinary() + " " + args + " 2>&1", 30, &out);
  EXPECT_EQ(rc, 1) << args << " -> " << rc << "\n" << out;
  EXPECT_NE(out.find(needle), std::string::npos) << args << "\n" << out;
  size_t lines = 0;
  for (char ch : out) lines += ch == '\n';
  EXPECT_EQ(lines, 1u) << args << "\n" << out;
}

TEST(StartupConfig, BadDirectivesExitWithOneLineNamingThem) {
  TempDir dir;
  std::string base = "--port 0 --dir " + dir.path() + "/data";
  ExpectRefusal(base + " --nosuch 1", "'nosuch'");
  ExpectRefusal(base + " --port abc", "'port'");
  ExpectRefusal(base + " --port 70000", "between 0 and 65535");
  ExpectRefusal(base + " --appendfsync sometimes", "'appendfsync'");
  ExpectRefusal(base + " --maxmemory 12xb", "'maxmemory'");
  ExpectRefusal(dir.path() + "/missing.conf " + base, "missing.conf");
  std::string conf = dir.path() + "/bad.conf";
  std::ofstream(conf) << "# ok\nhz 10\nappendfsync maybe\n";
  ExpectRefusal(conf + " " + base, "line 3");
}

TEST(StartupDataDir, UnwritableOrForeignDirIsRefused) {
  TempDir dir;
  // Running as root, so "not writable" is a path under a regular file.
  std::string file = dir.path() + "/file";
  std::ofstream(file) << "x";
  ExpectRefusal("--port 0 --dir " + file + "/data", file + "/data");
  // A db directory with someone else's files in it.
  std::string foreign = dir.path() + "/foreign";
  ASSERT_EQ(mkdir(foreign.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((foreign + "/db").c_str(), 0755), 0);
  std::ofstream(foreign + "/db/other-data") << "not cairn";
  ExpectRefusal("--port 0 --dir " + foreign, "not a Cairn data directory");
}

}  // namespace
}  // namespace cairn::testing
