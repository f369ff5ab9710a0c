// Persistence administration (rdb.c's SAVE/BGSAVE bookkeeping in Redis):
// snapshots are RocksDB checkpoints under <dir>/checkpoints (see
// storage/snapshot.h), taken in the caller's thread (SAVE, SHUTDOWN SAVE) or
// in one background thread (BGSAVE). At most one save runs at a time. Keeps
// what LASTSAVE and INFO persistence report.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/status.h"

namespace cairn {
namespace storage {
class Engine;
}
class Config;
struct Stats;

class Persistence {
 public:
  // `start_time_ms` (wall clock) is LASTSAVE until the first save, as Redis
  // considers the data set saved at start-up.
  Persistence(storage::Engine& engine, const Config& config, Stats& stats, const Clock& clock,
              int64_t start_time_ms);
  // Waits for a background save still running.
  ~Persistence();
  Persistence(const Persistence&) = delete;
  Persistence& operator=(const Persistence&) = delete;

  // SAVE: takes a checkpoint in this thread. Busy if a save is running and
  // `wait_for_running` is false; otherwise waits for it first (SHUTDOWN SAVE).
  Status Save(bool wait_for_running);
  // BGSAVE: starts a checkpoint in the background thread. Busy if a save
  // is running. Its outcome is only reported through State().
  Status StartBackgroundSave();
  // Waits until no save is running.
  void WaitIdle();

  struct State {
    bool in_progress = false;
    int64_t last_save_time_s = 0;          // LASTSAVE
    bool last_status_ok = true;            // rdb_last_bgsave_status
    int64_t last_bgsave_time_s = -1;       // rdb_last_bgsave_time_sec
    int64_t current_save_time_s = -1;      // rdb_current_bgsave_time_sec
    uint64_t saves = 0;                    // rdb_saves (attempts, as Redis counts)
    uint64_t changes_since_last_save = 0;  // rdb_changes_since_last_save
    std::string last_checkpoint;           // path of the newest checkpoint, "" if none
  };
  State state() const;

 private:
  // Marks a save as started; false if one is running. Caller holds mu_.
  bool BeginLocked(bool background);
  // Takes the checkpoint and records the outcome (either thread).
  Status Run(bool background);

  storage::Engine& engine_;
  const Config& config_;
  Stats& stats_;
  const Clock& clock_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable idle_;
  bool in_progress_ = false;
  int64_t started_mono_ms_ = 0;
  int64_t last_save_time_s_;
  bool last_status_ok_ = true;
  int64_t last_bgsave_time_s_ = -1;
  uint64_t saves_ = 0;
  uint64_t changes_at_last_save_ = 0;
  std::string last_checkpoint_;
  std::thread thread_;  // the last background save; joined before the next
};

}  // namespace cairn
