// ReplyBuilder: appends RESP2 or RESP3 replies to a connection's output
// buffer. Every reply type knows how to degrade to RESP2 (maps become flat
// arrays, doubles become bulk strings, booleans integers, null "$-1").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::resp {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string* out) : out_(out) {}

  void set_protocol(int version) { resp3_ = version >= 3; }
  bool resp3() const { return resp3_; }
  std::string* buffer() { return out_; }
  void set_buffer(std::string* out) { out_ = out; }

  void Ok() { out_->append("+OK\r\n"); }
  void Queued() { out_->append("+QUEUED\r\n"); }
  void SimpleString(std::string_view s);
  // `text` is the whole error after '-', e.g. "ERR syntax error".
  void Error(std::string_view text);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  // The "nil" reply: $-1 in RESP2, _ in RESP3.
  void Null();
  // A nil where RESP2 uses the null array (*-1): EXEC aborted, BLPOP timeout.
  void NullArray();
  void ArrayHeader(size_t n);
  // RESP3 map (%n); RESP2 flat array of 2n.
  void MapHeader(size_t n);
  // RESP3 set (~n); RESP2 array.
  void SetHeader(size_t n);
  // RESP3 push (>n); RESP2 array.
  void PushHeader(size_t n);
  // RESP3 double (,); RESP2 bulk string of the same text.
  void Double(double v);
  // RESP3 boolean (#t/#f); RESP2 integer 1/0.
  void Bool(bool v);
  // RESP3 verbatim string (=len\r\ntxt:...); RESP2 bulk string.
  void Verbatim(std::string_view text, std::string_view format = "txt");
  // Bulk string of a number, as Redis replies for INCRBYFLOAT.
  void BulkInteger(int64_t v);

  // How many error replies were written (for INFO errorstats).
  uint64_t errors_written() const { return errors_written_; }
  // The first word of the last error written ("ERR", "WRONGTYPE").
  const std::string& last_error_prefix() const { return last_error_prefix_; }

 private:
  void Header(char type, int64_t n);
  std::string* out_;
  bool resp3_ = false;
  uint64_t errors_written_ = 0;
  std::string last_error_prefix_;
};

}  // namespace cairn::resp
