// Config: parsing (file + command line), memory units, bounds, CONFIG GET
// globbing, CONFIG SET atomicity and immutables, CONFIG REWRITE round trip.
#include "server/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace cairn {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/cairn-config-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string GetOne(const Config& c, const std::string& name) {
  auto v = c.Get(name);
  EXPECT_EQ(v.size(), 1u) << name;
  return v.empty() ? "" : v[0].second;
}

TEST(ParseMemory, AcceptsRedisUnitsCaseInsensitive) {
  int64_t v = 0;
  ASSERT_TRUE(ParseMemory("100", &v));
  EXPECT_EQ(v, 100);
  ASSERT_TRUE(ParseMemory("1k", &v));
  EXPECT_EQ(v, 1000);
  ASSERT_TRUE(ParseMemory("1kb", &v));
  EXPECT_EQ(v, 1024);
  ASSERT_TRUE(ParseMemory("5MB", &v));
  EXPECT_EQ(v, 5 * 1024 * 1024);
  ASSERT_TRUE(ParseMemory("2Gb", &v));
  EXPECT_EQ(v, 2ll * 1024 * 1024 * 1024);
  ASSERT_TRUE(ParseMemory("3m", &v));
  EXPECT_EQ(v, 3000000);
}

TEST(ParseMemory, RejectsGarbageNegativeAndOverflow) {
  int64_t v = 0;
  EXPECT_FALSE(ParseMemory("", &v));
  EXPECT_FALSE(ParseMemory("12xb", &v));
  EXPECT_FALSE(ParseMemory("-1", &v));
  EXPECT_FALSE(ParseMemory("kb", &v));
  EXPECT_FALSE(ParseMemory("1 kb", &v));
  EXPECT_FALSE(ParseMemory("9223372036854775807gb", &v));
}

TEST(ConfigLoad, DefaultsMatchRedis) {
  Config c;
  EXPECT_EQ(c.port(), 6379);
  EXPECT_EQ(c.databases(), 16);
  EXPECT_EQ(c.appendfsync(), FsyncPolicy::kEverySec);
  EXPECT_EQ(c.hz(), 10);
  EXPECT_EQ(c.maxclients(), 10000);
  EXPECT_EQ(GetOne(c, "appendonly"), "yes");
}

TEST(ConfigLoad, CommandLineDirectivesApply) {
  Config c;
  ASSERT_TRUE(c.LoadFromArgs({"--port", "7001", "--maxmemory", "2mb", "--appendfsync", "always",
                              "--bind", "127.0.0.1", "::1", "--save", ""})
                  .ok());
  EXPECT_EQ(c.port(), 7001);
  EXPECT_EQ(c.maxmemory(), 2 * 1024 * 1024);
  EXPECT_EQ(c.appendfsync(), FsyncPolicy::kAlways);
  EXPECT_EQ(c.bind(), (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(GetOne(c, "save"), "");
}

TEST(ConfigLoad, KeyCacheSizeIsABudgetShareUnlessSet) {
  Config c;
  EXPECT_EQ(c.key_cache_size(), -1);  // 3/8 of the maxmemory budget
  EXPECT_EQ(GetOne(c, "key-cache-size"), "-1");
  ASSERT_TRUE(c.LoadFromArgs({"--key-cache-size", "64mb"}).ok());
  EXPECT_EQ(c.key_cache_size(), 64 * 1024 * 1024);
  ASSERT_TRUE(c.LoadFromArgs({"--key-cache-size", "0"}).ok());
  EXPECT_EQ(c.key_cache_size(), 0);
  EXPECT_FALSE(c.LoadFromArgs({"--key-cache-size", "lots"}).ok());
  EXPECT_EQ(c.Set({{"key-cache-size", "1mb"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'key-cache-size') - can't set "
            "immutable config");
}

TEST(ConfigLoad, FileThenCommandLineWins) {
  TempDir d;
  std::string path = d.Write("c.conf",
                             "# comment\n"
                             "  port 7002  \n"
                             "\n"
                             "requirepass \"pass word\"\n"
                             "logfile 'it\\'s.log'\n"
                             "save 900 1 300 10\n"
                             "hz 20\n");
  Config c;
  Status s = c.LoadFromArgs({path, "--hz", "30"});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.port(), 7002);
  EXPECT_EQ(c.requirepass(), "pass word");
  EXPECT_TRUE(c.has_requirepass());
  EXPECT_EQ(c.logfile(), "it's.log");
  EXPECT_EQ(c.hz(), 30);
  EXPECT_EQ(GetOne(c, "save"), "900 1 300 10");
  EXPECT_FALSE(c.config_file().empty());
  EXPECT_EQ(c.config_file(), fs::canonical(path).string());
}

TEST(ConfigLoad, ErrorsNameTheDirectiveAndWhere) {
  {
    Config c;
    Status s = c.LoadFromArgs({"--nosuch", "1"});
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("'nosuch'"), std::string::npos) << s.message();
  }
  {
    Config c;
    Status s = c.LoadFromArgs({"--port", "70000"});
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("'port'"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("between 0 and 65535"), std::string::npos) << s.message();
  }
  {
    TempDir d;
    std::string path = d.Write("c.conf", "port 1\nappendfsync sometimes\n");
    Config c;
    Status s = c.LoadFromArgs({path});
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("'appendfsync'"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("line 2"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("everysec, always, no"), std::string::npos) << s.message();
  }
  {
    Config c;
    Status s = c.LoadFromArgs({"/nonexistent/dir/c.conf"});
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("/nonexistent/dir/c.conf"), std::string::npos) << s.message();
  }
  {
    Config c;
    Status s = c.LoadText("requirepass \"unterminated\n", "test");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("unbalanced quotes"), std::string::npos) << s.message();
  }
  {
    Config c;
    Status s = c.LoadFromArgs({"--maxmemory", "12xb"});
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("memory value"), std::string::npos) << s.message();
  }
}

