#include "server/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "common/glob.h"
#include "common/log.h"
#include "common/strings.h"
#include "server/notify.h"
#include "server/resp/parser.h"

namespace cairn {

bool ParseMemory(std::string_view s, int64_t* out) {
  std::string lower = ToLower(s);
  static const struct {
    const char* suffix;
    int64_t mul;
  } kUnits[] = {{"gb", 1024ll * 1024 * 1024},
                {"mb", 1024ll * 1024},
                {"kb", 1024},
                {"g", 1000ll * 1000 * 1000},
                {"m", 1000ll * 1000},
                {"k", 1000},
                {"b", 1}};
  int64_t mul = 1;
  std::string_view num = lower;
  for (const auto& u : kUnits) {
    size_t n = strlen(u.suffix);
    if (num.size() > n && num.substr(num.size() - n) == u.suffix) {
      mul = u.mul;
      num = num.substr(0, num.size() - n);
      break;
    }
  }
  int64_t v = 0;
  if (!ParseInt64(num, &v) || v < 0) return false;
  if (v > INT64_MAX / mul) return false;
  *out = v * mul;
  return true;
}

namespace {

// Redis's maxmemory-policy values, in the order its error text lists them.
constexpr const char* kMaxmemoryPolicies[] = {
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
    "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction"};

enum class Kind { kInt, kMemory, kBool, kEnum, kString, kList, kIgnoredString };

bool ParseBool(std::string_view s, bool* out) {
  if (EqualsIgnoreCase(s, "yes")) {
    *out = true;
    return true;
  }
  if (EqualsIgnoreCase(s, "no")) {
    *out = false;
    return true;
  }
  return false;
}

// latency-tracking-info-percentiles: numbers between 0 and 100, separated
// by spaces; returns Redis's error text, or "".
std::string ParsePercentiles(const std::string& text, std::vector<double>* out) {
  out->clear();
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i == text.size()) break;
    size_t end = text.find(' ', i);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(i, end - i);
    char* rest = nullptr;
    const double p = strtod(word.c_str(), &rest);
    if (rest == word.c_str() || *rest != '\0' || std::isnan(p)) {
      return "Invalid latency-tracking-info-percentiles parameters";
    }
    if (p < 0.0 || p > 100.0) {
      return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
    }
    out->push_back(p);
    i = end;
  }
  return "";
}

std::string JoinList(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out.push_back(' ');
    out.append(v[i]);
  }
  return out;
}

