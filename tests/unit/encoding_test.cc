// storage/encoding.h: every layout round-trips, and the byte order gives the
// range properties the engine relies on (a slot is one contiguous range of a
// db; the expiry index is ordered by deadline within a db).
#include "storage/encoding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "common/crc16.h"

namespace cairn::storage {
namespace {

TEST(MetaKey, RoundTrips) {
  const std::string key("user\0:1\xff", 8);
  std::string raw = EncodeMetaKey(7, 16383, key);
  ASSERT_EQ(raw.size(), kMetaKeyPrefix + key.size());
  uint8_t db = 0;
  uint16_t slot = 0;
  std::string_view got;
  ASSERT_TRUE(DecodeMetaKey(raw, &db, &slot, &got));
  EXPECT_EQ(db, 7);
  EXPECT_EQ(slot, 16383);
  EXPECT_EQ(got, key);
}

TEST(MetaKey, LayoutIsDbThenSlotBigEndianThenKey) {
  EXPECT_EQ(EncodeMetaKey(1, 0x0102, "k"), std::string("\x01\x01\x02k", 4));
  EXPECT_EQ(EncodeMetaKey(255, 0, ""), std::string("\xff\x00\x00", 3));
}

TEST(MetaKey, EmptyUserKeyRoundTrips) {
  std::string raw = EncodeMetaKey(0, 5, "");
  uint8_t db = 9;
  uint16_t slot = 0;
  std::string_view got = "x";
  ASSERT_TRUE(DecodeMetaKey(raw, &db, &slot, &got));
  EXPECT_EQ(db, 0);
  EXPECT_EQ(slot, 5);
  EXPECT_TRUE(got.empty());
}

TEST(MetaKey, AppendReusesBuffer) {
  std::string buf = "prefix";
  AppendMetaKey(&buf, 2, 3, "abc");
  EXPECT_EQ(buf, "prefix" + EncodeMetaKey(2, 3, "abc"));
}

TEST(MetaKey, RejectsTooShort) {
  uint8_t db;
  uint16_t slot;
  std::string_view key;
  EXPECT_FALSE(DecodeMetaKey("", &db, &slot, &key));
  EXPECT_FALSE(DecodeMetaKey(std::string("\x00\x01", 2), &db, &slot, &key));
}

TEST(MetaKey, KeysOfOneSlotAreContiguous) {
  // Keys with many slots, sorted as RocksDB's bytewise comparator would: all
  // keys of one (db, slot) must form one run, with nothing else inside it.
  std::vector<std::string> user_keys;
  for (int i = 0; i < 2000; ++i) user_keys.push_back("key:" + std::to_string(i));
  user_keys.push_back("{tag}a");
  user_keys.push_back("{tag}b");
  user_keys.push_back(std::string("\xff\xff", 2));
  user_keys.push_back("");
  std::vector<std::string> raw;
  for (uint8_t db : {0, 1, 255}) {
    for (const auto& k : user_keys) raw.push_back(EncodeMetaKey(db, KeyHashSlot(k), k));
  }
  std::sort(raw.begin(), raw.end());
  std::vector<std::pair<uint8_t, uint16_t>> runs;
  for (const auto& r : raw) {
    uint8_t db;
    uint16_t slot;
    std::string_view key;
    ASSERT_TRUE(DecodeMetaKey(r, &db, &slot, &key));
    if (runs.empty() || runs.back() != std::make_pair(db, slot)) runs.emplace_back(db, slot);
  }
  // Each (db, slot) appears as exactly one run, in ascending order.
  std::vector<std::pair<uint8_t, uint16_t>> sorted_unique = runs;
  std::sort(sorted_unique.begin(), sorted_unique.end());
  sorted_unique.erase(std::unique(sorted_unique.begin(), sorted_unique.end()),
                      sorted_unique.end());
  EXPECT_EQ(runs, sorted_unique);
  // The hash tag put both "{tag}" keys in the same slot.
  EXPECT_EQ(KeyHashSlot("{tag}a"), KeyHashSlot("{tag}b"));
}

TEST(MetaKey, SlotRangeBoundsContainExactlyThatSlot) {
  // [db][slot] .. PrefixSuccessor([db][slot]) covers exactly one slot, even
  // for the last slot and the last db.
  for (uint8_t db : {0, 255}) {
    for (uint16_t slot : {0, 255, 256, 16383}) {
      std::string lo = EncodeMetaKey(db, slot, "");
      std::string hi = PrefixSuccessor(lo);
      ASSERT_FALSE(hi.empty());
      EXPECT_LE(lo, EncodeMetaKey(db, slot, "a"));
      EXPECT_LT(EncodeMetaKey(db, slot, std::string(100, '\xff')), hi);
      if (slot < 16383) {
        EXPECT_GE(EncodeMetaKey(db, slot + 1, ""), hi);
      }
      if (slot > 0) {
        EXPECT_LT(EncodeMetaKey(db, slot - 1, std::string(10, '\xff')), lo);
      }
    }
  }
}

TEST(MetaKey, DbPrefixCoversTheWholeDb) {
  std::string lo = MetaDbPrefix(3);
  std::string hi = PrefixSuccessor(lo);
  EXPECT_LE(lo, EncodeMetaKey(3, 0, ""));
  EXPECT_LT(EncodeMetaKey(3, 16383, std::string(50, '\xff')), hi);
  EXPECT_GE(EncodeMetaKey(4, 0, ""), hi);
  EXPECT_LT(EncodeMetaKey(2, 16383, "zzz"), lo);
  // The last db has no successor prefix: its range is open-ended.
  EXPECT_EQ(PrefixSuccessor(MetaDbPrefix(255)), "");
}

TEST(MetaValue, RoundTripsEveryType) {
  for (ValueType t : {ValueType::kString, ValueType::kList, ValueType::kSet, ValueType::kZset,
                      ValueType::kHash}) {
    for (int64_t expire : {int64_t{0}, int64_t{1}, int64_t{32503680000000}, INT64_MAX}) {
      std::string raw = "garbage to be replaced";
      const std::string payload("pay\0load", 8);
      EncodeMetaValue(&raw, t, expire, payload);
      ASSERT_EQ(raw.size(), kMetaValueHeader + payload.size());
      ValueType got_t;
      int64_t got_expire;
      std::string_view got_payload;
      ASSERT_TRUE(DecodeMetaValue(raw, &got_t, &got_expire, &got_payload));
      EXPECT_EQ(got_t, t);
      EXPECT_EQ(got_expire, expire);
      EXPECT_EQ(got_payload, payload);
    }
  }
}

TEST(MetaValue, LayoutIsTypeThenBigEndianExpire) {
  std::string raw;
  EncodeMetaValue(&raw, ValueType::kHash, 0x0102030405060708, "v");
  EXPECT_EQ(raw, std::string("\x04\x01\x02\x03\x04\x05\x06\x07\x08v", 10));
}

TEST(MetaValue, RejectsCorruption) {
  ValueType t;
  int64_t e;
  std::string_view p;
  EXPECT_FALSE(DecodeMetaValue("", &t, &e, &p));
  EXPECT_FALSE(DecodeMetaValue(std::string(8, '\0'), &t, &e, &p));  // header too short
  std::string bad_type(kMetaValueHeader, '\0');
  bad_type[0] = 5;
  EXPECT_FALSE(DecodeMetaValue(bad_type, &t, &e, &p));
  bad_type[0] = static_cast<char>(0xff);
  EXPECT_FALSE(DecodeMetaValue(bad_type, &t, &e, &p));
  std::string empty_string_value(kMetaValueHeader, '\0');
  ASSERT_TRUE(DecodeMetaValue(empty_string_value, &t, &e, &p));
  EXPECT_EQ(t, ValueType::kString);
  EXPECT_TRUE(p.empty());
}

TEST(MetaValue, KeepsAStringsFormInTheTypeBytesHighBits) {
  for (StringForm f : {StringForm::kAsSet, StringForm::kRaw, StringForm::kNoInt, StringForm::kCopy}) {
    std::string raw;
    EncodeMetaValue(&raw, ValueType::kString, 7, "12", f);
    EXPECT_EQ(static_cast<uint8_t>(raw[0]), static_cast<uint8_t>(f) << 4);
    ValueType t = ValueType::kHash;
    int64_t e = 0;
    std::string_view p;
    StringForm got = StringForm::kCopy;
    ASSERT_TRUE(DecodeMetaValue(raw, &t, &e, &p, &got));
    EXPECT_EQ(t, ValueType::kString);
    EXPECT_EQ(got, f);
    EXPECT_EQ(e, 7);
    EXPECT_EQ(p, "12");
    // A caller that does not ask for the form still reads the type.
    ASSERT_TRUE(DecodeMetaValue(raw, &t, &e, &p));
    EXPECT_EQ(t, ValueType::kString);
  }
  // Rows written before forms existed read as SET's form.
  std::string old_row(kMetaValueHeader, '\0');
  ValueType t;
  int64_t e;
  std::string_view p;
  StringForm got = StringForm::kRaw;
  ASSERT_TRUE(DecodeMetaValue(old_row, &t, &e, &p, &got));
  EXPECT_EQ(got, StringForm::kAsSet);
}

TEST(MetaValue, RejectsAnUnknownFormOrAFormOnAnotherType) {
  ValueType t;
  int64_t e;
  std::string_view p;
  std::string raw(kMetaValueHeader, '\0');
  raw[0] = 0x40;  // form 4 does not exist
  EXPECT_FALSE(DecodeMetaValue(raw, &t, &e, &p));
  raw[0] = 0x14;  // a hash with a string form
  EXPECT_FALSE(DecodeMetaValue(raw, &t, &e, &p));
}

TEST(TypeName, MatchesRedisTypeReplies) {
  EXPECT_STREQ(TypeName(ValueType::kString), "string");
  EXPECT_STREQ(TypeName(ValueType::kList), "list");
  EXPECT_STREQ(TypeName(ValueType::kSet), "set");
  EXPECT_STREQ(TypeName(ValueType::kZset), "zset");
  EXPECT_STREQ(TypeName(ValueType::kHash), "hash");
}

TEST(ExpireKey, RoundTrips) {
  std::string raw = EncodeExpireKey(9, 1700000000123, 42, std::string("k\0y", 3));
  ASSERT_EQ(raw.size(), kExpireKeyPrefix + 3);
  uint8_t db;
  int64_t when;
  uint16_t slot;
  std::string_view key;
  ASSERT_TRUE(DecodeExpireKey(raw, &db, &when, &slot, &key));
  EXPECT_EQ(db, 9);
  EXPECT_EQ(when, 1700000000123);
  EXPECT_EQ(slot, 42);
  EXPECT_EQ(key, std::string("k\0y", 3));
  EXPECT_FALSE(DecodeExpireKey(raw.substr(0, kExpireKeyPrefix - 1), &db, &when, &slot, &key));
}

TEST(ExpireKey, OrdersByDeadlineWithinADb) {
  // Deadlines that differ in every byte position, with keys and slots chosen
  // to disagree with time order: the index must still sort by time first.
  std::vector<int64_t> times = {1,          255,           256,           65535,
                                1LL << 32,  1700000000000, 1700000000001, 32503680000000,
                                INT64_MAX - 1};
  std::vector<std::string> raw;
  for (size_t i = 0; i < times.size(); ++i) {
    uint16_t slot = static_cast<uint16_t>(16383 - i);
    std::string key(1, static_cast<char>('z' - i));
    raw.push_back(EncodeExpireKey(4, times[i], slot, key));
  }
  std::vector<std::string> sorted = raw;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, raw);
  // And every key of db 4 sorts after db 3 and before db 5, whatever the time.
  EXPECT_LT(EncodeExpireKey(3, INT64_MAX, 16383, "\xff"), raw.front());
  EXPECT_GT(EncodeExpireKey(5, 0, 0, ""), raw.back());
  std::string lo = ExpireDbPrefix(4);
  std::string hi = PrefixSuccessor(lo);
  for (const auto& r : raw) {
    EXPECT_LE(lo, r);
    EXPECT_LT(r, hi);
  }
}

TEST(ExpireKey, SameDeadlineOrdersBySlotThenKey) {
  EXPECT_LT(EncodeExpireKey(0, 100, 1, "z"), EncodeExpireKey(0, 100, 2, "a"));
  EXPECT_LT(EncodeExpireKey(0, 100, 1, "a"), EncodeExpireKey(0, 100, 1, "b"));
}

TEST(CountKey, RoundTripsAndHasFixedSize) {
  std::string raw = EncodeCountKey(kCountExpires, 200, 16000);
  ASSERT_EQ(raw.size(), 4u);
  char kind;
  uint8_t db;
  uint16_t slot;
  ASSERT_TRUE(DecodeCountKey(raw, &kind, &db, &slot));
  EXPECT_EQ(kind, kCountExpires);
  EXPECT_EQ(db, 200);
  EXPECT_EQ(slot, 16000);
  EXPECT_FALSE(DecodeCountKey(raw + "x", &kind, &db, &slot));
  EXPECT_FALSE(DecodeCountKey(raw.substr(0, 3), &kind, &db, &slot));
}

TEST(CountKey, KindsAreSeparateRanges) {
  // One kind is one contiguous range (summed by a prefix scan), whatever the
  // db and slot.
  std::string k_lo = std::string(1, kCountKeys), k_hi = PrefixSuccessor(k_lo);
  for (uint8_t db : {0, 255}) {
    for (uint16_t slot : {0, 16383}) {
      EXPECT_LE(k_lo, EncodeCountKey(kCountKeys, db, slot));
      EXPECT_LT(EncodeCountKey(kCountKeys, db, slot), k_hi);
      std::string e = EncodeCountKey(kCountExpires, db, slot);
      EXPECT_TRUE(e < k_lo || e >= k_hi);
    }
  }
}

TEST(CountDelta, RoundTripsIncludingNegatives) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{255}, int64_t{-256}, INT64_MAX,
                    INT64_MIN}) {
    std::string raw = EncodeCountDelta(v);
    ASSERT_EQ(raw.size(), 8u);
    int64_t got = 0;
    ASSERT_TRUE(DecodeCount(raw, &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_EQ(EncodeCountDelta(1), std::string("\x01\0\0\0\0\0\0\0", 8));  // little-endian
  int64_t got;
  EXPECT_FALSE(DecodeCount("1234567", &got));
  EXPECT_FALSE(DecodeCount("123456789", &got));
}

TEST(PrefixSuccessor, IncrementsTheLastByte) {
  EXPECT_EQ(PrefixSuccessor("abc"), "abd");
  EXPECT_EQ(PrefixSuccessor(std::string("a\x00", 2)), std::string("a\x01", 2));
  EXPECT_EQ(PrefixSuccessor(std::string("a\xfe", 2)), std::string("a\xff", 2));
}

TEST(PrefixSuccessor, CarriesPastTrailingFfBytes) {
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff\xff\xff", 4)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\x01\xff\x00\xff", 4)), std::string("\x01\xff\x01", 3));
}

