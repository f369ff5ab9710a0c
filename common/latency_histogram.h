// A latency histogram of nanosecond values, log-linear: exact below 64 ns,
// then 64 buckets per power of two (1.6% wide), up to about 18 minutes.
// Record is one relaxed atomic increment, so every loop can record into the
// same histogram (INFO latencystats, LATENCY HISTOGRAM).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

namespace cairn {

class LatencyHistogram {
 public:
  void Record(uint64_t ns) { buckets_[Index(ns)].fetch_add(1, std::memory_order_relaxed); }
  uint64_t count() const;
  // The highest value of the bucket holding the p-th percentile (0-100);
  // 0 if empty.
  uint64_t ValueAtPercentile(double p) const;
  // For each of the ascending `bounds`, the values recorded in buckets
  // wholly at or below it, in one walk of the buckets.
  std::vector<uint64_t> CountsAtMost(const std::vector<uint64_t>& bounds) const;
  uint64_t Max() const;  // the highest value of the highest bucket used
  void Reset();

  static constexpr int kExact = 64;
  static constexpr int kSubBuckets = 64;
  static constexpr int kMaxShift = 34;  // 64 << 34 ns: about 18 minutes
  static constexpr int kBuckets = kExact + (kMaxShift + 1) * kSubBuckets;

  static int Index(uint64_t ns);
  static uint64_t Highest(int index);  // the bucket's highest value

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
};

}  // namespace cairn
