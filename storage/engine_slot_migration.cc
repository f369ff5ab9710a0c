// Engine members for atomic slot migration (CLUSTER MIGRATESLOTS): reading
// slot ranges as rows on the source, writing them on the target, and
// deleting them. Cluster mode uses db 0 only, so everything here works on
// db 0. The chunk format is in storage/encoding.h, "slot migration chunks".
//
// The target never receives the expiry index or the counts: it derives both
// from the meta values it writes, so they stay exact whatever the source's
// column family layout.
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/crc16.h"
#include "storage/engine.h"
#include "storage/rocks_status.h"

namespace cairn::storage {
namespace {

constexpr uint8_t kClusterDb = 0;
// Keys one DeleteSlots call takes when a drop record is applied.
constexpr size_t kDropBatchKeys = 512;

std::string_view View(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

// Ranges must not overlap: an export would hand a row out twice and the
// target would count it twice.
Status CheckRanges(std::span<const SlotRange> ranges) {
  std::vector<SlotRange> sorted(ranges.begin(), ranges.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const SlotRange& x, const SlotRange& y) { return x.first < y.first; });
  for (size_t i = 0; i < sorted.size(); ++i) {
    const SlotRange& r = sorted[i];
    if (r.first > r.last || r.last >= kClusterSlots) {
      return Status::InvalidArgument("bad slot range " + std::to_string(r.first) + "-" +
                                     std::to_string(r.last));
    }
    if (i > 0 && r.first <= sorted[i - 1].last) {
      return Status::InvalidArgument("slot ranges overlap at slot " + std::to_string(r.first));
    }
  }
  return Status::Ok();
}

// [0][first] .. [0][last + 1): the rows of a range, in meta and in data
// (both start with [db][slot]).
std::string RangeLower(const SlotRange& r) { return EncodeMetaKey(kClusterDb, r.first, ""); }
std::string RangeUpper(const SlotRange& r) {
  return EncodeMetaKey(kClusterDb, static_cast<uint16_t>(r.last + 1), "");
}

// True if a meta or data key is in db 0 and one of the ranges.
bool InRanges(std::string_view raw, std::span<const SlotRange> ranges) {
  uint8_t db;
  uint16_t slot;
  std::string_view key;
  if (!DecodeMetaKey(raw, &db, &slot, &key) || db != kClusterDb) return false;
  for (const SlotRange& r : ranges) {
    if (slot >= r.first && slot <= r.last) return true;
  }
  return false;
}

// A meta key of db 0 whose slot is its key's: what a chunk may carry.
Status CheckMetaKey(std::string_view raw, std::string_view* key) {
  uint8_t db;
  uint16_t slot;
  if (!DecodeMetaKey(raw, &db, &slot, key)) return Status::Corruption("short meta key in chunk");
  if (db != kClusterDb) return Status::Corruption("chunk row of db " + std::to_string(db));
  if (KeyHashSlot(*key) != slot) return Status::Corruption("chunk row in the wrong slot");
  return Status::Ok();
}

Status CheckDataKey(std::string_view raw) {
  uint8_t db;
  uint16_t slot;
  std::string_view key;
  uint64_t version;
  std::string_view member;
  if (!DecodeDataKey(raw, &db, &slot, &key, &version, &member)) {
    return Status::Corruption("bad data key in chunk");
  }
  if (db != kClusterDb) return Status::Corruption("chunk row of db " + std::to_string(db));
  if (KeyHashSlot(key) != slot) return Status::Corruption("chunk row in the wrong slot");
  return Status::Ok();
}

// Splits a whole chunk into records before anything is applied, so a bad
// chunk changes nothing.
Status ParseChunk(std::string_view chunk, std::vector<SlotChunkRecord>* out) {
  size_t pos = 0;
  while (pos < chunk.size()) {
    SlotChunkRecord rec;
    if (!ReadSlotChunkRecord(chunk, &pos, &rec)) {
      return Status::Corruption("bad slot migration record at byte " + std::to_string(pos));
    }
    out->push_back(rec);
  }
  return Status::Ok();
}

// Every row of the chunk, and every range a drop record names, is within
// `ranges`: a node imports only the slots its job moves.
Status CheckWithin(const std::vector<SlotChunkRecord>& records, std::span<const SlotRange> ranges) {
  for (const SlotChunkRecord& rec : records) {
    if (rec.op != SlotChunkOp::kDropRanges) {
      if (!InRanges(rec.key, ranges)) return Status::Corruption("a chunk row outside the ranges");
      continue;
    }
    std::vector<std::pair<uint16_t, uint16_t>> bounds;
    if (!DecodeSlotRangeBounds(rec.value, &bounds)) {
      return Status::Corruption("bad slot ranges in a drop record");
    }
    for (const auto& [first, last] : bounds) {
      bool inside = false;
      for (const SlotRange& r : ranges) inside = inside || (first >= r.first && last <= r.last);
      if (!inside) return Status::Corruption("a drop record outside the ranges");
    }
  }
  return Status::Ok();
}

// Collects FilterSlotChanges' records from one WAL batch.
class SlotChangeFilter : public rocksdb::WriteBatch::Handler {
 public:
  SlotChangeFilter(uint32_t meta_id, uint32_t data_id, uint32_t expire_id, uint32_t counts_id,
                   std::span<const SlotRange> ranges, std::string* out)
      : meta_id_(meta_id),
        data_id_(data_id),
        expire_id_(expire_id),
        counts_id_(counts_id),
        ranges_(ranges),
        out_(out) {}

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    return Row(cf, key, value, SlotChunkOp::kMetaPut, SlotChunkOp::kDataPut);
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return Row(cf, key, rocksdb::Slice(), SlotChunkOp::kMetaDelete, SlotChunkOp::kDataDelete);
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return DeleteCF(cf, key);
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& key,
                          const rocksdb::Slice& value) override {
    // The target derives its own counts.
    if (Derived(cf)) return rocksdb::Status::OK();
    if (cf != meta_id_) return Unexpected(cf, "merge");
    if (InRanges(View(key), ranges_)) {
      AppendSlotChunkRecord(out_, SlotChunkOp::kMetaMerge, View(key), View(value));
    }
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteRangeCF(uint32_t cf, const rocksdb::Slice& begin,
                                const rocksdb::Slice& end) override {
    // FLUSHDB/FLUSHALL drop meta, data and expire by the same bounds; the
    // meta one stands for all (the target's DeleteSlots clears data too).
    if (cf == data_id_ || Derived(cf)) return rocksdb::Status::OK();
    if (cf != meta_id_) return Unexpected(cf, "delete-range");
    std::string bounds;
    for (const SlotRange& r : ranges_) {
      if (View(begin) < RangeUpper(r) && RangeLower(r) < View(end)) {
        AppendSlotRangeBounds(&bounds, r.first, r.last);
      }
    }
    if (!bounds.empty()) AppendSlotChunkRecord(out_, SlotChunkOp::kDropRanges, "", bounds);
    return rocksdb::Status::OK();
  }

 private:
  rocksdb::Status Row(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice& value,
                      SlotChunkOp meta_op, SlotChunkOp data_op) {
    if (cf == meta_id_ || cf == data_id_) {
      if (InRanges(View(key), ranges_)) {
        AppendSlotChunkRecord(out_, cf == meta_id_ ? meta_op : data_op, View(key), View(value));
      }
      return rocksdb::Status::OK();
    }
    if (Derived(cf)) return rocksdb::Status::OK();
    return Unexpected(cf, "write");
  }
  // Rows the target derives (expiry index, counts) or never takes (the
  // default column family: each node's own state).
  bool Derived(uint32_t cf) const { return cf == 0 || cf == expire_id_ || cf == counts_id_; }
  static rocksdb::Status Unexpected(uint32_t cf, const char* what) {
    return rocksdb::Status::Corruption(std::string(what) + " in unknown column family " +
                                       std::to_string(cf));
  }

  uint32_t meta_id_;
  uint32_t data_id_;
  uint32_t expire_id_;
  uint32_t counts_id_;
  std::span<const SlotRange> ranges_;
  std::string* out_;
};

}  // namespace

// ---------------------------------------------------------------- SlotExport

// Where Next stands: meta rows of every range first, then their data rows.
struct Engine::SlotExport::State {
  const rocksdb::Snapshot* snapshot = nullptr;
  int phase = 0;     // 0 = meta, 1 = data, 2 = done
  size_t range = 0;  // index into ranges_
  std::string upper;
  rocksdb::Slice upper_slice;  // ReadOptions points at it: lives with `it`
  std::unique_ptr<rocksdb::Iterator> it;
};

Engine::SlotExport::SlotExport(const Engine& engine, std::vector<SlotRange> ranges)
    : engine_(engine), ranges_(std::move(ranges)), state_(std::make_unique<State>()) {
  state_->snapshot = engine_.db_->GetSnapshot();
  sequence_ = state_->snapshot->GetSequenceNumber();
}

Engine::SlotExport::~SlotExport() {
  state_->it.reset();  // before the snapshot it reads
  engine_.db_->ReleaseSnapshot(state_->snapshot);
}

Status Engine::SlotExport::Next(size_t max_bytes, std::string* chunk, bool* done) {
  *done = false;
  if (Status s = CheckRanges(ranges_); !s.ok()) return s;
  State& st = *state_;
  const size_t start = chunk->size();
  while (st.phase < 2) {
    if (st.range >= ranges_.size()) {
      ++st.phase;
      st.range = 0;
      continue;
    }
    const bool meta = st.phase == 0;
    if (st.it == nullptr) {
      const SlotRange& r = ranges_[st.range];
      st.upper = RangeUpper(r);
      st.upper_slice = rocksdb::Slice(st.upper);
      rocksdb::ReadOptions ro;
      ro.snapshot = st.snapshot;
      ro.fill_cache = false;  // a range scan would evict the hot set
      ro.iterate_upper_bound = &st.upper_slice;
      st.it.reset(engine_.db_->NewIterator(ro, meta ? engine_.meta_cf_ : engine_.data_cf_));
      st.it->Seek(RangeLower(r));
    }
    rocksdb::Iterator& it = *st.it;
    for (; it.Valid(); it.Next()) {
      if (chunk->size() - start >= max_bytes && chunk->size() > start) return Status::Ok();
      AppendSlotChunkRecord(chunk, meta ? SlotChunkOp::kMetaPut : SlotChunkOp::kDataPut,
                            View(it.key()), View(it.value()));
      if (meta) ++keys_;
    }
    if (!it.status().ok()) return FromRocks(it.status());
    st.it.reset();
    ++st.range;
  }
  *done = true;
  return Status::Ok();
}

// ------------------------------------------------------- source: WAL changes

Status Engine::FilterSlotChanges(const ReplBatch& batch, std::span<const SlotRange> ranges,
                                 std::string* chunk) const {
  if (Status s = CheckRanges(ranges); !s.ok()) return s;
  if (batch.data.size() < 12) return Status::Corruption("a replication batch is too short");
  rocksdb::WriteBatch wb(batch.data);
  // Into a copy: a batch that fails halfway adds nothing.
  std::string out;
  SlotChangeFilter filter(meta_cf_->GetID(), data_cf_->GetID(), expire_cf_->GetID(),
                          counts_cf_->GetID(), ranges, &out);
  rocksdb::Status rs = wb.Iterate(&filter);
  if (!rs.ok()) return Status::Corruption("a replication batch does not parse: " + rs.ToString());
  chunk->append(out);
  return Status::Ok();
}

// ------------------------------------------------------------ target: import

Status Engine::ImportSlotRows(std::string_view chunk, std::span<const SlotRange> ranges) {
  std::vector<SlotChunkRecord> records;
  if (Status s = ParseChunk(chunk, &records); !s.ok()) return s;
  if (Status s = CheckWithin(records, ranges); !s.ok()) return s;
  rocksdb::WriteBatch batch;
  // Per slot: keys, keys with a TTL. One merge per slot and kind.
  SlotCountChanges added;
  std::vector<std::string_view> keys;
  std::set<std::string_view> seen;  // a key twice would be counted twice
  for (const SlotChunkRecord& rec : records) {
    rocksdb::Status rs;
    if (rec.op == SlotChunkOp::kMetaPut) {
      std::string_view key;
      if (Status s = CheckMetaKey(rec.key, &key); !s.ok()) return s;
      ValueType type;
      int64_t expire_ms;
      std::string_view payload;
      if (!DecodeMetaValue(rec.value, &type, &expire_ms, &payload)) {
        return Status::Corruption("bad meta value in chunk");
      }
      if (!seen.insert(key).second) return Status::Corruption("a rows chunk holds a key twice");
      const uint16_t slot = KeyHashSlot(key);
      rs = batch.Put(meta_cf_, rec.key, rec.value);
      if (rs.ok() && expire_ms != 0) {
        rs = batch.Put(expire_cf_, EncodeExpireKey(kClusterDb, expire_ms, slot, key),
                       rocksdb::Slice());
      }
      auto& [k, e] = added[slot];
      ++k;
      if (expire_ms != 0) ++e;
      keys.push_back(key);
    } else if (rec.op == SlotChunkOp::kDataPut) {
      if (Status s = CheckDataKey(rec.key); !s.ok()) return s;
      rs = batch.Put(data_cf_, rec.key, rec.value);
    } else {
      return Status::Corruption("a rows chunk holds a delete or drop record");
    }
    if (!rs.ok()) return FromRocks(rs);
  }
  if (Status s = WriteWithSlotCounts(&batch, added); !s.ok()) return s;
  if (watches_.active()) {
    for (std::string_view key : keys) watches_.Touch(kClusterDb, key, false);
  }
  return Status::Ok();
}

Status Engine::WriteWithSlotCounts(rocksdb::WriteBatch* batch, const SlotCountChanges& changes) {
  std::vector<WriteSet::Delta> deltas;
  for (const auto& [slot, n] : changes) {
    if (n.first != 0) deltas.push_back({kCountKeys, kClusterDb, slot, n.first});
    if (n.second != 0) deltas.push_back({kCountExpires, kClusterDb, slot, n.second});
  }
  for (const WriteSet::Delta& d : deltas) {
    rocksdb::Status rs =
        batch->Merge(counts_cf_, EncodeCountKey(d.kind, d.db, d.slot), EncodeCountDelta(d.delta));
    if (!rs.ok()) return FromRocks(rs);
  }
  if (batch->Count() == 0) return Status::Ok();
  rocksdb::WriteOptions wo;
  wo.sync = false;  // durability is the server's group-commit policy (SyncWal)
  rocksdb::Status rs = WriteDb(wo, batch);
  if (!rs.ok()) return FromRocks(rs);
  ApplyDeltas(deltas);
  return Status::Ok();
}

Status Engine::ImportSlotChanges(std::string_view chunk, std::span<const SlotRange> ranges) {
  std::vector<SlotChunkRecord> records;
  if (Status s = ParseChunk(chunk, &records); !s.ok()) return s;
  if (Status s = CheckWithin(records, ranges); !s.ok()) return s;
  // Check everything first: a bad record anywhere applies nothing.
  std::vector<std::vector<SlotRange>> drops;
  for (const SlotChunkRecord& rec : records) {
    std::string_view key;
    Status s = Status::Ok();
    switch (rec.op) {
      case SlotChunkOp::kMetaPut: {
        s = CheckMetaKey(rec.key, &key);
        ValueType type;
        int64_t expire_ms;
        std::string_view payload;
        if (s.ok() && !DecodeMetaValue(rec.value, &type, &expire_ms, &payload)) {
          s = Status::Corruption("bad meta value in chunk");
        }
        break;
      }
      case SlotChunkOp::kMetaDelete:
        s = CheckMetaKey(rec.key, &key);
        break;
      case SlotChunkOp::kMetaMerge:
        s = CheckMetaKey(rec.key, &key);
        if (s.ok() && !ValidMetaOperand(rec.value)) {
          s = Status::Corruption("bad meta merge operand in chunk");
        }
        break;
      case SlotChunkOp::kDataPut:
      case SlotChunkOp::kDataDelete:
        s = CheckDataKey(rec.key);
        break;
      case SlotChunkOp::kDropRanges: {
        std::vector<std::pair<uint16_t, uint16_t>> bounds;
        if (!DecodeSlotRangeBounds(rec.value, &bounds)) {
          s = Status::Corruption("bad slot ranges in a drop record");
          break;
        }
        std::vector<SlotRange> ranges;
        for (const auto& [first, last] : bounds) ranges.push_back({first, last});
        drops.push_back(std::move(ranges));
        break;
      }
    }
    if (!s.ok()) return s;
  }
  // In stream order: the records before a drop, the drop, the ones after.
  size_t next_drop = 0;
  std::vector<SlotChunkRecord> segment;
  for (size_t i = 0; i <= records.size(); ++i) {
    if (i < records.size() && records[i].op != SlotChunkOp::kDropRanges) {
      segment.push_back(records[i]);
      continue;
    }
    if (!segment.empty()) {
      if (Status s = ApplySlotChangeRecords(segment); !s.ok()) return s;
      segment.clear();
    }
    if (i == records.size()) break;
    const std::vector<SlotRange>& ranges = drops[next_drop++];
    std::string cursor;
    for (bool done = false; !done;) {
      if (Status s = DeleteSlots(ranges, kDropBatchKeys, &done, &cursor); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

Status Engine::ApplySlotChangeRecords(const std::vector<SlotChunkRecord>& records) {
  std::vector<std::string_view> lock_keys;
  for (const SlotChunkRecord& rec : records) {
    if (rec.op == SlotChunkOp::kMetaPut || rec.op == SlotChunkOp::kMetaDelete ||
        rec.op == SlotChunkOp::kMetaMerge) {
      lock_keys.push_back(rec.key.substr(kMetaKeyPrefix));
    }
  }
  KeyLockGuard guard(locks_, kClusterDb, lock_keys);
  // A key the segment writes twice: the second record sees the first one's
  // row, which WriteSet records in the KeyState (the batch is not readable).
  std::map<std::string_view, KeyState> states;
  WriteSet ws(*this);
  for (const SlotChunkRecord& rec : records) {
    if (rec.op == SlotChunkOp::kDataPut || rec.op == SlotChunkOp::kDataDelete) {
      rocksdb::Status rs = rec.op == SlotChunkOp::kDataPut
                               ? ws.out_->Put(data_cf_, rec.key, rec.value)
                               : ws.out_->Delete(data_cf_, rec.key);
      if (!rs.ok()) return FromRocks(rs);
      ++ws.ops_;
      continue;
    }
    const std::string_view key = rec.key.substr(kMetaKeyPrefix);
    auto [at, fresh] = states.try_emplace(key);
    KeyState& ks = at->second;
    if (fresh) {
      if (Status s = Lookup(kClusterDb, key, &ks); !s.ok()) return s;
    }
    if (rec.op == SlotChunkOp::kMetaDelete) {
      ws.Delete(ks);
      continue;
    }
    if (rec.op == SlotChunkOp::kMetaMerge) {
      // An APPEND's, SETRANGE's, SETBIT's or BITFIELD's operand, applied to
      // the row as the source's merge operator applied it there.
      if (!ValidMetaOperand(rec.value)) {
        return Status::Corruption("bad meta merge operand in chunk");
      }
      const std::string_view bytes = rec.value.substr(rec.value[0] == kAppendOperand ? 1 : 9);
      if (ks.stored && ks.type == ValueType::kString) {
        uint64_t offset = 0;
        if (rec.value[0] == kAppendOperand) {
          ws.Append(ks, bytes);
        } else if (DecodeU64(rec.value.substr(1, 8), &offset)) {
          ws.Overwrite(ks, offset, bytes);
        }
      } else {
        std::string row;
        if (!ApplyMetaOperand(&row, rec.value)) {
          return Status::Corruption("bad meta merge operand in chunk");
        }
        ws.PutRaw(ks, ValueType::kString, std::string_view(row).substr(kMetaValueHeader), 0,
                  StringForm::kRaw);
      }
      continue;
    }
    ValueType type;
    int64_t expire_ms;
    std::string_view payload;
    StringForm form;
    if (!DecodeMetaValue(rec.value, &type, &expire_ms, &payload, &form)) {
      return Status::Corruption("bad meta value in chunk");
    }
    ws.PutRaw(ks, type, payload, expire_ms, form);
  }
  return Commit(ws);
}

// ------------------------------------------------------------ target: delete

Status Engine::DeleteSlots(std::span<const SlotRange> ranges, size_t max_keys, bool* done,
                           std::string* cursor) {
  *done = false;
  if (Status s = CheckRanges(ranges); !s.ok()) return s;
  if (max_keys == 0) max_keys = 1;
  // The first meta rows left, read without locks; each is re-read under its
  // lock, so a key deleted meanwhile (active expiry) is not counted twice.
  std::vector<std::string> raws;  // meta keys, in order
  // In key order, so a cursor past a range means that range is done.
  std::vector<SlotRange> sorted(ranges.begin(), ranges.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const SlotRange& a, const SlotRange& b) { return a.first < b.first; });
  for (const SlotRange& r : sorted) {
    if (raws.size() >= max_keys) break;
    const std::string upper = RangeUpper(r);
    if (cursor != nullptr && !cursor->empty() && *cursor >= upper) continue;  // done before
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, meta_cf_));
    const std::string lower = RangeLower(r);
    const bool resume = cursor != nullptr && !cursor->empty() && *cursor >= lower;
    it->Seek(resume ? *cursor : lower);
    if (resume && it->Valid() && View(it->key()) == *cursor) it->Next();
    for (; it->Valid() && raws.size() < max_keys; it->Next()) {
      std::string_view key;
      // Lookup finds a row by its key's slot: a row elsewhere would never
      // go and the caller would loop.
      if (Status s = CheckMetaKey(View(it->key()), &key); !s.ok()) return s;
      raws.emplace_back(it->key().data(), it->key().size());
    }
    if (!it->status().ok()) return FromRocks(it->status());
  }
  if (!raws.empty()) {
    if (cursor != nullptr) *cursor = raws.back();
    std::vector<std::string_view> lock_keys;
    lock_keys.reserve(raws.size());
    for (const std::string& raw : raws)
      lock_keys.push_back(std::string_view(raw).substr(kMetaKeyPrefix));
    KeyLockGuard guard(locks_, kClusterDb, lock_keys);
    // Re-read under the locks, all at once: what the active expiry deleted
    // meanwhile is gone and not counted twice.
    std::vector<rocksdb::Slice> slices(raws.begin(), raws.end());
    std::vector<rocksdb::PinnableSlice> values(raws.size());
    std::vector<rocksdb::Status> statuses(raws.size());
    db_->MultiGet(rocksdb::ReadOptions(), meta_cf_, slices.size(), slices.data(), values.data(),
                  statuses.data());
    // One batch, with one count merge per slot and kind (a merge per key
    // would pile operands on a few count rows).
    rocksdb::WriteBatch batch;
    SlotCountChanges removed;
    for (size_t i = 0; i < raws.size(); ++i) {
      if (statuses[i].IsNotFound()) continue;
      if (!statuses[i].ok()) return FromRocks(statuses[i]);
      ValueType type;
      int64_t expire_ms;
      std::string_view payload;
      if (!DecodeMetaValue(View(values[i]), &type, &expire_ms, &payload)) {
        return Status::Corruption("bad meta value for a key");
      }
      const uint16_t slot = KeyHashSlot(lock_keys[i]);
      rocksdb::Status rs = batch.Delete(meta_cf_, raws[i]);
      if (rs.ok() && expire_ms != 0) {
        rs = batch.Delete(expire_cf_, EncodeExpireKey(kClusterDb, expire_ms, slot, lock_keys[i]));
      }
      if (!rs.ok()) return FromRocks(rs);
      auto& [keys_n, ttl_n] = removed[slot];
      --keys_n;
      if (expire_ms != 0) --ttl_n;
    }
    if (Status s = WriteWithSlotCounts(&batch, removed); !s.ok()) return s;
    if (watches_.active()) {
      for (size_t i = 0; i < raws.size(); ++i) {
        if (statuses[i].ok()) watches_.Touch(kClusterDb, lock_keys[i], true);
      }
    }
    return Status::Ok();
  }
  // No key left: the collections' members go by range (no counts on them).
  rocksdb::WriteBatch batch;
  for (const SlotRange& r : ranges) {
    rocksdb::Status rs = batch.DeleteRange(data_cf_, RangeLower(r), RangeUpper(r));
    if (!rs.ok()) return FromRocks(rs);
  }
  if (batch.Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.sync = false;
    rocksdb::Status rs = WriteDb(wo, &batch);
    if (!rs.ok()) return FromRocks(rs);
  }
  *done = true;
  return Status::Ok();
}

Status Engine::RecordImport(std::string_view name, std::span<const SlotRange> ranges) {
  if (Status s = CheckRanges(ranges); !s.ok()) return s;
  std::string bounds;
  for (const SlotRange& r : ranges) AppendSlotRangeBounds(&bounds, r.first, r.last);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const std::string key = std::string(kImportKeyPrefix) + std::string(name);
  rocksdb::Status s = db_->Put(wo, db_->DefaultColumnFamily(), key, bounds);
  NoteWriteStatus(s);
  return FromRocks(s);
}

Status Engine::ForgetImport(std::string_view name) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const std::string key = std::string(kImportKeyPrefix) + std::string(name);
  rocksdb::Status s = db_->Delete(wo, db_->DefaultColumnFamily(), key);
  NoteWriteStatus(s);
  return FromRocks(s);
}

Result<std::vector<Engine::PendingImport>> Engine::PendingImports() const {
  std::vector<PendingImport> out;
  const std::string prefix(kImportKeyPrefix);
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), db_->DefaultColumnFamily()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::vector<std::pair<uint16_t, uint16_t>> bounds;
    if (!DecodeSlotRangeBounds(View(it->value()), &bounds)) {
      return Status::Corruption("bad slot ranges of a recorded import");
    }
    PendingImport p;
    p.name.assign(it->key().data() + prefix.size(), it->key().size() - prefix.size());
    for (const auto& [first, last] : bounds) p.ranges.push_back({first, last});
    out.push_back(std::move(p));
  }
  if (!it->status().ok()) return FromRocks(it->status());
  return out;
}

}  // namespace cairn::storage