// Quotes a value for a config file line when it needs it.
std::string QuoteIfNeeded(const std::string& v) {
  if (!v.empty() && v.find_first_of(" \t\"'\\\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out.append("\\n");
      continue;
    }
    if (c == '\r') {
      out.append("\\r");
      continue;
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

// One directive: how to parse it, where it is stored, how CONFIG GET shows it.
struct Config::Option {
  const char* name;
  Kind kind;
  bool mutable_at_runtime;
  int64_t min = 0;
  int64_t max = 0;
  std::vector<const char*> enum_values;
  // Stores a parsed value (numbers and bools arrive as int64, strings raw).
  std::function<void(Config&, int64_t, const std::vector<std::string>&)> set;
  std::function<std::string(const Config&)> get;
  // Extra check of the parsed words; returns the error text or "".
  std::function<std::string(const std::vector<std::string>&)> validate;
};

Config::Config()
    : bind_{"127.0.0.1", "-::1"},
      dir_("./cairn-data"),
      save_("3600 1 300 100 60 10000"),
      loglevel_("notice"),
      cluster_config_file_("nodes.conf"),
      port_(6379),
      threads_(0),
      appendfsync_(static_cast<int>(FsyncPolicy::kEverySec)),
      maxmemory_(0),
      key_cache_size_(-1),
      proto_max_bulk_len_(512ll * 1024 * 1024),
      client_query_buffer_limit_(1024ll * 1024 * 1024),
      databases_(16),
      protected_mode_(true),
      has_requirepass_(false),
      maxclients_(10000),
      timeout_(0),
      hz_(10),
      tcp_keepalive_(300),
      tcp_backlog_(511) {}

const char* Config::maxmemory_policy() const { return kMaxmemoryPolicies[maxmemory_policy_.load()]; }

std::vector<std::string> Config::bind() const { return Guarded(bind_); }
std::vector<double> Config::latency_tracking_info_percentiles() const {
  return Guarded(latency_percentiles_);
}
std::string Config::dir() const { return Guarded(dir_); }
std::string Config::logfile() const { return Guarded(logfile_); }
std::string Config::requirepass() const { return Guarded(requirepass_); }
std::vector<std::string> Config::replicaof() const { return Guarded(replicaof_); }
std::string Config::restore_from() const { return Guarded(restore_from_); }

std::string Config::cluster_config_file() const { return Guarded(cluster_config_file_); }
std::string Config::cluster_announce_ip() const { return Guarded(cluster_announce_ip_); }
std::string Config::cluster_announce_hostname() const {
  return Guarded(cluster_announce_hostname_);
}

const std::vector<Config::Option>& Config::Options() {
  static const std::vector<Option> kOptions = [] {
    std::vector<Option> o;
    auto int_opt = [&o](const char* name, bool mut, int64_t min, int64_t max,
                        std::function<void(Config&, int64_t)> set,
                        std::function<int64_t(const Config&)> get) {
      o.push_back(
          Option{name,
                 Kind::kInt,
                 mut,
                 min,
                 max,
                 {},
                 [set](Config& c, int64_t v, const std::vector<std::string>&) { set(c, v); },
                 [get](const Config& c) { return std::to_string(get(c)); },
                 nullptr});
    };
    auto mem_opt = [&o](const char* name, bool mut, int64_t min, int64_t max,
                        std::function<void(Config&, int64_t)> set,
                        std::function<int64_t(const Config&)> get) {
      o.push_back(
          Option{name,
                 Kind::kMemory,
                 mut,
                 min,
                 max,
                 {},
                 [set](Config& c, int64_t v, const std::vector<std::string>&) { set(c, v); },
                 [get](const Config& c) { return std::to_string(get(c)); },
                 nullptr});
    };
    auto bool_opt = [&o](const char* name, bool mut, std::function<void(Config&, bool)> set,
                         std::function<bool(const Config&)> get) {
      o.push_back(
          Option{name,
                 Kind::kBool,
                 mut,
                 0,
                 1,
                 {},
                 [set](Config& c, int64_t v, const std::vector<std::string>&) { set(c, v != 0); },
                 [get](const Config& c) { return std::string(get(c) ? "yes" : "no"); },
                 nullptr});
    };
    auto str_opt = [&o](const char* name, bool mut,
                        std::function<void(Config&, const std::string&)> set,
                        std::function<std::string(const Config&)> get) {
      o.push_back(Option{name,
                         Kind::kString,
                         mut,
                         0,
                         0,
                         {},
                         [set](Config& c, int64_t, const std::vector<std::string>& v) {
                           set(c, v.empty() ? std::string() : v[0]);
                         },
                         get,
                         nullptr});
    };

    int_opt(
        "port", false, 0, 65535, [](Config& c, int64_t v) { c.port_ = static_cast<int>(v); },
        [](const Config& c) { return c.port_.load(); });
    o.push_back(Option{"bind",
                       Kind::kList,
                       false,
                       0,
                       0,
                       {},
                       [](Config& c, int64_t, const std::vector<std::string>& v) {
                         std::lock_guard<std::mutex> lock(c.mu_);
                         c.bind_ = v;
                       },
                       [](const Config& c) { return JoinList(c.bind()); },
                       nullptr});
    str_opt(
        "dir", false,
        [](Config& c, const std::string& v) {
          std::lock_guard<std::mutex> lock(c.mu_);
          c.dir_ = v;
        },
        [](const Config& c) { return c.dir(); });
    int_opt(
        "threads", false, 0, 256, [](Config& c, int64_t v) { c.threads_ = static_cast<int>(v); },
        [](const Config& c) { return static_cast<int64_t>(c.threads_.load()); });
    // Listed in Redis's order (its error text names them so); mapped to FsyncPolicy.
    o.push_back(Option{"appendfsync",
                       Kind::kEnum,
                       true,
                       0,
                       0,
                       {"everysec", "always", "no"},
                       [](Config& c, int64_t v, const std::vector<std::string>&) {
                         static const FsyncPolicy kPolicies[] = {
                             FsyncPolicy::kEverySec, FsyncPolicy::kAlways, FsyncPolicy::kNo};
                         c.appendfsync_ = static_cast<int>(kPolicies[v]);
                       },
                       [](const Config& c) {
                         static const char* kNames[] = {"always", "everysec", "no"};
                         return std::string(kNames[c.appendfsync_.load()]);
                       },
                       nullptr});
    mem_opt(
        "maxmemory", true, 0, INT64_MAX, [](Config& c, int64_t v) { c.maxmemory_ = v; },
        [](const Config& c) { return c.maxmemory_.load(); });
    // Accepted and reported for Redis tools; Cairn never evicts a key: what
    // does not fit the memory budget stays on disk (README, Configuration).
    o.push_back(Option{"maxmemory-policy",
                       Kind::kEnum,
                       true,
                       0,
                       0,
                       {std::begin(kMaxmemoryPolicies), std::end(kMaxmemoryPolicies)},
                       [](Config& c, int64_t v, const std::vector<std::string>&) {
                         c.maxmemory_policy_ = static_cast<int>(v);
                       },
                       [](const Config& c) {
                         return std::string(kMaxmemoryPolicies[c.maxmemory_policy_.load()]);
                       },
                       nullptr});
    // Bytes of the key cache in front of RocksDB (storage/key_cache.h);
    // -1 (the default) = 3/8 of maxmemory's budget, 0 = none. Startup only.
    mem_opt(
        "key-cache-size", false, 0, INT64_MAX, [](Config& c, int64_t v) { c.key_cache_size_ = v; },
        [](const Config& c) { return c.key_cache_size_.load(); });
    mem_opt(
        "proto-max-bulk-len", true, 1024 * 1024, INT64_MAX,
        [](Config& c, int64_t v) { c.proto_max_bulk_len_ = v; },
        [](const Config& c) { return c.proto_max_bulk_len_.load(); });
    mem_opt(
        "client-query-buffer-limit", true, 1024 * 1024, INT64_MAX,
        [](Config& c, int64_t v) { c.client_query_buffer_limit_ = v; },
        [](const Config& c) { return c.client_query_buffer_limit_.load(); });
    int_opt(
        "databases", false, 1, 256,
        [](Config& c, int64_t v) { c.databases_ = static_cast<int>(v); },
        [](const Config& c) { return static_cast<int64_t>(c.databases_.load()); });
    o.push_back(
        Option{"loglevel",
               Kind::kEnum,
               true,
               0,
               0,
               {"debug", "verbose", "notice", "warning", "nothing"},
               [](Config& c, int64_t v, const std::vector<std::string>&) {
                 static const char* kNames[] = {"debug", "verbose", "notice", "warning", "nothing"};
                 SetLogLevel(static_cast<LogLevel>(v));
                 std::lock_guard<std::mutex> lock(c.mu_);
                 c.loglevel_ = kNames[v];
               },
               [](const Config& c) {
                 std::lock_guard<std::mutex> lock(c.mu_);
                 return c.loglevel_;
               },
               nullptr});
    // Start-up only: populate <dir>/db from a checkpoint (storage/snapshot.h).
    str_opt(
        "restore-from", false,
        [](Config& c, const std::string& v) {
          std::lock_guard<std::mutex> lock(c.mu_);
          c.restore_from_ = v;
        },
        [](const Config& c) { return c.restore_from(); });
    str_opt(
        "logfile", false,
        [](Config& c, const std::string& v) {
          std::lock_guard<std::mutex> lock(c.mu_);
          c.logfile_ = v;
        },
        [](const Config& c) { return c.logfile(); });
    // cold-read-offload yes|no: a read-only command whose keys' blocks are
    // not cached runs on the libuv thread pool (README "Cold reads").
    bool_opt(
        "cold-read-offload", true, [](Config& c, bool v) { c.cold_read_offload_ = v; },
        [](const Config& c) { return c.cold_read_offload(); });
    bool_opt(
        "protected-mode", true, [](Config& c, bool v) { c.protected_mode_ = v; },
        [](const Config& c) { return c.protected_mode_.load(); });
    str_opt(
        "requirepass", true,
        [](Config& c, const std::string& v) {
          std::lock_guard<std::mutex> lock(c.mu_);
          c.requirepass_ = v;
          c.has_requirepass_ = !v.empty();
        },
        [](const Config& c) { return c.requirepass(); });
    int_opt(
        "maxclients", true, 1, UINT32_MAX,
        [](Config& c, int64_t v) {
          c.maxclients_ = static_cast<int>(std::min<int64_t>(v, INT32_MAX));
        },
        [](const Config& c) { return static_cast<int64_t>(c.maxclients_.load()); });
    int_opt(
        "timeout", true, 0, INT32_MAX, [](Config& c, int64_t v) { c.timeout_ = v; },
        [](const Config& c) { return c.timeout_.load(); });
    // Redis accepts any non-negative hz and clamps it to 1..500.
    int_opt(
        "hz", true, 0, INT32_MAX,
        [](Config& c, int64_t v) { c.hz_ = static_cast<int>(std::clamp<int64_t>(v, 1, 500)); },
        [](const Config& c) { return static_cast<int64_t>(c.hz_.load()); });
    bool_opt(
        "latency-tracking", true, [](Config& c, bool v) { c.latency_tracking_ = v; },
        [](const Config& c) { return c.latency_tracking_.load(); });
    o.push_back(Option{"latency-tracking-info-percentiles",
                       Kind::kString,
                       true,
                       0,
                       0,
                       {},
                       [](Config& c, int64_t, const std::vector<std::string>& v) {
                         std::vector<double> parsed;
                         ParsePercentiles(v.empty() ? "" : v[0], &parsed);
                         std::lock_guard<std::mutex> lock(c.mu_);
                         c.latency_percentiles_ = parsed;
                       },
                       [](const Config& c) {
                         std::string out;
                         for (double p : c.latency_tracking_info_percentiles()) {
                           if (!out.empty()) out.push_back(' ');
                           out += FormatPercentile(p);
                         }
                         return out;
                       },
                       [](const std::vector<std::string>& v) -> std::string {
                         std::vector<double> parsed;
                         return ParsePercentiles(v.empty() ? "" : v[0], &parsed);
                       }});
    o.push_back(Option{"notify-keyspace-events",
                       Kind::kString,
                       true,
                       0,
                       0,
                       {},
                       [](Config& c, int64_t, const std::vector<std::string>& v) {
                         c.notify_keyspace_events_ =
                             ParseKeyspaceEvents(v.empty() ? "" : v[0]).value_or(0);
                       },
                       [](const Config& c) {
                         return FormatKeyspaceEvents(c.notify_keyspace_events_.load());
                       },
                       [](const std::vector<std::string>& v) -> std::string {
                         if (ParseKeyspaceEvents(v.empty() ? "" : v[0])) return "";
                         return kInvalidKeyspaceEvents;
                       }});
    int_opt(
        "slowlog-log-slower-than", true, -1, INT64_MAX,
        [](Config& c, int64_t v) { c.slowlog_log_slower_than_ = v; },
        [](const Config& c) { return c.slowlog_log_slower_than_.load(); });
    int_opt(
        "slowlog-max-len", true, 0, INT64_MAX, [](Config& c, int64_t v) { c.slowlog_max_len_ = v; },
        [](const Config& c) { return c.slowlog_max_len_.load(); });
    int_opt(
        "tcp-keepalive", true, 0, INT32_MAX,
        [](Config& c, int64_t v) { c.tcp_keepalive_ = static_cast<int>(v); },
        [](const Config& c) { return static_cast<int64_t>(c.tcp_keepalive_.load()); });
    int_opt(
        "tcp-backlog", false, 0, INT32_MAX,
        [](Config& c, int64_t v) { c.tcp_backlog_ = static_cast<int>(v); },
        [](const Config& c) { return static_cast<int64_t>(c.tcp_backlog_.load()); });
    // Redis RDB snapshot schedule: Cairn is always durable through its WAL, so
    // "save" is kept only so tools that read or set it keep working.
    // As in redis.conf it takes pairs of "<seconds> <changes>" ("save 3600 1
    // 300 100") or "" to disable, checked as Redis does.
    o.push_back(Option{"save",
                       Kind::kList,
                       true,
                       0,
                       0,
                       {},
                       [](Config& c, int64_t, const std::vector<std::string>& v) {
                         std::lock_guard<std::mutex> lock(c.mu_);
                         c.save_ = (v.size() == 1 && v[0].empty()) ? std::string() : JoinList(v);
                       },
                       [](const Config& c) {
                         std::lock_guard<std::mutex> lock(c.mu_);
                         return c.save_;
                       },
                       [](const std::vector<std::string>& v) -> std::string {
                         if (v.size() == 1 && v[0].empty()) return "";
                         if (v.empty() || v.size() % 2 != 0) return "Invalid save parameters";
                         for (const auto& w : v) {
                           int64_t n = 0;
                           if (!ParseInt64(w, &n) || n < 0) return "Invalid save parameters";
                         }
                         return "";
                       }});
    // Cluster mode. The cluster layer copies these at start-up, so none of
    // them changes at run time.
    bool_opt(
        "cluster-enabled", false, [](Config& c, bool v) { c.cluster_enabled_ = v; },
        [](const Config& c) { return c.cluster_enabled_.load(); });
    str_opt(
        "cluster-config-file", false,
        [](Config& c, const std::string& v) {
          std::lock_guard<std::mutex> lock(c.mu_);
          c.cluster_config_file_ = v;
        },
        [](const Config& c) { return c.cluster_config_file(); });
    int_opt(
        "cluster-port", false, 0, 65535,
        [](Config& c, int64_t v) { c.cluster_port_ = static_cast<int>(v); },
        [](const Config& c) { return static_cast<int64_t>(c.cluster_port_.load()); });
    int_opt(
        "cluster-node-timeout", false, 0, INT64_MAX,
        [](Config& c, int64_t v) { c.cluster_node_timeout_ = v; },
        [](const Config& c) { return c.cluster_node_timeout_.load(); });
    str_opt(
        "cluster-announce-ip", false,
        [](Config& c, const std::string& v) {
          std::lock_guard<std::mutex> lock(c.mu_);
          c.cluster_announce_ip_ = v;
        },
        [](const Config& c) { return c.cluster_announce_ip(); });
    str_opt(
        "cluster-announce-hostname", false,
        [](Config& c, const std::string& v) {
          std::lock_guard<std::mutex> lock(c.mu_);
          c.cluster_announce_hostname_ = v;
        },
        [](const Config& c) { return c.cluster_announce_hostname(); });
    int_opt(
        "cluster-announce-port", false, 0, 65535,
        [](Config& c, int64_t v) { c.cluster_announce_port_ = static_cast<int>(v); },
        [](const Config& c) { return static_cast<int64_t>(c.cluster_announce_port_.load()); });
    int_opt(
        "cluster-announce-bus-port", false, 0, 65535,
        [](Config& c, int64_t v) { c.cluster_announce_bus_port_ = static_cast<int>(v); },
        [](const Config& c) { return static_cast<int64_t>(c.cluster_announce_bus_port_.load()); });
    bool_opt(
        "cluster-require-full-coverage", false,
        [](Config& c, bool v) { c.cluster_require_full_coverage_ = v; },
        [](const Config& c) { return c.cluster_require_full_coverage_.load(); });
    bool_opt(
        "cluster-allow-reads-when-down", false,
        [](Config& c, bool v) { c.cluster_allow_reads_when_down_ = v; },
        [](const Config& c) { return c.cluster_allow_reads_when_down_.load(); });
    bool_opt(
        "cluster-master-lease", false, [](Config& c, bool v) { c.cluster_master_lease_ = v; },
        [](const Config& c) { return c.cluster_master_lease_.load(); });
    bool_opt(
        "enable-fault-injection", false, [](Config& c, bool v) { c.enable_fault_injection_ = v; },
        [](const Config& c) { return c.enable_fault_injection_.load(); });
    // The WAL is always on: "appendonly" reads "yes"; setting "no" is refused.
    o.push_back(Option{"appendonly",
                       Kind::kEnum,
                       true,
                       0,
                       0,
                       {"yes"},
                       [](Config&, int64_t, const std::vector<std::string>&) {},
                       [](const Config&) { return std::string("yes"); },
                       nullptr});
    o.push_back(Option{"daemonize",
                       Kind::kEnum,
                       false,
                       0,
                       0,
                       {"no"},
                       [](Config&, int64_t, const std::vector<std::string>&) {},
                       [](const Config&) { return std::string("no"); },
                       nullptr});
    // ---- replication (server/replication.h) ----
    // replicaof <host> <port>: start as a replica of that master.
    o.push_back(Option{"replicaof",
                       Kind::kList,
                       false,
                       0,
                       0,
                       {},
                       [](Config& c, int64_t, const std::vector<std::string>& v) {
                         std::lock_guard<std::mutex> lock(c.mu_);
                         c.replicaof_ = v;
                       },
                       [](const Config& c) { return JoinList(c.replicaof()); },
                       [](const std::vector<std::string>& v) -> std::string {
                         int64_t port = 0;
                         if (v.empty()) return "";
                         if (v.size() != 2 || !ParseInt64(v[1], &port) || port < 1 ||
                             port > 65535) {
                           return "replicaof takes a host and a port";
                         }
                         return "";
                       }});
    for (const char* name : {"replica-serve-stale-data", "slave-serve-stale-data"}) {
      bool_opt(
          name, true, [](Config& c, bool v) { c.replica_serve_stale_data_ = v; },
          [](const Config& c) { return c.replica_serve_stale_data(); });
    }
    // replica-ack-quorum 0|<k>|all: replicas that must apply a write before
    // its reply (0 = asynchronous, as Redis); all = every connected replica.
    o.push_back(Option{"replica-ack-quorum",
                       Kind::kString,
                       true,
                       0,
                       0,
                       {},
                       [](Config& c, int64_t, const std::vector<std::string>& v) {
                         int64_t n = 0;
                         const std::string& w = v.empty() ? std::string("0") : v[0];
                         c.replica_ack_quorum_ = EqualsIgnoreCase(w, "all")
                                                     ? kAckQuorumAll
                                                     : (ParseInt64(w, &n) ? n : 0);
                       },
                       [](const Config& c) {
                         int64_t q = c.replica_ack_quorum();
                         return q == kAckQuorumAll ? std::string("all") : std::to_string(q);
                       },
                       [](const std::vector<std::string>& v) -> std::string {
                         int64_t n = 0;
                         if (v.size() == 1 && (EqualsIgnoreCase(v[0], "all") ||
                                               (ParseInt64(v[0], &n) && n >= 0 && n <= 1000))) {
                           return "";
                         }
                         return "argument must be 'all' or a number of replicas (0 to 1000)";
                       }});
    int_opt(
        "replica-ack-timeout", true, 1, INT32_MAX,
        [](Config& c, int64_t v) { c.replica_ack_timeout_ms_ = v; },
        [](const Config& c) { return c.replica_ack_timeout_ms(); });
    for (const char* name : {"replica-read-only", "slave-read-only"}) {
      bool_opt(
          name, true, [](Config& c, bool v) { c.replica_read_only_ = v; },
          [](const Config& c) { return c.replica_read_only(); });
    }
    return o;
  }();
  return kOptions;
}

const Config::Option* Config::Find(std::string_view name) {
  for (const auto& o : Options()) {
    if (EqualsIgnoreCase(o.name, name)) return &o;
  }
  return nullptr;
}

Status Config::Apply(const Option& opt, const std::vector<std::string>& values, bool at_runtime) {
  if (at_runtime && !opt.mutable_at_runtime) {
    return Status::InvalidArgument("can't set immutable config");
  }
  if (opt.kind != Kind::kList && values.size() != 1) {
    return Status::InvalidArgument("wrong number of arguments");
  }
  int64_t v = 0;
  switch (opt.kind) {
    case Kind::kInt:
      if (!ParseInt64(values[0], &v)) {
        return Status::InvalidArgument("argument couldn't be parsed into an integer");
      }
      if (v < opt.min || v > opt.max) {
        return Status::InvalidArgument("argument must be between " + std::to_string(opt.min) +
                                       " and " + std::to_string(opt.max) + " inclusive");
      }
      break;
    case Kind::kMemory:
      if (!ParseMemory(values[0], &v)) {
        return Status::InvalidArgument("argument must be a memory value");
      }
      if (v < opt.min || v > opt.max) {
        return Status::InvalidArgument("argument must be between " + std::to_string(opt.min) +
                                       " and " + std::to_string(opt.max) + " inclusive");
      }
      break;
    case Kind::kBool: {
      bool b = false;
      if (!ParseBool(values[0], &b))
        return Status::InvalidArgument("argument must be 'yes' or 'no'");
      v = b ? 1 : 0;
      break;
    }
    case Kind::kEnum: {
      bool found = false;
      for (size_t i = 0; i < opt.enum_values.size(); ++i) {
        if (EqualsIgnoreCase(opt.enum_values[i], values[0])) {
          v = static_cast<int64_t>(i);
          found = true;
        }
      }
      if (!found) {
        std::string allowed;
        for (size_t i = 0; i < opt.enum_values.size(); ++i) {
          if (i > 0) allowed.append(", ");
          allowed.append(opt.enum_values[i]);
        }
        return Status::InvalidArgument("argument(s) must be one of the following: " + allowed);
      }
      break;
    }
    case Kind::kList:
      if (values.empty()) return Status::InvalidArgument("wrong number of arguments");
      break;
    case Kind::kString:
    case Kind::kIgnoredString:
      break;
  }
  if (opt.validate) {
    std::string err = opt.validate(values);
    if (!err.empty()) return Status::InvalidArgument(err);
  }
  opt.set(*this, v, values);
  return Status::Ok();
}

Status Config::LoadFromArgs(const std::vector<std::string>& args) {
  size_t i = 0;
  if (!args.empty() && args[0].rfind("--", 0) != 0) {
    Status s = LoadFile(args[0]);
    if (!s.ok()) return s;
    i = 1;
  }
  // "--name v1 v2 --other v" becomes directive lines, as Redis does.
  std::string text;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) == 0 && a.size() > 2) {
      if (!text.empty()) text.push_back('\n');
      text.append(a.substr(2));
    } else {
      if (text.empty()) {
        return Status::InvalidArgument("unexpected argument '" + a +
                                       "': directives are given as --name value");
      }
      text.push_back(' ');
      text.append(QuoteIfNeeded(a));
    }
  }
  return LoadText(text, "the command line");
}

