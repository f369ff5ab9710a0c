// ReplyBuilder: the exact bytes of every reply type in RESP2 and RESP3, as
// Redis 7.0 writes them (networking.c addReply*).
#include "server/resp/reply.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

namespace cairn::resp {
namespace {

// The bytes `write` produces with a builder speaking `protocol`.
std::string Bytes(int protocol, const std::function<void(ReplyBuilder&)>& write) {
  std::string out;
  ReplyBuilder b(&out);
  b.set_protocol(protocol);
  write(b);
  return out;
}

// Same bytes in both protocols.
void ExpectBoth(const std::function<void(ReplyBuilder&)>& write, const std::string& want) {
  EXPECT_EQ(Bytes(2, write), want) << "RESP2";
  EXPECT_EQ(Bytes(3, write), want) << "RESP3";
}

TEST(ReplyBuilder, ProtocolDefaultsToResp2AndSwitches) {
  std::string out;
  ReplyBuilder b(&out);
  EXPECT_FALSE(b.resp3());
  b.set_protocol(3);
  EXPECT_TRUE(b.resp3());
  b.set_protocol(2);
  EXPECT_FALSE(b.resp3());
}

TEST(ReplyBuilder, OkAndQueued) {
  ExpectBoth([](ReplyBuilder& b) { b.Ok(); }, "+OK\r\n");
  ExpectBoth([](ReplyBuilder& b) { b.Queued(); }, "+QUEUED\r\n");
}

TEST(ReplyBuilder, SimpleString) {
  ExpectBoth([](ReplyBuilder& b) { b.SimpleString("PONG"); }, "+PONG\r\n");
  ExpectBoth([](ReplyBuilder& b) { b.SimpleString(""); }, "+\r\n");
}

TEST(ReplyBuilder, ErrorKeepsTextAndCountsPrefix) {
  std::string out;
  ReplyBuilder b(&out);
  b.Error("ERR syntax error");
  EXPECT_EQ(out, "-ERR syntax error\r\n");
  EXPECT_EQ(b.errors_written(), 1u);
  EXPECT_EQ(b.last_error_prefix(), "ERR");
  b.Error("WRONGTYPE Operation against a key holding the wrong kind of value");
  EXPECT_EQ(b.errors_written(), 2u);
  EXPECT_EQ(b.last_error_prefix(), "WRONGTYPE");
  ExpectBoth([](ReplyBuilder& b) { b.Error("ERR x"); }, "-ERR x\r\n");
}

TEST(ReplyBuilder, ErrorReplacesNewlinesWithSpaces) {
  // An error is a single line: Redis's addReplyErrorLength does the same.
  ExpectBoth([](ReplyBuilder& b) { b.Error("ERR unknown command 'a\r\nb'"); },
             "-ERR unknown command 'a  b'\r\n");
  ExpectBoth([](ReplyBuilder& b) { b.Error("ERR x\ny"); }, "-ERR x y\r\n");
}

TEST(ReplyBuilder, ErrorReplacementDoesNotTouchEarlierReplies) {
  std::string out;
  ReplyBuilder b(&out);
  b.Bulk("a\r\nb");
  b.Error("ERR x\ny");
  EXPECT_EQ(out, "$4\r\na\r\nb\r\n-ERR x y\r\n");
}

TEST(ReplyBuilder, Integer) {
  ExpectBoth([](ReplyBuilder& b) { b.Integer(0); }, ":0\r\n");
  ExpectBoth([](ReplyBuilder& b) { b.Integer(-1); }, ":-1\r\n");
  ExpectBoth([](ReplyBuilder& b) { b.Integer(INT64_MAX); }, ":9223372036854775807\r\n");
  ExpectBoth([](ReplyBuilder& b) { b.Integer(INT64_MIN); }, ":-9223372036854775808\r\n");
}

TEST(ReplyBuilder, Bulk) {
  ExpectBoth([](ReplyBuilder& b) { b.Bulk("hello"); }, "$5\r\nhello\r\n");
  ExpectBoth([](ReplyBuilder& b) { b.Bulk(""); }, "$0\r\n\r\n");
  const std::string bin("a\0\r\n", 4);
  ExpectBoth([&](ReplyBuilder& b) { b.Bulk(bin); }, std::string("$4\r\na\0\r\n\r\n", 10));
  const std::string big(100000, 'x');
  ExpectBoth([&](ReplyBuilder& b) { b.Bulk(big); }, "$100000\r\n" + big + "\r\n");
}

TEST(ReplyBuilder, BulkInteger) {
  ExpectBoth([](ReplyBuilder& b) { b.BulkInteger(42); }, "$2\r\n42\r\n");
  ExpectBoth([](ReplyBuilder& b) { b.BulkInteger(-7); }, "$2\r\n-7\r\n");
  ExpectBoth([](ReplyBuilder& b) { b.BulkInteger(INT64_MIN); },
             "$20\r\n-9223372036854775808\r\n");
}

TEST(ReplyBuilder, NullIsNilBulkInResp2AndNullInResp3) {
  EXPECT_EQ(Bytes(2, [](ReplyBuilder& b) { b.Null(); }), "$-1\r\n");
  EXPECT_EQ(Bytes(3, [](ReplyBuilder& b) { b.Null(); }), "_\r\n");
}

TEST(ReplyBuilder, NullArrayIsNilArrayInResp2AndNullInResp3) {
  EXPECT_EQ(Bytes(2, [](ReplyBuilder& b) { b.NullArray(); }), "*-1\r\n");
  EXPECT_EQ(Bytes(3, [](ReplyBuilder& b) { b.NullArray(); }), "_\r\n");
}

TEST(ReplyBuilder, ArrayHeader) {
  ExpectBoth([](ReplyBuilder& b) { b.ArrayHeader(0); }, "*0\r\n");
  ExpectBoth(
      [](ReplyBuilder& b) {
        b.ArrayHeader(2);
        b.Bulk("a");
        b.Integer(1);
      },
      "*2\r\n$1\r\na\r\n:1\r\n");
}

TEST(ReplyBuilder, MapIsFlatArrayOfTwiceTheSizeInResp2) {
  auto write = [](ReplyBuilder& b) {
    b.MapHeader(2);
    b.Bulk("k");
    b.Integer(1);
    b.Bulk("j");
    b.Null();
  };
  EXPECT_EQ(Bytes(2, write), "*4\r\n$1\r\nk\r\n:1\r\n$1\r\nj\r\n$-1\r\n");
  EXPECT_EQ(Bytes(3, write), "%2\r\n$1\r\nk\r\n:1\r\n$1\r\nj\r\n_\r\n");
  EXPECT_EQ(Bytes(2, [](ReplyBuilder& b) { b.MapHeader(0); }), "*0\r\n");
  EXPECT_EQ(Bytes(3, [](ReplyBuilder& b) { b.MapHeader(0); }), "%0\r\n");
}

TEST(ReplyBuilder, SetIsArrayInResp2) {
  EXPECT_EQ(Bytes(2, [](ReplyBuilder& b) { b.SetHeader(3); }), "*3\r\n");
  EXPECT_EQ(Bytes(3, [](ReplyBuilder& b) { b.SetHeader(3); }), "~3\r\n");
}

TEST(ReplyBuilder, PushIsArrayInResp2) {
  EXPECT_EQ(Bytes(2, [](ReplyBuilder& b) { b.PushHeader(3); }), "*3\r\n");
  EXPECT_EQ(Bytes(3, [](ReplyBuilder& b) { b.PushHeader(3); }), ">3\r\n");
}

TEST(ReplyBuilder, DoubleIsBulkInResp2) {
  // Redis 7.0 formats doubles with "%.17g".
  EXPECT_EQ(Bytes(2, [](ReplyBuilder& b) { b.Double(1.5); }), "$3\r\n1.5\r\n");
  EXPECT_EQ(Bytes(3, [](ReplyBuilder& b) { b.Double(1.5); }), ",1.5\r\n");
  EXPECT_EQ(Bytes(3, [](ReplyBuilder& b) { b.Double(0.1); }), ",0.10000000000000001\r\n");
  EXPECT_EQ(Bytes(2, [](ReplyBuilder& b) { b.Double(3); }), "$1\r\n3\r\n");
  EXPECT_EQ(Bytes(3, [](ReplyBuilder& b) { b.Double(-2); }), ",-2\r\n");
  EXPECT_EQ(Bytes(3, [](ReplyBuilder& b) { b.Double(1e300); }), ",1.0000000000000001e+300\r\n");
}

TEST(ReplyBuilder, InfiniteDoubles) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(Bytes(2, [&](ReplyBuilder& b) { b.Double(inf); }), "$3\r\ninf\r\n");
  EXPECT_EQ(Bytes(2, [&](ReplyBuilder& b) { b.Double(-inf); }), "$4\r\n-inf\r\n");
  EXPECT_EQ(Bytes(3, [&](ReplyBuilder& b) { b.Double(inf); }), ",inf\r\n");
  EXPECT_EQ(Bytes(3, [&](ReplyBuilder& b) { b.Double(-inf); }), ",-inf\r\n");
}

TEST(ReplyBuilder, BoolIsIntegerInResp2) {
  EXPECT_EQ(Bytes(2, [](ReplyBuilder& b) { b.Bool(true); }), ":1\r\n");
  EXPECT_EQ(Bytes(2, [](ReplyBuilder& b) { b.Bool(false); }), ":0\r\n");
  EXPECT_EQ(Bytes(3, [](ReplyBuilder& b) { b.Bool(true); }), "#t\r\n");
  EXPECT_EQ(Bytes(3, [](ReplyBuilder& b) { b.Bool(false); }), "#f\r\n");
}

TEST(ReplyBuilder, VerbatimIsBulkInResp2) {
  EXPECT_EQ(Bytes(2, [](ReplyBuilder& b) { b.Verbatim("# Server\r\n"); }),
            "$10\r\n# Server\r\n\r\n");
  // Length counts the "txt:" prefix.
  EXPECT_EQ(Bytes(3, [](ReplyBuilder& b) { b.Verbatim("# Server\r\n"); }),
            "=14\r\ntxt:# Server\r\n\r\n");
  EXPECT_EQ(Bytes(3, [](ReplyBuilder& b) { b.Verbatim("**x**", "mkd"); }), "=9\r\nmkd:**x**\r\n");
  EXPECT_EQ(Bytes(3, [](ReplyBuilder& b) { b.Verbatim(""); }), "=4\r\ntxt:\r\n");
}

TEST(ReplyBuilder, AppendsToTheCurrentBuffer) {
  std::string first, second;
  ReplyBuilder b(&first);
  b.Ok();
  b.set_buffer(&second);
  b.Integer(1);
  EXPECT_EQ(first, "+OK\r\n");
  EXPECT_EQ(second, ":1\r\n");
  EXPECT_EQ(b.buffer(), &second);
}

}  // namespace
}  // namespace cairn::resp
