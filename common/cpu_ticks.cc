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

double MicrosPerTick() {
  static const double per_tick = [] {
    if (!internal::kTicksAreTsc) return 1e-3;  // nanoseconds
    using Steady = std::chrono::steady_clock;
    const auto t0 = Steady::now();
    const uint64_t c0 = CpuTicks();
    auto t1 = t0;
    while (t1 - t0 < std::chrono::milliseconds(5)) t1 = Steady::now();
    const uint64_t c1 = CpuTicks();
    const double us = std::chrono::duration<double, std::micro>(t1 - t0).count();
    return c1 > c0 ? us / static_cast<double>(c1 - c0) : 1e-3;
  }();
  return per_tick;
}

}  // namespace cairn
