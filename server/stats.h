// Server-wide counters for INFO stats, commandstats and errorstats. Loops
// update them with relaxed atomics; per-command counters live in the
// CommandSpec they count.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace cairn {

struct Stats {
  std::atomic<uint64_t> connections_received{0};
  std::atomic<uint64_t> commands_processed{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> net_input_bytes{0};
  std::atomic<uint64_t> net_output_bytes{0};
  std::atomic<uint64_t> reads_processed{0};   // socket reads that returned data
  std::atomic<uint64_t> writes_processed{0};  // socket writes of replies
  std::atomic<uint64_t> expired_keys{0};
  std::atomic<uint64_t> keyspace_hits{0};
  std::atomic<uint64_t> keyspace_misses{0};
  std::atomic<uint64_t> total_error_replies{0};
  std::atomic<uint64_t> unexpected_error_replies{0};
  std::atomic<uint64_t> fsyncs{0};
  // Read-only commands handed to the thread pool (their blocks were not
  // cached); INFO stats cold_reads_offloaded.
  std::atomic<uint64_t> cold_reads{0};
  std::atomic<int64_t> last_fsync_us{0};
  // Keys changed by write commands since start (Redis's server.dirty, but
  // never reset: Persistence subtracts the value of the last save). CONFIG
  // RESETSTAT leaves it alone, as Redis does.
  std::atomic<uint64_t> changes{0};

  // errorstats: error prefix ("ERR", "WRONGTYPE") -> count.
  void CountError(const std::string& prefix);
  std::map<std::string, uint64_t> ErrorCounts() const;
  void Reset();

 private:
  mutable std::mutex mu_;  // guards errors_
  std::map<std::string, uint64_t> errors_;
};

}  // namespace cairn
