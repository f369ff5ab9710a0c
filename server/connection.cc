#include "server/connection.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstring>

#include "cluster/cluster.h"
#include "common/cpu_ticks.h"
#include "common/crc16.h"
#include "common/log.h"
#include "common/strings.h"
#include "server/cluster_redirect.h"
#include "server/command.h"
#include "server/config.h"
#include "server/durability.h"
#include "server/errors.h"
#include "server/pubsub.h"
#include "server/replication.h"
#include "server/stats.h"
#include "server/transaction.h"
#include "server/worker.h"
#include "storage/engine.h"
#include "storage/key_cache.h"

namespace cairn {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
// Input read ahead while the connection waits (for an fsync, replicas or a
// cold read) before it stops reading.
constexpr size_t kMaxInputWhileWaiting = 4 * kReadChunk;
// Above this much unsent output, stop reading until the client drains it.
constexpr size_t kMaxPendingOutput = 64ull << 20;

struct WriteReq {
  uv_write_t req;
  std::string data;
  Connection* conn;
};

std::string PeerName(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = {0};
  int port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    uv_ip4_name(a, host, sizeof(host));
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    uv_ip6_name(a, host, sizeof(host));
    port = ntohs(a->sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace

Connection::Connection(Worker& worker) : worker_(worker), reply_(&out_) {
  handle_.data = this;
  uv_tcp_init(worker_.loop(), &handle_);
  auto info = std::make_shared<ClientInfo>();
  info->id = worker_.server().clients.NextId();
  info->worker = worker_.index();
  info->created_ms = worker_.server().clock.NowMs();
  info->last_interaction_ms = info->created_ms;
  client_.info = std::move(info);
  client_.authenticated = !worker_.server().config.has_requirepass();
}

Connection::~Connection() = default;

bool Connection::Accept(uv_stream_t* listener) {
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&handle_)) != 0) {
    Close();
    return false;
  }
  uv_tcp_nodelay(&handle_, 1);
  sockaddr_storage peer{};
  sockaddr_storage local{};
  int len = sizeof(peer);
  uv_tcp_getpeername(&handle_, reinterpret_cast<sockaddr*>(&peer), &len);
  len = sizeof(local);
  uv_tcp_getsockname(&handle_, reinterpret_cast<sockaddr*>(&local), &len);
  uv_os_fd_t fd = -1;
  uv_fileno(reinterpret_cast<uv_handle_t*>(&handle_), &fd);
  client_.info->fd = fd;
  client_.info->addr = PeerName(peer);
  client_.info->laddr = PeerName(local);

  ServerContext& server = worker_.server();
  server.stats.connections_received.fetch_add(1, std::memory_order_relaxed);
  if (static_cast<int>(server.clients.size()) >= server.config.maxclients()) {
    server.stats.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    reply_.Error("ERR max number of clients reached");
    client_.close_after_reply = true;
    worker_.Track(this);
    SendReplies();
    return true;
  }
  server.clients.Add(client_.info);
  worker_.Track(this);
  reading_ = uv_read_start(reinterpret_cast<uv_stream_t*>(&handle_), OnAlloc, OnRead) == 0;
  if (!reading_) Close();
  return reading_;
}

void Connection::Close() {
  if (closing_) return;
  if (cold_in_flight_) {
    // The thread pool still uses this client; close when it is done.
    close_after_cold_ = true;
    return;
  }
  closing_ = true;
  if (client_.replica_wait.active && worker_.server().replication != nullptr) {
    worker_.server().replication->RemoveWaiter();
    client_.replica_wait.active = false;
  }
  // A transaction in progress is dropped whole: nothing of it was applied.
  DiscardTransaction(client_, worker_.server().engine);
  if (worker_.server().pubsub != nullptr) ClearSubscriptions(*worker_.server().pubsub, client_);
  worker_.server().clients.Remove(client_.info->id);
  worker_.Untrack(this);
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), OnClose);
}

void Connection::OnClose(uv_handle_t* handle) {
  auto* self = static_cast<Connection*>(handle->data);
  delete self;
}

