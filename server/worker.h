// Worker: one libuv loop on its own thread. It owns its listening sockets
// (SO_REUSEPORT on the shared port, so the kernel spreads connections over
// the loops) and every connection it accepted: it reads, parses, executes
// commands inline and writes replies for all of them with one write.
#pragma once

#include <uv.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "server/command.h"
#include "storage/prefetch_keys.h"

namespace cairn {

class Durability;
class Connection;

class Worker {
 public:
  Worker(int index, ServerContext& server, Durability& durability);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Opens listeners on every bind address (a leading '-' marks an address
  // that may be unavailable). *port = 0 asks the kernel for one and returns it.
  Status Listen(const std::vector<std::string>& binds, int* port);
  void Start();
  // Stops accepting, writes what is pending, closes every connection and
  // ends the loop; joins the thread.
  void Stop();
  // Wakes the loop (from any thread): released durable replies, kills.
  void Wake();

  int index() const { return index_; }
  ServerContext& server() { return server_; }
  Durability& durability() { return durability_; }
  uv_loop_t* loop() { return &loop_; }

  // Connection bookkeeping (loop thread only).
  void Track(Connection* c);
  void Untrack(Connection* c);
  void WaitForSync(Connection* c) { waiting_.insert(c); }
  // c's replies wait for an fsync (appendfsync always): one is asked for
  // at the end of the iteration, when the iteration's writes are all in the
  // WAL, so they share one fsync instead of the first write taking one of
  // its own.
  void WaitForFsync(Connection* c) {
    waiting_.insert(c);
    fsync_wanted_ = true;
  }
  void DoneWaiting(Connection* c) { waiting_.erase(c); }

  // One write batch per loop iteration: from the second command this loop
  // runs in an iteration on, the commands that touch only their declared
  // keys (Connection::Pipelinable), from any of its connections, share one
  // engine pipeline batch. It is written once, before the loop waits for I/O
  // again (prepare and check handles), and the replies of those commands
  // are held until then, so none acknowledges a write not yet in the WAL.
  bool loop_batch_open() const { return batch_open_; }
  // Counts a top-level command; true if it runs in the loop batch. A write
  // that may join (`pipelinable`) does so unless it is the iteration's
  // first (the batch is opened if needed); a read joins only a batch holding
  // writes (it must see them, and its reply waits for them); any other
  // command first writes the open batch.
  bool JoinLoopBatch(bool pipelinable, bool is_write);
  // Writes the open loop batch (a command that must run alone, contention,
  // or the end of the iteration) and tells the held connections.
  void EndLoopBatch();
  // c's replies wait for the loop batch (called once per iteration).
  void Hold(Connection* c) { held_.push_back(c); }
  // c read input (once per iteration: the connection keeps track): it runs
  // once the iteration's I/O callbacks are done, with the input of every
  // other connection that read (RunReadInput).
  void DeferInput(Connection* c);
  // c's next command waits for a write pause to end: it is run again every
  // kParkRetryMs until it runs (Connection::Unpark).
  void Park(Connection* c);
  // Iterations finished (their loop batch written); any thread may read it
  // (the loop barrier of cluster::Cluster).
  uint64_t iterations() const { return iterations_.load(std::memory_order_acquire); }

 private:
  static void OnConnection(uv_stream_t* server, int status);
  static void OnAsync(uv_async_t* handle);
  static void OnTimer(uv_timer_t* handle);
  static void OnParkTimer(uv_timer_t* handle);
  static void OnIterationEnd(uv_check_t* handle);
  static void OnBeforePoll(uv_prepare_t* handle);
  // Runs the input the iteration's reads deferred: first prefetches the
  // key cache rows of all their commands' keys at once, then runs each
  // connection's commands, so the lookups of commands from different
  // connections overlap their cache misses as a pipeline's do.
  void RunReadInput();
  // Writes the loop batch and sends the held replies.
  void FinishIteration();
  void HandleWake();
  void DeliverPubsub();
  void Shutdown();

  const int index_;
  ServerContext& server_;
  Durability& durability_;
  uv_loop_t loop_;
  uv_async_t async_;
  uv_timer_t timer_;
  uv_timer_t park_timer_;
  std::vector<Connection*> parked_;  // commands waiting for a write pause
  std::atomic<uint64_t> iterations_{0};
  uv_check_t check_;
  uv_prepare_t prepare_;
  bool batch_open_ = false;
  bool fsync_wanted_ = false;         // a connection waits for a sync not yet asked for
  int iteration_commands_ = 0;        // top-level commands since the last FinishIteration
  std::vector<Connection*> held_;     // replies held for the loop batch
  std::vector<Connection*> read_;     // input read this iteration, not yet run
  std::vector<Connection*> running_;  // RunReadInput's copy of read_
  storage::PrefetchKeys prefetch_;    // RunReadInput's keys
  std::vector<uv_tcp_t*> listeners_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  std::thread thread_;
  std::unordered_set<Connection*> connections_;
  std::unordered_set<Connection*> waiting_;          // replies held for fsync
  std::unordered_map<uint64_t, Connection*> by_id_;  // client id -> connection (Pub/Sub mail)
};

}  // namespace cairn
