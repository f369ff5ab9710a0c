// Configuration: redis.conf-style directives from a file and the command line
// (`cairn-server [file] [--name value ...]`), CONFIG GET/SET/REWRITE at run
// time. One table describes every directive: its type, default, bounds and
// whether CONFIG SET may change it.
//
// Values read on hot paths are atomics; strings are behind a mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace cairn {

enum class FsyncPolicy { kAlways, kEverySec, kNo };

class Config {
 public:
  Config();

  // Loads a config file and then the command-line directives (which win).
  // `args` are argv[1..]: an optional file path first, then "--name value...".
  // The error names the directive, its line or argument and what is wrong.
  Status LoadFromArgs(const std::vector<std::string>& args);
  Status LoadFile(const std::string& path);
  // Applies directive text (lines of "name value ..."); `origin` names where
  // it came from for error messages.
  Status LoadText(std::string_view text, std::string_view origin);

  // CONFIG GET: every (name, value) whose name matches a glob pattern.
  std::vector<std::pair<std::string, std::string>> Get(std::string_view pattern) const;
  // CONFIG SET of several pairs, all or nothing. The error is Redis's text
  // (without "-"), e.g. "ERR Unknown option or number of arguments for CONFIG SET - 'x'".
  Status Set(const std::vector<std::pair<std::string, std::string>>& pairs);
  // CONFIG REWRITE: writes the current values back to the file we loaded.
  Status Rewrite();
  const std::string& config_file() const { return config_file_; }

  // ---- values (read anywhere) ----
  int port() const { return port_.load(); }
  std::vector<std::string> bind() const;
  std::string dir() const;
  int threads() const { return threads_.load(); }
  FsyncPolicy appendfsync() const { return static_cast<FsyncPolicy>(appendfsync_.load()); }
  int64_t maxmemory() const { return maxmemory_.load(); }
  // maxmemory-policy's name (accepted and reported; Cairn never evicts).
  const char* maxmemory_policy() const;
  int64_t key_cache_size() const { return key_cache_size_.load(); }
  int64_t proto_max_bulk_len() const { return proto_max_bulk_len_.load(); }
  int64_t client_query_buffer_limit() const { return client_query_buffer_limit_.load(); }
  int databases() const { return databases_.load(); }
  std::string logfile() const;
  bool protected_mode() const { return protected_mode_.load(); }
  std::string requirepass() const;
  bool has_requirepass() const { return has_requirepass_.load(); }
  int maxclients() const { return maxclients_.load(); }
  int64_t timeout_seconds() const { return timeout_.load(); }
  int hz() const { return hz_.load(); }
  // SLOWLOG: commands of at least this many microseconds are logged (-1 =
  // none), and the log keeps at most slowlog_max_len() of them.
  int64_t slowlog_log_slower_than() const { return slowlog_log_slower_than_.load(); }
  int64_t slowlog_max_len() const { return slowlog_max_len_.load(); }
  // Per-command latency histograms (INFO latencystats, LATENCY HISTOGRAM),
  // and the percentiles INFO reports.
  bool latency_tracking() const { return latency_tracking_.load(std::memory_order_relaxed); }
  std::vector<double> latency_tracking_info_percentiles() const;
  // notify-keyspace-events, as storage::KeyEventClass bits (server/notify.h).
  uint32_t notify_keyspace_events() const { return notify_keyspace_events_.load(); }
  // A checkpoint to seed an empty data directory from at start-up; "" = none.
  std::string restore_from() const;

