#include "server/resp/parser.h"

#include <cctype>
#include <cstring>

#include "common/strings.h"

namespace cairn::resp {
namespace {

// The first `c` at or after `from`, as Redis's strchr finds it in its
// query buffer: a NUL byte before it hides it, and the line stays
// incomplete (until the buffer outgrows the line limits). npos if none.
size_t FindBeforeNul(std::string_view buf, size_t from, char c) {
  if (from >= buf.size()) return std::string_view::npos;
  const char* begin = buf.data() + from;
  const void* p = memchr(begin, c, buf.size() - from);
  if (p == nullptr) return std::string_view::npos;
  size_t at = static_cast<const char*>(p) - buf.data();
  if (memchr(begin, '\0', at - from) != nullptr) return std::string_view::npos;
  return at;
}

// Where a header line (`*<count>`, `$<length>`) ends, as Redis finds it:
// the first '\r' at or after `from`, with one more byte after it, which is
// skipped unchecked like the '\n' it should be. npos until both arrived.
size_t FindLineEnd(std::string_view buf, size_t from) {
  size_t at = FindBeforeNul(buf, from, '\r');
  if (at == std::string_view::npos || at + 1 >= buf.size()) return std::string_view::npos;
  return at;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void RequestParser::Reset() {
  in_multibulk_ = false;
  multibulk_len_ = 0;
  bulk_len_ = -1;
  pos_ = 0;
  spans_.clear();
  args_.clear();
  inline_args_.clear();
}

size_t RequestParser::pending_bulk_bytes() const {
  if (!in_multibulk_ || bulk_len_ < 0) return 0;
  return static_cast<size_t>(bulk_len_) + 2;
}

RequestParser::Result RequestParser::Fail(const char* msg) {
  error_ = std::string("Protocol error: ") + msg;
  return Result::kError;
}

RequestParser::Result RequestParser::Parse(std::string_view buf, size_t* consumed) {
  *consumed = 0;
  if (!in_multibulk_) {
    args_.clear();
    inline_args_.clear();
    if (buf.empty()) return Result::kNeedMore;
    if (buf[0] != '*') return ParseInline(buf, consumed);
  }
  return ParseMultibulk(buf, consumed);
}

RequestParser::Result RequestParser::ParseInline(std::string_view buf, size_t* consumed) {
  const size_t end = FindBeforeNul(buf, 0, '\n');
  if (end == std::string_view::npos) {
    if (buf.size() > limits_.max_inline_len) return Fail("too big inline request");
    return Result::kNeedMore;
  }
  if (end > limits_.max_inline_len) return Fail("too big inline request");
  std::string_view line = buf.substr(0, end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!SplitInlineArgs(line, &inline_args_)) return Fail("unbalanced quotes in request");
  args_.clear();
  for (const auto& a : inline_args_) args_.emplace_back(a);
  *consumed = end + 1;
  return Result::kCommand;
}

RequestParser::Result RequestParser::ParseMultibulk(std::string_view buf, size_t* consumed) {
  if (!in_multibulk_) {
    size_t crlf = FindLineEnd(buf, 0);
    if (crlf == std::string_view::npos) {
      if (buf.size() > limits_.max_inline_len) return Fail("too big mbulk count string");
      return Result::kNeedMore;
    }
    int64_t n = 0;
    if (!ParseInt64(buf.substr(1, crlf - 1), &n) || n > limits_.max_multibulk_len) {
      return Fail("invalid multibulk length");
    }
    if (limits_.unauthenticated && n > 10) return Fail("unauthenticated multibulk length");
    pos_ = crlf + 2;
    if (n <= 0) {
      // "*0" and "*-1": nothing to run.
      *consumed = pos_;
      pos_ = 0;
      args_.clear();
      return Result::kCommand;
    }
    in_multibulk_ = true;
    multibulk_len_ = n;
    bulk_len_ = -1;
    spans_.clear();
    // Reserve for small commands only: a huge declared count reserves nothing.
    spans_.reserve(static_cast<size_t>(std::min<int64_t>(n, 16)));
  }

  while (static_cast<int64_t>(spans_.size()) < multibulk_len_) {
    if (bulk_len_ < 0) {
      if (pos_ >= buf.size()) return Result::kNeedMore;
      // Like Redis, a wrong first byte is reported once its line is whole.
      size_t crlf = FindLineEnd(buf, pos_);
      if (crlf == std::string_view::npos) {
        if (buf.size() - pos_ > limits_.max_inline_len) return Fail("too big bulk count string");
        return Result::kNeedMore;
      }
      if (buf[pos_] != '$') {
        error_ = std::string("Protocol error: expected '$', got '") + buf[pos_] + "'";
        return Result::kError;
      }
      int64_t len = 0;
      if (!ParseInt64(buf.substr(pos_ + 1, crlf - pos_ - 1), &len) || len < 0 ||
          len > limits_.max_bulk_len) {
        return Fail("invalid bulk length");
      }
      if (limits_.unauthenticated && len > 16384) return Fail("unauthenticated bulk length");
      bulk_len_ = len;
      pos_ = crlf + 2;
    }
    size_t need = static_cast<size_t>(bulk_len_) + 2;
    if (buf.size() - pos_ < need) return Result::kNeedMore;
    if (buf[pos_ + bulk_len_] != '\r' || buf[pos_ + bulk_len_ + 1] != '\n') {
      // Redis skips the two bytes after the payload without checking them;
      // so do we, for compatibility.
    }
    spans_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ += need;
    bulk_len_ = -1;
  }

  args_.clear();
  args_.reserve(spans_.size());
  for (const auto& [off, len] : spans_) args_.emplace_back(buf.data() + off, len);
  *consumed = pos_;
  in_multibulk_ = false;
  multibulk_len_ = 0;
  pos_ = 0;
  return Result::kCommand;
}

bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= n) return true;
    bool inq = false;   // inside "double quotes"
    bool insq = false;  // inside 'single quotes'
    bool done = false;
    std::string cur;
    while (!done) {
      if (inq) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' && HexDigit(line[i + 2]) >= 0 &&
            HexDigit(line[i + 3]) >= 0) {
          cur.push_back(static_cast<char>(HexDigit(line[i + 2]) * 16 + HexDigit(line[i + 3])));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          ++i;
          char c;
          switch (line[i]) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'b': c = '\b'; break;
            case 'a': c = '\a'; break;
            default: c = line[i]; break;
          }
          cur.push_back(c);
        } else if (line[i] == '"') {
          // The closing quote must be followed by a space or the end.
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur.push_back(line[i]);
        }
      } else if (insq) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          cur.push_back('\'');
        } else if (line[i] == '\'') {
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur.push_back(line[i]);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        switch (line[i]) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            inq = true;
            break;
          case '\'':
            insq = true;
            break;
          default:
            cur.push_back(line[i]);
            break;
        }
      }
      if (i < n) ++i;
    }
    out->push_back(std::move(cur));
  }
}

}  // namespace cairn::resp
