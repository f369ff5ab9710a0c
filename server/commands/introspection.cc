// Introspection (server.c's infoCommand and commandCommand in Redis):
// INFO and COMMAND [COUNT|INFO|DOCS|LIST|GETKEYS|GETKEYSANDFLAGS|HELP], all
// generated from the live counters and the command table.
#include <dlfcn.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cluster/cluster.h"
#include "common/allocator.h"
#include "common/cpu_ticks.h"
#include "common/glob.h"
#include "common/strings.h"
#include "server/command.h"
#include "server/commands/acl_categories.h"
#include "server/commands/command_docs.h"
#include "server/config.h"
#include "server/errors.h"
#include "server/persistence.h"
#include "server/pubsub.h"
#include "server/replication.h"
#include "server/stats.h"
#include "storage/engine.h"

namespace cairn {
namespace {

constexpr const char* kRedisVersion = "7.0.15";
constexpr const char* kCairnVersion = "0.1.0";

// ===================================================================== INFO

void Appendf(std::string* out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void Appendf(std::string* out, const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (static_cast<size_t>(n) < sizeof(buf)) {
    out->append(buf, static_cast<size_t>(n));
    return;
  }
  std::string big(static_cast<size_t>(n) + 1, '\0');
  va_start(ap, fmt);
  vsnprintf(big.data(), big.size(), fmt, ap);
  va_end(ap);
  big.resize(static_cast<size_t>(n));
  out->append(big);
}

// Redis's bytesToHuman: "1.13M", "200B".
std::string BytesToHuman(uint64_t n) {
  char buf[64];
  double d = static_cast<double>(n);
  if (n < 1024) {
    snprintf(buf, sizeof(buf), "%" PRIu64 "B", n);
  } else if (n < (1ull << 20)) {
    snprintf(buf, sizeof(buf), "%.2fK", d / 1024);
  } else if (n < (1ull << 30)) {
    snprintf(buf, sizeof(buf), "%.2fM", d / (1 << 20));
  } else if (n < (1ull << 40)) {
    snprintf(buf, sizeof(buf), "%.2fG", d / (1ull << 30));
  } else if (n < (1ull << 50)) {
    snprintf(buf, sizeof(buf), "%.2fT", d / (1ull << 40));
  } else if (n < (1ull << 60)) {
    snprintf(buf, sizeof(buf), "%.2fP", d / (1ull << 50));
  } else {
    snprintf(buf, sizeof(buf), "%" PRIu64 "B", n);
  }
  return buf;
}

uint64_t ProcessRss() {
  std::ifstream f("/proc/self/statm");
  uint64_t size = 0;
  uint64_t resident = 0;
  if (!(f >> size >> resident)) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}


// A process-wide random id for master_replid (Redis keeps it apart from run_id).
const std::string& ReplicationId() {
  static const std::string id = [] {
    static const char kHex[] = "0123456789abcdef";
    std::random_device rd;
    std::mt19937_64 gen(rd());
    std::string s(40, '0');
    for (char& c : s) c = kHex[gen() & 15];
    return s;
  }();
  return id;
}

// instantaneous_ops_per_sec: Redis samples every 100 ms from its cron. Cairn
// has no cron of its own here, so each INFO compares the command counter
// with the sample kept from an earlier INFO (at least 100 ms ago) and keeps
// the newest sample at most a second old. The first INFO reports 0.
class OpsSampler {
 public:
  uint64_t Rate(uint64_t count, int64_t now_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    if (prev_ms_ == 0) {
      prev_ms_ = now_ms;
      prev_count_ = count;
      return 0;
    }
    int64_t dt = now_ms - prev_ms_;
    if (dt >= 100) {
      uint64_t delta = count >= prev_count_ ? count - prev_count_ : 0;
      last_rate_ = delta * 1000 / static_cast<uint64_t>(dt);
      if (dt >= 1000) {
        prev_ms_ = now_ms;
        prev_count_ = count;
      }
    }
    return last_rate_;
  }

 private:
  std::mutex mu_;  // guards the fields below
  int64_t prev_ms_ = 0;
  uint64_t prev_count_ = 0;
  uint64_t last_rate_ = 0;
};

OpsSampler& Sampler() {
  static OpsSampler s;
  return s;
}

std::atomic<uint64_t> g_memory_peak{0};
// The heap in use when the commands were registered, before any data (INFO's
// used_memory_startup).
std::atomic<uint64_t> g_memory_startup{0};

int64_t MonotonicMs() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void InfoServer(CommandContext& ctx, std::string* out) {
  ServerContext& s = ctx.server;
  struct utsname name {};
  uname(&name);
  struct timeval tv {};
  gettimeofday(&tv, nullptr);
  int64_t uptime = (s.clock.MonotonicMs() - s.start_mono_ms) / 1000;
  if (uptime < 0) uptime = 0;
  out->append("# Server\r\n");
  Appendf(out, "redis_version:%s\r\n", kRedisVersion);
  out->append("redis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\n");
  out->append(ctx.server.cluster != nullptr ? "redis_mode:cluster\r\n"
                                            : "redis_mode:standalone\r\n");
  Appendf(out, "os:%s %s %s\r\n", name.sysname, name.release, name.machine);
  Appendf(out, "arch_bits:%d\r\n", static_cast<int>(sizeof(void*) * 8));
  out->append("monotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\n");
  out->append("atomicvar_api:c11-builtin\r\n");
#ifdef __GNUC__
  Appendf(out, "gcc_version:%d.%d.%d\r\n", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  out->append("gcc_version:0.0.0\r\n");
#endif
  Appendf(out, "process_id:%d\r\n", static_cast<int>(getpid()));
  out->append("process_supervised:no\r\n");
  Appendf(out, "run_id:%s\r\n", s.run_id.c_str());
  Appendf(out, "tcp_port:%d\r\n", s.tcp_port);
  Appendf(out, "server_time_usec:%" PRId64 "\r\n",
          static_cast<int64_t>(tv.tv_sec) * 1000000 + tv.tv_usec);
  Appendf(out, "uptime_in_seconds:%" PRId64 "\r\n", uptime);
  Appendf(out, "uptime_in_days:%" PRId64 "\r\n", uptime / 86400);
  int hz = s.config.hz();
  Appendf(out, "hz:%d\r\nconfigured_hz:%d\r\n", hz, hz);
  Appendf(out, "lru_clock:%" PRId64 "\r\n", (static_cast<int64_t>(tv.tv_sec)) & ((1 << 24) - 1));
  Appendf(out, "executable:%s\r\n", s.executable.c_str());
  Appendf(out, "config_file:%s\r\n", s.config_file.c_str());
  out->append("io_threads_active:0\r\n");
  Appendf(out, "cairn_version:%s\r\n", kCairnVersion);
}

void InfoClients(CommandContext& ctx, std::string* out) {
  auto clients = ctx.server.clients.Snapshot();
  size_t max_in = 0;
  size_t max_out = 0;
  size_t blocked = 0;
  size_t in_timeout_table = 0;  // blocked with a timeout, as Redis's table holds them
  for (const auto& c : clients) {
    if (c->blocked.load(std::memory_order_acquire)) {
      ++blocked;
      if (c->blocked_with_timeout.load(std::memory_order_relaxed)) ++in_timeout_table;
    }
    std::lock_guard<std::mutex> lock(c->mu);
    max_in = std::max(max_in, c->qbuf);
    max_out = std::max(max_out, c->obuf);
  }
  out->append("# Clients\r\n");
  Appendf(out, "connected_clients:%zu\r\n", clients.size());
  // As Redis's getClusterConnectionsCount: one link each way per known peer.
  size_t cluster_links = 0;
  if (ctx.server.cluster != nullptr) {
    cluster_links = ctx.server.cluster->Locked(
        [](cluster::ClusterState& st) { return (st.nodes().size() - 1) * 2; });
  }
  Appendf(out, "cluster_connections:%zu\r\n", cluster_links);
  Appendf(out, "maxclients:%d\r\n", ctx.server.config.maxclients());
  Appendf(out, "client_recent_max_input_buffer:%zu\r\n", max_in);
  Appendf(out, "client_recent_max_output_buffer:%zu\r\n", max_out);
  Appendf(out, "blocked_clients:%zu\r\ntracking_clients:0\r\nclients_in_timeout_table:%zu\r\n",
          blocked, in_timeout_table);
}

// used_memory is the C heap in use (jemalloc's stats.allocated, or glibc's
// mallinfo2), which includes the RocksDB memtables and block cache; if the
// allocator reports nothing (sanitizer builds), the storage engine's own
// figure is used instead. The dataset is what the engine holds in memory
// (memtables, block cache, key cache); the overhead is the rest. Fields in
// Redis 7.0's order; those of features Cairn lacks (Lua, functions, an AOF
// buffer, evictions) read 0.
void InfoMemory(CommandContext& ctx, std::string* out) {
  const HeapStats heap = ReadHeapStats();
  uint64_t storage = ctx.engine.MemoryUsage();
  uint64_t used = std::max(heap.allocated, storage);
  uint64_t rss = ProcessRss();
  uint64_t peak = g_memory_peak.load();
  while (used > peak && !g_memory_peak.compare_exchange_weak(peak, used)) {
  }
  peak = std::max(peak, used);
  const uint64_t startup = std::min(g_memory_startup.load(), used);
  const uint64_t dataset = std::min(storage, used);
  const uint64_t overhead = used - dataset;
  uint64_t total =
      static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint64_t maxmemory = static_cast<uint64_t>(ctx.server.config.maxmemory());
  auto ratio = [](uint64_t a, uint64_t b) {
    return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
  };
  auto diff = [](uint64_t a, uint64_t b) { return static_cast<int64_t>(a) - static_cast<int64_t>(b); };
  out->append("# Memory\r\n");
  Appendf(out, "used_memory:%" PRIu64 "\r\n", used);
  Appendf(out, "used_memory_human:%s\r\n", BytesToHuman(used).c_str());
  Appendf(out, "used_memory_rss:%" PRIu64 "\r\n", rss);
  Appendf(out, "used_memory_rss_human:%s\r\n", BytesToHuman(rss).c_str());
  Appendf(out, "used_memory_peak:%" PRIu64 "\r\n", peak);
  Appendf(out, "used_memory_peak_human:%s\r\n", BytesToHuman(peak).c_str());
  Appendf(out, "used_memory_peak_perc:%.2f%%\r\n", 100.0 * ratio(used, peak));
  Appendf(out, "used_memory_overhead:%" PRIu64 "\r\n", overhead);
  Appendf(out, "used_memory_startup:%" PRIu64 "\r\n", startup);
  Appendf(out, "used_memory_dataset:%" PRIu64 "\r\n", dataset);
  Appendf(out, "used_memory_dataset_perc:%.2f%%\r\n", 100.0 * ratio(dataset, used - startup));
  Appendf(out, "allocator_allocated:%" PRIu64 "\r\n", heap.allocated);
  Appendf(out, "allocator_active:%" PRIu64 "\r\n", heap.active);
  Appendf(out, "allocator_resident:%" PRIu64 "\r\n", heap.resident);
  Appendf(out, "total_system_memory:%" PRIu64 "\r\n", total);
  Appendf(out, "total_system_memory_human:%s\r\n", BytesToHuman(total).c_str());
  out->append(
      "used_memory_lua:0\r\nused_memory_vm_eval:0\r\nused_memory_lua_human:0B\r\n"
      "used_memory_scripts_eval:0\r\nnumber_of_cached_scripts:0\r\nnumber_of_functions:0\r\n"
      "number_of_libraries:0\r\nused_memory_vm_functions:0\r\nused_memory_vm_total:0\r\n"
      "used_memory_vm_total_human:0B\r\nused_memory_functions:0\r\nused_memory_scripts:0\r\n"
      "used_memory_scripts_human:0B\r\n");
  Appendf(out, "maxmemory:%" PRIu64 "\r\n", maxmemory);
  Appendf(out, "maxmemory_human:%s\r\n", BytesToHuman(maxmemory).c_str());
  Appendf(out, "maxmemory_policy:%s\r\n", ctx.server.config.maxmemory_policy());
  Appendf(out, "allocator_frag_ratio:%.2f\r\n", ratio(heap.active, heap.allocated));
  Appendf(out, "allocator_frag_bytes:%" PRId64 "\r\n", diff(heap.active, heap.allocated));
  Appendf(out, "allocator_rss_ratio:%.2f\r\n", ratio(heap.resident, heap.active));
  Appendf(out, "allocator_rss_bytes:%" PRId64 "\r\n", diff(heap.resident, heap.active));
  Appendf(out, "rss_overhead_ratio:%.2f\r\n", ratio(rss, heap.resident));
  Appendf(out, "rss_overhead_bytes:%" PRId64 "\r\n", diff(rss, heap.resident));
  Appendf(out, "mem_fragmentation_ratio:%.2f\r\n", ratio(rss, used));
  Appendf(out, "mem_fragmentation_bytes:%" PRId64 "\r\n", diff(rss, used));
  out->append(
      "mem_not_counted_for_evict:0\r\nmem_replication_backlog:0\r\n"
      "mem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\nmem_clients_normal:0\r\n"
      "mem_cluster_links:0\r\nmem_aof_buffer:0\r\n");
  Appendf(out, "mem_allocator:%s\r\n", AllocatorName().c_str());
  out->append("active_defrag_running:0\r\nlazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n");
  Appendf(out, "storage_memory_usage:%" PRIu64 "\r\n", storage);
  Appendf(out, "storage_disk_usage:%" PRIu64 "\r\n", ctx.engine.DiskUsage());
  Appendf(out, "key_cache_bytes:%zu\r\n", ctx.engine.key_cache().bytes());
}

// The rdb_* fields describe checkpoints (SAVE/BGSAVE, server/persistence.h):
// no fork, so no copy-on-write figures. Every write is in the RocksDB WAL,
// so the aof_* fields read as "an always-on AOF with nothing pending".
void InfoPersistence(CommandContext& ctx, std::string* out) {
  Persistence::State st;
  if (ctx.server.persistence != nullptr) {
    st = ctx.server.persistence->state();
  } else {
    st.last_save_time_s = ctx.server.start_time_ms / 1000;
  }
  out->append("# Persistence\r\n");
  out->append(
      "loading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\n"
      "current_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:0\r\n"
      "current_save_keys_total:0\r\n");
  Appendf(out, "rdb_changes_since_last_save:%" PRIu64 "\r\n", st.changes_since_last_save);
  Appendf(out, "rdb_bgsave_in_progress:%d\r\n", st.in_progress ? 1 : 0);
  Appendf(out, "rdb_last_save_time:%" PRId64 "\r\n", st.last_save_time_s);
  Appendf(out, "rdb_last_bgsave_status:%s\r\n", st.last_status_ok ? "ok" : "err");
  Appendf(out, "rdb_last_bgsave_time_sec:%" PRId64 "\r\n", st.last_bgsave_time_s);
  Appendf(out, "rdb_current_bgsave_time_sec:%" PRId64 "\r\n", st.current_save_time_s);
  Appendf(out, "rdb_saves:%" PRIu64 "\r\n", st.saves);
  out->append(
      "rdb_last_cow_size:0\r\n"
      "rdb_last_load_keys_expired:0\r\nrdb_last_load_keys_loaded:0\r\n"
      "aof_enabled:1\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\n"
      "aof_last_rewrite_time_sec:-1\r\naof_current_rewrite_time_sec:-1\r\n"
      "aof_last_bgrewrite_status:ok\r\naof_rewrites:0\r\naof_rewrites_consecutive_failures:0\r\n"
      "aof_last_write_status:ok\r\naof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\n"
      "module_fork_last_cow_size:0\r\n");
  Appendf(out, "aof_current_size:%" PRIu64 "\r\n", ctx.engine.DiskUsage());
  out->append(
      "aof_base_size:0\r\naof_pending_rewrite:0\r\naof_buffer_length:0\r\n"
      "aof_pending_bio_fsync:0\r\naof_delayed_fsync:0\r\n");
  Appendf(out, "wal_fsyncs:%" PRIu64 "\r\n",
          ctx.server.stats.fsyncs.load(std::memory_order_relaxed));
  Appendf(out, "wal_last_fsync_usec:%" PRId64 "\r\n",
          ctx.server.stats.last_fsync_us.load(std::memory_order_relaxed));
  const storage::Engine::BackgroundWork bg = ctx.engine.Background();
  Appendf(out, "storage_flushes_running:%" PRIu64 "\r\n", bg.flushes);
  Appendf(out, "storage_compactions_running:%" PRIu64 "\r\n", bg.compactions);
  Appendf(out, "storage_compaction_pending_bytes:%" PRIu64 "\r\n", bg.pending_bytes);
}

// keyspace_hits/misses are reported from Stats; they stay 0 unless the read
// paths count them.
void InfoStats(CommandContext& ctx, std::string* out) {
  Stats& st = ctx.server.stats;
  uint64_t processed = st.commands_processed.load();
  out->append("# Stats\r\n");
  Appendf(out, "total_connections_received:%" PRIu64 "\r\n", st.connections_received.load());
  Appendf(out, "total_commands_processed:%" PRIu64 "\r\n", processed);
  Appendf(out, "instantaneous_ops_per_sec:%" PRIu64 "\r\n",
          Sampler().Rate(processed, MonotonicMs()));
  Appendf(out, "total_net_input_bytes:%" PRIu64 "\r\n", st.net_input_bytes.load());
  Appendf(out, "total_net_output_bytes:%" PRIu64 "\r\n", st.net_output_bytes.load());
  out->append(
      "total_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\n"
      "instantaneous_input_kbps:0.00\r\ninstantaneous_output_kbps:0.00\r\n"
      "instantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\n");
  Appendf(out, "rejected_connections:%" PRIu64 "\r\n", st.rejected_connections.load());
  out->append("sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\n");
  Appendf(out, "expired_keys:%" PRIu64 "\r\n", st.expired_keys.load());
  out->append(
      "expired_stale_perc:0.00\r\nexpired_time_cap_reached_count:0\r\n"
      "expire_cycle_cpu_milliseconds:0\r\nevicted_keys:0\r\nevicted_clients:0\r\n"
      "total_eviction_exceeded_time:0\r\ncurrent_eviction_exceeded_time:0\r\n");
  Appendf(out, "keyspace_hits:%" PRIu64 "\r\n", st.keyspace_hits.load());
  Appendf(out, "keyspace_misses:%" PRIu64 "\r\n", st.keyspace_misses.load());
  size_t channels = ctx.server.pubsub != nullptr ? ctx.server.pubsub->NumChannels() : 0;
  size_t patterns = ctx.server.pubsub != nullptr ? ctx.server.pubsub->NumPatterns() : 0;
  Appendf(out, "pubsub_channels:%zu\r\npubsub_patterns:%zu\r\n", channels, patterns);
  out->append(
      "pubsubshard_channels:0\r\nlatest_fork_usec:0\r\n"
      "total_forks:0\r\nmigrate_cached_sockets:0\r\nslave_expires_tracked_keys:0\r\n"
      "active_defrag_hits:0\r\nactive_defrag_misses:0\r\nactive_defrag_key_hits:0\r\n"
      "active_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\n"
      "current_active_defrag_time:0\r\ntracking_total_keys:0\r\ntracking_total_items:0\r\n"
      "tracking_total_prefixes:0\r\n");
  Appendf(out, "unexpected_error_replies:%" PRIu64 "\r\n", st.unexpected_error_replies.load());
  Appendf(out, "total_error_replies:%" PRIu64 "\r\n", st.total_error_replies.load());
  out->append("dump_payload_sanitizations:0\r\n");
  Appendf(out, "total_reads_processed:%" PRIu64 "\r\n", st.reads_processed.load());
  Appendf(out, "total_writes_processed:%" PRIu64 "\r\n", st.writes_processed.load());
  out->append(
      "io_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\n"
      "reply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n");
  Appendf(out, "cold_reads_offloaded:%" PRIu64 "\r\n", st.cold_reads.load());
  Appendf(out, "key_cache_hits:%" PRIu64 "\r\n", ctx.engine.key_cache().hits());
  Appendf(out, "key_cache_misses:%" PRIu64 "\r\n", ctx.engine.key_cache().misses());
}

void InfoReplication(CommandContext& ctx, std::string* out) {
  Replication* repl = ctx.server.replication;
  out->append("# Replication\r\n");
  const int64_t now = ctx.server.clock.MonotonicMs();
  std::string replid = ReplicationId();
  uint64_t offset = 0;
  if (repl != nullptr && repl->is_replica()) {
    Replication::LinkInfo l = repl->Link();
    out->append("role:slave\r\n");
    Appendf(out, "master_host:%s\r\nmaster_port:%d\r\n", l.host.c_str(), l.port);
    Appendf(out, "master_link_status:%s\r\n", l.up ? "up" : "down");
    // The link keeps steady-clock milliseconds, like MonotonicMs.
    const int64_t steady = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
    Appendf(out, "master_last_io_seconds_ago:%lld\r\n",
            l.last_io_ms == 0 ? -1LL : static_cast<long long>((steady - l.last_io_ms) / 1000));
    Appendf(out, "master_sync_in_progress:%d\r\n", l.sync_in_progress ? 1 : 0);
    Appendf(out, "slave_read_repl_offset:%" PRIu64 "\r\nslave_repl_offset:%" PRIu64 "\r\n",
            l.offset, l.offset);
    if (!l.up) {
      Appendf(
          out, "master_link_down_since_seconds:%lld\r\n",
          l.down_since_ms == 0 ? -1LL : static_cast<long long>((steady - l.down_since_ms) / 1000));
    }
    Appendf(out, "slave_priority:100\r\nslave_read_only:%d\r\nreplica_announced:1\r\n",
            ctx.server.config.replica_read_only() ? 1 : 0);
    out->append("connected_slaves:0\r\n");
    replid = ctx.engine.MasterDataId().empty() ? replid : ctx.engine.MasterDataId();
    offset = l.offset;
  } else {
    out->append("role:master\r\n");
    std::vector<Replication::ReplicaInfo> replicas;
    if (repl != nullptr) {
      replicas = repl->Replicas();
      replid = repl->DataId();
      offset = repl->Offset();
    }
    Appendf(out, "connected_slaves:%zu\r\n", replicas.size());
    const int64_t steady = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
    for (size_t i = 0; i < replicas.size(); ++i) {
      const auto& r = replicas[i];
      Appendf(out, "slave%zu:ip=%s,port=%d,state=%s,offset=%" PRIu64 ",lag=%lld\r\n", i,
              r.ip.c_str(), r.port, r.state.c_str(), r.ack,
              static_cast<long long>((steady - r.last_ack_ms) / 1000));
    }
  }
  (void)now;
  out->append("master_failover_state:no-failover\r\n");
  Appendf(out, "master_replid:%s\r\n", replid.c_str());
  Appendf(out,
          "master_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:%" PRIu64
          "\r\n",
          offset);
  out->append(
      "second_repl_offset:-1\r\nrepl_backlog_active:0\r\nrepl_backlog_size:1048576\r\n"
      "repl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n");
}

double TvSeconds(const struct timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1000000.0;
}

void InfoCpu(CommandContext&, std::string* out) {
  struct rusage self {};
  struct rusage children {};
  struct rusage thread {};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);
  out->append("# CPU\r\n");
  Appendf(out, "used_cpu_sys:%.6f\r\n", TvSeconds(self.ru_stime));
  Appendf(out, "used_cpu_user:%.6f\r\n", TvSeconds(self.ru_utime));
  Appendf(out, "used_cpu_sys_children:%.6f\r\n", TvSeconds(children.ru_stime));
  Appendf(out, "used_cpu_user_children:%.6f\r\n", TvSeconds(children.ru_utime));
  // Cairn has one loop per thread; this is the loop that runs INFO.
  Appendf(out, "used_cpu_sys_main_thread:%.6f\r\n", TvSeconds(thread.ru_stime));
  Appendf(out, "used_cpu_user_main_thread:%.6f\r\n", TvSeconds(thread.ru_utime));
}

void AppendCommandStat(const CommandSpec& c, std::string* out) {
  uint64_t calls = c.calls.load();
  uint64_t failed = c.failed_calls.load();
  uint64_t rejected = c.rejected_calls.load();
  if (calls == 0 && failed == 0 && rejected == 0) return;
  const auto usec = static_cast<uint64_t>(static_cast<double>(c.ticks.load()) * MicrosPerTick());
  Appendf(out,
          "cmdstat_%s:calls=%" PRIu64 ",usec=%" PRIu64 ",usec_per_call=%.2f,rejected_calls=%" PRIu64
          ",failed_calls=%" PRIu64 "\r\n",
          c.name.c_str(), calls, usec,
          calls > 0 ? static_cast<double>(usec) / static_cast<double>(calls) : 0.0, rejected,
          failed);
}

void InfoCommandStats(CommandContext& ctx, std::string* out) {
  out->append("# Commandstats\r\n");
  for (const auto& c : ctx.server.commands.all()) {
    AppendCommandStat(*c, out);
    for (const auto& s : c->subcommands) AppendCommandStat(s, out);
  }
}

void InfoErrorStats(CommandContext& ctx, std::string* out) {
  out->append("# Errorstats\r\n");
  for (const auto& [prefix, count] : ctx.server.stats.ErrorCounts()) {
    Appendf(out, "errorstat_%s:count=%" PRIu64 "\r\n", prefix.c_str(), count);
  }
}

// Each called command's latency at the configured percentiles, in
// microseconds (latency-tracking, latency-tracking-info-percentiles).
void AppendLatencyStat(const CommandSpec& c, const std::vector<double>& percentiles,
                       std::string* out) {
  const LatencyHistogram* h = c.latency.load(std::memory_order_acquire);
  if (h == nullptr || h->count() == 0) return;
  Appendf(out, "latency_percentiles_usec_%s:", c.name.c_str());
  for (size_t i = 0; i < percentiles.size(); ++i) {
    Appendf(out, "%sp%s=%.3f", i > 0 ? "," : "", FormatPercentile(percentiles[i]).c_str(),
            static_cast<double>(h->ValueAtPercentile(percentiles[i])) / 1000.0);
  }
  out->append("\r\n");
}

void InfoLatencyStats(CommandContext& ctx, std::string* out) {
  out->append("# Latencystats\r\n");
  const std::vector<double> percentiles = ctx.server.config.latency_tracking_info_percentiles();
  for (const auto& c : ctx.server.commands.all()) {
    AppendLatencyStat(*c, percentiles, out);
    for (const auto& s : c->subcommands) AppendLatencyStat(s, percentiles, out);
  }
}

void InfoCluster(CommandContext& ctx, std::string* out) {
  out->append(ctx.server.cluster != nullptr ? "# Cluster\r\ncluster_enabled:1\r\n"
                                            : "# Cluster\r\ncluster_enabled:0\r\n");
}

void InfoKeyspace(CommandContext& ctx, std::string* out) {
  out->append("# Keyspace\r\n");
  int dbs = ctx.engine.databases();
  for (int db = 0; db < dbs; ++db) {
    int64_t keys = ctx.engine.KeyCount(static_cast<uint8_t>(db));
    if (keys <= 0) continue;
    Appendf(out, "db%d:keys=%" PRId64 ",expires=%" PRId64 ",avg_ttl=0\r\n", db, keys,
            ctx.engine.ExpireCount(static_cast<uint8_t>(db)));
  }
}

struct InfoSection {
  const char* name;
  bool in_default;
  void (*render)(CommandContext&, std::string*);
};

void InfoModules(CommandContext&, std::string* out) { out->append("# Modules\r\n"); }

// In Redis's order.
const InfoSection kSections[] = {
    {"server", true, InfoServer},
    {"clients", true, InfoClients},
    {"memory", true, InfoMemory},
    {"persistence", true, InfoPersistence},
    {"stats", true, InfoStats},
    {"replication", true, InfoReplication},
    {"cpu", true, InfoCpu},
    {"module_list", true, InfoModules},
    {"commandstats", false, InfoCommandStats},
    {"errorstats", true, InfoErrorStats},
    {"latencystats", false, InfoLatencyStats},
    {"cluster", true, InfoCluster},
    {"keyspace", true, InfoKeyspace},
};

// INFO [section ...]: "default" (no argument), "all" (everything but module
// sections), "everything"; unknown names add nothing. Sections come out in
// Redis's fixed order whatever the argument order.
void InfoCommand(CommandContext& ctx) {
  std::set<std::string> wanted;
  bool all = false;
  bool defaults = ctx.argv.size() == 1;
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    std::string s = ToLower(ctx.argv[i]);
    if (s == "all" || s == "everything") {
      all = true;
    } else if (s == "default") {
      defaults = true;
    } else if (s == "modules") {
      wanted.insert("module_list");
    } else {
      wanted.insert(s);
    }
  }
  std::string out;
  for (const InfoSection& sec : kSections) {
    if (!(all || (defaults && sec.in_default) || wanted.count(sec.name) != 0)) continue;
    if (!out.empty()) out.append("\r\n");
    sec.render(ctx, &out);
  }
  ctx.reply.Verbatim(out);
}

// ================================================================== COMMAND

}  // namespace

// ACL categories in Redis's bit order, which is the order COMMAND INFO lists them.
const char* const kAclCategories[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};
constexpr size_t kNumAclCategories = sizeof(kAclCategories) / sizeof(kAclCategories[0]);

std::span<const char* const> AllAclCategories() { return kAclCategories; }

int AclCategoryIndex(std::string_view name) {
  if (!name.empty() && name[0] == '@') name.remove_prefix(1);
  for (size_t i = 0; i < kNumAclCategories; ++i) {
    if (EqualsIgnoreCase(kAclCategories[i], name)) return static_cast<int>(i);
  }
  return -1;
}

// The category a command group implies (Redis's JSON files name it for every
// command of these groups). Not "pubsub": Redis derives @pubsub from the
// pubsub flag, so PUBSUB HELP and the PUBSUB container have none.
static const char* GroupCategory(std::string_view group) {
  static const struct {
    const char* group;
    const char* category;
  } kMap[] = {{"generic", "keyspace"},
              {"string", "string"},
              {"list", "list"},
              {"set", "set"},
              {"sorted_set", "sortedset"},
              {"hash", "hash"},
              {"bitmap", "bitmap"},
              {"hyperloglog", "hyperloglog"},
              {"geo", "geo"},
              {"stream", "stream"},
              {"connection", "connection"},
              {"transactions", "transaction"},
              {"scripting", "scripting"}};
  for (const auto& m : kMap) {
    if (group == m.group) return m.category;
  }
  return nullptr;
}

// Redis's setImplicitACLCategories over the explicit + group categories.
std::vector<const char*> AclCategories(const CommandSpec& c) {
  bool has[kNumAclCategories] = {};
  auto add = [&has](std::string_view n) {
    int i = AclCategoryIndex(n);
    if (i >= 0) has[i] = true;
  };
  // A container has no category of its own; explicit categories replace
  // the group's (Redis lists them per command).
  if (c.acl_categories.empty() && c.subcommands.empty()) {
    if (const char* g = GroupCategory(c.group)) add(g);
  }
  for (const auto& a : c.acl_categories) add(a);
  if (c.flags & kCmdWrite) add("write");
  if ((c.flags & kCmdReadonly) && !has[AclCategoryIndex("scripting")]) add("read");
  if (c.flags & kCmdAdmin) {
    add("admin");
    add("dangerous");
  }
  if (c.flags & kCmdPubsub) add("pubsub");
  if (c.flags & kCmdFast) add("fast");
  if (c.flags & kCmdBlocking) add("blocking");
  if (!has[AclCategoryIndex("fast")]) add("slow");
  std::vector<const char*> out;
  for (size_t i = 0; i < kNumAclCategories; ++i) {
    if (has[i]) out.push_back(kAclCategories[i]);
  }
  return out;
}

namespace {

std::vector<const char*> FlagNames(uint32_t flags) {
  static const struct {
    uint32_t bit;
    const char* name;
  } kFlags[] = {{kCmdWrite, "write"},
                {kCmdReadonly, "readonly"},
                {kCmdDenyOom, "denyoom"},
                {kCmdAdmin, "admin"},
                {kCmdPubsub, "pubsub"},
                {kCmdNoScript, "noscript"},
                {kCmdBlocking, "blocking"},
                {kCmdLoading, "loading"},
                {kCmdStale, "stale"},
                {kCmdSkipMonitor, "skip_monitor"},
                {kCmdSkipSlowlog, "skip_slowlog"},
                {kCmdAsking, "asking"},
                {kCmdFast, "fast"},
                {kCmdNoAuth, "no_auth"},
                {kCmdMayReplicate, "may_replicate"},
                {kCmdNoAsyncLoading, "no_async_loading"},
                {kCmdNoMulti, "no_multi"},
                {kCmdMovableKeys, "movablekeys"},
                {kCmdAllowBusy, "allow_busy"}};
  std::vector<const char*> out;
  for (const auto& f : kFlags) {
    if (flags & f.bit) out.push_back(f.name);
  }
  return out;
}

// "RW ACCESS UPDATE" -> {"RW", "access", "update"}: the access type stays
// upper case, the rest is lower case, as COMMAND INFO shows key spec flags.
std::vector<std::string> KeySpecFlagNames(const char* flags) {
  std::vector<std::string> out;
  std::string_view s = flags;
  while (!s.empty()) {
    size_t sp = s.find(' ');
    std::string_view w = s.substr(0, sp);
    if (!w.empty()) {
      if (EqualsIgnoreCase(w, "RO") || EqualsIgnoreCase(w, "RW") || EqualsIgnoreCase(w, "OW") ||
          EqualsIgnoreCase(w, "RM")) {
        std::string u(w);
        for (char& ch : u) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
        out.push_back(u);
      } else {
        out.push_back(ToLower(w));
      }
    }
    if (sp == std::string_view::npos) break;
    s.remove_prefix(sp + 1);
  }
  return out;
}

void ReplyKeySpec(resp::ReplyBuilder& r, const KeySpec& ks) {
  r.MapHeader(ks.notes != nullptr ? 4 : 3);
  if (ks.notes != nullptr) {
    r.Bulk("notes");
    r.Bulk(ks.notes);
  }
  r.Bulk("flags");
  auto flags = KeySpecFlagNames(ks.flags);
  r.SetHeader(flags.size());
  for (const auto& f : flags) r.SimpleString(f);
  r.Bulk("begin_search");
  r.MapHeader(2);
  r.Bulk("type");
  if (ks.keyword != nullptr) {
    r.Bulk("keyword");
    r.Bulk("spec");
    r.MapHeader(2);
    r.Bulk("keyword");
    r.Bulk(ks.keyword);
    r.Bulk("startfrom");
    r.Integer(ks.startfrom);
  } else {
    r.Bulk("index");
    r.Bulk("spec");
    r.MapHeader(1);
    r.Bulk("index");
    r.Integer(ks.begin_index);
  }
  r.Bulk("find_keys");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk("range");
  r.Bulk("spec");
  r.MapHeader(3);
  r.Bulk("lastkey");
  r.Integer(ks.last_key);
  r.Bulk("keystep");
  r.Integer(ks.key_step);
  r.Bulk("limit");
  r.Integer(ks.limit);
}

// The 10-element COMMAND INFO entry of Redis 7.0 (sets where Redis uses sets).
void ReplyCommandInfo(resp::ReplyBuilder& r, const CommandSpec& c) {
  r.ArrayHeader(10);
  r.Bulk(c.name);
  r.Integer(c.arity);
  auto flags = FlagNames(c.flags);
  r.SetHeader(flags.size());
  for (const char* f : flags) r.SimpleString(f);
  int first = 0;
  int last = 0;
  int step = 0;
  c.LegacyKeyRange(&first, &last, &step);
  r.Integer(first);
  r.Integer(last);
  r.Integer(step);
  auto cats = AclCategories(c);
  r.SetHeader(cats.size());
  for (const char* cat : cats) r.SimpleString(std::string("@") + cat);
  r.SetHeader(c.tips.size());
  for (const std::string& t : c.tips) r.Bulk(t);
  r.SetHeader(c.key_specs.size());
  for (const KeySpec& ks : c.key_specs) ReplyKeySpec(r, ks);
  if (c.subcommands.empty()) {
    r.SetHeader(0);
  } else {
    r.ArrayHeader(c.subcommands.size());
    for (const auto& s : c.subcommands) ReplyCommandInfo(r, s);
  }
}

// Redis's order: the four fields every command has, then doc_flags,
// history, arguments... (command_docs.h), then the subcommands.
void ReplyCommandDocs(resp::ReplyBuilder& r, const CommandSpec& c) {
  const CommandDocsExtra extra = FindCommandDocsExtra(c.name);
  // A command whose docs name no complexity (MONITOR) has no such field.
  const bool complexity = c.complexity != nullptr && c.complexity[0] != '\0';
  r.MapHeader(3 + (complexity ? 1 : 0) + static_cast<size_t>(extra.fields) +
              (c.subcommands.empty() ? 0 : 1));
  r.Bulk("summary");
  r.Bulk(c.summary);
  r.Bulk("since");
  r.Bulk(c.since);
  r.Bulk("group");
  r.Bulk(c.group);
  if (complexity) {
    r.Bulk("complexity");
    r.Bulk(c.complexity);
  }
  RenderCommandDocsExtra(r, extra.tokens);
  if (!c.subcommands.empty()) {
    r.Bulk("subcommands");
    r.MapHeader(c.subcommands.size());
    for (const auto& s : c.subcommands) {
      r.Bulk(s.name);
      ReplyCommandDocs(r, s);
    }
  }
}

// The command an argv would run (base or subcommand), as Redis's lookupCommand.
const CommandSpec* LookupByArgv(const CommandRegistry& reg,
                                std::span<const std::string_view> argv) {
  const CommandSpec* base = reg.Find(argv[0]);
  if (base == nullptr || base->subcommands.empty() || argv.size() < 2) return base;
  return base->FindSubcommand(argv[1]);
}

void CommandAllCommand(CommandContext& ctx) {
  const auto& all = ctx.server.commands.all();
  ctx.reply.ArrayHeader(all.size());
  for (const auto& c : all) ReplyCommandInfo(ctx.reply, *c);
}

void CommandCountCommand(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.commands.all().size()));
}

