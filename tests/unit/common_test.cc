#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "common/cpu_ticks.h"
#include "common/crc16.h"
#include "common/strings.h"

namespace cairn {

TEST(Crc16, MatchesRedisClusterSpecVector) { EXPECT_EQ(Crc16("123456789", 9), 0x31C3); }

namespace {
// The bit-at-a-time definition (Redis Cluster spec, CRC16-CCITT XModem).
uint16_t Crc16BitByBit(const std::string& s) {
  uint16_t crc = 0;
  for (unsigned char c : s) {
    crc = static_cast<uint16_t>(crc ^ (c << 8));
    for (int b = 0; b < 8; ++b) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}
}  // namespace

TEST(Crc16, MatchesTheBitByBitDefinitionAtEveryLength) {
  // Lengths around the eight-byte steps, bytes of every value.
  uint32_t x = 12345;
  for (size_t len = 0; len <= 70; ++len) {
    for (int round = 0; round < 20; ++round) {
      std::string s(len, '\0');
      for (char& c : s) {
        x = x * 1103515245 + 12345;
        c = static_cast<char>(x >> 16);
      }
      ASSERT_EQ(Crc16(s.data(), s.size()), Crc16BitByBit(s)) << "length " << len;
    }
  }
}

TEST(CpuTicks, CountTimeThatConvertsToMicroseconds) {
  const uint64_t t0 = CpuTicks();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  const uint64_t t1 = CpuTicks();
  ASSERT_GT(t1, t0);
  const double us = static_cast<double>(t1 - t0) * MicrosPerTick();
  EXPECT_GE(us, 29000.0);       // at least the time slept
  EXPECT_LT(us, 60'000'000.0);  // and not off by orders of magnitude
}

TEST(KeyHashSlot, HashTagSelectsTheBracedPart) {
  EXPECT_EQ(KeyHashSlot("{user1000}.following"), KeyHashSlot("user1000"));
  EXPECT_EQ(KeyHashSlot("foo"), 12182);
  // Empty tag: the whole key is hashed.
  EXPECT_EQ(KeyHashSlot("foo{}{bar}"), Crc16("foo{}{bar}", 10) & 16383);
}

TEST(ParseInt64, RejectsWhatRedisRejects) {
  int64_t v = 0;
  EXPECT_TRUE(ParseInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_FALSE(ParseInt64("9223372036854775808", &v));
  EXPECT_FALSE(ParseInt64("01", &v));
  EXPECT_FALSE(ParseInt64("+1", &v));
  EXPECT_FALSE(ParseInt64(" 1", &v));
  EXPECT_FALSE(ParseInt64("", &v));
  EXPECT_FALSE(ParseInt64("-", &v));
  EXPECT_FALSE(ParseInt64("-0", &v));
}

TEST(FormatLongDoubleHuman, TrimsTrailingZeros) {
  EXPECT_EQ(FormatLongDoubleHuman(3.0L), "3");
  EXPECT_EQ(FormatLongDoubleHuman(10.5L), "10.5");
  EXPECT_EQ(FormatLongDoubleHuman(-0.0L), "0");
}

}  // namespace cairn
