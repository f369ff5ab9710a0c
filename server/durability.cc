#include "server/durability.h"

#include <chrono>

#include "common/log.h"
#include "server/stats.h"
#include "storage/engine.h"

namespace cairn {

Durability::Durability(storage::Engine& engine, const Config& config, Stats& stats)
    : engine_(engine), config_(config), stats_(stats) {
  synced_seq_ = engine_.LatestSequence();
}

Durability::~Durability() { Stop(); }

void Durability::AddListener(std::function<void()> on_synced) {
  listeners_.push_back(std::move(on_synced));
}

void Durability::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Durability::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Durability::RequestSync() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (requested_) return;
    requested_ = true;
  }
  cv_.notify_one();
}

bool Durability::SyncOnce() {
  // Everything written before this read of the sequence is in the WAL file
  // (RocksDB publishes a sequence only after its WAL write), so one fsync
  // makes all of it durable.
  uint64_t target = engine_.LatestSequence();
  if (target <= SyncedSequence()) return true;
  auto t0 = std::chrono::steady_clock::now();
  Status s = engine_.SyncWal();
  if (!s.ok()) {
    LOG_WARNING("WAL fsync failed, replies wait until it succeeds: %s", s.ToString().c_str());
    return false;
  }
  auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  stats_.fsyncs.fetch_add(1, std::memory_order_relaxed);
  stats_.last_fsync_us.store(us, std::memory_order_relaxed);
  synced_seq_.store(target, std::memory_order_release);
  for (auto& l : listeners_) l();
  return true;
}

void Durability::Run() {
  auto last_periodic = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    FsyncPolicy policy = config_.appendfsync();
    auto wait_for = std::chrono::milliseconds(policy == FsyncPolicy::kEverySec ? 100 : 1000);
    cv_.wait_for(lock, wait_for, [this] { return requested_ || stop_; });
    if (stop_) break;
    bool requested = requested_;
    requested_ = false;
    lock.unlock();
    bool ok = true;
    // A write that failed (a full disk) stopped the storage engine: try to
    // resume it whatever the policy (under appendfsync always the sync
    // below would do it too).
    if (engine_.WriteFailed()) (void)engine_.ResumeAfterWriteError();
    policy = config_.appendfsync();
    auto now = std::chrono::steady_clock::now();
    if (requested || policy == FsyncPolicy::kAlways) {
      ok = SyncOnce();
    } else if (policy == FsyncPolicy::kEverySec && now - last_periodic >= std::chrono::seconds(1)) {
      ok = SyncOnce();
      last_periodic = now;
    }
    lock.lock();
    if (!ok) {
      requested_ = requested;  // try again shortly
      cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_; });
    }
  }
  lock.unlock();
  // A last sync so a clean stop loses nothing in any mode.
  if (!SyncOnce()) LOG_WARNING("final WAL sync failed");
}

}  // namespace cairn