void CommandInfoCommand(CommandContext& ctx) {
  if (ctx.argv.size() == 2) {
    CommandAllCommand(ctx);
    return;
  }
  ctx.reply.ArrayHeader(ctx.argv.size() - 2);
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    const CommandSpec* c = ctx.server.commands.FindFullName(ctx.argv[i]);
    if (c == nullptr) {
      ctx.reply.Null();
    } else {
      ReplyCommandInfo(ctx.reply, *c);
    }
  }
}

void CommandDocsCommand(CommandContext& ctx) {
  std::vector<const CommandSpec*> found;
  if (ctx.argv.size() == 2) {
    for (const auto& c : ctx.server.commands.all()) found.push_back(c.get());
  } else {
    for (size_t i = 2; i < ctx.argv.size(); ++i) {
      const CommandSpec* c = ctx.server.commands.FindFullName(ctx.argv[i]);
      if (c != nullptr) found.push_back(c);
    }
  }
  ctx.reply.MapHeader(found.size());
  for (const CommandSpec* c : found) {
    ctx.reply.Bulk(c->name);
    ReplyCommandDocs(ctx.reply, *c);
  }
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]:
// every command and subcommand full name.
void CommandListCommand(CommandContext& ctx) {
  enum { kNone, kModule, kAclCat, kPattern } filter = kNone;
  std::string_view arg;
  if (ctx.argv.size() == 5 && EqualsIgnoreCase(ctx.argv[2], "filterby")) {
    std::string_view type = ctx.argv[3];
    arg = ctx.argv[4];
    if (EqualsIgnoreCase(type, "module")) {
      filter = kModule;
    } else if (EqualsIgnoreCase(type, "aclcat")) {
      filter = kAclCat;
    } else if (EqualsIgnoreCase(type, "pattern")) {
      filter = kPattern;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  } else if (ctx.argv.size() != 2) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  // ACLCAT takes a bare category name ("admin"); "@admin" matches nothing.
  int cat = -1;
  if (filter == kAclCat && !arg.empty() && arg[0] != '@') cat = AclCategoryIndex(arg);
  auto matches = [&](const CommandSpec& c) {
    switch (filter) {
      case kNone:
        return true;
      case kModule:
        return false;  // no modules
      case kAclCat: {
        if (cat < 0) return false;
        for (const char* n : AclCategories(c)) {
          if (n == kAclCategories[cat]) return true;
        }
        return false;
      }
      case kPattern:
        return GlobMatch(arg, c.name, true);
    }
    return false;
  };
  std::vector<const std::string*> names;
  for (const auto& c : ctx.server.commands.all()) {
    if (matches(*c)) names.push_back(&c->name);
    for (const auto& s : c->subcommands) {
      if (matches(s)) names.push_back(&s.name);
    }
  }
  ctx.reply.ArrayHeader(names.size());
  for (const std::string* n : names) ctx.reply.Bulk(*n);
}

// COMMAND GETKEYS / GETKEYSANDFLAGS: the keys of a full command line, found
// from its key specs (Redis's getKeysSubcommandImpl, same errors).
void GetKeys(CommandContext& ctx, bool with_flags) {
  std::span<const std::string_view> cmd_argv = ctx.argv.subspan(2);
  const CommandSpec* c = LookupByArgv(ctx.server.commands, cmd_argv);
  if (c == nullptr) {
    ctx.reply.Error("ERR Invalid command specified");
    return;
  }
  if (c->key_specs.empty()) {
    ctx.reply.Error("ERR The command has no key arguments");
    return;
  }
  if (!c->CheckArity(cmd_argv.size())) {
    ctx.reply.Error("ERR Invalid number of arguments specified for command");
    return;
  }
  // Each key with the spec that found it (for the flags).
  std::vector<std::pair<int, const KeySpec*>> keys;
  if (c->find_keys != nullptr) {
    // Movable keys take the first spec's flags, as Redis's getkeys_procs give.
    for (int pos : c->find_keys(cmd_argv)) keys.emplace_back(pos, &c->key_specs.front());
  } else {
    const int argc = static_cast<int>(cmd_argv.size());
    for (const KeySpec& ks : c->key_specs) {
      int first = ks.begin_index;
      if (ks.keyword != nullptr || first >= argc) continue;
      int last = ks.last_key < 0 ? argc + ks.last_key : first + ks.last_key;
      if (last >= argc) last = argc - 1;
      int step = ks.key_step > 0 ? ks.key_step : 1;
      for (int i = first; i <= last; i += step) keys.emplace_back(i, &ks);
    }
  }
  if (keys.empty()) {
    ctx.reply.Error("ERR Invalid arguments specified for command");
    return;
  }
  ctx.reply.ArrayHeader(keys.size());
  for (const auto& [pos, ks] : keys) {
    if (!with_flags) {
      ctx.reply.Bulk(cmd_argv[static_cast<size_t>(pos)]);
      continue;
    }
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(cmd_argv[static_cast<size_t>(pos)]);
    auto flags = KeySpecFlagNames(c->key_flags != nullptr ? c->key_flags(cmd_argv) : ks->flags);
    ctx.reply.SetHeader(flags.size());
    for (const auto& f : flags) ctx.reply.SimpleString(f);
  }
}

void CommandGetKeysCommand(CommandContext& ctx) { GetKeys(ctx, false); }
void CommandGetKeysAndFlagsCommand(CommandContext& ctx) { GetKeys(ctx, true); }

void CommandHelpCommand(CommandContext& ctx) {
  static const char* const kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
      "HELP",
      "    Prints this help."};
  ctx.reply.ArrayHeader(sizeof(kLines) / sizeof(kLines[0]));
  for (const char* l : kLines) ctx.reply.SimpleString(l);
}

