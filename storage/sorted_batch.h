// A write batch's entries in key order, for the memtable: RocksDB inserts
// a batch's entries one by one, and an insert into the skiplist costs
// O(log n) cache misses from the top, unless it starts from where the last
// one ended (an insert hint, Engine's memtable_insert_with_hint_prefix_
// extractor). Entries in key order make each insert start near the last.
#pragma once

#include <rocksdb/write_batch.h>

#include <vector>

namespace rocksdb {
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace cairn::storage {

// Writes into *out the entries of `in` ordered by (column family, key);
// entries with the same key keep their order, so the batch means what it
// meant (the last write of a key wins, merges apply in order). Returns
// false, leaving *out cleared, if `in` holds anything but point writes (a
// range deletion, log data, a prepared transaction's markers), whose place
// in the batch matters. `cfs` maps a column family ID to its handle.
bool SortByKey(const rocksdb::WriteBatch& in, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
               rocksdb::WriteBatch* out);

}  // namespace cairn::storage
