#include "storage/watch.h"

#include <algorithm>

namespace cairn::storage {

std::string WatchTable::TableKey(uint8_t db, std::string_view key) {
  std::string k;
  k.reserve(key.size() + 1);
  k.push_back(static_cast<char>(db));
  k.append(key.data(), key.size());
  return k;
}

void WatchTable::Watch(uint8_t db, std::string_view key, const std::shared_ptr<WatchFlag>& flag,
                       bool expired) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = keys_.try_emplace(TableKey(db, key));
  for (const auto& w : it->second) {
    if (w.flag.get() == flag.get()) return;
  }
  it->second.push_back({flag, expired});
  if (inserted) size_.fetch_add(1, std::memory_order_release);
}

void WatchTable::Unwatch(uint8_t db, std::string_view key, const WatchFlag* flag) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find(TableKey(db, key));
  if (it == keys_.end()) return;
  auto& v = it->second;
  v.erase(
      std::remove_if(v.begin(), v.end(), [&](const Watcher& w) { return w.flag.get() == flag; }),
      v.end());
  if (v.empty()) {
    keys_.erase(it);
    size_.fetch_sub(1, std::memory_order_release);
  }
}

void WatchTable::Touch(uint8_t db, std::string_view key, bool deleted) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find(TableKey(db, key));
  if (it == keys_.end()) return;
  for (auto& w : it->second) {
    if (w.expired) {
      // Removing a key that was already expired at WATCH time changes
      // nothing logically; from now on the watch is an ordinary one.
      w.expired = false;
      if (deleted) continue;
    }
    w.flag->dirty.store(true, std::memory_order_release);
  }
}

std::vector<std::pair<uint8_t, std::string>> WatchTable::KeysIn(uint8_t first, uint8_t last) const {
  std::vector<std::pair<uint8_t, std::string>> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [k, watchers] : keys_) {
    uint8_t db = static_cast<uint8_t>(k[0]);
    if (db >= first && db <= last) out.emplace_back(db, k.substr(1));
  }
  return out;
}

}  // namespace cairn::storage
