// common/glob (Redis's stringmatchlen rules) and common/crc64 (Redis's
// CRC-64/Jones). Expected values were checked against redis-server 7.0 (KEYS)
// and Redis's crc64 test vector.
#include <gtest/gtest.h>

#include <string>

#include "common/crc64.h"
#include "common/glob.h"

namespace cairn {
namespace {

using namespace std::string_view_literals;

TEST(GlobMatch, StarQuestionAndLiterals) {
  // As in Redis, a pattern never matches the empty string unless it is
  // empty itself (KEYS * still lists the empty key: it skips matching).
  EXPECT_FALSE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_FALSE(GlobMatch("h?llo", "hllo"));
  EXPECT_TRUE(GlobMatch("h*llo", "hllo"));
  EXPECT_TRUE(GlobMatch("h*llo", "heeeello"));
  EXPECT_FALSE(GlobMatch("h*llo", "heeeellox"));
  EXPECT_TRUE(GlobMatch("a**b", "ab"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXbYc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXbY"));
  EXPECT_FALSE(GlobMatch("?", ""));
  EXPECT_TRUE(GlobMatch("??", "ab"));
}

TEST(GlobMatch, CharacterClasses) {
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[ae]llo", "hillo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[^e]llo", "hallo"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(GlobMatch("h[b-a]llo", "hallo"));  // reversed ranges are swapped
  // A ']' right after '[' closes an empty class, which matches nothing.
  EXPECT_FALSE(GlobMatch("[]]", "]"));
  EXPECT_FALSE(GlobMatch("[]]", "a"));
  EXPECT_TRUE(GlobMatch("[\\]]", "]"));
  // "x-]" is read as the range ']'..'x', and the class is left unterminated.
  EXPECT_TRUE(GlobMatch("[x-]", "]"));
  EXPECT_TRUE(GlobMatch("[x-]", "x"));
  EXPECT_FALSE(GlobMatch("[x-]", "-"));
}

TEST(GlobMatch, UnterminatedClassesAndEscapes) {
  // An unterminated class matches what it listed, then ends the pattern.
  EXPECT_TRUE(GlobMatch("[a", "a"));
  EXPECT_FALSE(GlobMatch("[a", "b"));
  EXPECT_FALSE(GlobMatch("[", "a"));
  EXPECT_TRUE(GlobMatch("[^", "a"));
  EXPECT_TRUE(GlobMatch("h\\*llo", "h*llo"));
  EXPECT_FALSE(GlobMatch("h\\*llo", "hello"));
  EXPECT_TRUE(GlobMatch("\\", "\\"));
  EXPECT_TRUE(GlobMatch("a\\", "a\\"));
}

TEST(GlobMatch, BinarySafeWithSignedByteOrder) {
  EXPECT_TRUE(GlobMatch("a\0*"sv, "a\0bc"sv));
  EXPECT_FALSE(GlobMatch("a\0*"sv, "abc"sv));
  EXPECT_TRUE(GlobMatch("?\xff", "\x01\xff"));
  EXPECT_TRUE(GlobMatch("[\x80-\xff]", "\x90"));
  EXPECT_FALSE(GlobMatch("[\x80-\xff]", "a"));
  // Redis compares signed chars: 0xff (-1) sorts below 'a', so [a-\xff] is
  // the range -1..'a' and takes in NUL and digits but not 'b'.
  EXPECT_TRUE(GlobMatch("[a-\xff]", "\xff"));
  EXPECT_TRUE(GlobMatch("[a-\xff]"sv, "\0"sv));
  EXPECT_TRUE(GlobMatch("[a-\xff]", "5"));
  EXPECT_FALSE(GlobMatch("[a-\xff]", "b"));
  EXPECT_FALSE(GlobMatch("[a-\xff]", "\x80"));
}

TEST(GlobMatch, NoCaseFoldsAsciiOnly) {
  EXPECT_TRUE(GlobMatch("MAX*", "maxmemory", true));
  EXPECT_FALSE(GlobMatch("MAX*", "maxmemory", false));
  EXPECT_TRUE(GlobMatch("[A-C]x", "bX", true));
  EXPECT_FALSE(GlobMatch("\xc3", "\xe3", true));
}

TEST(GlobMatch, PathologicalPatternsStayFast) {
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "a*";
  pattern += "b";
  std::string s(200, 'a');
  EXPECT_FALSE(GlobMatch(pattern, s));  // exponential without skipLongerMatches
  s.push_back('b');
  EXPECT_TRUE(GlobMatch(pattern, s));
}

TEST(GlobMatch, DeepNestingDoesNotMatch) {
  // Redis gives up beyond 1000 levels of '*' recursion.
  std::string pattern;
  for (int i = 0; i < 1100; ++i) pattern += "*a";
  std::string s(1100, 'a');
  EXPECT_FALSE(GlobMatch(pattern, s));
  EXPECT_TRUE(GlobMatch(pattern.substr(0, 400), s.substr(0, 200)));
}

TEST(Crc64, MatchesRedisTestVector) {
  EXPECT_EQ(Crc64(0, "123456789"), 0xe9c6d914c4b8d9caULL);
  EXPECT_EQ(Crc64(0, ""), 0u);
}

TEST(Crc64, ContinuesAcrossChunks) {
  const std::string data = "The quick brown fox jumps over the lazy dog";
  EXPECT_EQ(Crc64(Crc64(0, data.substr(0, 10)), data.substr(10)), Crc64(0, data));
  EXPECT_NE(Crc64(0, "a"), Crc64(0, "b"));
}

}  // namespace
}  // namespace cairn
