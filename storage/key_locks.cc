#include "storage/key_locks.h"

#include <algorithm>
#include <functional>

namespace cairn::storage {

size_t KeyLocks::StripeOf(uint8_t db, std::string_view key) const {
  size_t h = std::hash<std::string_view>{}(key);
  h ^= static_cast<size_t>(db) * 0x9e3779b97f4a7c15ULL;
  return h % kStripes;
}

KeyLockGuard::KeyLockGuard(KeyLocks& locks, uint8_t db, std::string_view key) : locks_(&locks) {
  uint16_t s = static_cast<uint16_t>(locks.StripeOf(db, key));
  locks.Stripe(s).lock();
  held_.push_back(s);
}

KeyLockGuard::KeyLockGuard(KeyLocks& locks, uint8_t db, const std::vector<std::string_view>& keys)
    : locks_(&locks) {
  held_.reserve(keys.size());
  for (auto k : keys) held_.push_back(static_cast<uint16_t>(locks.StripeOf(db, k)));
  std::sort(held_.begin(), held_.end());
  held_.erase(std::unique(held_.begin(), held_.end()), held_.end());
  for (uint16_t s : held_) locks.Stripe(s).lock();
}

KeyLockGuard::KeyLockGuard(KeyLocks& locks,
                           const std::vector<std::pair<uint8_t, std::string_view>>& keys)
    : locks_(&locks) {
  held_.reserve(keys.size());
  for (const auto& [db, k] : keys) held_.push_back(static_cast<uint16_t>(locks.StripeOf(db, k)));
  std::sort(held_.begin(), held_.end());
  held_.erase(std::unique(held_.begin(), held_.end()), held_.end());
  for (uint16_t s : held_) locks.Stripe(s).lock();
}

KeyLockGuard KeyLockGuard::All(KeyLocks& locks) {
  KeyLockGuard g;
  g.locks_ = &locks;
  g.held_.reserve(KeyLocks::kStripes);
  for (size_t i = 0; i < KeyLocks::kStripes; ++i) {
    locks.Stripe(i).lock();
    g.held_.push_back(static_cast<uint16_t>(i));
  }
  return g;
}

KeyLockGuard::KeyLockGuard(KeyLockGuard&& other) noexcept
    : locks_(other.locks_), held_(std::move(other.held_)) {
  other.held_.clear();
}

KeyLockGuard& KeyLockGuard::operator=(KeyLockGuard&& other) noexcept {
  if (this != &other) {
    Release();
    locks_ = other.locks_;
    held_ = std::move(other.held_);
    other.held_.clear();
  }
  return *this;
}

KeyLockGuard::~KeyLockGuard() { Release(); }

void KeyLockGuard::Release() {
  for (auto it = held_.rbegin(); it != held_.rend(); ++it) locks_->Stripe(*it).unlock();
  held_.clear();
}

}  // namespace cairn::storage
