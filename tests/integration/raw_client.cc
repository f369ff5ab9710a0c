#include "tests/integration/raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace cairn::testing {

RawClient::~RawClient() { Close(); }

bool RawClient::Connect(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
}

void RawClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void RawClient::ShutdownWrite() {
  if (fd_ >= 0) shutdown(fd_, SHUT_WR);
}

bool RawClient::Send(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

bool RawClient::Fill(int timeout_ms) {
  if (closed_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char tmp[65536];
  ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  buf_.append(tmp, static_cast<size_t>(n));
  return true;
}

std::string RawClient::ReadExactly(size_t n, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (buf_.size() < n && std::chrono::steady_clock::now() < deadline) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (!Fill(std::max(left, 1)) && closed_) break;
  }
  std::string out = buf_.substr(0, std::min(n, buf_.size()));
  buf_.erase(0, out.size());
  return out;
}

size_t RawClient::CompleteValue(size_t pos) const {
  if (pos >= buf_.size()) return 0;
  size_t crlf = buf_.find("\r\n", pos);
  if (crlf == std::string::npos) return 0;
  char type = buf_[pos];
  std::string head = buf_.substr(pos + 1, crlf - pos - 1);
  size_t after = crlf + 2;
  switch (type) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
      return after - pos;
    case '$': case '=': case '!': {
      long len = strtol(head.c_str(), nullptr, 10);
      if (len < 0) return after - pos;
      if (buf_.size() < after + static_cast<size_t>(len) + 2) return 0;
      return after + static_cast<size_t>(len) + 2 - pos;
    }
    case '*': case '~': case '>': case '%': case '|': {
      long n = strtol(head.c_str(), nullptr, 10);
      if (n < 0) return after - pos;
      if (type == '%' || type == '|') n *= 2;
      size_t cur = after;
      for (long i = 0; i < n; ++i) {
        size_t len = CompleteValue(cur);
        if (len == 0) return 0;
        cur += len;
      }
      return cur - pos;
    }
    default:
      return after - pos;
  }
}

std::string RawClient::ReadReply(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    size_t len = CompleteValue(0);
    if (len > 0) {
      std::string out = buf_.substr(0, len);
      buf_.erase(0, len);
      return out;
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return "";
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count());
    if (!Fill(std::max(left, 1)) && closed_) return "";
  }
}

bool RawClient::WaitClosed(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!closed_ && std::chrono::steady_clock::now() < deadline) {
    Fill(50);
  }
  return closed_;
}

}  // namespace cairn::testing
