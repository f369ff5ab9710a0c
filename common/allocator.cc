#include "common/allocator.h"

#include <dlfcn.h>
#include <malloc.h>

#include <string>

namespace cairn {
namespace {

using MallctlFn = int (*)(const char*, void*, size_t*, void*, size_t);
using StatsPrintFn = void (*)(void (*)(void*, const char*), void*, const char*);

MallctlFn Mallctl() {
  static const MallctlFn f = reinterpret_cast<MallctlFn>(dlsym(RTLD_DEFAULT, "mallctl"));
  return f;
}

bool ReadSize(MallctlFn f, const char* name, uint64_t* out) {
  size_t v = 0;
  size_t len = sizeof(v);
  if (f(name, &v, &len, nullptr, 0) != 0) return false;
  *out = v;
  return true;
}

// MALLCTL_ARENAS_ALL: "arena.<this>.purge" purges every arena.
constexpr int kAllArenas = 4096;

}  // namespace

std::string AllocatorName() {
  if (MallctlFn f = Mallctl()) {
    const char* version = nullptr;
    size_t len = sizeof(version);
    if (f("version", &version, &len, nullptr, 0) == 0 && version != nullptr) {
      std::string v(version);
      return "jemalloc-" + v.substr(0, v.find('-'));
    }
  }
  return "libc";
}

HeapStats ReadHeapStats() {
  HeapStats s;
  if (MallctlFn f = Mallctl()) {
    uint64_t epoch = 1;
    size_t len = sizeof(epoch);
    f("epoch", &epoch, &len, &epoch, len);  // refreshes the statistics
    if (ReadSize(f, "stats.allocated", &s.allocated)) {
      ReadSize(f, "stats.active", &s.active);
      ReadSize(f, "stats.resident", &s.resident);
      return s;
    }
  }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 mi = mallinfo2();
  s.allocated = static_cast<uint64_t>(mi.uordblks) + static_cast<uint64_t>(mi.hblkhd);
  s.active = s.allocated;
  s.resident = s.allocated;
#endif
  return s;
}

uint64_t HeapInUse() { return ReadHeapStats().allocated; }

void PurgeHeap() {
  if (MallctlFn f = Mallctl()) {
    const std::string name = "arena." + std::to_string(kAllArenas) + ".purge";
    if (f(name.c_str(), nullptr, nullptr, nullptr, 0) == 0) return;
  }
  malloc_trim(0);
}

std::string HeapStatsReport() {
  static const StatsPrintFn print =
      reinterpret_cast<StatsPrintFn>(dlsym(RTLD_DEFAULT, "malloc_stats_print"));
  if (print == nullptr || Mallctl() == nullptr) return "";
  std::string out;
  print([](void* o, const char* text) { static_cast<std::string*>(o)->append(text); }, &out,
        nullptr);
  return out;
}

}  // namespace cairn
