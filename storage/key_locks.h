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

  // Retaining mode for the calling thread (pipelined commands share one
  // write batch, so the keys they wrote must stay locked until it commits).
  // While on, a guard's stripes are kept on release instead of unlocked, and
  // a guard takes its stripes with try_lock: if one is busy, it calls
  // `on_contention(arg)` (which must write the pending batch and call
  // ReleaseRetained), then blocks as usual. A thread therefore never blocks
  // while holding a retained stripe, so retaining adds no deadlock.
  void BeginRetaining(void (*on_contention)(void*), void* arg);
  // Unlocks every retained stripe; retaining stays on.
  void ReleaseRetained();
  // Unlocks every retained stripe and turns retaining off.
  void EndRetaining();

 private:
  struct alignas(64) Padded {
    std::mutex mu;
  };
  std::array<Padded, kStripes> stripes_;
};

// Holds the stripes of a set of keys (deduplicated, ascending) until destroyed.
// Re-entrant per thread: a stripe this thread already holds through another
// guard of the same KeyLocks is skipped (EXEC holds the stripes of every key
// of the transaction while the queued commands take their own guards).
class KeyLockGuard {
 public:
  KeyLockGuard() = default;
  KeyLockGuard(KeyLocks& locks, uint8_t db, std::string_view key);
  KeyLockGuard(KeyLocks& locks, uint8_t db, const std::vector<std::string_view>& keys);
  // Keys in several dbs (EXEC: watched keys and queued commands' keys).
  KeyLockGuard(KeyLocks& locks, const std::vector<std::pair<uint8_t, std::string_view>>& keys);
  // Every stripe (FLUSHDB, FLUSHALL).
  static KeyLockGuard All(KeyLocks& locks);
  KeyLockGuard(KeyLockGuard&& other) noexcept;
  KeyLockGuard& operator=(KeyLockGuard&& other) noexcept;
  KeyLockGuard(const KeyLockGuard&) = delete;
  KeyLockGuard& operator=(const KeyLockGuard&) = delete;
  ~KeyLockGuard();

 private:
  void Acquire();  // locks held_ (sorted, unique) minus what the thread holds
  // Acquire in retaining mode; false if a stripe was busy (nothing taken).
  bool TryAcquireRetaining();
  void Release();
  KeyLocks* locks_ = nullptr;
  std::vector<uint16_t> held_;  // ascending stripe indices
};

}  // namespace cairn::storage
