// Engine members for hash-slot questions (CLUSTER COUNTKEYSINSLOT and
// GETKEYSINSLOT). Keys are stored as [db][slot][key], so a slot is one
// contiguous range of "meta" and its size one row of "counts".
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>

#include <memory>
#include <string>
#include <vector>

#include "storage/engine.h"

namespace cairn::storage {

Result<int64_t> Engine::CountKeysInSlot(uint8_t db, uint16_t slot) const {
  std::string raw;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), counts_cf_, EncodeCountKey(kCountKeys, db, slot), &raw);
  if (s.IsNotFound()) return int64_t{0};
  if (!s.ok()) return Status::IOError(s.ToString());
  int64_t n = 0;
  if (!DecodeCount(raw, &n)) return Status::Corruption("bad key count row");
  return n;
}

Status Engine::GetKeysInSlot(uint8_t db, uint16_t slot, size_t limit,
                             std::vector<std::string>* out) const {
  if (limit == 0) return Status::Ok();
  const std::string prefix = EncodeMetaKey(db, slot, "");
  const std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, meta_cf_));
  for (it->Seek(prefix); it->Valid() && out->size() < limit; it->Next()) {
    uint8_t row_db = 0;
    uint16_t row_slot = 0;
    std::string_view key;
    std::string_view raw(it->key().data(), it->key().size());
    if (!DecodeMetaKey(raw, &row_db, &row_slot, &key) || row_db != db || row_slot != slot) break;
    out->emplace_back(key);
  }
  if (!it->status().ok()) return Status::IOError(it->status().ToString());
  return Status::Ok();
}

}  // namespace cairn::storage
