#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "common/cpu_ticks.h"
#include "common/crc16.h"
#include "common/sha256.h"
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

// FIPS 180-4's examples, one that needs a second padding block, and the
// hash Redis shows for requirepass "foo" (ACL LIST).
TEST(Sha256, MatchesTheStandardVectors) {
  EXPECT_EQ(cairn::Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(cairn::Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(cairn::Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(cairn::Sha256Hex("foo"),
            "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae");
  EXPECT_EQ(cairn::Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
