#include "server/resp/reply.h"

#include <charconv>

#include "common/strings.h"

namespace cairn::resp {

void ReplyBuilder::Header(char type, int64_t n) {
  char buf[32];
  buf[0] = type;
  auto r = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  *r.ptr++ = '\r';
  *r.ptr++ = '\n';
  out_->append(buf, static_cast<size_t>(r.ptr - buf));
}

void ReplyBuilder::SimpleString(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::Error(std::string_view text) {
  ++errors_written_;
  last_error_prefix_.assign(text.substr(0, text.find(' ')));
  out_->push_back('-');
  // A simple string cannot hold CR or LF: replace them, as Redis does.
  size_t start = out_->size();
  out_->append(text);
  for (size_t i = start; i < out_->size(); ++i) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n");
}

void ReplyBuilder::Integer(int64_t v) { Header(':', v); }

void ReplyBuilder::Bulk(std::string_view s) {
  Header('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::BulkInteger(int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  Bulk(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

void ReplyBuilder::Null() { out_->append(resp3_ ? "_\r\n" : "$-1\r\n"); }
void ReplyBuilder::NullArray() { out_->append(resp3_ ? "_\r\n" : "*-1\r\n"); }
void ReplyBuilder::ArrayHeader(size_t n) { Header('*', static_cast<int64_t>(n)); }

void ReplyBuilder::MapHeader(size_t n) {
  if (resp3_) {
    Header('%', static_cast<int64_t>(n));
  } else {
    Header('*', static_cast<int64_t>(2 * n));
  }
}

void ReplyBuilder::SetHeader(size_t n) { Header(resp3_ ? '~' : '*', static_cast<int64_t>(n)); }
void ReplyBuilder::PushHeader(size_t n) { Header(resp3_ ? '>' : '*', static_cast<int64_t>(n)); }

void ReplyBuilder::Double(double v) {
  std::string s = FormatDouble(v);
  if (resp3_) {
    out_->push_back(',');
    out_->append(s);
    out_->append("\r\n");
  } else {
    Bulk(s);
  }
}

void ReplyBuilder::Bool(bool v) {
  if (resp3_) {
    out_->append(v ? "#t\r\n" : "#f\r\n");
  } else {
    out_->append(v ? ":1\r\n" : ":0\r\n");
  }
}

void ReplyBuilder::Verbatim(std::string_view text, std::string_view format) {
  if (!resp3_) {
    Bulk(text);
    return;
  }
  Header('=', static_cast<int64_t>(text.size() + 4));
  out_->append(format.substr(0, 3));
  out_->push_back(':');
  out_->append(text);
  out_->append("\r\n");
}

}  // namespace cairn::resp
