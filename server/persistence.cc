#include "server/persistence.h"

#include "common/log.h"
#include "server/config.h"
#include "server/stats.h"
#include "storage/snapshot.h"

namespace cairn {

Persistence::Persistence(storage::Engine& engine, const Config& config, Stats& stats,
                         const Clock& clock, int64_t start_time_ms)
    : engine_(engine),
      config_(config),
      stats_(stats),
      clock_(clock),
      last_save_time_s_(start_time_ms / 1000) {}

Persistence::~Persistence() {
  WaitIdle();
  std::thread t;
  {
    std::lock_guard<std::mutex> lock(mu_);
    t = std::move(thread_);
  }
  if (t.joinable()) t.join();
}

bool Persistence::BeginLocked(bool background) {
  if (in_progress_) return false;
  in_progress_ = true;
  started_mono_ms_ = clock_.MonotonicMs();
  ++saves_;
  if (background) LOG_NOTICE("Background saving started");
  return true;
}

Status Persistence::Save(bool wait_for_running) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (wait_for_running) idle_.wait(lock, [this] { return !in_progress_; });
    if (!BeginLocked(false)) return Status::Busy("a save is already in progress");
  }
  return Run(false);
}

Status Persistence::StartBackgroundSave() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!BeginLocked(true)) return Status::Busy("a save is already in progress");
  // The previous background thread has finished (in_progress_ was false),
  // so this join returns at once.
  if (thread_.joinable()) thread_.join();
  thread_ = std::thread([this] {
    Status s = Run(true);
    (void)s;  // reported through State() and the log
  });
  return Status::Ok();
}

void Persistence::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return !in_progress_; });
}

Status Persistence::Run(bool background) {
  // Writes counted before the checkpoint starts are surely in it; later ones
  // may or may not be, so they stay counted as unsaved (Redis's
  // dirty_before_bgsave).
  const uint64_t changes_before = stats_.changes.load();
  auto result = storage::SaveCheckpoint(engine_, config_.dir(), clock_.NowMs());
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t elapsed_s = (clock_.MonotonicMs() - started_mono_ms_) / 1000;
  if (background) last_bgsave_time_s_ = elapsed_s;
  last_status_ok_ = result.ok();
  if (result.ok()) {
    last_save_time_s_ = clock_.NowMs() / 1000;
    changes_at_last_save_ = changes_before;
    last_checkpoint_ = result->path;
    LOG_NOTICE("%s", background ? "Background saving terminated with success" : "DB saved on disk");
    LOG_NOTICE("Checkpoint written to %s", result->path.c_str());
  } else {
    LOG_WARNING("%s: %s", background ? "Background saving error" : "Saving error",
                result.status().ToString().c_str());
  }
  in_progress_ = false;
  idle_.notify_all();
  return result.status();
}

Persistence::State Persistence::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  State st;
  st.in_progress = in_progress_;
  st.last_save_time_s = last_save_time_s_;
  st.last_status_ok = last_status_ok_;
  st.last_bgsave_time_s = last_bgsave_time_s_;
  st.current_save_time_s = in_progress_ ? (clock_.MonotonicMs() - started_mono_ms_) / 1000 : -1;
  st.saves = saves_;
  const uint64_t changes = stats_.changes.load();
  st.changes_since_last_save =
      changes >= changes_at_last_save_ ? changes - changes_at_last_save_ : 0;
  st.last_checkpoint = last_checkpoint_;
  return st;
}

}  // namespace cairn
