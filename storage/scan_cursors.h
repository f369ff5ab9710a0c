// Where SCAN calls stopped. A SCAN cursor must be a plain integer, but the
// position in a slot is a key of any length, so the engine remembers the
// last key a page returned under a small token and puts the token in the
// cursor. The table is bounded (LRU): a token that fell out of it makes the
// scan restart that slot from its beginning, which repeats keys but never
// skips one, so Redis's guarantee still holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace cairn::storage {

class ScanCursors {
 public:
  static constexpr size_t kDefaultEntries = 16384;
  static constexpr size_t kDefaultBytes = 16u << 20;
  // Tokens stay below 2^49, so a cursor (token << 14 | slot) fits a signed
  // 64-bit integer: clients parse it as either.
  static constexpr uint64_t kTokenLimit = 1ULL << 49;

  explicit ScanCursors(size_t max_entries = kDefaultEntries, size_t max_bytes = kDefaultBytes);

  // Remembers a position; returns its token (never 0).
  uint64_t Put(uint8_t db, uint16_t slot, std::string key);
  // The key a token names, if it is still remembered and was made for the
  // same db and slot.
  bool Get(uint64_t token, uint8_t db, uint16_t slot, std::string* key);
  size_t size();

 private:
  struct Entry {
    uint8_t db;
    uint16_t slot;
    std::string key;
    std::list<uint64_t>::iterator lru;
  };
  void EvictLocked();

  const size_t max_entries_;
  const size_t max_bytes_;
  std::mutex mu_;  // guards everything below
  // Starts at a random value, so a cursor handed out before a restart does
  // not name some other position afterwards.
  uint64_t next_token_;
  size_t bytes_ = 0;
  std::list<uint64_t> lru_;  // most recently used first
  std::unordered_map<uint64_t, Entry> entries_;
};

}  // namespace cairn::storage
