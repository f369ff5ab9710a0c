#include "storage/key_locks.h"

#include <algorithm>
#include <bitset>
#include <functional>

namespace cairn::storage {
namespace {

// The stripes this thread holds, through any guard of `owner`.
struct ThreadHeld {
  const KeyLocks* owner = nullptr;
  std::bitset<KeyLocks::kStripes> held;
  size_t count = 0;
};
thread_local ThreadHeld tl_held;

}  // namespace

size_t KeyLocks::StripeOf(uint8_t db, std::string_view key) const {
  size_t h = std::hash<std::string_view>{}(key);
  h ^= static_cast<size_t>(db) * 0x9e3779b97f4a7c15ULL;
  return h % kStripes;
}

KeyLockGuard::KeyLockGuard(KeyLocks& locks, uint8_t db, std::string_view key) : locks_(&locks) {
  held_.push_back(static_cast<uint16_t>(locks.StripeOf(db, key)));
  Acquire();
}

KeyLockGuard::KeyLockGuard(KeyLocks& locks, uint8_t db, const std::vector<std::string_view>& keys)
    : locks_(&locks) {
  held_.reserve(keys.size());
  for (auto k : keys) held_.push_back(static_cast<uint16_t>(locks.StripeOf(db, k)));
  std::sort(held_.begin(), held_.end());
  held_.erase(std::unique(held_.begin(), held_.end()), held_.end());
  Acquire();
}

KeyLockGuard::KeyLockGuard(KeyLocks& locks,
                           const std::vector<std::pair<uint8_t, std::string_view>>& keys)
    : locks_(&locks) {
  held_.reserve(keys.size());
  for (const auto& [db, k] : keys) held_.push_back(static_cast<uint16_t>(locks.StripeOf(db, k)));
  std::sort(held_.begin(), held_.end());
  held_.erase(std::unique(held_.begin(), held_.end()), held_.end());
  Acquire();
}

KeyLockGuard KeyLockGuard::All(KeyLocks& locks) {
  KeyLockGuard g;
  g.locks_ = &locks;
  g.held_.reserve(KeyLocks::kStripes);
  for (size_t i = 0; i < KeyLocks::kStripes; ++i) g.held_.push_back(static_cast<uint16_t>(i));
  g.Acquire();
  return g;
}

void KeyLockGuard::Acquire() {
  ThreadHeld& t = tl_held;
  if (t.count == 0) t.owner = locks_;
  const bool nested = t.owner == locks_ && t.count > 0;
  size_t kept = 0;
  for (uint16_t s : held_) {
    if (nested && t.held.test(s)) continue;  // an outer guard of this thread has it
    held_[kept++] = s;
  }
  held_.resize(kept);
  for (uint16_t s : held_) locks_->Stripe(s).lock();
  if (t.owner == locks_) {
    for (uint16_t s : held_) t.held.set(s);
    t.count += held_.size();
  }
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
  ThreadHeld& t = tl_held;
  const bool tracked = t.owner == locks_;
  for (auto it = held_.rbegin(); it != held_.rend(); ++it) {
    if (tracked) t.held.reset(*it);
    locks_->Stripe(*it).unlock();
  }
  if (tracked) t.count -= held_.size();
  held_.clear();
}

}  // namespace cairn::storage