Status Config::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Status::InvalidArgument("can't open the config file '" + path + "': " + strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  char abs[PATH_MAX];
  config_file_ = realpath(path.c_str(), abs) != nullptr ? std::string(abs) : path;
  return LoadText(ss.str(), "config file '" + path + "'");
}

Status Config::LoadText(std::string_view text, std::string_view origin) {
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    while (!line.empty() && isspace(static_cast<unsigned char>(line.front())))
      line.remove_prefix(1);
    while (!line.empty() && isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> words;
    auto where = [&] {
      return " (" + std::string(origin) + ", line " + std::to_string(line_no) + ")";
    };
    if (!resp::SplitInlineArgs(line, &words) || words.empty()) {
      return Status::InvalidArgument("unbalanced quotes in configuration line '" +
                                     std::string(line) + "'" + where());
    }
    const Option* opt = Find(words[0]);
    if (opt == nullptr) {
      return Status::InvalidArgument("bad directive or wrong number of arguments '" + words[0] +
                                     "'" + where());
    }
    std::vector<std::string> values(words.begin() + 1, words.end());
    Status s = Apply(*opt, values, false);
    if (!s.ok()) {
      return Status::InvalidArgument("bad value for '" + std::string(opt->name) + "' in '" +
                                     std::string(line) + "': " + s.message() + where());
    }
  }
  return Status::Ok();
}

