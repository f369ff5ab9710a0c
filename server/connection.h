// Connection: one client socket on a Worker's loop. Reads into a growing
// buffer, parses every complete command in it, executes each inline, and
// writes all the replies of one read with a single write. Under appendfsync
// always, replies that follow a write are held (and reading paused) until the
// group-commit fsync covers the write.
#pragma once

#include <uv.h>

#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "server/client.h"
#include "server/command.h"
#include "server/resp/parser.h"
#include "server/resp/reply.h"
#include "storage/prefetch_keys.h"

namespace cairn {

class Worker;
struct PubsubDelivery;

class Connection : public CommandRunner {
 public:
  Connection(Worker& worker);
  ~Connection() override;

  // Accepts from `server` and starts reading. False if the accept failed
  // (the connection then closes itself).
  bool Accept(uv_stream_t* server);
  // Closes the socket; `this` is deleted in the close callback.
  void Close();
  // The durable sequence advanced: release held replies if covered.
  // Returns true if the connection is no longer waiting.
  bool OnSynced(uint64_t synced_seq);
  // Writes what is pending without waiting (shutdown).
  void FlushNow();
  // Pub/Sub messages for this client from the loop's mailbox, in order;
  // closes the connection if its unsent output passes the pubsub hard limit.
  void DeliverPubsub(std::span<const PubsubDelivery* const> batch);

  // The loop batch holding some of this connection's writes was written
  // (or failed from the command index lost_from on: their replies become
  // errors). Worker::EndLoopBatch.
  void LoopBatchWritten(uint64_t seq, const Status& status, int lost_from);
  // The iteration ended: send the held replies (or wait for fsync/replicas).
  void FinishHeld();
  // A command of ours waits for an atomic slot migration's write pause
  // (cluster_redirect.h): the worker calls this to run it again.
  void Unpark();

  // Input read in this loop iteration, run by the worker once the I/O
  // phase is over (Worker::RunReadInput): first AddPrefetchKeys, for every
  // connection that read, then RunReadInput for each.
  //
  // AddPrefetchKeys parses ahead (at most 64 commands, until *keys holds
  // KeyCache::kPrefetchWindow) and appends their keys to *keys
  // (Engine::AddPrefetch); it returns how many commands it saw.
  // Prefetching those rows before running the commands overlaps their
  // lookups' cache misses instead of stalling on one after the other.
  int AddPrefetchKeys(storage::PrefetchKeys* keys);
  // Runs the input; its keys were prefetched already.
  void RunReadInput() {
    input_deferred_ = false;
    prefetched_ = true;
    ProcessInput();
  }

  Client& client() { return client_; }
  bool closing() const { return closing_; }

 private:
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClose(uv_handle_t* handle);

  // Runs every complete command in the buffer, then sends or holds replies.
  void ProcessInput();
  // Whether ProcessInput would run commands now.
  bool CanRunInput() const;
  resp::ParserLimits Limits() const;
  void Execute(const std::vector<std::string_view>& argv);
  // CommandRunner: runs a checked command (EXEC runs its queue through it).
  void Run(const CommandSpec& spec, std::span<const std::string_view> argv) override;
  // Replies with the error of a command refused before running; inside
  // MULTI this dooms the transaction (Redis's rejectCommand).
  void Reject(const CommandSpec* run, std::string_view error);
  // Holds the reply of a write just made until the replica quorum
  // (CLIENT CONSISTENCY / replica-ack-quorum) acknowledged it.
  // `seq`: the write's sequence number, or for a `read` the newest one it
  // may have seen (it waits only if the quorum does not have that yet).
  void StartQuorumWait(size_t reply_start, uint64_t seq, bool read = false);
  // Replicas this connection's writes wait for now (0 = none).
  int64_t QuorumFor() const;
  // Ends a WAIT or quorum wait that is satisfied or timed out; true if none
  // is pending any more.
  bool CheckReplicaWait();
  void SendReplies();
  void MaybeResumeReading();
  void StopReading();
  void UpdateSharedInfo();
  // Commands that may join the loop's write batch (Worker::JoinLoopBatch):
  // they only touch their declared keys.
  bool Pipelinable(const CommandSpec& spec) const;
  // After the commands of a read ran: wait for fsync or replicas, or send.
  void FinishInput();
  // Cold reads: a read-only command run with Engine::CacheOnlyReads that
  // needed storage I/O is run again on the libuv thread pool; this
  // connection runs nothing else until it is back, so replies stay in order
  // while the loop serves its other connections.
  bool ColdEligible(const CommandSpec& spec) const;
  // Cluster mode: myself owns the command's slot but its lease lapsed
  // since the redirect check.
  bool LeaseLapsedAfter(const CommandSpec& spec, std::span<const std::string_view> argv) const;
  void StartColdRead(const CommandSpec& spec, std::span<const std::string_view> argv);
  struct ColdRead;
  static void RunCold(uv_work_t* req);
  static void AfterCold(uv_work_t* req, int status);
  // Records a finished command in the per-command statistics.
  // Counts a finished command (INFO commandstats, errorstats) and logs it
  // in the slow log if it took long enough.
  // Whether CLIENT PAUSE holds `run` back now.
  bool PausedFor(const CommandSpec& run) const;
  // Runs one parsed command; under CLIENT REPLY OFF or SKIP its replies are
  // dropped.
  void ExecuteReplying(const std::vector<std::string_view>& argv);
  void CountCall(const CommandSpec& spec, std::span<const std::string_view> argv, uint64_t ticks,
                 bool failed, const std::string& prefix);

  Worker& worker_;
  uv_tcp_t handle_;
  Client client_;
  resp::RequestParser parser_;
  resp::RequestParser lookahead_;   // AddPrefetchKeys's own pass over the buffer
  storage::PrefetchKeys prefetch_;  // the keys it found
  bool prefetched_ = false;         // RunReadInput prefetched for this ProcessInput
  bool input_deferred_ = false;     // on the worker's list of input to run
  std::string rbuf_;
  size_t rlen_ = 0;  // bytes of rbuf_ holding data
  std::string out_;  // replies not yet handed to the socket
  // Where the replies of a command run under CLIENT REPLY OFF or SKIP go
  // (reply_ writes here while it runs); dropped after each command.
  std::string muted_out_;
  resp::ReplyBuilder reply_;
  size_t writes_in_flight_ = 0;  // uv_write requests not completed
  size_t bytes_in_flight_ = 0;
  bool reading_ = false;
  bool closing_ = false;
  uint64_t waiting_seq_ = 0;       // > 0: replies held until this is durable
  bool in_input_ = false;          // inside ProcessInput's command loop
  bool held_ = false;              // replies wait for the loop batch
  bool run_deferred_ = false;      // the last Run's reply comes later (batch, thread pool)
  bool cold_in_flight_ = false;    // a command of ours runs on the thread pool
  bool parked_ = false;            // the next command waits for a write pause (Unpark)
  bool close_after_cold_ = false;  // Close() was asked for meanwhile
  // Each command in the loop batch: its index there and its reply's byte
  // range [first, last) in out_.
  struct BatchedReply {
    int index;
    size_t first;
    size_t last;
  };
  std::vector<BatchedReply> batched_;
  std::string last_cmd_;
};

}  // namespace cairn
