#include "server/slowlog.h"

#include <algorithm>
#include <utility>

#include "common/strings.h"

namespace cairn {
namespace {

std::string Trimmed(std::string_view arg) {
  if (arg.size() <= SlowLog::kMaxArgBytes) return std::string(arg);
  std::string out(arg.substr(0, SlowLog::kMaxArgBytes));
  out += "... (" + std::to_string(arg.size() - SlowLog::kMaxArgBytes) + " more bytes)";
  return out;
}

}  // namespace

std::vector<bool> SecretArguments(std::span<const std::string_view> argv) {
  std::vector<bool> secret(argv.size(), false);
  if (argv.empty()) return secret;
  const std::string_view cmd = argv[0];
  if (EqualsIgnoreCase(cmd, "auth")) {
    for (size_t i = 1; i < argv.size(); ++i) secret[i] = true;
  } else if (EqualsIgnoreCase(cmd, "hello")) {
    // HELLO protover [AUTH username password] [SETNAME name], read as Redis
    // reads it: options in turn, until one it does not know.
    size_t i = 2;
    while (i < argv.size()) {
      const size_t more = argv.size() - 1 - i;
      if (EqualsIgnoreCase(argv[i], "auth") && more >= 2) {
        secret[i + 1] = true;
        secret[i + 2] = true;
        i += 3;
      } else if (EqualsIgnoreCase(argv[i], "setname") && more >= 1) {
        i += 2;
      } else {
        break;
      }
    }
  } else if (EqualsIgnoreCase(cmd, "migrate")) {
    for (size_t i = 6; i < argv.size(); ++i) {
      if (EqualsIgnoreCase(argv[i], "auth") && i + 1 < argv.size()) {
        secret[i + 1] = true;
      } else if (EqualsIgnoreCase(argv[i], "auth2") && i + 2 < argv.size()) {
        secret[i + 1] = true;
        secret[i + 2] = true;
      }
    }
  } else if (EqualsIgnoreCase(cmd, "config") && argv.size() > 1 &&
             EqualsIgnoreCase(argv[1], "set")) {
    for (size_t i = 2; i + 1 < argv.size(); i += 2) {
      if (EqualsIgnoreCase(argv[i], "requirepass") || EqualsIgnoreCase(argv[i], "masterauth")) {
        secret[i + 1] = true;
      }
    }
  }
  return secret;
}

void SlowLog::Add(std::span<const std::string_view> argv, int64_t micros, int64_t unix_seconds,
                  std::string addr, std::string name, size_t max_len) {
  Entry e;
  e.micros = micros;
  e.unix_seconds = unix_seconds;
  e.addr = std::move(addr);
  e.name = std::move(name);
  const std::vector<bool> secret = SecretArguments(argv);
  // At most kMaxArgs arguments: the last one kept says how many were left out.
  const size_t kept = argv.size() > kMaxArgs ? kMaxArgs - 1 : argv.size();
  e.args.reserve(std::min(argv.size(), kMaxArgs));
  for (size_t i = 0; i < kept; ++i) {
    e.args.push_back(secret[i] ? std::string(kRedactedArgument) : Trimmed(argv[i]));
  }
  if (kept < argv.size()) {
    e.args.push_back("... (" + std::to_string(argv.size() - kept) + " more arguments)");
  }
  std::lock_guard<std::mutex> lock(mu_);
  e.id = next_id_++;
  entries_.push_front(std::move(e));
  while (entries_.size() > max_len) entries_.pop_back();
}

std::vector<SlowLog::Entry> SlowLog::Newest(int64_t count) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = entries_.size();
  if (count >= 0) n = std::min(n, static_cast<size_t>(count));
  return std::vector<Entry>(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(n));
}

size_t SlowLog::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void SlowLog::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

}  // namespace cairn
