#include "storage/pending_index.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "storage/encoding.h"

namespace cairn::storage {
namespace {
constexpr size_t kMinEntries = 64;
// After this many batches, a table over four times what the biggest of
// them needed shrinks: one huge batch (a bulk load through a pipe) would
// otherwise leave every later probe a cache miss in a table of megabytes.
constexpr size_t kShrinkAfterBatches = 64;
}  // namespace

size_t PendingIndex::Probe(std::string_view mkey, uint64_t hash) const {
  const size_t mask = table_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Entry& e = table_[i];
    if (e.state == Entry::kFree) return i;
    if (e.hash == hash && e.key_len == mkey.size() &&
        std::memcmp(arena_.data() + e.key_offset, mkey.data(), mkey.size()) == 0) {
      return i;
    }
  }
}

void PendingIndex::Record(std::string_view mkey, uint64_t hash, ValueRef value,
                          Entry::State state) {
  // At most half full, so a probe always meets a free entry soon.
  if (2 * (filled_.size() + 1) > table_.size()) Grow();
  const size_t i = Probe(mkey, hash);
  Entry& e = table_[i];
  if (e.state == Entry::kFree) {
    filled_.push_back(static_cast<uint32_t>(i));
    e.hash = hash;
    e.key_offset = arena_.size();
    e.key_len = static_cast<uint32_t>(mkey.size());
    arena_.append(mkey);
  }
  e.value = value;
  e.state = state;
}

void PendingIndex::Put(std::string_view mkey, uint64_t hash, ValueRef value) {
  Record(mkey, hash, value, Entry::kPut);
}

void PendingIndex::PutOwned(std::string_view mkey, uint64_t hash, std::string row) {
  ValueRef ref;
  if (Find(mkey, hash, &ref) == Found::kPut && ref.owned) {
    owned_[ref.offset] = std::move(row);
    return;
  }
  ref = ValueRef{owned_.size(), 0, true};
  owned_.push_back(std::move(row));
  Record(mkey, hash, ref, Entry::kPut);
}

bool PendingIndex::MergeOwned(std::string_view mkey, uint64_t hash, std::string_view operand) {
  ValueRef ref;
  if (Find(mkey, hash, &ref) != Found::kPut || !ref.owned) return false;
  return ApplyMetaOperand(&owned_[ref.offset], operand);
}

void PendingIndex::Delete(std::string_view mkey, uint64_t hash) {
  Record(mkey, hash, ValueRef(), Entry::kDeleted);
}

PendingIndex::Found PendingIndex::Find(std::string_view mkey, uint64_t hash,
                                       ValueRef* value) const {
  if (filled_.empty()) return Found::kAbsent;
  const Entry& e = table_[Probe(mkey, hash)];
  if (e.state == Entry::kFree) return Found::kAbsent;
  if (e.state == Entry::kDeleted) return Found::kDeleted;
  *value = e.value;
  return Found::kPut;
}

void PendingIndex::Clear() {
  recent_most_ = std::max(recent_most_, filled_.size());
  for (uint32_t i : filled_) table_[i] = Entry();
  filled_.clear();
  arena_.clear();
  owned_.clear();
  if (++recent_batches_ < kShrinkAfterBatches) return;
  // Grow keeps the table at most half full: what the biggest recent batch
  // needed is twice its entries, rounded up to a power of two.
  const size_t needed = std::max(kMinEntries, std::bit_ceil(2 * recent_most_));
  if (table_.size() > 4 * needed) {
    std::vector<Entry>(needed).swap(table_);
    std::string().swap(arena_);
  }
  recent_most_ = 0;
  recent_batches_ = 0;
}

void PendingIndex::Grow() {
  std::vector<Entry> old;
  old.swap(table_);
  table_.assign(std::max(kMinEntries, old.size() * 2), Entry());
  filled_.clear();
  const size_t mask = table_.size() - 1;
  for (const Entry& e : old) {
    if (e.state == Entry::kFree) continue;
    size_t i = e.hash & mask;
    while (table_[i].state != Entry::kFree) i = (i + 1) & mask;
    table_[i] = e;
    filled_.push_back(static_cast<uint32_t>(i));
  }
}

}  // namespace cairn::storage
