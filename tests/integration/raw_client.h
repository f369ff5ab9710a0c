// A raw TCP client for tests that must see exact RESP bytes (RESP3 types,
// protocol errors) where hiredis 0.14 would hide or refuse them.
#pragma once

#include <string>

namespace cairn::testing {

class RawClient {
 public:
  RawClient() = default;
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool Connect(int port);
  bool Send(const std::string& bytes);
  // Half-closes: the server reads the end of input, replies still come.
  void ShutdownWrite();
  // Reads until `n` bytes arrived or the deadline passes; returns what came.
  std::string ReadExactly(size_t n, int timeout_ms = 5000);
  // Reads one complete RESP value (any type, nested) or "" on timeout/close.
  std::string ReadReply(int timeout_ms = 5000);
  // True if the server closed the connection within the deadline.
  bool WaitClosed(int timeout_ms = 5000);
  void Close();

 private:
  bool Fill(int timeout_ms);
  // Length of one complete RESP value at buf_[pos...], 0 if incomplete.
  size_t CompleteValue(size_t pos) const;
  int fd_ = -1;
  std::string buf_;
  bool closed_ = false;
};

}  // namespace cairn::testing
