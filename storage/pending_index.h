// storage::PendingIndex: the meta rows a loop's pipeline batch has written,
// by key, so a later command of the same iteration reads its own writes.
//
// A transaction's batch is a WriteBatchWithIndex, whose ordered index lets
// SCAN inside EXEC iterate over batch and database together. A pipeline
// batch only ever holds keyed point commands (Connection::Pipelinable), so
// it needs no order: this hash table answers "what did the batch last write
// to this key" with one probe, where the ordered index paid a skiplist
// insert per write and an iterator per lookup.
//
// Open addressing with linear probing. Keys are copied into one arena
// string; values are not copied: an entry holds where the value lies in the
// batch's own WriteBatch representation. So a write allocates nothing once
// the table and the arena have grown to the batch's size, and a large value
// is not held twice. The newest write of a key wins. Not thread-safe (one
// loop's batch).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::storage {

class PendingIndex {
 public:
  enum class Found { kAbsent, kPut, kDeleted };

  // Where a value lies in the batch representation.
  struct ValueRef {
    uint64_t offset = 0;
    uint64_t size = 0;
  };
  // `hash` is KeyCache::Hash(mkey): the caller computes it once per lookup.
  void Put(std::string_view mkey, uint64_t hash, ValueRef value);
  void Delete(std::string_view mkey, uint64_t hash);
  // kPut sets *value to the newest value written.
  Found Find(std::string_view mkey, uint64_t hash, ValueRef* value) const;
  // Forgets every write; keeps the memory for the next batch.
  void Clear();
  bool empty() const { return filled_.empty(); }
  // Slots in the table (a test's view of growing and shrinking).
  size_t capacity() const { return table_.size(); }
  size_t size() const { return filled_.size(); }

 private:
  struct Entry {
    uint64_t hash = 0;
    ValueRef value;
    uint64_t key_offset = 0;  // in arena_
    uint32_t key_len = 0;
    enum State : uint8_t { kFree, kPut, kDeleted } state = kFree;
  };
  // The entry of `mkey`, or the free one where it would go.
  size_t Probe(std::string_view mkey, uint64_t hash) const;
  void Record(std::string_view mkey, uint64_t hash, ValueRef value, Entry::State state);
  void Grow();

  std::vector<Entry> table_;      // size a power of two (or empty)
  std::vector<uint32_t> filled_;  // indices of non-free entries, for Clear
  std::string arena_;             // keys
  // The most entries one batch held in the current round of batches, and
  // how many batches the round has had (Clear shrinks after a round).
  size_t recent_most_ = 0;
  size_t recent_batches_ = 0;
};

}  // namespace cairn::storage