CommandSpec Spec(const char* name, int arity, uint32_t flags, const char* summary,
                 const char* since, const char* complexity, CommandHandler handler) {
  CommandSpec c;
  c.name = name;
  c.arity = arity;
  c.flags = flags;
  c.group = "server";
  c.summary = summary;
  c.since = since;
  c.complexity = complexity;
  c.handler = handler;
  c.acl_categories = {"@connection"};
  return c;
}

}  // namespace

void RegisterIntrospectionCommands(CommandRegistry& reg) {
  g_memory_startup = HeapInUse();
  constexpr uint32_t kLS = kCmdLoading | kCmdStale;

  CommandSpec info;
  info.name = "info";
  info.arity = -1;
  info.flags = kLS;
  info.group = "server";
  info.summary = "Get information and statistics about the server";
  info.since = "1.0.0";
  info.complexity = "O(1)";
  info.acl_categories = {"@dangerous"};
  info.handler = InfoCommand;
  reg.Add(std::move(info));

  CommandSpec command =
      Spec("command", -1, kLS, "Get array of Redis command details", "2.8.13",
           "O(N) where N is the total number of Redis commands", CommandAllCommand);
  command.subcommands.push_back(Spec("command|count", 2, kLS, "Get total number of Redis commands",
                                     "2.8.13", "O(1)", CommandCountCommand));
  command.subcommands.push_back(
      Spec("command|docs", -2, kLS, "Get array of specific Redis command documentation", "7.0.0",
           "O(N) where N is the number of commands to look up", CommandDocsCommand));
  command.subcommands.push_back(
      Spec("command|getkeys", -4, kLS, "Extract keys given a full Redis command", "2.8.13",
           "O(N) where N is the number of arguments to the command", CommandGetKeysCommand));
  command.subcommands.push_back(Spec(
      "command|getkeysandflags", -4, kLS,
      "Extract keys and access flags given a full Redis command", "7.0.0",
      "O(N) where N is the number of arguments to the command", CommandGetKeysAndFlagsCommand));
  command.subcommands.push_back(Spec("command|help", 2, kLS,
                                     "Show helpful text about the different subcommands", "5.0.0",
                                     "O(1)", CommandHelpCommand));
  command.subcommands.push_back(Spec("command|info", -2, kLS,
                                     "Get array of specific Redis command details, or all when "
                                     "no argument is given.",
                                     "2.8.13", "O(N) where N is the number of commands to look up",
                                     CommandInfoCommand));
  command.subcommands.push_back(Spec("command|list", -2, kLS, "Get an array of Redis command names",
                                     "7.0.0", "O(N) where N is the total number of Redis commands",
                                     CommandListCommand));
  reg.Add(std::move(command));
}

}  // namespace cairn