TEST(PrefixSuccessor, AllFfOrEmptyHasNoSuccessor) {
  EXPECT_EQ(PrefixSuccessor(""), "");
  EXPECT_EQ(PrefixSuccessor("\xff"), "");
  EXPECT_EQ(PrefixSuccessor(std::string(5, '\xff')), "");
}

TEST(PrefixSuccessor, IsAnUpperBoundOfEveryExtension) {
  for (const std::string& prefix :
       {std::string("a"), std::string("a\xff", 2), std::string("\x00\xff\xff", 3)}) {
    std::string hi = PrefixSuccessor(prefix);
    ASSERT_FALSE(hi.empty());
    EXPECT_LT(prefix, hi);
    EXPECT_LT(prefix + std::string(64, '\xff'), hi);
    // The bound itself is not an extension of the prefix: it is the first
    // key past all of them.
    EXPECT_NE(hi.compare(0, prefix.size(), prefix), 0);
  }
}

TEST(MetaOperand, AnAppendGoesAtTheValuesEndAndKeepsTheHeader) {
  std::string row;
  EncodeMetaValue(&row, ValueType::kString, 1234, "abc", StringForm::kRaw);
  ASSERT_TRUE(ApplyMetaOperand(&row, EncodeAppendOperand("de")));
  ASSERT_TRUE(ApplyMetaOperand(&row, EncodeAppendOperand(std::string("\0f", 2))));
  ValueType type;
  int64_t expire_ms;
  std::string_view payload;
  StringForm form;
  ASSERT_TRUE(DecodeMetaValue(row, &type, &expire_ms, &payload, &form));
  EXPECT_EQ(type, ValueType::kString);
  EXPECT_EQ(expire_ms, 1234);
  EXPECT_EQ(form, StringForm::kRaw);
  EXPECT_EQ(payload, std::string("abcde\0f", 7));
  // No row yet: an empty raw string without a deadline first.
  std::string none;
  ASSERT_TRUE(ApplyMetaOperand(&none, EncodeAppendOperand("x")));
  ASSERT_TRUE(DecodeMetaValue(none, &type, &expire_ms, &payload, &form));
  EXPECT_EQ(expire_ms, 0);
  EXPECT_EQ(form, StringForm::kRaw);
  EXPECT_EQ(payload, "x");
}