void Connection::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(handle->data);
  // Grow only by what we read; a declared bulk length never reserves memory
  // up front, but a bulk already started may be read in bigger chunks.
  size_t want = std::max(kReadChunk, std::min<size_t>(self->parser_.pending_bulk_bytes(), 1 << 20));
  if (self->rbuf_.size() - self->rlen_ < want) self->rbuf_.resize(self->rlen_ + want);
  buf->base = self->rbuf_.data() + self->rlen_;
  buf->len = self->rbuf_.size() - self->rlen_;
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  auto* self = static_cast<Connection*>(stream->data);
  // While an fsync, the replicas or a cold read are awaited the connection
  // keeps reading (a stop and restart would cost two epoll_ctl calls per
  // command under appendfsync always) but runs nothing.
  const bool waiting = !self->closing_ && !self->CanRunInput();
  if (nread < 0) {
    // A client gone while blocked in WAIT, which may never end (WAIT n 0),
    // or with a command held by CLIENT PAUSE (or a slot migration's pause),
    // is closed at once, as Redis frees it: the held command never runs.
    // The other waits are short.
    const bool in_wait = self->client_.replica_wait.active && self->client_.replica_wait.is_wait;
    if (waiting && !in_wait && !self->parked_) {
      // The peer is gone or half-closed: its replies still go out first.
      // The socket reports the end again when reading resumes after the
      // wait (MaybeResumeReading), and the connection closes then.
      self->StopReading();
      return;
    }
    self->Close();
    return;
  }
  if (nread == 0) return;
  self->rlen_ += static_cast<size_t>(nread);
  self->worker_.server().stats.reads_processed.fetch_add(1, std::memory_order_relaxed);
  self->worker_.server().stats.net_input_bytes.fetch_add(static_cast<uint64_t>(nread),
                                                         std::memory_order_relaxed);
  // Input waiting to run is bounded; the rest waits in the kernel.
  if (waiting && self->rlen_ >= kMaxInputWhileWaiting) self->StopReading();
  // Run at the end of the loop's I/O phase, with the input of every other
  // connection that became readable (Worker::RunReadInput).
  if (!self->input_deferred_) {
    self->input_deferred_ = true;
    self->worker_.DeferInput(self);
  }
}

bool Connection::CanRunInput() const {
  return !closing_ && waiting_seq_ == 0 && !client_.replica_wait.active && !cold_in_flight_ &&
         !parked_;
}

resp::ParserLimits Connection::Limits() const {
  resp::ParserLimits limits;
  limits.max_bulk_len = worker_.server().config.proto_max_bulk_len();
  limits.unauthenticated = !client_.authenticated;
  return limits;
}

void Connection::ProcessInput() {
  if (!CanRunInput()) {
    // Input that arrived meanwhile waits in the buffer: CLIENT LIST's qbuf
    // shows it, as Redis's does for a blocked client.
    std::lock_guard<std::mutex> lock(client_.info->mu);
    client_.info->qbuf = rlen_;
    return;
  }
  ServerContext& server = worker_.server();
  resp::ParserLimits limits = Limits();
  parser_.set_limits(limits);
  reply_.set_protocol(client_.resp);
  // A connection already held in this iteration keeps the sequence of its
  // batched writes (it is set when the batch is written).
  if (!held_) client_.pending_write_seq = 0;
  // What was published to this client before these commands goes first, as
  // Redis would already have written it (the loop may not have drained it).
  if (client_.pubsub_channels + client_.pubsub_patterns > 0 && server.pubsub != nullptr) {
    for (const PubsubDelivery& d : server.pubsub->TakeFor(worker_.index(), client_.info->id)) {
      WritePubsubMessage(reply_, d);
    }
  }

  if (!prefetched_) {
    prefetch_.clear();
    // A lone command gains nothing: its lookup is next anyway.
    if (AddPrefetchKeys(&prefetch_) > 1) server.engine.Prefetch(prefetch_);
  }
  prefetched_ = false;
  size_t start = 0;
  in_input_ = true;
  while (!client_.close_after_reply && start < rlen_) {
    size_t consumed = 0;
    auto r = parser_.Parse(std::string_view(rbuf_.data() + start, rlen_ - start), &consumed);
    if (r == resp::RequestParser::Result::kNeedMore) break;
    if (r == resp::RequestParser::Result::kError) {
      reply_.Error("ERR " + parser_.error());
      server.stats.CountError("ERR");
      client_.close_after_reply = true;
      start = rlen_;
      break;
    }
    start += consumed;
    if (!parser_.args().empty()) ExecuteReplying(parser_.args());
    if (parked_) {
      // Not run: it stays in the buffer and runs again when Unpark comes.
      start -= consumed;
      break;
    }
    // WAIT, a write waiting for its replica quorum, or a cold read: later
    // commands run after it is answered, so replies stay in order.
    if (client_.replica_wait.active || cold_in_flight_) break;
    if (limits.unauthenticated && client_.authenticated) {
      limits.unauthenticated = false;
      parser_.set_limits(limits);
    }
    reply_.set_protocol(client_.resp);  // HELLO may have switched it
  }
  in_input_ = false;
  // Drop the consumed bytes; a half-received command moves to the front.
  if (start > 0) {
    std::memmove(rbuf_.data(), rbuf_.data() + start, rlen_ - start);
    rlen_ -= start;
  }
  if (rlen_ > static_cast<size_t>(server.config.client_query_buffer_limit())) {
    LOG_WARNING("closing client %s: query buffer over client-query-buffer-limit",
                client_.info->addr.c_str());
    Close();
    return;
  }
  // Keep a big buffer only while it is in use.
  if (rlen_ == 0 && rbuf_.size() > 4 * kReadChunk) {
    std::string().swap(rbuf_);
  }
  UpdateSharedInfo();
  // A parked connection keeps reading, bounded as a waiting one does
  // (OnRead), so it notices its client leaving (then it closes, and the
  // held command never runs, as in Redis).
  if (parked_) worker_.Park(this);
  if (held_) return;  // FinishHeld, once the loop batch is written
  FinishInput();
}

