#include "storage/sorted_batch.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <cstdint>

namespace cairn::storage {
namespace {

enum class Op : uint8_t { kPut, kDelete, kSingleDelete, kMerge };

struct Entry {
  uint32_t cf;
  Op op;
  rocksdb::Slice key;
  rocksdb::Slice value;
};

// Collects the point writes; anything else, or a family without a handle,
// marks the batch unsortable.
class Collect : public rocksdb::WriteBatch::Handler {
 public:
  Collect(const std::vector<rocksdb::ColumnFamilyHandle*>& cfs, std::vector<Entry>* entries)
      : cfs_(cfs), entries_(entries) {}
  bool sortable() const { return sortable_; }

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& k, const rocksdb::Slice& v) override {
    return Add(cf, Op::kPut, k, v);
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& k) override {
    return Add(cf, Op::kDelete, k, {});
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& k) override {
    return Add(cf, Op::kSingleDelete, k, {});
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& k, const rocksdb::Slice& v) override {
    return Add(cf, Op::kMerge, k, v);
  }
  rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return Stop();
  }
  rocksdb::Status PutEntityCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return Stop();
  }
  rocksdb::Status PutBlobIndexCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return Stop();
  }
  void LogData(const rocksdb::Slice&) override { sortable_ = false; }
  rocksdb::Status MarkBeginPrepare(bool) override { return Stop(); }
  rocksdb::Status MarkEndPrepare(const rocksdb::Slice&) override { return Stop(); }
  rocksdb::Status MarkNoop(bool) override { return Stop(); }
  rocksdb::Status MarkRollback(const rocksdb::Slice&) override { return Stop(); }
  rocksdb::Status MarkCommit(const rocksdb::Slice&) override { return Stop(); }
  rocksdb::Status MarkCommitWithTimestamp(const rocksdb::Slice&, const rocksdb::Slice&) override {
    return Stop();
  }
  bool Continue() override { return sortable_; }

 private:
  rocksdb::Status Add(uint32_t cf, Op op, const rocksdb::Slice& k, const rocksdb::Slice& v) {
    if (cf >= cfs_.size() || cfs_[cf] == nullptr) return Stop();
    entries_->push_back(Entry{cf, op, k, v});
    return rocksdb::Status::OK();
  }
  rocksdb::Status Stop() {
    sortable_ = false;
    return rocksdb::Status::OK();
  }

  const std::vector<rocksdb::ColumnFamilyHandle*>& cfs_;
  std::vector<Entry>* entries_;
  bool sortable_ = true;
};

}  // namespace

bool SortByKey(const rocksdb::WriteBatch& in, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
               rocksdb::WriteBatch* out) {
  out->Clear();
  static thread_local std::vector<Entry> entries;
  entries.clear();
  Collect collect(cfs, &entries);
  if (!in.Iterate(&collect).ok() || !collect.sortable()) return false;
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.cf != b.cf) return a.cf < b.cf;
    return a.key.compare(b.key) < 0;
  });
  for (const Entry& e : entries) {
    rocksdb::ColumnFamilyHandle* cf = cfs[e.cf];
    rocksdb::Status s;
    switch (e.op) {
      case Op::kPut:
        s = out->Put(cf, e.key, e.value);
        break;
      case Op::kDelete:
        s = out->Delete(cf, e.key);
        break;
      case Op::kSingleDelete:
        s = out->SingleDelete(cf, e.key);
        break;
      case Op::kMerge:
        s = out->Merge(cf, e.key, e.value);
        break;
    }
    if (!s.ok()) {
      out->Clear();
      return false;
    }
  }
  return true;
}

}  // namespace cairn::storage
