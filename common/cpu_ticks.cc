#include "common/cpu_ticks.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace cairn {
namespace internal {
namespace {

bool HasInvariantTsc() {
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(0x80000000, &a, &b, &c, &d) == 0 || a < 0x80000007) return false;
  if (__get_cpuid(0x80000007, &a, &b, &c, &d) == 0) return false;
  return (d & (1u << 8)) != 0;  // "TscInvariant"
#else
  return false;
#endif
}

}  // namespace

const bool kTicksAreTsc = HasInvariantTsc();

}  // namespace internal

namespace {
// A reading of both clocks at start: the rate is measured from it to the
// moment it is asked for, so no caller waits for a calibration (except in
// the first milliseconds of the process).
struct Reading {
  std::chrono::steady_clock::time_point time;
  uint64_t ticks;
};
const Reading kStart{std::chrono::steady_clock::now(), CpuTicks()};
}  // namespace

double MicrosPerTick() {
  if (!internal::kTicksAreTsc) return 1e-3;  // nanoseconds
  using Steady = std::chrono::steady_clock;
  auto now = Steady::now();
  while (now - kStart.time < std::chrono::milliseconds(5)) now = Steady::now();
  const uint64_t ticks = CpuTicks();
  const double us = std::chrono::duration<double, std::micro>(now - kStart.time).count();
  return ticks > kStart.ticks ? us / static_cast<double>(ticks - kStart.ticks) : 1e-3;
}

}  // namespace cairn
