#include "server/worker.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/log.h"
#include "server/connection.h"
#include "server/durability.h"
#include "server/pubsub.h"
#include "storage/engine.h"
#include "storage/key_cache.h"

namespace cairn {
namespace {

// A listening socket with SO_REUSEPORT (libuv 1.44 has no flag for it), so
// every loop can own one on the same port.
Result<int> OpenListenSocket(const std::string& host, int port) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (host.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    if (uv_ip6_addr(host.c_str(), port, a) != 0) {
      return Status::InvalidArgument("invalid bind address '" + host + "'");
    }
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    std::string h = host == "*" ? "0.0.0.0" : host;
    if (uv_ip4_addr(h.c_str(), port, a) != 0) {
      return Status::InvalidArgument("invalid bind address '" + host + "'");
    }
    len = sizeof(sockaddr_in);
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(std::string("socket: ") + strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    int err = errno;
    close(fd);
    return Status::IOError("Could not create server TCP listening socket " + host + ":" +
                           std::to_string(port) + ": bind: " + strerror(err));
  }
  return fd;
}

int BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

}  // namespace

Worker::Worker(int index, ServerContext& server, Durability& durability)
    : index_(index), server_(server), durability_(durability) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &async_, OnAsync);
  async_.data = this;
  uv_timer_init(&loop_, &timer_);
  timer_.data = this;
  uv_timer_init(&loop_, &park_timer_);
  park_timer_.data = this;
  uv_check_init(&loop_, &check_);
  check_.data = this;
  uv_prepare_init(&loop_, &prepare_);
  prepare_.data = this;
}

Worker::~Worker() {
  if (started_) {
    Stop();
  } else {
    Shutdown();
    uv_run(&loop_, UV_RUN_DEFAULT);  // runs the close callbacks
  }
  uv_loop_close(&loop_);
}

Status Worker::Listen(const std::vector<std::string>& binds, int* port) {
  for (const std::string& raw : binds) {
    bool optional = !raw.empty() && raw[0] == '-';
    std::string host = optional ? raw.substr(1) : raw;
    auto fd = OpenListenSocket(host, *port);
    if (!fd.ok()) {
      if (optional) {
        LOG_VERBOSE("skipping optional bind address %s: %s", host.c_str(),
                    fd.status().message().c_str());
        continue;
      }
      return fd.status();
    }
    if (*port == 0) *port = BoundPort(*fd);
    auto* tcp = new uv_tcp_t;
    uv_tcp_init(&loop_, tcp);
    tcp->data = this;
    int rc = uv_tcp_open(tcp, *fd);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(tcp), 511, OnConnection);
    if (rc != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(tcp),
               [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
      return Status::IOError("listen on " + host + ": " + uv_strerror(rc));
    }
    listeners_.push_back(tcp);
  }
  if (listeners_.empty()) return Status::IOError("no address to listen on");
  return Status::Ok();
}

void Worker::Start() {
  // A periodic tick: client timeouts and kills that missed a wake-up.
  uv_timer_start(&timer_, OnTimer, 100, 100);
  // After the I/O callbacks of an iteration, and before the loop may block
  // in poll (timers and wake-ups may have run commands too).
  uv_check_start(&check_, OnIterationEnd);
  uv_prepare_start(&prepare_, OnBeforePoll);
  uv_unref(reinterpret_cast<uv_handle_t*>(&check_));
  uv_unref(reinterpret_cast<uv_handle_t*>(&prepare_));
  started_ = true;
  thread_ = std::thread([this] {
    storage::Engine::SkipPerfCountersOnThisThread();
    uv_run(&loop_, UV_RUN_DEFAULT);
  });
}

void Worker::Stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  uv_async_send(&async_);
  thread_.join();
}

void Worker::Wake() { uv_async_send(&async_); }

void Worker::Track(Connection* c) {
  connections_.insert(c);
  by_id_[c->client().info->id] = c;
}

void Worker::Untrack(Connection* c) {
  connections_.erase(c);
  waiting_.erase(c);
  std::erase(held_, c);
  std::erase(read_, c);
  std::erase(parked_, c);
  by_id_.erase(c->client().info->id);
}

void Worker::OnConnection(uv_stream_t* server, int status) {
  auto* self = static_cast<Worker*>(server->data);
  if (status < 0 || self->stopping_) return;
  auto* conn = new Connection(*self);
  conn->Accept(server);
}

bool Worker::JoinLoopBatch(bool pipelinable, bool is_write) {
  if (!pipelinable) {
    EndLoopBatch();
    ++iteration_commands_;
    return false;
  }
  if (!is_write) {
    // A read outside the batch reads only written data, and its reply may
    // go out before the batch's: it precedes those writes.
    ++iteration_commands_;
    return batch_open_ && server_.engine.PipelineHasWrites();
  }
  // The first command of an iteration runs alone: a lone command gains
  // nothing from a batch and its reply need not wait. Under appendfsync
  // always its reply waits for the fsync anyway, and running it alone would
  // cost the iteration a second WAL write.
  if (iteration_commands_++ == 0 && !durability_.MustWait()) return false;
  if (!batch_open_) {
    server_.engine.BeginPipeline();
    batch_open_ = true;
  }
  return true;
}

void Worker::EndLoopBatch() {
  if (!batch_open_) return;
  batch_open_ = false;
  uint64_t seq = 0;
  int lost_from = -1;
  Status s = server_.engine.EndPipeline(&seq, &lost_from);
  for (Connection* c : held_) c->LoopBatchWritten(seq, s, lost_from);
}

