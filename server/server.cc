#include "server/server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>

#include "cluster/cluster.h"
#include "cluster/rpc/bus.h"
#include "common/log.h"
#include "server/durability.h"
#include "server/notify.h"
#include "server/persistence.h"
#include "server/pubsub.h"
#include "server/replication.h"
#include "server/worker.h"
#include "storage/engine.h"
#include "storage/snapshot.h"

namespace cairn {
namespace {

// Written by the signal handler; the main thread polls it.
int g_signal_fd = -1;

void OnSignal(int) {
  if (g_signal_fd >= 0) {
    char c = 's';
    ssize_t n = write(g_signal_fd, &c, 1);
    (void)n;
  }
}

std::string RandomRunId() {
  static const char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::mt19937_64 gen(rd());
  std::string id(40, '0');
  for (char& c : id) c = kHex[gen() & 15];
  return id;
}

}  // namespace

Server::Server(Config& config, const Clock& clock) : config_(config), clock_(clock) {}

Server::~Server() {
  stop_ = true;
  if (housekeeper_.joinable()) housekeeper_.join();
  workers_.clear();
  if (bus_ != nullptr) bus_->Stop();
  bus_.reset();
  if (durability_ != nullptr) durability_->Stop();
  durability_.reset();
  if (replication_ != nullptr) replication_->Stop();
  replication_.reset();
  persistence_.reset();  // waits for a background save
  context_.reset();
  cluster_.reset();
  if (engine_ != nullptr) engine_->SetKeyEventSink(nullptr);  // it publishes through pubsub_
  pubsub_.reset();
  engine_.reset();
  for (int fd : shutdown_pipe_) {
    if (fd >= 0) close(fd);
  }
}

Status Server::Start(const std::string& executable) {
  if (!config_.logfile().empty() && !SetLogFile(config_.logfile())) {
    return Status::IOError("can't open the log file '" + config_.logfile() + "'");
  }
  const std::string restore_from = config_.restore_from();
  if (!restore_from.empty()) {
    Status rs = storage::RestoreCheckpoint(restore_from, config_.dir());
    if (!rs.ok()) return rs;
    LOG_NOTICE("Data directory %s/db populated from the checkpoint %s", config_.dir().c_str(),
               restore_from.c_str());
  }
  storage::EngineOptions eo;
  eo.dir = config_.dir();
  eo.databases = config_.databases();
  eo.memory_budget = static_cast<uint64_t>(config_.maxmemory());
  eo.key_cache_bytes = config_.key_cache_size();
  eo.disk_faults = config_.enable_fault_injection();
  auto engine = storage::Engine::Open(eo, clock_);
  if (!engine.ok()) return engine.status();
  engine_ = std::move(engine).value();

  RegisterAllCommands(commands_);
  durability_ = std::make_unique<Durability>(*engine_, config_, stats_);
  context_ =
      std::make_unique<ServerContext>(config_, clock_, stats_, clients_, commands_, *engine_);
  context_->run_id = RandomRunId();
  context_->start_time_ms = clock_.NowMs();
  context_->start_mono_ms = clock_.MonotonicMs();
  context_->executable = executable;
  context_->config_file = config_.config_file();
  persistence_ =
      std::make_unique<Persistence>(*engine_, config_, stats_, clock_, context_->start_time_ms);
  context_->persistence = persistence_.get();

  if (pipe2(shutdown_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return Status::IOError(std::string("pipe: ") + strerror(errno));
  }
  // Signals are handled before the first client can connect: a SIGTERM
  // right after start-up is a clean stop, never the default death.
  g_signal_fd = shutdown_pipe_[1];
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  int wfd = shutdown_pipe_[1];
  context_->request_shutdown = [wfd] {
    char c = 'q';
    ssize_t n = write(wfd, &c, 1);
    (void)n;
  };
  context_->wake_worker = [this](int index) {
    if (index >= 0 && index < static_cast<int>(workers_.size())) workers_[index]->Wake();
  };

  int threads = config_.threads();
  if (threads <= 0) {
    // One loop per core, less one left to RocksDB's flushes and compactions
    // and to the kernel's network work (README, "Design decisions").
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    threads = static_cast<int>(std::max(1u, cores - 1));
  }
  pubsub_ = std::make_unique<PubsubRegistry>(threads, context_->wake_worker);
  context_->pubsub = pubsub_.get();
  engine_->SetKeyEventSink(
      [pubsub = pubsub_.get()](uint32_t classes, std::span<const storage::KeyEvent> events) {
        PublishKeyEvents(*pubsub, classes, events);
      });
  engine_->SetKeyEventClasses(config_.notify_keyspace_events());
  int port = config_.port();
  for (int i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>(i, *context_, *durability_);
    Status s = w->Listen(config_.bind(), &port);
    if (!s.ok()) return s;
    workers_.push_back(std::move(w));
  }
  context_->tcp_port = port;
  replication_ = std::make_unique<Replication>(*engine_, clock_, port);
  context_->replication = replication_.get();
  replication_->set_on_ack([this] {
    for (auto& w : workers_) w->Wake();
  });
  if (std::vector<std::string> m = config_.replicaof(); m.size() == 2) {
    replication_->ReplicaOf(m[0], std::stoi(m[1]));
  }
  if (config_.cluster_enabled()) {
    Status s = StartCluster(port);
    if (!s.ok()) return s;
  }
  for (auto& w : workers_) {
    Worker* raw = w.get();
    durability_->AddListener([raw] { raw->Wake(); });
  }
  durability_->Start();
  for (auto& w : workers_) w->Start();
  housekeeper_ = std::thread([this] { Housekeeping(); });
  LOG_NOTICE("Cairn started: pid=%d port=%d threads=%d dir=%s keys=%lld",
             static_cast<int>(getpid()), port, threads, config_.dir().c_str(),
             static_cast<long long>(engine_->KeyCount(0)));
  LOG_NOTICE("Ready to accept connections tcp");
  return Status::Ok();
}

void Server::Run() {
  pollfd p{shutdown_pipe_[0], POLLIN, 0};
  while (true) {
    int rc = poll(&p, 1, -1);
    if (rc > 0) break;
    if (rc < 0 && errno != EINTR) break;
  }
  char why = 0;
  ssize_t n = read(shutdown_pipe_[0], &why, 1);
  (void)n;
  LOG_NOTICE("%s", why == 's' ? "Received a signal, scheduling shutdown..."
                              : "User requested shutdown...");
  stop_ = true;
  for (auto& w : workers_) w->Stop();
  if (replication_ != nullptr) replication_->Stop();
  if (bus_ != nullptr) bus_->Stop();
  if (housekeeper_.joinable()) housekeeper_.join();
  persistence_->WaitIdle();  // a BGSAVE still running completes first
  durability_->Stop();       // last WAL sync
  Status s = engine_->Flush();
  if (!s.ok()) LOG_WARNING("flush at shutdown failed: %s", s.ToString().c_str());
  g_signal_fd = -1;
  LOG_NOTICE("Cairn is now ready to exit, bye bye...");
}

Status Server::StartCluster(int port) {
  cluster::ClusterOptions co;
  // As Redis (which runs inside `dir`), a relative cluster-config-file is
  // relative to the data directory.
  std::string file = config_.cluster_config_file();
  co.config_file = !file.empty() && file[0] == '/' ? file : config_.dir() + "/" + file;
  int bus_port = config_.cluster_port() != 0 ? config_.cluster_port() : port + 10000;
  if (bus_port > 65535) return Status::InvalidArgument("cluster bus port out of range");
  co.announce_ip = config_.cluster_announce_ip();
  co.announce_hostname = config_.cluster_announce_hostname();
  co.port = config_.cluster_announce_port() != 0 ? config_.cluster_announce_port() : port;
  co.bus_port =
      config_.cluster_announce_bus_port() != 0 ? config_.cluster_announce_bus_port() : bus_port;
  co.node_timeout_ms = std::max<int64_t>(config_.cluster_node_timeout(), 1);
  co.require_full_coverage = config_.cluster_require_full_coverage();
  co.allow_reads_when_down = config_.cluster_allow_reads_when_down();
  co.master_lease = config_.cluster_master_lease();
  cluster_ = std::make_unique<cluster::Cluster>(co, clock_);
  // Gossip carries it: replicas rank themselves by it in an election, and a
  // manual failover waits for the replica's to reach the master's.
  Replication* repl = replication_.get();
  cluster_->set_repl_offset_source([repl] { return repl->Offset(); });
  // A promoted replica stops its link before it serves as a master, so it
  // never applies or acknowledges what its old master writes afterwards.
  cluster_->set_promotion_fence([repl] { repl->Fence(); });
  // Another node's PUBLISH reaches this node's subscribers.
  PubsubRegistry* pubsub = pubsub_.get();
  cluster_->set_publish_sink([pubsub](std::string_view channel, std::string_view message) {
    pubsub->Publish(channel, message);
  });
  // The write pause of an atomic slot migration waits until every loop has
  // written what it admitted before the pause.
  cluster::Cluster::LoopBarrier barrier;
  barrier.arm = [this] {
    std::vector<uint64_t> token;
    for (auto& w : workers_) {
      token.push_back(w->iterations());
      w->Wake();
    }
    return token;
  };
  barrier.passed = [this](const std::vector<uint64_t>& token) {
    for (size_t i = 0; i < token.size() && i < workers_.size(); ++i) {
      if (workers_[i]->iterations() <= token[i]) return false;
    }
    return true;
  };
  cluster_->set_loop_barrier(std::move(barrier));
  // The node's quorum, as a write with the default quorum waits for it.
  cluster_->set_replicated_check([this, repl](uint64_t seq) {
    int64_t q = config_.replica_ack_quorum();
    if (q == 0 || repl->is_replica()) return true;
    if (q == Config::kAckQuorumAll)
      q = std::max<int64_t>(1, static_cast<int64_t>(repl->Replicas().size()));
    return repl->CountAcked(seq) >= q;
  });
  Status s = cluster_->Open();
  if (!s.ok()) return s;
  cluster::BusOptions bo;
  bo.bind = config_.bind();
  bo.port = bus_port;
  bo.engine = engine_.get();
  bus_ = std::make_unique<cluster::Bus>(*cluster_, bo);
  s = bus_->Start();
  if (!s.ok()) return s;
  context_->cluster = cluster_.get();
  LOG_NOTICE("Cluster mode: bus on port %d", bus_port);
  return Status::Ok();
}

// In cluster mode the node table decides the role (CLUSTER REPLICATE,
// nodes.conf at start-up, a failover): a replica of a master whose address
// is known replicates from it; a master replicates from nobody.
void Server::ReconcileReplication() {
  if (cluster_ == nullptr || replication_ == nullptr) return;
  std::string host;
  int port = 0;
  bool replica = false;
  cluster_->Locked([&](cluster::ClusterState& s) {
    const cluster::Node* me = s.myself();
    if (me == nullptr || me->is_master()) return;
    replica = true;
    const cluster::Node* m = s.Find(me->master_id);
    if (m != nullptr && !m->ip.empty() && m->port > 0) {
      host = m->ip;
      port = m->port;
    }
  });
  if (replica && !host.empty()) {
    Replication::LinkInfo l = replication_->Link();
    if (!replication_->is_replica() || l.host != host || l.port != port) {
      LOG_NOTICE("cluster: replicating from my master at %s:%d", host.c_str(), port);
      replication_->ReplicaOf(host, port);
    }
  } else if (!replica && replication_->is_replica()) {
    LOG_NOTICE("cluster: I am a master now: replication from %s stops",
               replication_->Link().host.c_str());
    replication_->ReplicaOfNoOne();
  }
}

void Server::Housekeeping() {
  // Active expiry: delete due keys in bounded batches, hz times a second,
  // more often while a cycle keeps finding a full batch.
  constexpr int kBudget = 200;
  while (!stop_) {
    auto t0 = std::chrono::steady_clock::now();
    int rounds = 0;
    while (!stop_ && rounds < 20 && context_->active_expire.load()) {
      auto deleted = engine_->ExpireCycle(kBudget);
      if (!deleted.ok()) {
        LOG_WARNING("active expiry: %s", deleted.status().ToString().c_str());
        break;
      }
      stats_.expired_keys.fetch_add(static_cast<uint64_t>(*deleted), std::memory_order_relaxed);
      if (*deleted < kBudget) break;
      ++rounds;
      if (std::chrono::steady_clock::now() - t0 > std::chrono::milliseconds(25)) break;
    }
    ReconcileReplication();
    int hz = std::max(1, std::min(500, config_.hz()));
    auto period = std::chrono::milliseconds(1000 / hz);
    auto until = t0 + period;
    while (!stop_ && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

}  // namespace cairn
