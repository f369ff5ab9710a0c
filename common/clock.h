// Time, injected. Everything that needs the time takes a Clock&, so tests can
// move time instead of sleeping.
#pragma once

#include <atomic>
#include <cstdint>

namespace cairn {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock milliseconds since the Unix epoch (expiry deadlines).
  virtual int64_t NowMs() const = 0;
  // Wall-clock microseconds since the Unix epoch (TIME, client ages).
  virtual int64_t NowUs() const = 0;
  // Monotonic milliseconds (timeouts, leases); never jumps.
  virtual int64_t MonotonicMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
  int64_t NowUs() const override;
  int64_t MonotonicMs() const override;
};

// A clock the test sets by hand.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_ms = 1'700'000'000'000) : now_ms_(now_ms), mono_ms_(0) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  int64_t NowUs() const override { return now_ms_.load() * 1000; }
  int64_t MonotonicMs() const override { return mono_ms_.load(); }
  void Advance(int64_t ms) {
    now_ms_ += ms;
    mono_ms_ += ms;
  }
  void SetNowMs(int64_t ms) { now_ms_ = ms; }

 private:
  std::atomic<int64_t> now_ms_;
  std::atomic<int64_t> mono_ms_;
};

}  // namespace cairn
