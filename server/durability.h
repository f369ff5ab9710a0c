// The appendfsync policy. RocksDB writes go to the WAL without sync; this
// thread fsyncs the WAL:
//   always    on demand, one fsync covering every write made before it, shared
//             by all loops and all clients (group commit); a loop holds a
//             client's replies until SyncedSequence() covers its writes.
//   everysec  once a second.
//   no        never explicitly (the OS flushes).
// After each sync it calls the listeners (one per loop) so they release the
// replies that became durable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "server/config.h"

namespace cairn {
namespace storage {
class Engine;
}
struct Stats;

class Durability {
 public:
  Durability(storage::Engine& engine, const Config& config, Stats& stats);
  ~Durability();

  // Listeners must be added before Start(); called on the sync thread.
  void AddListener(std::function<void()> on_synced);
  void Start();
  // Stops the thread after a last sync of everything written.
  void Stop();

  // Sequence numbers <= this are on disk.
  uint64_t SyncedSequence() const { return synced_seq_.load(std::memory_order_acquire); }
  // Asks for a sync soon (appendfsync always); cheap, callable from any loop.
  void RequestSync();
  // Whether replies must wait for SyncedSequence().
  bool MustWait() const { return config_.appendfsync() == FsyncPolicy::kAlways; }

 private:
  void Run();
  bool SyncOnce();

  storage::Engine& engine_;
  const Config& config_;
  Stats& stats_;
  std::vector<std::function<void()>> listeners_;
  std::atomic<uint64_t> synced_seq_{0};

  std::mutex mu_;  // guards requested_ and stop_
  std::condition_variable cv_;
  bool requested_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace cairn
