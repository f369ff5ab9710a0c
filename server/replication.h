// Replication: a master streams its WAL batches to its replicas; replicas
// apply them in order and acknowledge the offsets they applied.
//
// Transport: the client port, as Redis does it. A replica connects like a
// client and sends CAIRN.SYNC <master-data-id> <next-seq> <listening-port>;
// the master's handler hands the socket to a feeder thread that answers
//   +CONTINUE <data-id>                  the replica's offset is still in the
//                                        WAL archive: the stream resumes
//   +FULLSYNC <data-id> <seq>            else: a RocksDB snapshot follows as
//   $<n> <chunk> ... +ENDSYNC            bulk chunks, then the stream from seq
// and then streams `*3 :seq :count $batch` frames, with +PING every second
// when idle. The replica answers with REPLCONF ACK <offset> frames. One
// thread per replica link on each side keeps the event loops out of it
// (blocking sockets with poll timeouts; every wait is bounded).
//
// Offsets are the master's RocksDB sequence numbers. The data id names a
// data directory's history (persisted by the engine), so a replica resumes
// after a restart of either side without a full sync while the WAL archive
// still reaches back to its offset.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace cairn {
namespace storage {
class Engine;
}
struct Stats;

class Replication {
 public:
  Replication(storage::Engine& engine, const Clock& clock, int own_port);
  ~Replication();
  Replication(const Replication&) = delete;
  Replication& operator=(const Replication&) = delete;

  // ---- replica side ----
  // Becomes (or stays) a replica of host:port; false if it already was one
  // of that very master (Redis then answers "+OK Already connected...").
  bool ReplicaOf(const std::string& host, int port);
  // Back to master (REPLICAOF NO ONE): the link stops; data stays.
  void ReplicaOfNoOne();
  // Stops the link at once without waiting for its thread (callable under
  // other locks, e.g. the cluster's at a promotion): when it returns, no
  // further batch from the master is applied and no REPLCONF ACK is sent.
  // ReplicaOf / ReplicaOfNoOne later reap the thread.
  void Fence();
  bool is_replica() const { return replica_.load(std::memory_order_acquire); }
  // Whether the link to the master is up (serving reads when down is
  // replica-serve-stale-data's business).
  bool link_up() const { return link_up_.load(std::memory_order_acquire); }

  struct LinkInfo {
    std::string host;
    int port = 0;
    std::string state;  // "connect", "connecting", "sync", "connected"
    bool up = false;
    int64_t last_io_ms = 0;     // monotonic; 0 = never
    int64_t down_since_ms = 0;  // monotonic; 0 = never up
    bool sync_in_progress = false;
    uint64_t offset = 0;
  };
  LinkInfo Link() const;

  // ---- master side ----
  // Takes over `fd` (a dup of a client socket that sent CAIRN.SYNC) and
  // serves that replica from its own thread.
  void ServeReplica(int fd, const std::string& peer_ip, int listening_port,
                    const std::string& master_id, uint64_t next_seq);

  struct ReplicaInfo {
    std::string ip;
    int port = 0;
    std::string state;        // "wait_bgsave" during a full sync, then "online"
    uint64_t ack = 0;         // last offset acknowledged
    int64_t last_ack_ms = 0;  // monotonic
  };
  std::vector<ReplicaInfo> Replicas() const;
  // Replicas online whose acknowledged offset is >= seq (WAIT).
  int CountAcked(uint64_t seq) const;

  // The master offset: this node's newest sequence number as a master, the
  // applied master offset as a replica.
  uint64_t Offset() const;
  // This data directory's replication id (master_replid).
  std::string DataId() const;

  // Clients waiting for acknowledgements (WAIT, quorum writes): while there
  // are any, each acknowledgement that advances calls on_ack (which wakes
  // the loops).
  void AddWaiter() { waiters_.fetch_add(1, std::memory_order_acq_rel); }
  void RemoveWaiter() { waiters_.fetch_sub(1, std::memory_order_acq_rel); }
  void set_on_ack(std::function<void()> f) { on_ack_ = std::move(f); }

  // Stops every thread (shutdown).
  void Stop();

 private:
  struct Feeder;
  void RunLink(uint64_t generation, std::string host, int port);
  void RunFeeder(Feeder* f);
  void ReapFeeders();

  storage::Engine& engine_;
  const Clock& clock_;
  const int own_port_;
  std::atomic<bool> stopping_{false};

  std::atomic<bool> replica_{false};
  std::atomic<bool> link_up_{false};
  mutable std::mutex link_mu_;  // guards link_, link_thread_, generation_
  LinkInfo link_;
  std::thread link_thread_;
  std::atomic<uint64_t> generation_{0};  // bumped to stop the current link
  // Held by the link thread around "still current? apply / ack", and by
  // Fence(); taken before link_mu_.
  std::mutex apply_mu_;

  std::atomic<int> waiters_{0};
  std::function<void()> on_ack_;  // set before any replica connects

  mutable std::mutex feeders_mu_;  // guards feeders_
  std::list<std::unique_ptr<Feeder>> feeders_;
};

}  // namespace cairn