std::string Config::ValueOf(const Option& opt) const { return opt.get(*this); }

std::vector<std::pair<std::string, std::string>> Config::Get(std::string_view pattern) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& o : Options()) {
    if (GlobMatch(pattern, o.name, true)) out.emplace_back(o.name, ValueOf(o));
  }
  return out;
}

namespace {

// A CONFIG SET value as directive words: a list option splits on spaces
// (with quotes), anything else is one word; "" stays one empty word.
std::vector<std::string> SetValuesImpl(bool is_list, const std::string& value) {
  std::vector<std::string> values;
  if (is_list && resp::SplitInlineArgs(value, &values) && !values.empty()) return values;
  return {value};
}

}  // namespace

std::vector<std::string> Config::SetValues(const Option& opt, const std::string& value) {
  return SetValuesImpl(opt.kind == Kind::kList, value);
}

Status Config::Set(const std::vector<std::pair<std::string, std::string>>& pairs) {
  // Validate everything first, so a bad pair changes nothing.
  std::set<std::string> seen;
  for (const auto& [name, value] : pairs) {
    const Option* opt = Find(name);
    if (opt == nullptr) {
      return Status::InvalidArgument(
          "ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'");
    }
    if (!seen.insert(opt->name).second) {
      return Status::InvalidArgument("ERR CONFIG SET failed (possibly related to argument '" +
                                     name + "') - duplicate parameter");
    }
    if (!opt->mutable_at_runtime) {
      return Status::InvalidArgument("ERR CONFIG SET failed (possibly related to argument '" +
                                     name + "') - can't set immutable config");
    }
  }
  // Apply on a scratch copy of the old values so a failure can roll back.
  std::vector<std::pair<const Option*, std::string>> old;
  for (const auto& [name, value] : pairs) {
    const Option* opt = Find(name);
    std::string before = ValueOf(*opt);
    Status s = Apply(*opt, SetValues(*opt, value), true);
    if (!s.ok()) {
      // The old values were valid, so restoring them cannot fail.
      for (auto it = old.rbegin(); it != old.rend(); ++it) {
        Status r = Apply(*it->first, SetValues(*it->first, it->second), true);
        (void)r;
      }
      return Status::InvalidArgument("ERR CONFIG SET failed (possibly related to argument '" +
                                     name + "') - " + s.message());
    }
    old.emplace_back(opt, before);
  }
  return Status::Ok();
}

