// Starts a real cairn-server on a kernel-chosen loopback port with its own
// temp dir, and talks to it through hiredis. Every wait has a deadline; the
// destructor ends only the process it started, by PID.
#pragma once

#include <hiredis/hiredis.h>
#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cairn::testing {

// A port the kernel picked just now on 127.0.0.1 (bind 0, read back, close).
int FreePort();

// A fresh temp directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct RedisReplyDeleter {
  void operator()(redisReply* r) const {
    if (r != nullptr) freeReplyObject(r);
  }
};
using Reply = std::unique_ptr<redisReply, RedisReplyDeleter>;

struct RedisContextDeleter {
  void operator()(redisContext* c) const {
    if (c != nullptr) redisFree(c);
  }
};
using Connection = std::unique_ptr<redisContext, RedisContextDeleter>;

class ServerProcess {
 public:
  // `args` are extra directives ("--appendfsync", "always"). The data dir
  // is `dir` if given, else a private temp dir.
  explicit ServerProcess(std::vector<std::string> args = {}, std::string dir = "");
  ~ServerProcess();

  // Starts and waits (bounded) until PING answers. False if it did not.
  bool Start();
  // SIGTERM and wait (bounded); true if it exited with status 0.
  bool Stop();
  // SIGKILL and reap.
  void Kill();
  // Restart on the same port and dir (after Stop or Kill).
  bool Restart() { return Start(); }

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  const std::string& log_path() const { return log_path_; }
  std::string ReadLog() const;

  // A new client connection (2 s timeout per call); null on failure.
  Connection Connect() const;

 private:
  std::vector<std::string> args_;
  std::unique_ptr<TempDir> own_dir_;
  std::string dir_;
  std::string log_path_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// The path of the cairn-server binary under test (CAIRN_SERVER env var, or
// the one next to the test binary).
std::string ServerBinary();

// Runs a command given as separate arguments (binary-safe).
Reply Command(redisContext* c, const std::vector<std::string>& argv);
// Shorthand for text commands: Cmd(c, "SET k v").
Reply Cmd(redisContext* c, const char* fmt, ...);

// A reply as text for assertions: the string of a bulk/status/error, the
// number of an integer, "<nil>", or "<array N>".
std::string ReplyText(const Reply& r);
// Polls `cond` every 20 ms until it holds or `seconds` passed; the last
// evaluation's result.
bool WaitUntil(const std::function<bool()>& cond, int seconds = 20);

// Runs body(i, connection) for i in [0, n) on n threads at once, each with
// its own connection to `server`; false if a connection failed or a body
// returned false. Every thread is joined before it returns.
bool RunClients(const ServerProcess& server, int n,
                const std::function<bool(int, redisContext*)>& body);

// Runs `cmd` (through /bin/sh) with a time limit; returns its exit status and
// fills *output with stdout+stderr.
int RunWithTimeout(const std::string& cmd, int timeout_seconds, std::string* output);

}  // namespace cairn::testing
