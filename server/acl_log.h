// The ACL log (ACL LOG), as Redis 7.0 keeps it: Cairn has only the default
// user and no per-command permissions, so what it records is what Redis
// records for such a user, the authentications that failed (AUTH, HELLO
// AUTH). Newest first, at most kMaxLen entries (acllog-max-len); a failure
// like one of the 10 newest entries within a minute of it bumps that
// entry's count instead, as Redis groups them.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace cairn {

class AclLog {
 public:
  struct Entry {
    uint64_t count = 1;
    std::string reason;    // "auth"
    std::string context;   // "toplevel" or "multi"
    std::string object;    // the command as typed ("AUTH")
    std::string username;  // the user named in the attempt
    int64_t updated_ms = 0;
    std::string client_info;  // the client as CLIENT INFO showed it then
  };
  static constexpr size_t kMaxLen = 128;

  void Add(Entry e);
  // The newest `count` entries.
  std::vector<Entry> Newest(size_t count) const;
  void Reset();

 private:
  mutable std::mutex mu_;
  std::deque<Entry> entries_;  // newest first
};

}  // namespace cairn
