// RequestParser: framing of multibulk and inline requests, resumption at
// every split point, Redis's limits and error texts (networking.c,
// processMultibulkBuffer / processInlineBuffer).
#include "server/resp/parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace cairn::resp {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Result = RequestParser::Result;

std::vector<std::string> Args(const RequestParser& p) {
  return std::vector<std::string>(p.args().begin(), p.args().end());
}

// Parses one complete command from `wire`; fails the test if it is not one.
std::vector<std::string> ParseOne(std::string_view wire, size_t* consumed_out = nullptr) {
  RequestParser p;
  size_t consumed = 0;
  Result r = p.Parse(wire, &consumed);
  EXPECT_EQ(r, Result::kCommand) << p.error();
  if (consumed_out != nullptr) *consumed_out = consumed;
  return Args(p);
}

// Expects a protocol error with Redis's text (without the "ERR " prefix the
// connection adds).
void ExpectError(std::string_view wire, const std::string& text,
                 const ParserLimits& limits = ParserLimits{}) {
  RequestParser p(limits);
  size_t consumed = 0;
  EXPECT_EQ(p.Parse(wire, &consumed), Result::kError) << "input: " << wire.substr(0, 40);
  EXPECT_EQ(p.error(), text);
}

std::string Multibulk(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// ---- complete frames ---------------------------------------------------------

TEST(RequestParser, ParsesMultibulkCommand) {
  size_t consumed = 0;
  const std::string wire = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n";
  EXPECT_THAT(ParseOne(wire, &consumed), ElementsAre("SET", "k", "value"));
  EXPECT_EQ(consumed, wire.size());
}

TEST(RequestParser, MultibulkArgumentsAreBinarySafe) {
  const std::string bin("a\0b\r\nc\xff", 7);
  EXPECT_THAT(ParseOne(Multibulk({"SET", bin, ""})), ElementsAre("SET", bin, ""));
}

TEST(RequestParser, ParsesInlineCommand) {
  size_t consumed = 0;
  EXPECT_THAT(ParseOne("SET k v\r\n", &consumed), ElementsAre("SET", "k", "v"));
  EXPECT_EQ(consumed, 9u);
  // A bare "\n" ends an inline line too.
  EXPECT_THAT(ParseOne("GET k\n", &consumed), ElementsAre("GET", "k"));
  EXPECT_EQ(consumed, 6u);
  // Runs of spaces and tabs separate arguments.
  EXPECT_THAT(ParseOne("  GET \t  k   \r\n"), ElementsAre("GET", "k"));
}

TEST(RequestParser, InlineDoubleQuotesUnescape) {
  EXPECT_THAT(ParseOne("SET \"a b\" \"x\\n\\r\\t\\b\\a\\\\\\\"\\x41\\xZZ\"\r\n"),
              ElementsAre("SET", "a b", "x\n\r\t\b\a\\\"AxZZ"));
  EXPECT_THAT(ParseOne("ECHO \"\"\r\n"), ElementsAre("ECHO", ""));
  EXPECT_THAT(ParseOne("ECHO \"\\x00\"\r\n"), ElementsAre("ECHO", std::string(1, '\0')));
}

TEST(RequestParser, InlineSingleQuotesOnlyUnescapeQuote) {
  EXPECT_THAT(ParseOne("ECHO 'it\\'s \\n'\r\n"), ElementsAre("ECHO", "it's \\n"));
  EXPECT_THAT(ParseOne("ECHO ''\r\n"), ElementsAre("ECHO", ""));
}

TEST(RequestParser, InlineUnbalancedQuotesIsAnError) {
  ExpectError("SET \"k v\r\n", "Protocol error: unbalanced quotes in request");
  ExpectError("SET 'k v\r\n", "Protocol error: unbalanced quotes in request");
  // A closing quote must be followed by a space or the end of the line.
  ExpectError("ECHO \"a\"b\r\n", "Protocol error: unbalanced quotes in request");
  ExpectError("ECHO 'a'b\r\n", "Protocol error: unbalanced quotes in request");
}

TEST(RequestParser, EmptyInlineLineIsNoCommand) {
  size_t consumed = 0;
  EXPECT_THAT(ParseOne("\r\n", &consumed), IsEmpty());
  EXPECT_EQ(consumed, 2u);
  EXPECT_THAT(ParseOne("   \n", &consumed), IsEmpty());
  EXPECT_EQ(consumed, 4u);
}

TEST(RequestParser, ZeroAndNegativeMultibulkCountsAreNoCommand) {
  size_t consumed = 0;
  EXPECT_THAT(ParseOne("*0\r\n", &consumed), IsEmpty());
  EXPECT_EQ(consumed, 4u);
  EXPECT_THAT(ParseOne("*-1\r\n", &consumed), IsEmpty());
  EXPECT_EQ(consumed, 5u);
  EXPECT_THAT(ParseOne("*-5\r\n*1\r\n$4\r\nPING\r\n", &consumed), IsEmpty());
  EXPECT_EQ(consumed, 5u);
}

TEST(RequestParser, EmptyBufferNeedsMore) {
  RequestParser p;
  size_t consumed = 7;
  EXPECT_EQ(p.Parse("", &consumed), Result::kNeedMore);
  EXPECT_EQ(consumed, 0u);
}

// ---- resumption ----------------------------------------------------------------

// Feeds `wire` growing one byte at a time, as a connection would append each
// read to its buffer: every prefix must need more, the whole must parse.
void ExpectByteByByte(const std::string& wire, const std::vector<std::string>& want) {
  RequestParser p;
  size_t consumed = 0;
  for (size_t n = 0; n < wire.size(); ++n) {
    ASSERT_EQ(p.Parse(std::string_view(wire).substr(0, n), &consumed), Result::kNeedMore)
        << "prefix of " << n << " bytes of " << wire;
    EXPECT_EQ(consumed, 0u);
  }
  ASSERT_EQ(p.Parse(wire, &consumed), Result::kCommand) << p.error();
  EXPECT_EQ(consumed, wire.size());
  EXPECT_EQ(Args(p), want);
}

TEST(RequestParser, MultibulkFedByteByByte) {
  const std::vector<std::string> args = {"SET", "key", std::string("v\r\n\0x", 5), ""};
  ExpectByteByByte(Multibulk(args), args);
}

TEST(RequestParser, InlineFedByteByByte) {
  ExpectByteByByte("SET \"a b\" 'c'\r\n", {"SET", "a b", "c"});
}

// Splits the frame in two at every position: the first part must need more,
// then the whole buffer must give the same arguments as parsing it at once.
void ExpectEverySplit(const std::string& wire, const std::vector<std::string>& want) {
  for (size_t split = 0; split < wire.size(); ++split) {
    RequestParser p;
    size_t consumed = 0;
    ASSERT_EQ(p.Parse(std::string_view(wire).substr(0, split), &consumed), Result::kNeedMore)
        << "split at " << split;
    // The rest arrives in a new (moved) buffer with the same bytes.
    std::string grown = wire;
    ASSERT_EQ(p.Parse(grown, &consumed), Result::kCommand) << "split at " << split;
    EXPECT_EQ(consumed, wire.size());
    EXPECT_EQ(Args(p), want) << "split at " << split;
  }
}

TEST(RequestParser, EverySplitPointOfEveryFrameType) {
  ExpectEverySplit(Multibulk({"GET", "k"}), {"GET", "k"});
  ExpectEverySplit(Multibulk({"MSET", "a", "", "b", std::string(300, 'x')}),
                   {"MSET", "a", "", "b", std::string(300, 'x')});
  ExpectEverySplit(Multibulk({std::string("\r\n\0", 3)}), {std::string("\r\n\0", 3)});
  ExpectEverySplit("PING\r\n", {"PING"});
  ExpectEverySplit("ECHO \"x y\" 'z'\n", {"ECHO", "x y", "z"});
  // Frames that are "no command": consumed, args empty.
  ExpectEverySplit("*0\r\n", {});
  ExpectEverySplit("*-1\r\n", {});
}

TEST(RequestParser, ManyArgumentsSplitAnywhere) {
  // Resumption must keep the spans of the arguments already parsed.
  std::vector<std::string> args(300, "a");
  args[7] = "";
  args[150] = std::string(40, 'z');
  ExpectEverySplit(Multibulk(args), args);
}

// ---- pipelining -----------------------------------------------------------------

TEST(RequestParser, PipelinedCommandsInOneBuffer) {
  std::string wire = Multibulk({"SET", "a", "1"}) + "PING\r\n" + "*0\r\n" +
                     Multibulk({"GET", "a"}) + "\r\n" + Multibulk({"ECHO", "x"});
  std::vector<std::vector<std::string>> got;
  RequestParser p;
  std::string_view rest = wire;
  while (!rest.empty()) {
    size_t consumed = 0;
    ASSERT_EQ(p.Parse(rest, &consumed), Result::kCommand) << p.error();
    ASSERT_GT(consumed, 0u);
    got.push_back(Args(p));
    rest.remove_prefix(consumed);
  }
  EXPECT_EQ(got, (std::vector<std::vector<std::string>>{
                     {"SET", "a", "1"}, {"PING"}, {}, {"GET", "a"}, {}, {"ECHO", "x"}}));
}

TEST(RequestParser, StopsAtTheEndOfTheFirstCommand) {
  RequestParser p;
  size_t consumed = 0;
  const std::string first = Multibulk({"GET", "a"});
  const std::string wire = first + "*2\r\n$3\r\nGET";  // second one incomplete
  ASSERT_EQ(p.Parse(wire, &consumed), Result::kCommand);
  EXPECT_EQ(consumed, first.size());
  EXPECT_EQ(p.Parse(std::string_view(wire).substr(consumed), &consumed), Result::kNeedMore);
}

// ---- errors (texts as Redis 7 sends them, after "-ERR ") ----------------------------

TEST(RequestParser, InvalidBulkLength) {
  ExpectError("*1\r\n$-5\r\n", "Protocol error: invalid bulk length");
  ExpectError("*1\r\n$abc\r\n", "Protocol error: invalid bulk length");
  ExpectError("*1\r\n$\r\n", "Protocol error: invalid bulk length");
  ExpectError("*1\r\n$536870913\r\n", "Protocol error: invalid bulk length");
  ParserLimits small;
  small.max_bulk_len = 10;
  ExpectError("*1\r\n$11\r\n", "Protocol error: invalid bulk length", small);
  RequestParser p(small);
  size_t consumed = 0;
  EXPECT_EQ(p.Parse("*1\r\n$10\r\n0123456789\r\n", &consumed), Result::kCommand);
}

TEST(RequestParser, InvalidMultibulkLength) {
  ExpectError("*abc\r\n", "Protocol error: invalid multibulk length");
  ExpectError("*3000000000\r\n", "Protocol error: invalid multibulk length");
  ExpectError("*1.5\r\n", "Protocol error: invalid multibulk length");
  ExpectError("*99999999999999999999\r\n", "Protocol error: invalid multibulk length");
}

TEST(RequestParser, ExpectedDollar) {
  ExpectError("*1\r\nx3\r\nGET\r\n", "Protocol error: expected '$', got 'x'");
  ExpectError("*2\r\n$3\r\nGET\r\n:1\r\n", "Protocol error: expected '$', got ':'");
}

// Redis ends a header line at its first '\r' and skips the byte after it
// unchecked; a wrong first byte is reported only once its line is whole.
TEST(RequestParser, AHeaderLineEndsAtItsFirstCarriageReturn) {
  EXPECT_THAT(ParseOne("*1\rx$4\r\nPING\r\n"), ElementsAre("PING"));
  EXPECT_THAT(ParseOne("*1\r\n$4\rxPING\r\n"), ElementsAre("PING"));
  RequestParser p;
  size_t consumed = 0;
  // "*1\r\r" is the count line; the "\n" left starts a line not yet ended.
  EXPECT_EQ(p.Parse("*1\r\r\n", &consumed), Result::kNeedMore);
  RequestParser q;
  EXPECT_EQ(q.Parse("*1\r\nx", &consumed), Result::kNeedMore);
  RequestParser r;
  EXPECT_EQ(r.Parse("*1\r", &consumed), Result::kNeedMore);  // the byte after '\r' not yet here
  ExpectError("*1\r\r\n*1\r\n", "Protocol error: expected '$', got '\n'");
}

TEST(RequestParser, TooBigInlineRequest) {
  const std::string at_limit(64 * 1024, 'a');
  RequestParser p;
  size_t consumed = 0;
  EXPECT_EQ(p.Parse(at_limit, &consumed), Result::kNeedMore);
  ExpectError(at_limit + "a", "Protocol error: too big inline request");
  ExpectError(at_limit + "aaaa\r\n", "Protocol error: too big inline request");
}

TEST(RequestParser, TooBigMbulkCountString) {
  ExpectError("*" + std::string(64 * 1024 + 1, '1'), "Protocol error: too big mbulk count string");
}

TEST(RequestParser, TooBigBulkCountString) {
  ExpectError("*1\r\n$" + std::string(64 * 1024 + 1, '1'),
              "Protocol error: too big bulk count string");
}

// Redis finds line ends with strchr in its NUL-terminated query buffer, so a
// NUL byte before the end of an inline or header line hides the end: the
// line stays incomplete until it outgrows the line limit. (A NUL inside a
// bulk payload is data, MultibulkArgumentsAreBinarySafe.)
TEST(RequestParser, ANulByteHidesTheEndOfItsLine) {
  const std::string lines[] = {std::string("PING\0x\r\n", 8), std::string("\0\n", 2),
                               std::string("*1\0\r\n$4\r\nPING\r\n", 15),
                               std::string("*1\r\n$4\0\r\nPING\r\n", 15)};
  for (const std::string& wire : lines) {
    RequestParser p;
    size_t consumed = 0;
    EXPECT_EQ(p.Parse(wire, &consumed), Result::kNeedMore) << wire;
    EXPECT_EQ(consumed, 0u);
  }
  // A NUL after the line end is the next line's business.
  EXPECT_THAT(ParseOne(std::string("PING\r\n\0", 7)), ElementsAre("PING"));
  const std::string filler(64 * 1024, 'a');
  ExpectError(std::string("PING\0\r\n", 7) + filler, "Protocol error: too big inline request");
  ExpectError(std::string("*1\0\r\n", 5) + filler, "Protocol error: too big mbulk count string");
  ExpectError(std::string("*1\r\n$4\0\r\n", 9) + filler,
              "Protocol error: too big bulk count string");
}

// ---- no allocation from declared sizes --------------------------------------------------

TEST(RequestParser, HugeDeclaredBulkReservesNothing) {
  RequestParser p;
  size_t consumed = 0;
  const std::string wire = "*2\r\n$3\r\nSET\r\n$536870912\r\nabc";
  ASSERT_EQ(p.Parse(wire, &consumed), Result::kNeedMore);
  EXPECT_EQ(consumed, 0u);
  EXPECT_THAT(p.args(), IsEmpty());
  // The caller learns how much is still to come (payload + CRLF)...
  EXPECT_EQ(p.pending_bulk_bytes(), 536870912u + 2);
  // ...and more bytes still need more, with no copy of what arrived.
  ASSERT_EQ(p.Parse(wire + std::string(1000, 'x'), &consumed), Result::kNeedMore);
  EXPECT_THAT(p.args(), IsEmpty());
}

TEST(RequestParser, HugeDeclaredArgumentCountReservesNothing) {
  // 2^30 - 1 arguments declared: a parser that reserved per declared argument
  // would need tens of GiB here (and ASan would report it).
  RequestParser p;
  size_t consumed = 0;
  ASSERT_EQ(p.Parse("*1073741823\r\n$1\r\na\r\n", &consumed), Result::kNeedMore);
  EXPECT_THAT(p.args(), IsEmpty());
  EXPECT_EQ(p.pending_bulk_bytes(), 0u);
}

TEST(RequestParser, PendingBulkBytesIsZeroBetweenArguments) {
  RequestParser p;
  size_t consumed = 0;
  EXPECT_EQ(p.pending_bulk_bytes(), 0u);
  ASSERT_EQ(p.Parse("*2\r\n$3\r\nGET\r\n", &consumed), Result::kNeedMore);
  EXPECT_EQ(p.pending_bulk_bytes(), 0u);
  ASSERT_EQ(p.Parse("*2\r\n$3\r\nGET\r\n$5\r\nab", &consumed), Result::kNeedMore);
  EXPECT_EQ(p.pending_bulk_bytes(), 7u);
}

TEST(RequestParser, ResetForgetsAHalfParsedCommand) {
  RequestParser p;
  size_t consumed = 0;
  ASSERT_EQ(p.Parse("*2\r\n$3\r\nGET\r\n$5\r\nab", &consumed), Result::kNeedMore);
  p.Reset();
  EXPECT_EQ(p.pending_bulk_bytes(), 0u);
  ASSERT_EQ(p.Parse("PING\r\n", &consumed), Result::kCommand);
  EXPECT_THAT(Args(p), ElementsAre("PING"));
}

// ---- SplitInlineArgs (also used for config files) -----------------------------------------

TEST(SplitInlineArgs, SplitsLikeSdssplitargs) {
  std::vector<std::string> out;
  ASSERT_TRUE(SplitInlineArgs("a  \"b c\" 'd e' f", &out));
  EXPECT_THAT(out, ElementsAre("a", "b c", "d e", "f"));
  ASSERT_TRUE(SplitInlineArgs("", &out));
  EXPECT_THAT(out, IsEmpty());
  ASSERT_TRUE(SplitInlineArgs("\"\\x4a\\x4B\"", &out));
  EXPECT_THAT(out, ElementsAre("JK"));
  EXPECT_FALSE(SplitInlineArgs("\"abc", &out));
  EXPECT_FALSE(SplitInlineArgs("'abc", &out));
  EXPECT_FALSE(SplitInlineArgs("\"a\"b", &out));
}

}  // namespace
}  // namespace cairn::resp
