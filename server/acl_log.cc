#include "server/acl_log.h"

#include <algorithm>
#include <utility>

namespace cairn {
namespace {

// Redis's ACL_LOG_GROUPING_MAX_TIME_DELTA and how far back it looks.
constexpr int64_t kGroupingMs = 60000;
constexpr size_t kGroupingScan = 10;

}  // namespace

void AclLog::Add(Entry e) {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t scan = std::min(kGroupingScan, entries_.size());
  for (size_t i = 0; i < scan; ++i) {
    Entry& old = entries_[i];
    if (old.reason == e.reason && old.context == e.context && old.object == e.object &&
        old.username == e.username && e.updated_ms - old.updated_ms <= kGroupingMs) {
      old.count++;
      old.updated_ms = e.updated_ms;
      old.client_info = std::move(e.client_info);
      Entry moved = std::move(old);
      entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
      entries_.push_front(std::move(moved));
      return;
    }
  }
  entries_.push_front(std::move(e));
  while (entries_.size() > kMaxLen) entries_.pop_back();
}

std::vector<AclLog::Entry> AclLog::Newest(size_t count) const {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t n = std::min(count, entries_.size());
  return std::vector<Entry>(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n));
}

void AclLog::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

}  // namespace cairn
