// What the C heap's allocator tells (INFO memory, MEMORY): jemalloc's
// mallctl when the server runs on it (the release build links it; see
// CMakeLists.txt), glibc's mallinfo2 otherwise.
#pragma once

#include <cstdint>
#include <string>

namespace cairn {

// "jemalloc-5.3.0" or "libc", as Redis's mem_allocator reads.
std::string AllocatorName();

// Bytes handed out, mapped in active pages, and resident (jemalloc's
// stats.allocated, stats.active, stats.resident; under glibc all three are
// mallinfo2's bytes in use). Refreshed at each call.
struct HeapStats {
  uint64_t allocated = 0;
  uint64_t active = 0;
  uint64_t resident = 0;
};
HeapStats ReadHeapStats();

// Bytes the heap has handed out (HeapStats::allocated). It includes the
// RocksDB block cache and memtables, which are malloc'd.
uint64_t HeapInUse();

// Hands dirty pages back to the system (MEMORY PURGE): every jemalloc
// arena purged, or glibc's malloc_trim.
void PurgeHeap();

// jemalloc's statistics report (MEMORY MALLOC-STATS); "" when the server
// does not run on jemalloc.
std::string HeapStatsReport();

}  // namespace cairn