int Connection::AddPrefetchKeys(storage::PrefetchKeys* keys) {
  // Enough for the deepest pipelines worth it; a prefetch past what the
  // caches hold would evict the first rows before they are used.
  constexpr int kMaxCommands = 64;
  ServerContext& server = worker_.server();
  // Without a key cache there is nothing to prefetch: skip the parse.
  if (!CanRunInput() || !server.engine.key_cache().enabled()) return 0;
  lookahead_.set_limits(Limits());
  lookahead_.Reset();
  size_t at = 0;
  int commands = 0;
  while (commands < kMaxCommands && at < rlen_ &&
         keys->size() < storage::KeyCache::kPrefetchWindow) {
    size_t consumed = 0;
    const std::string_view rest(rbuf_.data() + at, rlen_ - at);
    if (lookahead_.Parse(rest, &consumed) != resp::RequestParser::Result::kCommand) break;
    ++commands;
    at += consumed;
    const std::vector<std::string_view>& argv = lookahead_.args();
    if (argv.empty()) continue;
    const CommandSpec* spec = server.commands.Find(argv[0]);
    if (spec == nullptr || !spec->subcommands.empty() || !spec->CheckArity(argv.size())) continue;
    spec->ForEachKeyPosition(argv.size(), [&](int i) {
      server.engine.AddPrefetch(static_cast<uint8_t>(client_.db), argv[i],
                                (spec->flags & kCmdWrite) != 0, keys);
    });
  }
  return commands;
}

void Connection::Unpark() {
  parked_ = false;
  client_.info->blocked.store(false, std::memory_order_release);
  if (closing_) return;
  if (rlen_ > 0) ProcessInput();
  MaybeResumeReading();
}

void Connection::FinishHeld() {
  held_ = false;
  if (closing_) return;
  FinishInput();
}

void Connection::FinishInput() {
  Durability& durability = worker_.durability();
  const bool fsync_wait = client_.pending_write_seq != 0 && durability.MustWait() &&
                          client_.pending_write_seq > durability.SyncedSequence();
  if (fsync_wait || client_.replica_wait.active) {
    if (fsync_wait) {
      waiting_seq_ = client_.pending_write_seq;
      worker_.WaitForFsync(this);
    } else {
      worker_.WaitForSync(this);
    }
    // The wait may already be over (an ack that raced us).
    if (!fsync_wait && CheckReplicaWait()) {
      worker_.DoneWaiting(this);
      SendReplies();
      if (!closing_ && rlen_ > 0) ProcessInput();
    }
    return;
  }
  SendReplies();
}

bool Connection::CheckReplicaWait() {
  Client::ReplicaWait& w = client_.replica_wait;
  if (!w.active) return true;
  Replication* repl = worker_.server().replication;
  const int acked = repl != nullptr ? repl->CountAcked(w.seq) : 0;
  const bool timed_out =
      w.deadline_ms != 0 && worker_.server().clock.MonotonicMs() >= w.deadline_ms;
  // CLIENT UNBLOCK ends a WAIT as its timeout would, or with an error.
  const int unblock =
      w.is_wait ? client_.info->unblock_requested.exchange(0, std::memory_order_acq_rel) : 0;
  if (acked < w.needed && !timed_out && unblock == 0) return false;
  w.active = false;
  client_.info->in_wait.store(false, std::memory_order_release);
  client_.info->blocked_with_timeout.store(false, std::memory_order_relaxed);
  client_.info->blocked.store(false, std::memory_order_release);
  if (repl != nullptr) repl->RemoveWaiter();
  if (w.muted) {
    w.muted = false;
  } else if (w.is_wait && unblock == 2) {
    reply_.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
    worker_.server().stats.CountError("UNBLOCKED");
  } else if (w.is_wait) {
    reply_.Integer(acked);
  } else if (acked < w.needed) {
    // The write is applied here and maybe on some replicas: the client is
    // told it may or may not survive a failover (README: NOREPLICAS).
    std::string tail = out_.substr(w.reply_end);
    out_.resize(w.reply_start);
    reply_.Error(errors::kNoReplicas);
    out_.append(tail);
    worker_.server().stats.CountError("NOREPLICAS");
  }
  return true;
}