Status Config::Rewrite() {
  if (config_file_.empty()) {
    return Status::InvalidArgument("ERR The server is running without a config file");
  }
  // Keep comments and unknown lines; replace each known directive's first
  // line with its current value, drop its repeats, append the rest.
  std::ifstream in(config_file_);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  std::set<std::string> written;
  std::vector<std::string> out;
  for (const std::string& l : lines) {
    std::vector<std::string> words;
    std::string_view t = l;
    while (!t.empty() && isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
    if (t.empty() || t[0] == '#' || !resp::SplitInlineArgs(t, &words) || words.empty()) {
      out.push_back(l);
      continue;
    }
    const Option* opt = Find(words[0]);
    if (opt == nullptr) {
      out.push_back(l);
      continue;
    }
    if (!written.insert(opt->name).second) continue;
    std::string v = ValueOf(*opt);
    out.push_back(std::string(opt->name) + " " +
                  (opt->kind == Kind::kList && !v.empty() ? v : QuoteIfNeeded(v)));
  }
  Config defaults;
  for (const auto& o : Options()) {
    if (written.count(o.name) != 0) continue;
    // A one-time start-up action, not a setting: written back, it would make
    // every later start refuse the (no longer empty) data directory.
    if (std::string_view(o.name) == "restore-from") continue;
    std::string v = ValueOf(o);
    if (v == defaults.ValueOf(o)) continue;
    out.push_back(std::string(o.name) + " " +
                  (o.kind == Kind::kList && !v.empty() ? v : QuoteIfNeeded(v)));
  }
  std::string tmp = config_file_ + ".tmp-rewrite";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) return Status::IOError(std::string("ERR Rewriting config file: ") + strerror(errno));
    for (const auto& l : out) f << l << "\n";
    f.flush();
    if (!f) return Status::IOError(std::string("ERR Rewriting config file: ") + strerror(errno));
  }
  int fd = open(tmp.c_str(), O_RDONLY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  if (rename(tmp.c_str(), config_file_.c_str()) != 0) {
    return Status::IOError(std::string("ERR Rewriting config file: ") + strerror(errno));
  }
  return Status::Ok();
}

}  // namespace cairn