  // Replication: {host, port} to replicate from at start-up (empty = none).
  std::vector<std::string> replicaof() const;
  bool replica_serve_stale_data() const { return replica_serve_stale_data_.load(); }
  bool cold_read_offload() const { return cold_read_offload_.load(); }
  bool replica_read_only() const { return replica_read_only_.load(); }
  // Replicas a write waits for (kAckQuorumAll = every connected one), and
  // for how long (ms) before the client gets -NOREPLICAS.
  static constexpr int64_t kAckQuorumAll = -2;
  int64_t replica_ack_quorum() const { return replica_ack_quorum_.load(); }
  int64_t replica_ack_timeout_ms() const { return replica_ack_timeout_ms_.load(); }
  // Cluster mode (read once at start-up: all are immutable at run time).
  bool cluster_enabled() const { return cluster_enabled_.load(); }
  std::string cluster_config_file() const;
  int cluster_port() const { return cluster_port_.load(); }  // 0 = port + 10000
  int64_t cluster_node_timeout() const { return cluster_node_timeout_.load(); }
  std::string cluster_announce_ip() const;
  std::string cluster_announce_hostname() const;
  int cluster_announce_port() const { return cluster_announce_port_.load(); }
  int cluster_announce_bus_port() const { return cluster_announce_bus_port_.load(); }
  bool cluster_require_full_coverage() const { return cluster_require_full_coverage_.load(); }
  bool cluster_allow_reads_when_down() const { return cluster_allow_reads_when_down_.load(); }
  bool cluster_master_lease() const { return cluster_master_lease_.load(); }
  // CAIRN.FAULT (test hooks) is refused unless this is set at start-up.
  bool enable_fault_injection() const { return enable_fault_injection_.load(); }

  // Defaults and settings that tests or main adjust directly.
  void set_port(int port) { port_ = port; }

 private:
  struct Option;
  static const std::vector<Option>& Options();
  static const Option* Find(std::string_view name);
  // Parses and stores one directive; `at_runtime` enforces immutability.
  Status Apply(const Option& opt, const std::vector<std::string>& values, bool at_runtime);
  std::string ValueOf(const Option& opt) const;
  static std::vector<std::string> SetValues(const Option& opt, const std::string& value);

  std::string config_file_;

  // A copy of one of the members mu_ guards, taken under it.
  template <class T>
  T Guarded(const T& member) const {
    std::lock_guard<std::mutex> lock(mu_);
    return member;
  }

  mutable std::mutex mu_;  // guards the std::string and vector members below
  std::vector<std::string> bind_;
  std::string dir_;
  std::string logfile_;
  std::string requirepass_;
  std::string save_;
  std::string loglevel_;
  std::string restore_from_;
  std::vector<std::string> replicaof_;
  std::string cluster_config_file_;
  std::string cluster_announce_ip_;
  std::string cluster_announce_hostname_;

  std::atomic<int> port_;
  std::atomic<int> threads_;
  std::atomic<int> appendfsync_;
  std::atomic<int64_t> maxmemory_;
  std::atomic<int> maxmemory_policy_{7};  // index into kMaxmemoryPolicies; 7 = noeviction
  std::atomic<int64_t> key_cache_size_;
  std::atomic<int64_t> proto_max_bulk_len_;
  std::atomic<int64_t> client_query_buffer_limit_;
  std::atomic<int> databases_;
  std::atomic<bool> protected_mode_;
  std::atomic<bool> has_requirepass_;
  std::atomic<int> maxclients_;
  std::atomic<int64_t> timeout_;
  std::atomic<int> hz_;
  std::atomic<int64_t> slowlog_log_slower_than_{10000};
  std::atomic<int64_t> slowlog_max_len_{128};
  std::atomic<bool> latency_tracking_{true};
  std::atomic<uint32_t> notify_keyspace_events_{0};
  std::vector<double> latency_percentiles_{50, 99, 99.9};  // guarded by mu_
  std::atomic<int> tcp_keepalive_;
  std::atomic<int> tcp_backlog_;
  std::atomic<bool> replica_serve_stale_data_{true};
  std::atomic<bool> cold_read_offload_{true};
  std::atomic<bool> replica_read_only_{true};
  std::atomic<int64_t> replica_ack_quorum_{0};
  std::atomic<int64_t> replica_ack_timeout_ms_{2000};
  std::atomic<bool> cluster_enabled_{false};
  std::atomic<int> cluster_port_{0};
  std::atomic<int64_t> cluster_node_timeout_{15000};
  std::atomic<int> cluster_announce_port_{0};
  std::atomic<int> cluster_announce_bus_port_{0};
  std::atomic<bool> cluster_require_full_coverage_{true};
  std::atomic<bool> cluster_allow_reads_when_down_{false};
  std::atomic<bool> cluster_master_lease_{true};
  std::atomic<bool> enable_fault_injection_{false};
};

// Parses a memory amount as Redis does: "100", "1k" (1000), "1kb" (1024),
// "5mb", "2gb"; case-insensitive. False on anything else or a negative.
bool ParseMemory(std::string_view s, int64_t* out);

}  // namespace cairn
