// WatchTable: which clients WATCH which keys, so that every write to a key
// (by any loop thread, by expiry, by FLUSHDB) marks those clients' pending
// transactions dirty, as Redis's touchWatchedKey does.
//
// Ordering: WATCH registers a key while holding its key lock, and every write
// reports the keys it changed while still holding their locks (Engine::Commit
// is called under them), so a write either completed before the WATCH (the
// client's later reads see it; no dirt) or is reported after it (dirt).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cairn::storage {

// One client's transaction state as seen by writers: set dirty once any
// watched key changed. Shared by the client and the table.
struct WatchFlag {
  std::atomic<bool> dirty{false};
};

class WatchTable {
 public:
  // True when some client watches some key (writers skip the table when not).
  bool active() const { return size_.load(std::memory_order_acquire) > 0; }

  // `expired`: the key was stored but logically expired at WATCH time; its
  // deletion then is no change (Redis 7.0 keeps such a watch clean until the
  // key is written again). Watching a key twice with one flag is a no-op.
  void Watch(uint8_t db, std::string_view key, const std::shared_ptr<WatchFlag>& flag,
             bool expired);
  void Unwatch(uint8_t db, std::string_view key, const WatchFlag* flag);

  // A write changed `key`. `deleted`: the key is absent after it.
  void Touch(uint8_t db, std::string_view key, bool deleted);
  // The watched keys of dbs first..last (FLUSHDB/FLUSHALL/SWAPDB decide which
  // of them existed and touch those).
  std::vector<std::pair<uint8_t, std::string>> KeysIn(uint8_t first, uint8_t last) const;

 private:
  struct Watcher {
    std::shared_ptr<WatchFlag> flag;
    bool expired;
  };
  static std::string TableKey(uint8_t db, std::string_view key);

  mutable std::mutex mu_;                                       // guards keys_
  std::unordered_map<std::string, std::vector<Watcher>> keys_;  // [db][key] -> watchers
  std::atomic<size_t> size_{0};                                 // number of keys_ entries
};

}  // namespace cairn::storage
