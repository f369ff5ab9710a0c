// A cheap clock for timing commands (INFO commandstats): the CPU's time
// stamp counter where it runs at a constant rate (x86-64 with an invariant
// TSC), steady_clock nanoseconds elsewhere. Reading it costs a few cycles,
// where clock_gettime cost 3% of a loop serving pipelined GETs.
#pragma once

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace cairn {

namespace internal {
// Whether CpuTicks reads the TSC (decided once, at start).
extern const bool kTicksAreTsc;
}  // namespace internal

inline uint64_t CpuTicks() {
#if defined(__x86_64__)
  if (internal::kTicksAreTsc) return __rdtsc();
#endif
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// Ticks from `start` to now; 0 if the clock reads earlier (a thread moved
// to a core whose counter lags).
inline uint64_t TicksSince(uint64_t start) {
  const uint64_t now = CpuTicks();
  return now > start ? now - start : 0;
}

// Microseconds per tick, measured against steady_clock from the start of
// the process to now.
double MicrosPerTick();

// MicrosPerTick measured again only every 65536th call on this thread: for
// callers on a hot path (the slow log's check of every command), where a
// clock read per call would cost what CpuTicks saves.
inline double CachedMicrosPerTick() {
  thread_local double rate = 0;
  thread_local uint32_t calls = 0;
  if ((calls++ & 0xFFFF) == 0) rate = MicrosPerTick();
  return rate;
}

}  // namespace cairn