TEST(MetaOperand, AnOverwriteWritesAtItsOffsetAndZeroFillsAGap) {
  std::string row;
  EncodeMetaValue(&row, ValueType::kString, 99, "abcdef", StringForm::kRaw);
  ASSERT_TRUE(ApplyMetaOperand(&row, EncodeOverwriteOperand(1, "XY")));
  ValueType type;
  int64_t expire_ms;
  std::string_view payload;
  ASSERT_TRUE(DecodeMetaValue(row, &type, &expire_ms, &payload));
  EXPECT_EQ(payload, "aXYdef");
  ASSERT_TRUE(ApplyMetaOperand(&row, EncodeOverwriteOperand(5, "long")));  // grows
  ASSERT_TRUE(DecodeMetaValue(row, &type, &expire_ms, &payload));
  EXPECT_EQ(payload, "aXYdelong");
  ASSERT_TRUE(ApplyMetaOperand(&row, EncodeOverwriteOperand(12, "z")));  // past the end
  ASSERT_TRUE(DecodeMetaValue(row, &type, &expire_ms, &payload));
  EXPECT_EQ(payload, std::string("aXYdelong\0\0\0z", 13));
  EXPECT_EQ(expire_ms, 99);
  EXPECT_TRUE(ValidMetaOperand(EncodeOverwriteOperand(kMaxOverwriteOffset, "")));
  EXPECT_FALSE(ValidMetaOperand(EncodeOverwriteOperand(kMaxOverwriteOffset + 1, "x")));
  EXPECT_FALSE(ApplyMetaOperand(&row, EncodeOverwriteOperand(kMaxOverwriteOffset + 1, "x")));
  EXPECT_FALSE(ApplyMetaOperand(&row, "r1234567"));  // an offset cut short
}

TEST(MetaOperand, RefusesWhatIsNotAnAppendOrNotAString) {
  std::string row;
  EncodeMetaValue(&row, ValueType::kString, 0, "abc");
  EXPECT_FALSE(ApplyMetaOperand(&row, ""));
  EXPECT_FALSE(ApplyMetaOperand(&row, "zabc"));
  std::string list;
  EncodeMetaValue(&list, ValueType::kList, 0, std::string(16, '\0'));
  EXPECT_FALSE(ApplyMetaOperand(&list, EncodeAppendOperand("x")));
  std::string torn(4, '\0');  // shorter than a header
  EXPECT_FALSE(ApplyMetaOperand(&torn, EncodeAppendOperand("x")));
}

}  // namespace
}  // namespace cairn::storage
