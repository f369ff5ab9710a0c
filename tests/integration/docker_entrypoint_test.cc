// The container's entrypoint and cluster-creation scripts (docker/), run as
// local processes exactly as the image runs them: environment and config
// file become directives, arguments win, and docker/cluster-create.sh turns
// six entrypoint-started nodes into a 3+3 cluster once (and leaves it alone
// the second time). Everything listens on 127.0.0.1 only.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

std::string RepoFile(const std::string& rel) {
  // The binary lives in build/<type>/; the sources two levels up.
  std::string bin = ServerBinary();
  std::string root = bin.substr(0, bin.rfind('/'));  // build/debug
  root = root.substr(0, root.rfind('/'));            // build
  root = root.substr(0, root.rfind('/'));            // repository
  return root + "/" + rel;
}

// One node started through docker/entrypoint.sh with the given environment.
class EntrypointNode {
 public:
  EntrypointNode(std::map<std::string, std::string> env, std::vector<std::string> args)
      : env_(std::move(env)), args_(std::move(args)) {}
  ~EntrypointNode() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool Start(int port) {
    port_ = port;
    pid_ = fork();
    if (pid_ == 0) {
      FILE* log = fopen((dir_.path() + "/log").c_str(), "a");
      if (log != nullptr) {
        dup2(fileno(log), 1);
        dup2(fileno(log), 2);
      }
      setenv("CAIRN_SERVER", ServerBinary().c_str(), 1);
      setenv("CAIRN_DIR", (dir_.path() + "/data").c_str(), 1);
      setenv("CAIRN_BIND", "127.0.0.1", 1);
      setenv("CAIRN_PORT", std::to_string(port).c_str(), 1);
      for (const auto& [k, v] : env_) setenv(k.c_str(), v.c_str(), 1);
      std::string script = RepoFile("docker/entrypoint.sh");
      std::vector<std::string> argv = {"/bin/sh", script};
      argv.insert(argv.end(), args_.begin(), args_.end());
      std::vector<char*> c;
      for (auto& a : argv) c.push_back(a.data());
      c.push_back(nullptr);
      execv("/bin/sh", c.data());
      _exit(127);
    }
    return WaitUntil(
        [&] {
          redisContext* ctx = redisConnect("127.0.0.1", port_);
          bool ok = ctx != nullptr && ctx->err == 0;
          if (ok) {
            Reply r(static_cast<redisReply*>(redisCommand(ctx, "PING")));
            ok = ReplyText(r) == "PONG";
          }
          if (ctx != nullptr) redisFree(ctx);
          return ok;
        },
        20);
  }
  Connection Connect() const { return Connection(redisConnect("127.0.0.1", port_)); }
  int port() const { return port_; }
  const std::string& dir() const { return dir_.path(); }

 private:
  std::map<std::string, std::string> env_;
  std::vector<std::string> args_;
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

std::string ConfigValue(redisContext* c, const std::string& name) {
  Reply r = Command(c, {"CONFIG", "GET", name});
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return "<none>";
  return std::string(r->element[1]->str, r->element[1]->len);
}

TEST(DockerEntrypoint, EnvironmentFileAndArgumentsBecomeDirectives) {
  TempDir conf_dir;
  const std::string conf = conf_dir.path() + "/cairn.conf";
  std::ofstream(conf) << "appendfsync always\nmaxclients 777\nhz 20\n";
  EntrypointNode node({{"CAIRN_CONFIG", conf}, {"CAIRN_APPENDFSYNC", "no"}}, {"--hz", "15"});
  ASSERT_TRUE(node.Start(FreePort()));
  Connection c = node.Connect();
  ASSERT_TRUE(c);
  EXPECT_EQ(ConfigValue(c.get(), "maxclients"), "777");  // from the file
  EXPECT_EQ(ConfigValue(c.get(), "appendfsync"), "no");  // environment beats the file
  EXPECT_EQ(ConfigValue(c.get(), "hz"), "15");           // arguments beat both
  EXPECT_EQ(ConfigValue(c.get(), "dir"), node.dir() + "/data");
  EXPECT_EQ(ReplyText(Command(c.get(), {"SET", "k", "v"})), "OK");
}

TEST(DockerEntrypoint, ClusterCreateBuildsTheComposeClusterOnce) {
  std::vector<std::unique_ptr<EntrypointNode>> nodes;
  std::string addresses;
  for (int i = 0; i < 6; ++i) {
    const int bus = FreePort();
    auto n = std::make_unique<EntrypointNode>(
        std::map<std::string, std::string>{{"CAIRN_CLUSTER", "yes"},
                                           {"CAIRN_NODE_TIMEOUT", "2000"},
                                           {"CAIRN_ANNOUNCE_IP", "127.0.0.1"}},
        std::vector<std::string>{"--cluster-port", std::to_string(bus)});
    ASSERT_TRUE(n->Start(FreePort())) << "node " << i;
    addresses += " 127.0.0.1:" + std::to_string(n->port());
    nodes.push_back(std::move(n));
  }
  const std::string create =
      "CAIRN_WAIT_SECONDS=20 /bin/sh " + RepoFile("docker/cluster-create.sh") + addresses;
  std::string out;
  ASSERT_EQ(RunWithTimeout(create, 120, &out), 0) << out;
  EXPECT_NE(out.find("[OK] All 16384 slots covered."), std::string::npos) << out;
  for (auto& n : nodes) {
    Connection c = n->Connect();
    ASSERT_TRUE(c);
    EXPECT_TRUE(WaitUntil([&] {
      return ReplyText(Command(c.get(), {"CLUSTER", "INFO"})).find("cluster_state:ok") !=
             std::string::npos;
    }));
  }
  ASSERT_EQ(RunWithTimeout(create, 60, &out), 0) << out;
  EXPECT_NE(out.find("already exists"), std::string::npos) << out;
}

}  // namespace
}  // namespace cairn::testing
