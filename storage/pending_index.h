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

  // Where a value lies in the batch representation, or (owned) which of
  // the index's own rows it is.
  struct ValueRef {
    uint64_t offset = 0;
    uint64_t size = 0;
    bool owned = false;
  };
  // `hash` is KeyCache::Hash(mkey): the caller computes it once per lookup.
  void Put(std::string_view mkey, uint64_t hash, ValueRef value);
  // A row the batch holds no copy of (a merge operand changed it): the
  // index keeps it, replacing the one it kept for the key before.
  void PutOwned(std::string_view mkey, uint64_t hash, std::string row);
  // Applies a meta merge operand (encoding.h) to the key's newest row if
  // the index keeps it (PutOwned); false if it does not.
  bool MergeOwned(std::string_view mkey, uint64_t hash, std::string_view operand);
  // The value of a ref Find returned, `rep` being the batch representation.
  std::string_view Value(const ValueRef& ref, std::string_view rep) const {
    return ref.owned ? std::string_view(owned_[ref.offset]) : rep.substr(ref.offset, ref.size);
  }
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

  std::vector<Entry> table_;        // size a power of two (or empty)
  std::vector<uint32_t> filled_;    // indices of non-free entries, for Clear
  std::string arena_;               // keys
  std::vector<std::string> owned_;  // PutOwned's rows
  // The most entries one batch held in the current round of batches, and
  // how many batches the round has had (Clear shrinks after a round).
  size_t recent_most_ = 0;
  size_t recent_batches_ = 0;
};

}  // namespace cairn::storage
