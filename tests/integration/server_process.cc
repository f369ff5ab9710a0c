#include "tests/integration/server_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdarg>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace cairn::testing {
namespace fs = std::filesystem;

namespace {
// One probe: a port the kernel picks for a loopback bind, then releases.
int ProbePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return 0;
  }
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);
  return port;
}
}  // namespace

// The kernel may hand a released port out again, and a cluster's ports are
// all picked before its nodes bind them: never return one port twice.
int FreePort() {
  static std::mutex mu;
  static std::set<int> given;
  std::lock_guard<std::mutex> lock(mu);
  for (int attempt = 0; attempt < 100; ++attempt) {
    int port = ProbePort();
    if (port != 0 && given.insert(port).second) return port;
  }
  return 0;
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "cairn-test-XXXXXX").string();
  char* p = mkdtemp(tmpl.data());
  path_ = p != nullptr ? std::string(p) : tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string ServerBinary() {
  const char* env = getenv("CAIRN_SERVER");
  if (env != nullptr && *env != '\0') return env;
  char exe[4096] = {0};
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  fs::path dir = fs::path(std::string(exe, n > 0 ? static_cast<size_t>(n) : 0)).parent_path();
  for (fs::path p : {dir / "cairn-server", dir.parent_path() / "cairn-server"}) {
    if (fs::exists(p)) return p.string();
  }
  return "cairn-server";
}

ServerProcess::ServerProcess(std::vector<std::string> args, std::string dir)
    : args_(std::move(args)) {
  if (dir.empty()) {
    own_dir_ = std::make_unique<TempDir>();
    dir_ = own_dir_->path() + "/data";
    log_path_ = own_dir_->path() + "/server.log";
  } else {
    dir_ = dir;
    log_path_ = dir + ".log";
  }
}

ServerProcess::~ServerProcess() { Kill(); }

bool ServerProcess::Start() {
  using namespace std::chrono;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (port_ == 0 || attempt > 0) port_ = FreePort();
    std::vector<std::string> argv = {ServerBinary(), "--port",    std::to_string(port_),
                                     "--bind",       "127.0.0.1", "--dir",
                                     dir_,           "--threads", "2"};
    argv.insert(argv.end(), args_.begin(), args_.end());
    pid_ = fork();
    if (pid_ == 0) {
      FILE* log = fopen(log_path_.c_str(), "a");
      if (log != nullptr) {
        dup2(fileno(log), 1);
        dup2(fileno(log), 2);
      }
      std::vector<char*> cargv;
      for (auto& a : argv) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      execv(cargv[0], cargv.data());
      _exit(127);
    }
    auto deadline = steady_clock::now() + seconds(20);
    while (steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;  // exited: maybe the port was taken; try another
      }
      // Ready when our own process answers: with tests running in
      // parallel, another test's server may hold the port ours could not
      // bind (then ours exits, and the next attempt takes another port).
      // A server with requirepass answers NOAUTH: taken as ready, unchecked.
      Connection c = Connect();
      if (c != nullptr) {
        Reply r = Cmd(c.get(), "INFO server");
        const std::string own = "\r\nprocess_id:" + std::to_string(pid_) + "\r\n";
        if (r != nullptr && r->type == REDIS_REPLY_STRING &&
            std::string_view(r->str, r->len).find(own) != std::string_view::npos) {
          return true;
        }
        if (r != nullptr && r->type == REDIS_REPLY_ERROR &&
            std::string_view(r->str, r->len).starts_with("NOAUTH")) {
          return true;
        }
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    if (pid_ > 0) {
      Kill();
      return false;
    }
  }
  return false;
}

bool ServerProcess::Stop() {
  if (pid_ <= 0) return false;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
  return false;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string ServerProcess::ReadLog() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Connection ServerProcess::Connect() const {
  timeval tv{2, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
  if (c == nullptr || c->err != 0) {
    if (c != nullptr) redisFree(c);
    return nullptr;
  }
  redisSetTimeout(c, tv);
  return Connection(c);
}

Reply Command(redisContext* c, const std::vector<std::string>& argv) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  return Reply(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data())));
}

Reply Cmd(redisContext* c, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  void* r = redisvCommand(c, fmt, ap);
  va_end(ap);
  return Reply(static_cast<redisReply*>(r));
}

int RunWithTimeout(const std::string& cmd, int timeout_seconds, std::string* output) {
  std::string quoted;
  for (char ch : cmd) {
    if (ch == '\'') {
      quoted.append("'\\''");
    } else {
      quoted.push_back(ch);
    }
  }
  std::string full =
      "timeout -k 5 " + std::to_string(timeout_seconds) + " sh -c '" + quoted + "' 2>&1";
  FILE* p = popen(full.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  output->clear();
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) output->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ReplyText(const Reply& r) {
  if (!r) return "<no reply>";
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
      r->type == REDIS_REPLY_ERROR) {
    return std::string(r->str, r->len);
  }
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  if (r->type == REDIS_REPLY_NIL) return "<nil>";
  return "<array " + std::to_string(r->elements) + ">";
}

bool WaitUntil(const std::function<bool()>& cond, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

bool RunClients(const ServerProcess& server, int n,
                const std::function<bool(int, redisContext*)>& body) {
  std::atomic<bool> ok{true};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      Connection c = server.Connect();
      if (!c || !body(i, c.get())) ok = false;
    });
  }
  for (auto& t : threads) t.join();
  return ok;
}

}  // namespace cairn::testing
