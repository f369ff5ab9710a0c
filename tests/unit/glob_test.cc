#include "common/glob.h"

#include <gtest/gtest.h>

#include <string>

namespace cairn {
namespace {

struct Case {
  std::string pattern;
  std::string str;
  bool match;
};

// Each row was checked against redis-server 7.0 (KEYS and PUBSUB CHANNELS,
// which both call stringmatchlen).
const Case kCases[] = {
    {"h?llo", "hello", true},
    {"h?llo", "hllo", false},
    {"h*llo", "hllo", true},
    {"h*llo", "heeeello", true},
    {"h*llo", "heeeellox", false},
    {"h[ae]llo", "hallo", true},
    {"h[ae]llo", "hillo", false},
    {"h[^e]llo", "hello", false},
    {"h[^e]llo", "hallo", true},
    {"h[a-b]llo", "hbllo", true},
    {"h[b-a]llo", "hbllo", true},  // reversed range
    {"h[a-b]llo", "hcllo", false},
    {"h[a-bx]llo", "hxllo", true},
    {"*", "anything", true},
    {"**", "x", true},
    {"a*", "a", true},
    {"*a", "a", true},
    {"a*b*c", "aXbYc", true},
    {"a*b*c", "aXbY", false},
    {"\\*", "*", true},
    {"\\*", "x", false},
    {"a\\?", "a?", true},
    {"a\\?", "ab", false},
    {"[\\]]", "]", true},
    {"[\\-]", "-", true},
    {"[a\\-z]", "b", false},
    {"[abc", "b", true},  // unterminated class: closed at the end
    {"[abc", "bc", false},
    {"[", "x", false},
    {"[^", "x", true},
    {"[]", "x", false},
    {"ab\\", "ab\\", true},  // a trailing backslash is literal
    {"?", "", false},
    {"", "", true},
    {"", "a", false},
    {"*", "", false},  // Redis: the empty string matches no star
    // "a-]" is a range up to ']' (93..97), and the class is unterminated.
    {"[a-]", "-", false},
    {"[a-]", "a", true},
    {"[a-]", "^", true},
    {"[-a]", "-", true},
};

TEST(GlobMatch, FollowsRedisStringmatchlen) {
  for (const Case& c : kCases) {
    EXPECT_EQ(GlobMatch(c.pattern, c.str), c.match)
        << "pattern '" << c.pattern << "' string '" << c.str << "'";
  }
}

TEST(GlobMatch, IsBinarySafe) {
  using namespace std::string_literals;
  EXPECT_TRUE(GlobMatch("a\0*"s, "a\0zz"s));
  EXPECT_FALSE(GlobMatch("a\0*"s, "a"s));
  EXPECT_TRUE(GlobMatch("a?b"s, "a\0b"s));
  EXPECT_TRUE(GlobMatch("[\0]"s, "\0"s));
  EXPECT_FALSE(GlobMatch("abc"s, "abc\0"s));
  EXPECT_TRUE(GlobMatch("\xff*"s, "\xff\xfe"s));
}

TEST(GlobMatch, RangesCompareSignedBytesAsRedis) {
  // Redis compares range ends as (signed) char: 0x80..0xff sort below 'a'.
  EXPECT_FALSE(GlobMatch("[a-\xff]", "\xc8"));
  EXPECT_TRUE(GlobMatch("[a-\xff]", "\x01"));
  EXPECT_TRUE(GlobMatch("[\x80-\xff]", "\xc8"));
}

TEST(GlobMatch, NocaseFoldsAsciiOnly) {
  EXPECT_TRUE(GlobMatch("MAX*", "maxmemory", true));
  EXPECT_FALSE(GlobMatch("MAX*", "maxmemory", false));
  EXPECT_TRUE(GlobMatch("[A-C]x", "bX", true));
  EXPECT_TRUE(GlobMatch("h[^E]llo", "hallo", true));
  EXPECT_FALSE(GlobMatch("h[^E]llo", "hello", true));
  EXPECT_FALSE(GlobMatch("\xc0", "\xe0", true));  // no Latin-1 folding
}

TEST(GlobMatch, PathologicalPatternsFinishQuickly) {
  // Without cutting the backtracking short this is exponential in the stars.
  std::string pattern;
  for (int i = 0; i < 40; ++i) pattern += "a*";
  pattern += "b";
  std::string str(200, 'a');
  EXPECT_FALSE(GlobMatch(pattern, str));
  std::string many_stars(5000, '*');
  EXPECT_TRUE(GlobMatch(many_stars + "x", "yyyx"));
}

}  // namespace
}  // namespace cairn