TEST(ConfigLoad, BoundsAreInclusive) {
  Config c;
  EXPECT_TRUE(c.LoadText("databases 1\ndatabases 256\n", "t").ok());
  EXPECT_FALSE(c.LoadText("databases 0\n", "t").ok());
  EXPECT_FALSE(c.LoadText("databases 257\n", "t").ok());
  EXPECT_TRUE(c.LoadText("proto-max-bulk-len 1mb\n", "t").ok());
  EXPECT_FALSE(c.LoadText("proto-max-bulk-len 1048575\n", "t").ok());
  EXPECT_FALSE(c.LoadText("save 900\n", "t").ok());
  EXPECT_FALSE(c.LoadText("save 900 x\n", "t").ok());
}

TEST(ConfigGet, GlobIsCaseInsensitive) {
  Config c;
  std::map<std::string, std::string> m;
  for (auto& [k, v] : c.Get("*MAX*")) m[k] = v;
  EXPECT_EQ(m.count("maxmemory"), 1u);
  EXPECT_EQ(m.count("maxclients"), 1u);
  EXPECT_EQ(m.count("proto-max-bulk-len"), 1u);
  EXPECT_EQ(m.count("port"), 0u);
  EXPECT_EQ(c.Get("nosuch*").size(), 0u);
  EXPECT_EQ(c.Get("p?rt").size(), 1u);
  EXPECT_EQ(GetOne(c, "PORT"), "6379");
}

TEST(ConfigSet, AppliesSeveralPairs) {
  Config c;
  ASSERT_TRUE(c.Set({{"hz", "50"}, {"appendfsync", "no"}, {"maxclients", "7"}}).ok());
  EXPECT_EQ(c.hz(), 50);
  EXPECT_EQ(c.appendfsync(), FsyncPolicy::kNo);
  EXPECT_EQ(GetOne(c, "appendfsync"), "no");
  EXPECT_EQ(c.maxclients(), 7);
}

