// storage/dump_payload: DUMP payloads as Redis 7.0 writes them. The expected
// bytes were produced by redis-server 7.0.15's DUMP.
#include "storage/dump_payload.h"

#include <gtest/gtest.h>

#include <string>

#include "common/crc64.h"

namespace cairn::storage {
namespace {

using namespace std::string_literals;

// body + version 10 + CRC64, as a DUMP payload ends.
std::string Wrap(const std::string& body, uint16_t version = 10) {
  std::string out = body;
  out.push_back(static_cast<char>(version & 0xff));
  out.push_back(static_cast<char>(version >> 8));
  uint64_t crc = Crc64(0, out);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return out;
}

std::string RoundTrip(const std::string& value) {
  std::string payload = EncodeStringDump(value);
  EXPECT_TRUE(VerifyDumpPayload(payload).ok());
  std::string back;
  EXPECT_TRUE(DecodeStringDump(payload, &back).ok());
  return back;
}

TEST(DumpPayload, MatchesRedisBytesForSmallInteger) {
  // redis-cli DUMP of SET b 2: 00 c0 02 0a 00 8f a2 b0 bc f8 d4 7e cb
  EXPECT_EQ(EncodeStringDump("2"), "\x00\xc0\x02\x0a\x00\x8f\xa2\xb0\xbc\xf8\xd4\x7e\xcb"s);
}

TEST(DumpPayload, MatchesRedisBytesForLzfString) {
  std::string v;
  for (int i = 0; i < 30; ++i) v += "abc";
  EXPECT_EQ(EncodeStringDump(v),
            "\x00\xc3\x0b@Z\x03"
            "abca\xe0K\x02\x01"
            "bc\n\x00#\x80"
            "6\xf9\xe2\xd0\xc7\x80"s);
}

TEST(DumpPayload, IntegerEncodingsByWidth) {
  EXPECT_EQ(EncodeStringDump("-128").substr(0, 3), "\x00\xc0\x80"s);
  EXPECT_EQ(EncodeStringDump("128").substr(0, 4), "\x00\xc1\x80\x00"s);
  EXPECT_EQ(EncodeStringDump("-32769").substr(0, 6), "\x00\xc2\xff\x7f\xff\xff"s);
  // Beyond 32 bits, and non-canonical numbers, are plain strings.
  EXPECT_EQ(EncodeStringDump("2147483648").substr(0, 2), "\x00\x0a"s);
  EXPECT_EQ(EncodeStringDump("007").substr(0, 2), "\x00\x03"s);
  EXPECT_EQ(EncodeStringDump("-0").substr(0, 2), "\x00\x02"s);
  for (const char* v : {"0", "-1", "127", "-129", "32767", "65536", "2147483647", "-2147483648"}) {
    EXPECT_EQ(RoundTrip(v), v);
  }
}

TEST(DumpPayload, LengthEncodingsRoundTrip) {
  // Incompressible data, so the length prefixes are the plain ones.
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < 70000; ++i) {
    x = x * 1103515245 + 12345;
    noise.push_back(static_cast<char>(x >> 24));
  }
  for (size_t n : {0, 1, 20, 63, 64, 16383, 16384, 70000}) {
    std::string v = noise.substr(0, n);
    EXPECT_EQ(RoundTrip(v), v) << n;
  }
  EXPECT_EQ(static_cast<uint8_t>(EncodeStringDump(noise.substr(0, 63))[1]), 63);
  EXPECT_EQ(EncodeStringDump(noise.substr(0, 64)).substr(1, 2), "\x40\x40"s);
  EXPECT_EQ(EncodeStringDump(noise.substr(0, 16384)).substr(1, 5), "\x80\x00\x00\x40\x00"s);
}

TEST(DumpPayload, CompressesOnlyLongCompressibleStrings) {
  EXPECT_EQ(EncodeStringDump(std::string(20, 'a')).substr(0, 2), "\x00\x14"s);  // <= 20: verbatim
  EXPECT_EQ(EncodeStringDump(std::string(21, 'a'))[1], '\xc3');
  std::string big(100000, 'z');
  std::string payload = EncodeStringDump(big);
  EXPECT_LT(payload.size(), 2000u);
  EXPECT_EQ(RoundTrip(big), big);
}

TEST(DumpPayload, VerifyRejectsShortBadCrcAndNewerVersions) {
  EXPECT_FALSE(VerifyDumpPayload("").ok());
  EXPECT_FALSE(VerifyDumpPayload("123456789").ok());
  std::string p = EncodeStringDump("hello");
  EXPECT_TRUE(VerifyDumpPayload(p).ok());
  std::string bad = p;
  bad[1] ^= 1;
  EXPECT_FALSE(VerifyDumpPayload(bad).ok());
  EXPECT_FALSE(VerifyDumpPayload(Wrap("\x00\x01x"s, 11)).ok());
  EXPECT_TRUE(VerifyDumpPayload(Wrap("\x00\x01x"s, 9)).ok());  // older versions load
}

TEST(DumpPayload, DecodeRejectsOtherTypesAndBrokenObjects) {
  std::string v;
  EXPECT_FALSE(DecodeStringDump(Wrap("\x0e\x01\x00"s), &v).ok());        // a list (quicklist)
  EXPECT_FALSE(DecodeStringDump(Wrap("\x00\xc4"s), &v).ok());            // unknown encoding
  EXPECT_FALSE(DecodeStringDump(Wrap("\x00\xc3\x02\x05zz"s), &v).ok());  // bad LZF
  EXPECT_FALSE(DecodeStringDump(Wrap("\x00\x82"s), &v).ok());            // bad length marker
  EXPECT_FALSE(DecodeStringDump(Wrap("\x00\x30"s), &v).ok());            // runs past the end
  // A huge claimed LZF length is refused without allocating it.
  EXPECT_FALSE(
      DecodeStringDump(Wrap("\x00\xc3\x01\x81\x00\x00\x01\x00\x00\x00\x00\x00z"s), &v).ok());
  ASSERT_TRUE(DecodeStringDump(Wrap("\x00\x81\x00\x00\x00\x00\x00\x00\x00\x02ok"s), &v).ok());
  EXPECT_EQ(v, "ok");
  ASSERT_TRUE(DecodeStringDump(Wrap("\x00\xc1\x00\x80"s), &v).ok());
  EXPECT_EQ(v, "-32768");
}

}  // namespace
}  // namespace cairn::storage
