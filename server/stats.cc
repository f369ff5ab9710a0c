#include "server/stats.h"

namespace cairn {

void Stats::CountError(const std::string& prefix) {
  total_error_replies.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  // Redis stops tracking new error kinds past 128.
  if (errors_.size() >= 128 && errors_.find(prefix) == errors_.end()) return;
  ++errors_[prefix];
}

std::map<std::string, uint64_t> Stats::ErrorCounts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return errors_;
}

void Stats::Reset() {
  connections_received = 0;
  commands_processed = 0;
  rejected_connections = 0;
  net_input_bytes = 0;
  net_output_bytes = 0;
  reads_processed = 0;
  writes_processed = 0;
  expired_keys = 0;
  keyspace_hits = 0;
  keyspace_misses = 0;
  cold_reads = 0;
  total_error_replies = 0;
  unexpected_error_replies = 0;
  std::lock_guard<std::mutex> lock(mu_);
  errors_.clear();
}

}  // namespace cairn