bool Connection::OnSynced(uint64_t synced_seq) {
  if (closing_) return true;
  if (waiting_seq_ != 0) {
    if (waiting_seq_ > synced_seq) return false;
    waiting_seq_ = 0;
  }
  if (!CheckReplicaWait()) return false;
  SendReplies();
  // Commands that arrived while we waited; they may write and wait again.
  if (!closing_ && rlen_ > 0) ProcessInput();
  MaybeResumeReading();
  // Those later commands may have started a wait of their own.
  return closing_ || (waiting_seq_ == 0 && !client_.replica_wait.active);
}

void Connection::Reject(const CommandSpec* run, std::string_view error) {
  if (run != nullptr) run->rejected_calls.fetch_add(1, std::memory_order_relaxed);
  // Redis's flagTransaction: a command refused while queueing dooms EXEC.
  if (client_.txn.active) client_.txn.aborted = true;
  std::string text;
  if (run != nullptr && run->name == "exec") {
    DiscardTransaction(client_, worker_.server().engine);
    text = errors::ExecAbortBecause(error);
    error = text;
  }
  reply_.Error(error);
  worker_.server().stats.CountError(std::string(error.substr(0, error.find(' '))));
}

namespace {
// Redis sends (un)subscribe confirmations as pushes, which CLIENT REPLY OFF
// and SKIP do not stop (nor the messages published to the client).
bool RepliesAsPush(std::string_view command) {
  for (std::string_view c : {"subscribe", "psubscribe", "unsubscribe", "punsubscribe"}) {
    if (EqualsIgnoreCase(command, c)) return true;
  }
  return false;
}
}  // namespace

void Connection::ExecuteReplying(const std::vector<std::string_view>& argv) {
  const bool muted =
      (client_.reply_off || client_.reply_skip == 1) && !RepliesAsPush(argv[0]);
  if (!muted) {
    Execute(argv);
  } else {
    reply_.set_buffer(&muted_out_);
    const bool waited = client_.replica_wait.active;
    Execute(argv);
    if (!waited && client_.replica_wait.active) client_.replica_wait.muted = true;
    reply_.set_buffer(&out_);
    // CLIENT REPLY ON answers though it ran muted (Redis checks at reply time).
    if (!client_.reply_off && client_.reply_skip == 0) out_.append(muted_out_);
    muted_out_.clear();
  }
  // SKIP drops the reply of exactly the next command, whatever it is (a
  // parked command has not run yet).
  if (client_.reply_skip > 0 && !parked_) --client_.reply_skip;
}

