// Incremental RESP request parser: multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
// and inline ("GET k\r\n") commands, with Redis's limits and error texts.
//
// The parser works on the connection's read buffer as bytes arrive. It keeps
// its progress through a half-received command (offsets relative to where the
// command starts), so a command that arrives in a thousand pieces is scanned
// once, and a declared length ("$536870912") reserves nothing: the buffer
// grows only with bytes actually received.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::resp {

struct ParserLimits {
  int64_t max_bulk_len = 512ll * 1024 * 1024;   // proto-max-bulk-len
  size_t max_inline_len = 64 * 1024;             // PROTO_INLINE_MAX_SIZE
  int64_t max_multibulk_len = 1024ll * 1024 * 1024;  // Redis: INT_MAX
  // A client that still owes AUTH (requirepass set) may send only small
  // commands, as Redis 7 enforces: at most 10 arguments of 16 KiB each.
  bool unauthenticated = false;
};

class RequestParser {
 public:
  enum class Result {
    kNeedMore,  // no complete command yet; read more
    kCommand,   // one command parsed: args() valid until the next Parse/Reset
    kError,     // protocol error: error() holds Redis's text; close after replying
  };

  explicit RequestParser(const ParserLimits& limits = {}) : limits_(limits) {}
  void set_limits(const ParserLimits& limits) { limits_ = limits; }

  // Parses the next command from `buf`, which must start where the previous
  // command ended (the caller drops consumed bytes itself; `buf` may be a
  // moved or grown copy of what was seen before, as long as the bytes from
  // its start are the same). On kCommand, *consumed is the command's size.
  // An empty inline line or "*0"/"*-1" is consumed as no command: the
  // result is kCommand with args() empty.
  Result Parse(std::string_view buf, size_t* consumed);

  const std::vector<std::string_view>& args() const { return args_; }
  const std::string& error() const { return error_; }

  // Bytes the parser is still waiting for in a bulk argument it has started
  // (0 if none): lets the caller size its next read.
  size_t pending_bulk_bytes() const;

  void Reset();

 private:
  Result ParseInline(std::string_view buf, size_t* consumed);
  Result ParseMultibulk(std::string_view buf, size_t* consumed);
  Result Fail(const char* msg);

  ParserLimits limits_;
  // Multibulk progress, relative to the start of the command.
  bool in_multibulk_ = false;
  int64_t multibulk_len_ = 0;  // declared argument count
  int64_t bulk_len_ = -1;      // declared length of the argument being read
  size_t pos_ = 0;             // next byte to parse
  std::vector<std::pair<size_t, size_t>> spans_;  // (offset, len) of parsed args
  std::vector<std::string_view> args_;
  std::vector<std::string> inline_args_;  // inline args own their bytes (unescaped)
  std::string error_;
};

// Splits a line as Redis's sdssplitargs: spaces separate, "..." with \n \r \t
// \b \a \\ \" \xHH escapes, '...' with \' only. False on unbalanced quotes.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace cairn::resp
