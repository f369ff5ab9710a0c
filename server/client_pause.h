// CLIENT PAUSE (Redis's pauseClients): until a deadline, the commands of
// normal clients wait, parked and retried every millisecond: all of them,
// or only those that may write (writes, PUBLISH, an EXEC of writes). Set
// from any loop, read by every loop before each command.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

namespace cairn {

class ClientPause {
 public:
  enum class Mode : int { kNone = 0, kWrite = 1, kAll = 2 };

  // A stronger pause replaces a weaker one (and its deadline); one of the
  // same kind keeps the later deadline; a weaker one is ignored.
  void Pause(Mode mode, int64_t until_ms, int64_t now_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    const Mode current = Active(now_ms);
    if (mode > current) {
      until_ms_.store(until_ms, std::memory_order_relaxed);
      mode_.store(static_cast<int>(mode), std::memory_order_release);
    } else if (mode == current && until_ms > until_ms_.load(std::memory_order_relaxed)) {
      until_ms_.store(until_ms, std::memory_order_release);
    }
  }
  void Unpause() {
    std::lock_guard<std::mutex> lock(mu_);
    mode_.store(static_cast<int>(Mode::kNone), std::memory_order_release);
    until_ms_.store(0, std::memory_order_release);
  }
  // Whether a pause may be in force: one load, for the check before every
  // command; Active tells for sure.
  bool MaybeActive() const { return mode_.load(std::memory_order_acquire) != 0; }
  Mode Active(int64_t now_ms) const {
    if (now_ms >= until_ms_.load(std::memory_order_acquire)) return Mode::kNone;
    return static_cast<Mode>(mode_.load(std::memory_order_acquire));
  }
  int64_t until_ms() const { return until_ms_.load(std::memory_order_acquire); }

 private:
  std::mutex mu_;  // serializes Pause and Unpause
  std::atomic<int> mode_{0};
  std::atomic<int64_t> until_ms_{0};
};

}  // namespace cairn