void Connection::Execute(const std::vector<std::string_view>& argv) {
  ServerContext& server = worker_.server();
  server.stats.commands_processed.fetch_add(1, std::memory_order_relaxed);
  const CommandSpec* spec = server.commands.Find(argv[0]);
  if (spec == nullptr) {
    Reject(nullptr, errors::UnknownCommand(argv[0], argv.data() + 1, argv.size() - 1));
    last_cmd_ = "NULL";
    return;
  }
  const CommandSpec* run = spec;
  if (!spec->subcommands.empty()) {
    if (argv.size() >= 2) {
      const CommandSpec* sub = spec->FindSubcommand(argv[1]);
      if (sub == nullptr) {
        Reject(spec, errors::UnknownSubcommand(argv[1], spec->name));
        return;
      }
      run = sub;
    }
  }
  if (!run->CheckArity(argv.size())) {
    Reject(run, errors::WrongArity(run->name));
    return;
  }
  if (!client_.authenticated && !(run->flags & kCmdNoAuth)) {
    Reject(run, errors::kNoAuth);
    return;
  }
  if (client_.resp == 2 && client_.pubsub_channels + client_.pubsub_patterns > 0 &&
      !AllowedWhileSubscribed(spec->name)) {
    Reject(run, errors::NotAllowedWhileSubscribed(run->name));
    return;
  }
  if (server.pause.MaybeActive() && PausedFor(*run)) {
    // CLIENT PAUSE: it runs, in order, once the pause ends (Worker::Park).
    server.stats.commands_processed.fetch_sub(1, std::memory_order_relaxed);
    parked_ = true;
    client_.info->blocked.store(true, std::memory_order_release);  // flag b, as Redis shows it
    return;
  }
  // Held through Run when the keys' slot is being migrated (cluster_redirect.h).
  storage::KeyLockGuard open_slot_keys;
  if (server.cluster != nullptr) {
    // Redis checks keys at queue time too: a redirect dooms the transaction,
    // and on EXEC it discards it (the reply is the redirect, not EXECABORT).
    bool park = false;
    std::string redirect = ClusterRedirect(*server.cluster, server.engine, *run, argv, client_,
                                           &open_slot_keys, &park);
    if (park) {
      server.stats.commands_processed.fetch_sub(1, std::memory_order_relaxed);
      parked_ = true;
      return;
    }
    // ASKING lasts one command, or the whole MULTI ... EXEC it precedes (as
    // Redis's resetClient keeps it while the client is in MULTI).
    bool keep_asking = run->name == "asking" || run->name == "multi" ||
                       (client_.txn.active && run->name != "exec" && run->name != "discard");
    if (!keep_asking) client_.asking = false;
    if (!redirect.empty()) {
      if (run->name == "exec") {
        DiscardTransaction(client_, server.engine);
      } else if (client_.txn.active) {
        client_.txn.aborted = true;
      }
      run->rejected_calls.fetch_add(1, std::memory_order_relaxed);
      reply_.Error(redirect);
      server.stats.CountError(redirect.substr(0, redirect.find(' ')));
      return;
    }
  }
  if (server.replication != nullptr && server.replication->is_replica()) {
    // Redis's order: a write first, then stale data.
    if ((run->flags & kCmdWrite) && server.config.replica_read_only()) {
      Reject(run, errors::kReadOnlyReplica);
      return;
    }
    if (!server.replication->link_up() && !server.config.replica_serve_stale_data() &&
        !(run->flags & kCmdStale)) {
      Reject(run, errors::kMasterDown);
      return;
    }
  }
  last_cmd_ = run->name;
  if (client_.txn.active && !RunsInsideMulti(*run)) {
    if (run->flags & kCmdNoMulti) {
      Reject(run, errors::kNotAllowedInMulti);
      return;
    }
    client_.txn.queued.push_back({run, std::vector<std::string>(argv.begin(), argv.end())});
    reply_.Queued();
    return;
  }
  const uint64_t wrote_before = client_.pending_write_seq;
  const size_t reply_start = out_.size();
  run_deferred_ = false;
  Run(*run, std::span<const std::string_view>(argv.data(), argv.size()));
  // In the loop batch or on the thread pool: its reply is not final yet
  // (AfterCold re-checks the lease of a cold read).
  if (run_deferred_) return;
  if (server.cluster != nullptr && client_.pending_write_seq == wrote_before &&
      LeaseLapsedAfter(*run, argv)) {
    // The process may have stopped between the redirect check and the read
    // (SIGSTOP, a stall) and been replaced meanwhile: a reply that wrote
    // nothing leaves only if the lease still holds now.
    out_.resize(reply_start);
    reply_.Error(errors::kNoLease);
    server.stats.CountError("TRYAGAIN");
  }
  if (client_.pending_write_seq > wrote_before) {
    client_.last_write_seq = std::max(client_.last_write_seq, client_.pending_write_seq);
    StartQuorumWait(reply_start, client_.pending_write_seq);
  } else if ((run->flags & (kCmdReadonly | kCmdWrite)) || run->name == "exec") {
    // A read (or a write that wrote nothing: SET IFEQ, SET NX refused) may
    // have seen another client's write that the replicas do not have yet:
    // under a quorum its reply waits for them too, or a failover could take
    // back what it showed (README: reads under a write quorum).
    StartQuorumWait(reply_start, worker_.server().engine.LatestSequence(), true);
  }
}

bool Connection::PausedFor(const CommandSpec& run) const {
  ServerContext& server = worker_.server();
  const ClientPause::Mode mode = server.pause.Active(server.clock.NowMs());
  if (mode == ClientPause::Mode::kNone) return false;
  // A replica's link is never paused (Redis exempts replicas).
  if (run.name == "replconf" || run.name == "psync" || run.name == "sync") return false;
  if (mode == ClientPause::Mode::kAll) return true;
  if (run.flags & kCmdWrite) return true;
  // Redis's may-replicate commands among Cairn's: PUBLISH reaches replicas.
  if (run.name == "publish") return true;
  if (run.name == "exec") {
    for (const auto& q : client_.txn.queued) {
      if ((q.spec->flags & kCmdWrite) || q.spec->name == "publish") return true;
    }
  }
  return false;
}

void Connection::StartQuorumWait(size_t reply_start, uint64_t seq, bool read) {
  Replication* repl = worker_.server().replication;
  const Config& config = worker_.server().config;
  int64_t q = QuorumFor();
  if (q == 0) return;
  if (q == Client::kQuorumAll || q == Client::kQuorumMajority) {
    const int64_t known = static_cast<int64_t>(repl->Replicas().size());
    q = q == Client::kQuorumAll ? std::max<int64_t>(known, 1) : known / 2 + 1;
  }
  // A read of data the quorum already has replies at once.
  if (read && (seq == 0 || repl->CountAcked(seq) >= q)) return;
  Client::ReplicaWait& w = client_.replica_wait;
  w.active = true;
  w.is_wait = false;
  w.needed = q;
  w.seq = seq;
  w.deadline_ms = worker_.server().clock.MonotonicMs() + config.replica_ack_timeout_ms();
  w.reply_start = reply_start;
  w.reply_end = out_.size();
  repl->AddWaiter();
}

