#include "storage/scan_cursors.h"

#include <random>

namespace cairn::storage {

ScanCursors::ScanCursors(size_t max_entries, size_t max_bytes)
    : max_entries_(max_entries), max_bytes_(max_bytes) {
  std::random_device rd;
  next_token_ = ((static_cast<uint64_t>(rd()) << 32) | rd()) % (kTokenLimit / 2) + 1;
}

uint64_t ScanCursors::Put(uint8_t db, uint16_t slot, std::string key) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t token = next_token_++;
  if (next_token_ >= kTokenLimit) next_token_ = 1;
  bytes_ += key.size();
  lru_.push_front(token);
  entries_[token] = Entry{db, slot, std::move(key), lru_.begin()};
  EvictLocked();
  return token;
}

bool ScanCursors::Get(uint64_t token, uint8_t db, uint16_t slot, std::string* key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(token);
  if (it == entries_.end() || it->second.db != db || it->second.slot != slot) return false;
  // A client may retry a cursor (a lost reply), so the entry stays.
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  *key = it->second.key;
  return true;
}

size_t ScanCursors::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void ScanCursors::EvictLocked() {
  // The newest entry is never evicted: the cursor just handed out must work.
  while (lru_.size() > 1 && (lru_.size() > max_entries_ || bytes_ > max_bytes_)) {
    auto it = entries_.find(lru_.back());
    bytes_ -= it->second.key.size();
    entries_.erase(it);
    lru_.pop_back();
  }
}

}  // namespace cairn::storage
