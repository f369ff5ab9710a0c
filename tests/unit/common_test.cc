#include <gtest/gtest.h>

#include "common/crc16.h"
#include "common/strings.h"

namespace cairn {

TEST(Crc16, MatchesRedisClusterSpecVector) { EXPECT_EQ(Crc16("123456789", 9), 0x31C3); }

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