void Worker::DeferInput(Connection* c) { read_.push_back(c); }

void Worker::RunReadInput() {
  if (read_.empty()) return;
  running_.swap(read_);
  // A window of connections at a time (KeyCache::kPrefetchWindow keys): a
  // prefetch of every key at once would evict the first before their turn.
  // A connection one of these commands closes stays allocated until its
  // close callback, which libuv runs after this phase; it runs nothing.
  size_t next = 0;
  while (next < running_.size()) {
    prefetch_.clear();
    size_t end = next;
    while (end < running_.size() && prefetch_.size() < storage::KeyCache::kPrefetchWindow) {
      running_[end++]->AddPrefetchKeys(&prefetch_);
    }
    server_.engine.Prefetch(prefetch_);
    for (; next < end; ++next) running_[next]->RunReadInput();
  }
  running_.clear();
}

void Worker::FinishIteration() {
  RunReadInput();
  // Finishing a connection may run commands it had buffered, which may
  // hold it again: repeat until nothing is held (each round only runs
  // input already read, so this ends).
  while (batch_open_ || !held_.empty()) {
    EndLoopBatch();
    iteration_commands_ = 0;
    std::vector<Connection*> done;
    done.swap(held_);
    for (Connection* c : done) c->FinishHeld();
  }
  iteration_commands_ = 0;
  if (fsync_wanted_) {
    fsync_wanted_ = false;
    durability_.RequestSync();
  }
  iterations_.fetch_add(1, std::memory_order_acq_rel);
}

namespace {
constexpr uint64_t kParkRetryMs = 1;
}  // namespace

void Worker::Park(Connection* c) {
  if (std::find(parked_.begin(), parked_.end(), c) != parked_.end()) return;
  parked_.push_back(c);
  if (parked_.size() == 1) uv_timer_start(&park_timer_, OnParkTimer, kParkRetryMs, kParkRetryMs);
}

void Worker::OnParkTimer(uv_timer_t* handle) {
  auto* self = static_cast<Worker*>(handle->data);
  std::vector<Connection*> parked;
  parked.swap(self->parked_);
  // Unpark may park the connection again (the pause still holds).
  for (Connection* c : parked) c->Unpark();
  if (self->parked_.empty()) uv_timer_stop(&self->park_timer_);
}

void Worker::OnIterationEnd(uv_check_t* handle) {
  static_cast<Worker*>(handle->data)->FinishIteration();
}

void Worker::OnBeforePoll(uv_prepare_t* handle) {
  static_cast<Worker*>(handle->data)->FinishIteration();
}

void Worker::OnAsync(uv_async_t* handle) { static_cast<Worker*>(handle->data)->HandleWake(); }

void Worker::OnTimer(uv_timer_t* handle) { static_cast<Worker*>(handle->data)->HandleWake(); }

void Worker::HandleWake() {
  if (stopping_) {
    Shutdown();
    return;
  }
  if (!waiting_.empty()) {
    uint64_t synced = durability_.SyncedSequence();
    std::vector<Connection*> ready;
    for (Connection* c : waiting_) ready.push_back(c);
    for (Connection* c : ready) {
      if (c->OnSynced(synced)) waiting_.erase(c);
    }
  }
  DeliverPubsub();
  std::vector<Connection*> doomed;
  int64_t timeout_ms = server_.config.timeout_seconds() * 1000;
  int64_t now = server_.clock.NowMs();
  for (Connection* c : connections_) {
    ClientInfo& info = *c->client().info;
    if (info.kill_requested.load(std::memory_order_relaxed)) {
      doomed.push_back(c);
    } else if (timeout_ms > 0) {
      std::lock_guard<std::mutex> lock(info.mu);
      if (now - info.last_interaction_ms > timeout_ms) doomed.push_back(c);
    }
  }
  for (Connection* c : doomed) c->Close();
}

// Hands each connection its mail in one batch (one write), in queue order.
// Mail for a client that is gone is dropped.
void Worker::DeliverPubsub() {
  if (server_.pubsub == nullptr) return;
  std::vector<PubsubDelivery> mail = server_.pubsub->TakeAll(index_);
  if (mail.empty()) return;
  std::vector<Connection*> order;
  std::unordered_map<Connection*, std::vector<const PubsubDelivery*>> batches;
  for (const PubsubDelivery& d : mail) {
    auto it = by_id_.find(d.client_id);
    if (it == by_id_.end()) continue;
    auto& batch = batches[it->second];
    if (batch.empty()) order.push_back(it->second);
    batch.push_back(&d);
  }
  for (Connection* c : order) c->DeliverPubsub(batches[c]);
}

void Worker::Shutdown() {
  FinishIteration();
  uv_timer_stop(&timer_);
  uv_timer_stop(&park_timer_);
  parked_.clear();
  uv_check_stop(&check_);
  uv_prepare_stop(&prepare_);
  for (uv_tcp_t* l : listeners_) {
    uv_close(reinterpret_cast<uv_handle_t*>(l),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  }
  listeners_.clear();
  std::vector<Connection*> all(connections_.begin(), connections_.end());
  for (Connection* c : all) {
    // Replies held for fsync are not sent: the write may not be durable.
    if (waiting_.count(c) == 0) c->FlushNow();
    c->Close();
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&park_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&check_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
}

}  // namespace cairn