bool Connection::Pipelinable(const CommandSpec& spec) const {
  // Commands that lock and write only their declared keys. Everything else
  // (EXEC, WATCH, FLUSHDB, SWAPDB, blocking and admin commands...) runs
  // after the batch is written, as it would alone.
  if (spec.key_specs.empty() || !(spec.flags & (kCmdWrite | kCmdReadonly))) return false;
  if (spec.flags & (kCmdNoMulti | kCmdBlocking | kCmdAdmin | kCmdPubsub)) return false;
  // Under a replica quorum each write waits for its own acknowledgement
  // (StartQuorumWait needs its sequence number at once).
  if (QuorumFor() != 0) return false;
  const std::string& n = spec.name;
  return n != "move" && n != "copy";
}

int64_t Connection::QuorumFor() const {
  const Replication* repl = worker_.server().replication;
  if (repl == nullptr || repl->is_replica()) return 0;
  return client_.ack_quorum == Client::kQuorumDefault ? worker_.server().config.replica_ack_quorum()
                                                      : client_.ack_quorum;
}

void Connection::LoopBatchWritten(uint64_t seq, const Status& status, int lost_from) {
  if (batched_.empty()) return;
  if (seq > client_.pending_write_seq) client_.pending_write_seq = seq;
  if (seq > client_.last_write_seq) client_.last_write_seq = seq;  // WAIT's offset
  if (!status.ok() && lost_from >= 0) {
    // Those commands' replies must not claim writes that never happened.
    std::string rebuilt;
    std::string error;
    resp::ReplyBuilder err(&error);
    err.set_protocol(client_.resp);
    err.Error(errors::WriteFailed(status.ToString()));
    size_t at = 0;
    for (const BatchedReply& r : batched_) {
      if (r.index < lost_from) continue;
      rebuilt.append(out_, at, r.first - at);
      rebuilt.append(error);
      at = r.last;
    }
    rebuilt.append(out_, at, std::string::npos);
    out_.swap(rebuilt);
  }
  batched_.clear();
}

void Connection::Run(const CommandSpec& run, std::span<const std::string_view> argv) {
  ServerContext& server = worker_.server();
  // Commands run by EXEC are inside its own batch, never a pipeline's.
  const bool top = in_input_ && client_.txn.executing == 0;
  bool batched = false;
  if (top) batched = worker_.JoinLoopBatch(Pipelinable(run), (run.flags & kCmdWrite) != 0);
  const bool may_go_cold = top && !batched && ColdEligible(run);
  int batch_index = -1;
  if (batched) {
    run_deferred_ = true;
    batch_index = server.engine.PipelineCommand();
    if (!held_) {
      held_ = true;
      worker_.Hold(this);
    }
  }
  const size_t reply_start = out_.size();
  uint64_t errors_before = reply_.errors_written();
  const uint64_t t0 = CpuTicks();
  CommandContext ctx(argv, run, client_, reply_, server, this);
  if (may_go_cold) {
    bool missed = false;
    {
      storage::Engine::CacheOnlyReads cache_only;
      run.handler(ctx);
      missed = cache_only.missed();
    }
    if (missed) {
      // Read-only: what it did so far changed nothing; drop its reply.
      out_.resize(reply_start);
      run_deferred_ = true;
      StartColdRead(run, argv);
      return;
    }
  } else {
    run.handler(ctx);
  }
  // A reply CLIENT REPLY drops has no place in out_ to rewrite on failure.
  if (batched && reply_.buffer() == &out_) {
    batched_.push_back(BatchedReply{batch_index, reply_start, out_.size()});
  }
  CountCall(run, argv, TicksSince(t0), reply_.errors_written() != errors_before,
            reply_.last_error_prefix());
  reply_.set_protocol(client_.resp);  // HELLO may have switched it
}

void Connection::CountCall(const CommandSpec& spec, std::span<const std::string_view> argv,
                           uint64_t ticks, bool failed, const std::string& prefix) {
  spec.calls.fetch_add(1, std::memory_order_relaxed);
  spec.ticks.fetch_add(ticks, std::memory_order_relaxed);
  ServerContext& server = worker_.server();
  // MONITOR sees every command after it ran, but administrative ones.
  if (server.pubsub != nullptr && server.pubsub->HasMonitors() &&
      !(spec.flags & (kCmdAdmin | kCmdSkipMonitor))) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    server.pubsub->FeedMonitors(
        MonitorLine(std::chrono::duration_cast<std::chrono::microseconds>(now).count(),
                    client_.db, client_.info->addr, argv));
  }
  if (failed) {
    spec.failed_calls.fetch_add(1, std::memory_order_relaxed);
    server.stats.CountError(prefix);
  }
  const double us = static_cast<double>(ticks) * CachedMicrosPerTick();
  if (server.config.latency_tracking()) spec.Latency().Record(static_cast<uint64_t>(us * 1000.0));
  const int64_t slower_than = server.config.slowlog_log_slower_than();
  if (slower_than < 0 || (spec.flags & kCmdSkipSlowlog)) return;
  const auto micros = static_cast<int64_t>(us);
  if (micros < slower_than) return;
  std::string name;
  {
    std::lock_guard<std::mutex> lock(client_.info->mu);
    name = client_.info->name;
  }
  server.slowlog.Add(argv, micros, server.clock.NowMs() / 1000, client_.info->addr,
                     std::move(name), static_cast<size_t>(server.config.slowlog_max_len()));
}

