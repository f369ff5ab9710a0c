#include "storage/key_locks.h"

#include <algorithm>
#include <bitset>
#include <functional>

namespace cairn::storage {
namespace {

// The stripes this thread holds, through any guard of `owner`.
// Retained stripes (see KeyLocks::BeginRetaining) stay in `held` and
// `count`; `retained` marks which held stripes no live guard owns.
struct ThreadHeld {
  const KeyLocks* owner = nullptr;
  std::bitset<KeyLocks::kStripes> held;
  size_t count = 0;
  const KeyLocks* retaining = nullptr;  // the KeyLocks in retaining mode
  void (*on_contention)(void*) = nullptr;
  void* contention_arg = nullptr;
  std::bitset<KeyLocks::kStripes> retained;
  std::vector<uint16_t> retained_list;  // may repeat; `retained` decides
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

void KeyLocks::BeginRetaining(void (*on_contention)(void*), void* arg) {
  ThreadHeld& t = tl_held;
  if (t.count == 0) t.owner = this;
  if (t.owner != this) return;  // another KeyLocks in use: plain guards
  t.retaining = this;
  t.on_contention = on_contention;
  t.contention_arg = arg;
}

void KeyLocks::ReleaseRetained() {
  ThreadHeld& t = tl_held;
  if (t.owner != this) return;
  for (uint16_t s : t.retained_list) {
    if (!t.retained.test(s)) continue;
    t.retained.reset(s);
    t.held.reset(s);
    --t.count;
    Stripe(s).unlock();
  }
  t.retained_list.clear();
}

void KeyLocks::EndRetaining() {
  ThreadHeld& t = tl_held;
  if (t.retaining != this) return;
  ReleaseRetained();
  t.retaining = nullptr;
  t.on_contention = nullptr;
  t.contention_arg = nullptr;
}

bool KeyLockGuard::TryAcquireRetaining() {
  ThreadHeld& t = tl_held;
  // Stripes this guard takes over: newly locked, or retained ones it adopts
  // (so a contention flush cannot unlock them under it).
  std::bitset<KeyLocks::kStripes> mine;
  std::bitset<KeyLocks::kStripes> adopted;
  bool busy = false;
  for (uint16_t s : held_) {
    if (t.held.test(s)) {
      if (t.retained.test(s)) {
        t.retained.reset(s);
        adopted.set(s);
        mine.set(s);
      }
      continue;  // else an outer live guard of this thread has it
    }
    if (!locks_->Stripe(s).try_lock()) {
      busy = true;
      break;
    }
    t.held.set(s);
    ++t.count;
    mine.set(s);
  }
  if (busy) {
    for (uint16_t s : held_) {
      if (!mine.test(s)) continue;
      if (adopted.test(s)) {
        t.retained.set(s);  // still in retained_list
      } else {
        t.held.reset(s);
        --t.count;
        locks_->Stripe(s).unlock();
      }
    }
    return false;
  }
  size_t kept = 0;
  for (uint16_t s : held_) {
    if (mine.test(s)) held_[kept++] = s;
  }
  held_.resize(kept);
  return true;
}

void KeyLockGuard::Acquire() {
  ThreadHeld& t = tl_held;
  if (t.count == 0) t.owner = locks_;
  if (t.retaining == locks_ && t.owner == locks_) {
    if (TryAcquireRetaining()) return;
    // Busy: give up everything retained (after the batch is written), then
    // block holding only live guards' stripes, as without retaining.
    t.on_contention(t.contention_arg);
    if (t.count == 0) t.owner = locks_;
  }
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
  if (tracked && t.retaining == locks_) {
    for (uint16_t s : held_) {
      t.retained.set(s);
      t.retained_list.push_back(s);
    }
    held_.clear();
    return;
  }
  for (auto it = held_.rbegin(); it != held_.rend(); ++it) {
    if (tracked) t.held.reset(*it);
    locks_->Stripe(*it).unlock();
  }
  if (tracked) t.count -= held_.size();
  held_.clear();
}

}  // namespace cairn::storage
