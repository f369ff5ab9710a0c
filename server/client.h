// Client: the state of one connection that commands see and change (db,
// protocol, name, auth), plus what CLIENT LIST shows of it. A client is owned
// by its loop thread; other threads (CLIENT LIST/KILL) read the shared part
// through ClientRegistry under the client's lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace cairn {
namespace storage {
struct WatchFlag;
}  // namespace storage
struct CommandSpec;

struct ClientInfo {
  // Set once at accept.
  uint64_t id = 0;
  int fd = -1;
  std::string addr;   // "127.0.0.1:53422"
  std::string laddr;  // "127.0.0.1:6379"
  int64_t created_ms = 0;
  int worker = 0;  // index of the owning loop

  mutable std::mutex mu;  // guards the fields below
  std::string name;
  std::string lib_name;
  std::string lib_ver;
  int db = 0;
  int resp = 2;
  int64_t last_interaction_ms = 0;
  std::string last_cmd = "NULL";
  size_t qbuf = 0;
  size_t obuf = 0;
  bool multi = false;
  size_t multi_queued = 0;  // commands queued since MULTI
  bool no_evict = false;    // CLIENT NO-EVICT on (accepted; Cairn does not evict clients)
  int sub = 0;              // Pub/Sub channels subscribed
  int psub = 0;             // Pub/Sub patterns subscribed
  bool monitor = false;     // in MONITOR mode (flag O)

  // Set by CLIENT KILL from any thread; the owner closes the connection.
  std::atomic<bool> kill_requested{false};
  // Blocked (CLIENT LIST flag b, INFO blocked_clients): in WAIT, or with a
  // command held by CLIENT PAUSE. Only a WAIT can be ended by CLIENT
  // UNBLOCK (in_wait), whose request (1 = as a timeout, 2 = with an error)
  // any thread sets and the owner acts on.
  std::atomic<bool> blocked{false};
  std::atomic<bool> in_wait{false};
  std::atomic<bool> blocked_with_timeout{false};  // a WAIT with a timeout (INFO clients)
  std::atomic<int> unblock_requested{0};
};

// MULTI/EXEC/WATCH state of one connection (server/transaction.h).
struct Transaction {
  struct Queued {
    const CommandSpec* spec;  // the command or subcommand to run
    std::vector<std::string> argv;
  };
  bool active = false;   // between MULTI and EXEC/DISCARD
  bool aborted = false;  // a command was rejected while queueing: EXECABORT
  std::vector<Queued> queued;
  // WATCH: the keys, and the flag writers set when one of them changes.
  struct Watched {
    uint8_t db;
    std::string key;
    bool expired;  // stored but already expired at WATCH time
  };
  std::vector<Watched> watched;
  std::shared_ptr<storage::WatchFlag> watch_flag;
  size_t executing = 0;  // commands of the EXEC now running (CLIENT LIST)
};

// Connection state that only the owning loop touches.
struct Client {
  std::shared_ptr<ClientInfo> info;
  int db = 0;
  int resp = 2;
  bool authenticated = false;
  bool close_after_reply = false;  // QUIT, protocol error, SHUTDOWN
  // Highest sequence number this client's commands wrote in the current read
  // batch (0 = none): the reply waits until it is durable (appendfsync always).
  uint64_t pending_write_seq = 0;
  // Highest sequence number any command of this client wrote (WAIT's offset).
  uint64_t last_write_seq = 0;
  // Replies held until enough replicas acknowledged a sequence number: WAIT
  // (answers with the count) or a write under a replica quorum (answers with
  // its own reply, or -NOREPLICAS in its place on timeout).
  struct ReplicaWait {
    bool active = false;
    bool is_wait = false;
    int64_t needed = 0;
    uint64_t seq = 0;
    int64_t deadline_ms = 0;  // monotonic; 0 = wait forever (WAIT n 0)
    size_t reply_start = 0;   // quorum write: its reply in the output buffer
    size_t reply_end = 0;
    bool muted = false;       // started under CLIENT REPLY OFF/SKIP: answers nothing
  } replica_wait;
  // CLIENT REPLY: OFF drops every reply until ON; SKIP drops the reply of
  // the command after it (reply_skip is 2 while CLIENT REPLY SKIP runs, 1
  // for the command whose reply is dropped).
  bool reply_off = false;
  int reply_skip = 0;
  // CLIENT CONSISTENCY: replicas a write waits for; kQuorumDefault = the
  // node's replica-ack-quorum.
  static constexpr int64_t kQuorumDefault = -1;
  static constexpr int64_t kQuorumAll = -2;  // every connected replica (at least 1); = Config's

  static constexpr int64_t kQuorumMajority = -3;  // a majority of connected replicas (at least 1)
  int64_t ack_quorum = kQuorumDefault;
  Transaction txn;
  // Pub/Sub subscriptions (the registry has the names): > 0 is Redis's
  // "subscribed" context.
  bool monitor = false;  // MONITOR: receives a line per command run (pubsub.h)
  int pubsub_channels = 0;
  int pubsub_patterns = 0;
  // Cluster mode: READONLY (reads served by a replica) and ASKING (the next
  // command may touch an importing slot).
  bool cluster_readonly = false;
  bool asking = false;
};

// Every connected client, across loops (CLIENT LIST, CLIENT KILL, INFO clients).
class ClientRegistry {
 public:
  uint64_t NextId() { return next_id_.fetch_add(1) + 1; }
  void Add(std::shared_ptr<ClientInfo> info);
  void Remove(uint64_t id);
  std::vector<std::shared_ptr<ClientInfo>> Snapshot() const;
  size_t size() const;

 private:
  std::atomic<uint64_t> next_id_{0};
  mutable std::mutex mu_;  // guards clients_
  std::vector<std::shared_ptr<ClientInfo>> clients_;
};

}  // namespace cairn