bool Connection::LeaseLapsedAfter(const CommandSpec& spec,
                                  std::span<const std::string_view> argv) const {
  const cluster::Cluster* cluster = worker_.server().cluster;
  if (cluster == nullptr || !cluster->options().master_lease || spec.key_specs.empty()) {
    return false;
  }
  std::vector<int> keys = spec.KeyPositions(argv.size());
  if (keys.empty()) return false;
  return cluster->LeaseLapsedOn(KeyHashSlot(argv[static_cast<size_t>(keys[0])]));
}

bool Connection::ColdEligible(const CommandSpec& spec) const {
  if (!worker_.server().config.cold_read_offload()) return false;
  if (!(spec.flags & kCmdReadonly) || (spec.flags & kCmdWrite) || spec.key_specs.empty()) {
    return false;
  }
  if (spec.flags & (kCmdAdmin | kCmdPubsub | kCmdBlocking | kCmdNoMulti)) return false;
  // Under a replica quorum a read waits for the replicas (Execute).
  if (QuorumFor() != 0) return false;
  // A read that must see the loop batch's writes stays on the loop.
  return !worker_.server().engine.PipelineHasWrites();
}

struct Connection::ColdRead {
  uv_work_t req;
  Connection* conn = nullptr;
  const CommandSpec* spec = nullptr;
  std::vector<std::string> args;
  std::string out;
  int resp = 2;
  uint64_t ticks = 0;
  bool failed = false;
  std::string error_prefix;
  bool muted = false;  // run under CLIENT REPLY OFF/SKIP: its reply is dropped
};

void Connection::StartColdRead(const CommandSpec& spec, std::span<const std::string_view> argv) {
  auto* job = new ColdRead();
  job->req.data = job;
  job->conn = this;
  job->spec = &spec;
  job->args.assign(argv.begin(), argv.end());  // the read buffer moves on
  job->resp = client_.resp;
  job->muted = reply_.buffer() != &out_;
  cold_in_flight_ = true;
  worker_.server().stats.cold_reads.fetch_add(1, std::memory_order_relaxed);
  if (uv_queue_work(worker_.loop(), &job->req, RunCold, AfterCold) != 0) {
    // No thread pool: read here, blocking this loop as before.
    RunCold(&job->req);
    AfterCold(&job->req, 0);
  }
}

// On a thread-pool thread. The connection runs nothing meanwhile, so its
// client state is this command's alone; the engine is thread-safe.
namespace {
// Nice value of the threads that run cold reads (the loops run at 0).
constexpr int kColdReadNice = 10;
}  // namespace

void Connection::RunCold(uv_work_t* req) {
  // Cold reads run below the loops' CPU priority: on a machine with few
  // cores a thread-pool thread decompressing blocks would otherwise take
  // the core from a loop serving hot keys (README, "Cold reads").
  static thread_local bool lowered = [] {
    storage::Engine::SkipPerfCountersOnThisThread();
    return setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kColdReadNice) == 0;
  }();
  (void)lowered;
  auto* job = static_cast<ColdRead*>(req->data);
  Connection* self = job->conn;
  std::vector<std::string_view> views(job->args.begin(), job->args.end());
  resp::ReplyBuilder reply(&job->out);
  reply.set_protocol(job->resp);
  const uint64_t t0 = CpuTicks();
  CommandContext ctx(views, *job->spec, self->client_, reply, self->worker_.server(), self);
  job->spec->handler(ctx);
  job->ticks = TicksSince(t0);
  job->failed = reply.errors_written() != 0;
  job->error_prefix = reply.last_error_prefix();
}

void Connection::AfterCold(uv_work_t* req, int) {
  std::unique_ptr<ColdRead> job(static_cast<ColdRead*>(req->data));
  Connection* self = job->conn;
  self->cold_in_flight_ = false;
  {
    std::vector<std::string_view> argv(job->args.begin(), job->args.end());
    self->CountCall(*job->spec, argv, job->ticks, job->failed, job->error_prefix);
  }
  if (self->close_after_cold_) {
    self->Close();
    return;
  }
  std::vector<std::string_view> views(job->args.begin(), job->args.end());
  if (job->muted) {
    // Nothing to send.
  } else if (self->LeaseLapsedAfter(*job->spec, views)) {
    resp::ReplyBuilder err(&self->out_);
    err.set_protocol(job->resp);
    err.Error(errors::kNoLease);
    self->worker_.server().stats.CountError("TRYAGAIN");
  } else {
    self->out_.append(job->out);
  }
  // Still waiting for an fsync or replicas for earlier commands: the reply
  // goes out with theirs.
  if (self->waiting_seq_ != 0 || self->client_.replica_wait.active) return;
  self->SendReplies();
  if (!self->closing_ && self->rlen_ > 0) self->ProcessInput();
  self->MaybeResumeReading();
}

