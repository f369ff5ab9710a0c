// common/latency_histogram.h: bucket bounds, percentiles and cumulative
// counts.
#include "common/latency_histogram.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace cairn {
namespace {

TEST(LatencyHistogram, BucketsAreExactThenWithinOneSixtyFourth) {
  for (uint64_t v : {0ull, 1ull, 63ull, 64ull, 100ull, 1000ull, 123456ull, 1ull << 30,
                     (1ull << 40) + 12345}) {
    const int i = LatencyHistogram::Index(v);
    const uint64_t high = LatencyHistogram::Highest(i);
    EXPECT_GE(high, v) << v;
    EXPECT_LE(high - v, v / 64 + 1) << v;
    if (i > 0) EXPECT_LT(LatencyHistogram::Highest(i - 1), v) << v;
  }
  EXPECT_EQ(LatencyHistogram::Highest(LatencyHistogram::Index(63)), 63u);
  // Past the last bucket everything lands in it.
  EXPECT_EQ(LatencyHistogram::Index(UINT64_MAX), LatencyHistogram::kBuckets - 1);
}

TEST(LatencyHistogram, PercentilesAndCumulativeCounts) {
  LatencyHistogram h;
  EXPECT_EQ(h.ValueAtPercentile(50), 0u);
  for (int i = 0; i < 99; ++i) h.Record(1000);
  h.Record(1000000);
  EXPECT_EQ(h.count(), 100u);
  const uint64_t p50 = h.ValueAtPercentile(50);
  EXPECT_GE(p50, 1000u);
  EXPECT_LE(p50, 1016u);
  EXPECT_LE(h.ValueAtPercentile(99), 1016u);
  EXPECT_GE(h.ValueAtPercentile(99.9), 1000000u);
  const std::vector<uint64_t> counts = h.CountsAtMost({2047, 2000000});
  EXPECT_EQ(counts[0], 99u);
  EXPECT_EQ(counts[1], 100u);
  EXPECT_GE(h.Max(), 1000000u);
  h.Reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Max(), 0u);
}

}  // namespace
}  // namespace cairn
