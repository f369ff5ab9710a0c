#include "common/latency_histogram.h"

#include <bit>

namespace cairn {

int LatencyHistogram::Index(uint64_t ns) {
  if (ns < kExact) return static_cast<int>(ns);
  // ns in [2^k, 2^(k+1)), k >= 6: shift it down to 64..127.
  const int k = 63 - std::countl_zero(ns);
  int shift = k - 6;
  if (shift > kMaxShift) return kBuckets - 1;
  const int sub = static_cast<int>(ns >> shift) - kSubBuckets;
  return kExact + shift * kSubBuckets + sub;
}

uint64_t LatencyHistogram::Highest(int index) {
  if (index < kExact) return static_cast<uint64_t>(index);
  const int shift = (index - kExact) / kSubBuckets;
  const uint64_t sub = static_cast<uint64_t>((index - kExact) % kSubBuckets + kSubBuckets);
  return ((sub + 1) << shift) - 1;
}

uint64_t LatencyHistogram::count() const {
  uint64_t n = 0;
  for (const auto& b : buckets_) n += b.load(std::memory_order_relaxed);
  return n;
}

uint64_t LatencyHistogram::ValueAtPercentile(double p) const {
  const uint64_t total = count();
  if (total == 0) return 0;
  // The rank of the value, counted from 1, as HdrHistogram counts it.
  auto rank = static_cast<uint64_t>(p / 100.0 * static_cast<double>(total) + 0.5);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= rank) return Highest(i);
  }
  return Max();
}

std::vector<uint64_t> LatencyHistogram::CountsAtMost(const std::vector<uint64_t>& bounds) const {
  std::vector<uint64_t> out;
  out.reserve(bounds.size());
  uint64_t seen = 0;
  int i = 0;
  for (uint64_t bound : bounds) {
    for (; i < kBuckets && Highest(i) <= bound; ++i)
      seen += buckets_[i].load(std::memory_order_relaxed);
    out.push_back(seen);
  }
  return out;
}

uint64_t LatencyHistogram::Max() const {
  for (int i = kBuckets - 1; i >= 0; --i) {
    if (buckets_[i].load(std::memory_order_relaxed) != 0) return Highest(i);
  }
  return 0;
}

void LatencyHistogram::Reset() {
  for (auto& b : buckets_) b.store(0, std::memory_order_relaxed);
}

}  // namespace cairn