void Connection::UpdateSharedInfo() {
  ClientInfo& info = *client_.info;
  std::lock_guard<std::mutex> lock(info.mu);
  info.db = client_.db;
  info.resp = client_.resp;
  info.multi = client_.txn.active;
  info.multi_queued = client_.txn.queued.size();
  info.last_interaction_ms = worker_.server().clock.NowMs();
  if (!last_cmd_.empty()) info.last_cmd = last_cmd_;
  info.qbuf = rlen_;
  // Replies of this batch are about to be written; what stays pending is
  // what the socket has not taken yet.
  info.obuf = bytes_in_flight_;
}

void Connection::SendReplies() {
  // Held replies go out when the loop batch is written (FinishHeld).
  if (closing_ || held_) return;
  if (!out_.empty()) {
    worker_.server().stats.net_output_bytes.fetch_add(out_.size(), std::memory_order_relaxed);
    worker_.server().stats.writes_processed.fetch_add(1, std::memory_order_relaxed);
    size_t sent = 0;
    if (writes_in_flight_ == 0) {
      uv_buf_t b = uv_buf_init(out_.data(), static_cast<unsigned>(out_.size()));
      int n = uv_try_write(reinterpret_cast<uv_stream_t*>(&handle_), &b, 1);
      if (n > 0) {
        sent = static_cast<size_t>(n);
      } else if (n != UV_EAGAIN && n != UV_ENOSYS) {
        Close();
        return;
      }
    }
    if (sent < out_.size()) {
      auto* w = new WriteReq();
      w->conn = this;
      if (sent == 0) {
        w->data.swap(out_);
      } else {
        w->data.assign(out_, sent, std::string::npos);
      }
      uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
      w->req.data = w;
      ++writes_in_flight_;
      bytes_in_flight_ += w->data.size();
      if (uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&handle_), &b, 1, OnWrite) != 0) {
        --writes_in_flight_;
        bytes_in_flight_ -= w->data.size();
        delete w;
        Close();
        return;
      }
    }
    out_.clear();
    if (out_.capacity() > (1 << 20)) std::string().swap(out_);
  }
  if (client_.close_after_reply && writes_in_flight_ == 0) {
    Close();
    return;
  }
  MaybeResumeReading();
}

void Connection::OnWrite(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  Connection* self = w->conn;
  --self->writes_in_flight_;
  self->bytes_in_flight_ -= w->data.size();
  delete w;
  if (status < 0) {
    self->Close();
    return;
  }
  if (self->closing_) return;
  if (self->client_.close_after_reply && self->writes_in_flight_ == 0) {
    self->Close();
    return;
  }
  self->MaybeResumeReading();
}

void Connection::MaybeResumeReading() {
  if (closing_ || waiting_seq_ != 0 || client_.replica_wait.active || client_.close_after_reply ||
      cold_in_flight_ || parked_) {
    return;
  }
  bool want = bytes_in_flight_ < kMaxPendingOutput;
  if (want && !reading_) {
    reading_ = uv_read_start(reinterpret_cast<uv_stream_t*>(&handle_), OnAlloc, OnRead) == 0;
    // Input that arrived before we paused.
    if (reading_ && rlen_ > 0) ProcessInput();
  } else if (!want) {
    StopReading();
  }
}

void Connection::StopReading() {
  if (!reading_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&handle_));
  reading_ = false;
}

void Connection::DeliverPubsub(std::span<const PubsubDelivery* const> batch) {
  // After QUIT nothing more is written, as Redis stops writing to a client
  // flagged close-after-reply.
  if (closing_ || client_.close_after_reply) return;
  resp::ReplyBuilder push(&out_);
  push.set_protocol(client_.resp);
  for (const PubsubDelivery* d : batch) WritePubsubMessage(push, *d);
  if (out_.size() + bytes_in_flight_ > kPubsubOutputHardLimit) {
    LOG_WARNING("closing client %s: pubsub output over the 32mb hard limit",
                client_.info->addr.c_str());
    Close();
    return;
  }
  // Replies held for an fsync go first: these wait with them.
  if (waiting_seq_ == 0) SendReplies();
}

void Connection::FlushNow() {
  if (closing_ || out_.empty()) return;
  uv_buf_t b = uv_buf_init(out_.data(), static_cast<unsigned>(out_.size()));
  uv_try_write(reinterpret_cast<uv_stream_t*>(&handle_), &b, 1);
  out_.clear();
}

}  // namespace cairn