TEST(ConfigSet, FailureRollsBackEarlierPairs) {
  Config c;
  // An immutable name is caught before anything is applied.
  ASSERT_FALSE(c.Set({{"save", "100 1 200 2"}, {"bind", "127.0.0.1"}}).ok());
  EXPECT_EQ(GetOne(c, "save"), "3600 1 300 100 60 10000");
  // A bad value after good ones: the good ones are rolled back.
  Status s = c.Set({{"hz", "42"}, {"save", "60 5"}, {"timeout", "-1"}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be "
            "between 0 and 2147483647 inclusive");
  EXPECT_EQ(c.hz(), 10);
  EXPECT_EQ(GetOne(c, "save"), "3600 1 300 100 60 10000");
}

TEST(ConfigSet, ErrorsAreRedisTexts) {
  Config c;
  EXPECT_EQ(c.Set({{"nosuch", "1"}}).message(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
  EXPECT_EQ(c.Set({{"port", "7000"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable "
            "config");
  EXPECT_EQ(c.Set({{"hz", "1"}, {"HZ", "2"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter");
  EXPECT_EQ(c.Set({{"hz", "abc"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be "
            "parsed into an integer");
  EXPECT_EQ(c.Set({{"protected-mode", "maybe"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'protected-mode') - argument "
            "must be 'yes' or 'no'");
  EXPECT_EQ(c.Set({{"save", "1 2 3"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save "
            "parameters");
  EXPECT_EQ(c.port(), 6379);
}

TEST(ConfigSet, HzIsClampedAsRedis) {
  Config c;
  ASSERT_TRUE(c.Set({{"hz", "0"}}).ok());
  EXPECT_EQ(c.hz(), 1);
  ASSERT_TRUE(c.Set({{"hz", "1000"}}).ok());
  EXPECT_EQ(c.hz(), 500);
  EXPECT_FALSE(c.Set({{"hz", "-1"}}).ok());
}

TEST(ConfigSet, RequirepassTogglesAuth) {
  Config c;
  ASSERT_TRUE(c.Set({{"requirepass", "secret"}}).ok());
  EXPECT_TRUE(c.has_requirepass());
  ASSERT_TRUE(c.Set({{"requirepass", ""}}).ok());
  EXPECT_FALSE(c.has_requirepass());
}

TEST(ConfigRewrite, WithoutFileIsAnError) {
  Config c;
  EXPECT_EQ(c.Rewrite().message(), "ERR The server is running without a config file");
}

TEST(ConfigRewrite, RoundTripKeepsCommentsAndChangedValues) {
  TempDir d;
  std::string good = d.Write("good.conf",
                             "# my settings\n"
                             "port 7003\n"
                             "hz 20\n"
                             "hz 25\n");
  Config c;
  ASSERT_TRUE(c.LoadFromArgs({good}).ok());
  EXPECT_EQ(c.hz(), 25);
  ASSERT_TRUE(c.Set({{"hz", "40"},
                     {"requirepass", "with space \"q\""},
                     {"save", ""},
                     {"appendfsync", "always"}})
                  .ok());
  Status s = c.Rewrite();
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::string text = ReadFile(good);
  EXPECT_EQ(text.rfind("# my settings\n", 0), 0u) << text;
  // The first hz line is rewritten in place and the repeat dropped.
  EXPECT_NE(text.find("hz 40\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("hz 25"), std::string::npos) << text;
  EXPECT_EQ(text.find("hz 20"), std::string::npos) << text;
  // Unchanged defaults are not appended.
  EXPECT_EQ(text.find("databases"), std::string::npos) << text;

  Config again;
  s = again.LoadFromArgs({good});
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << text;
  EXPECT_EQ(again.port(), 7003);
  EXPECT_EQ(again.hz(), 40);
  EXPECT_EQ(again.requirepass(), "with space \"q\"");
  EXPECT_EQ(GetOne(again, "save"), "");
  EXPECT_EQ(again.appendfsync(), FsyncPolicy::kAlways);
  // No temp file left behind.
  int files = 0;
  for (const auto& e : fs::directory_iterator(d.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

}  // namespace
}  // namespace cairn

namespace cairn {
namespace {

TEST(ClusterConfig, DirectivesParseAndDefaultAsRedis) {
  Config defaults;
  EXPECT_FALSE(defaults.cluster_enabled());
  EXPECT_EQ(defaults.cluster_config_file(), "nodes.conf");
  EXPECT_EQ(defaults.cluster_port(), 0);
  EXPECT_EQ(defaults.cluster_node_timeout(), 15000);
  EXPECT_TRUE(defaults.cluster_require_full_coverage());
  EXPECT_FALSE(defaults.cluster_allow_reads_when_down());

  Config c;
  ASSERT_TRUE(c.LoadFromArgs({"--cluster-enabled",
                              "yes",
                              "--cluster-config-file",
                              "n7000.conf",
                              "--cluster-port",
                              "17001",
                              "--cluster-node-timeout",
                              "500",
                              "--cluster-announce-ip",
                              "10.1.2.3",
                              "--cluster-announce-port",
                              "7100",
                              "--cluster-announce-bus-port",
                              "17100",
                              "--cluster-announce-hostname",
                              "a.example",
                              "--cluster-require-full-coverage",
                              "no",
                              "--cluster-allow-reads-when-down",
                              "yes"})
                  .ok());
  EXPECT_TRUE(c.cluster_enabled());
  EXPECT_EQ(c.cluster_config_file(), "n7000.conf");
  EXPECT_EQ(c.cluster_port(), 17001);
  EXPECT_EQ(c.cluster_node_timeout(), 500);
  EXPECT_EQ(c.cluster_announce_ip(), "10.1.2.3");
  EXPECT_EQ(c.cluster_announce_port(), 7100);
  EXPECT_EQ(c.cluster_announce_bus_port(), 17100);
  EXPECT_EQ(c.cluster_announce_hostname(), "a.example");
  EXPECT_FALSE(c.cluster_require_full_coverage());
  EXPECT_TRUE(c.cluster_allow_reads_when_down());
  auto got = c.Get("cluster-enabled");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second, "yes");
  // Read once at start-up, so not settable at run time.
  EXPECT_FALSE(c.Set({{"cluster-node-timeout", "1000"}}).ok());
}

TEST(ClusterConfig, BadValuesStopStartUp) {
  Config c;
  EXPECT_FALSE(c.LoadFromArgs({"--cluster-enabled", "maybe"}).ok());
  EXPECT_FALSE(c.LoadFromArgs({"--cluster-port", "70000"}).ok());
  EXPECT_FALSE(c.LoadFromArgs({"--cluster-node-timeout", "-1"}).ok());
}

}  // namespace
}  // namespace cairn
