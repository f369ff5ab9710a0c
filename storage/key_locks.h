// Striped per-key locks. Read-modify-write commands lock the stripes of the
// keys they touch, so two loop threads never interleave on one key. Multi-key
// commands lock in ascending stripe order (no deadlock); FLUSHDB/FLUSHALL
// lock every stripe, so no command is half-applied while a db is dropped.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn::storage {

class KeyLocks {
 public:
  static constexpr size_t kStripes = 1024;

  size_t StripeOf(uint8_t db, std::string_view key) const;
  std::mutex& Stripe(size_t i) { return stripes_[i].mu; }

 private:
  struct alignas(64) Padded {
    std::mutex mu;
  };
  std::array<Padded, kStripes> stripes_;
};

// Holds the stripes of a set of keys (deduplicated, ascending) until destroyed.
class KeyLockGuard {
 public:
  KeyLockGuard() = default;
  KeyLockGuard(KeyLocks& locks, uint8_t db, std::string_view key);
  KeyLockGuard(KeyLocks& locks, uint8_t db, const std::vector<std::string_view>& keys);
  // Keys of several dbs (COPY ... DB n, MOVE).
  KeyLockGuard(KeyLocks& locks, const std::vector<std::pair<uint8_t, std::string_view>>& keys);
  // Every stripe (FLUSHDB, FLUSHALL).
  static KeyLockGuard All(KeyLocks& locks);
  KeyLockGuard(KeyLockGuard&& other) noexcept;
  KeyLockGuard& operator=(KeyLockGuard&& other) noexcept;
  KeyLockGuard(const KeyLockGuard&) = delete;
  KeyLockGuard& operator=(const KeyLockGuard&) = delete;
  ~KeyLockGuard();

 private:
  void Release();
  KeyLocks* locks_ = nullptr;
  std::vector<uint16_t> held_;  // ascending stripe indices
};

}  // namespace cairn::storage
