// The slow log (SLOWLOG): commands whose execution took at least
// slowlog-log-slower-than microseconds, newest first, at most
// slowlog-max-len of them, as Redis keeps it (slowlog.c). Every loop adds to
// the one log; a command takes its lock only when it was slow enough to be
// logged, so the hot path pays one comparison.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn {

// Which arguments of a command line are secrets, as Redis's
// redactClientCommandArgument calls mark them (AUTH's arguments, HELLO's
// AUTH pair, MIGRATE's passwords, CONFIG SET requirepass and masterauth):
// SLOWLOG and MONITOR show "(redacted)" in their place.
std::vector<bool> SecretArguments(std::span<const std::string_view> argv);
inline constexpr std::string_view kRedactedArgument = "(redacted)";

class SlowLog {
 public:
  struct Entry {
    uint64_t id = 0;
    int64_t unix_seconds = 0;
    int64_t micros = 0;
    std::vector<std::string> args;  // trimmed and redacted as Redis does
    std::string addr;
    std::string name;
  };

  // Redis's limits on what an entry keeps of a command.
  static constexpr size_t kMaxArgs = 32;
  static constexpr size_t kMaxArgBytes = 128;

  // Records a command (its argv as sent) and then drops the oldest entries
  // past `max_len`. Secrets are replaced by "(redacted)": AUTH's arguments,
  // HELLO's AUTH pair, MIGRATE's passwords, CONFIG SET requirepass and
  // masterauth values.
  void Add(std::span<const std::string_view> argv, int64_t micros, int64_t unix_seconds,
           std::string addr, std::string name, size_t max_len);
  // The newest `count` entries (all of them if count < 0), newest first.
  std::vector<Entry> Newest(int64_t count) const;
  size_t size() const;
  // Empties the log; ids keep counting up.
  void Reset();

 private:
  mutable std::mutex mu_;
  std::deque<Entry> entries_;  // newest first; guarded by mu_
  uint64_t next_id_ = 0;       // guarded by mu_
};

}  // namespace cairn
