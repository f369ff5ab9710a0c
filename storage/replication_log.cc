// The replication log side of the Engine: reading the WAL as a stream of
// batches on a master, applying them on a replica.
#include <rocksdb/db.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/transaction_log.h>
#include <rocksdb/write_batch.h>

#include <random>

#include "storage/engine.h"
#include "storage/rocks_status.h"

namespace cairn::storage {
namespace {

// What a replicated batch changes that the engine mirrors in memory: count
// deltas, flushed count ranges, and user keys written (for WATCH).
//
// It also copies the batch without the default column family's rows: those
// are each node's own state (its replication id and offset) and never
// replicate.
class BatchInspector : public rocksdb::WriteBatch::Handler {
 public:
  BatchInspector(const std::vector<rocksdb::ColumnFamilyHandle*>& handles, uint32_t meta_id,
                 uint32_t counts_id)
      : handles_(handles), meta_id_(meta_id), counts_id_(counts_id) {}

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    if (cf == meta_id_) AddKey(key, false);
    auto* h = Handle(cf);
    return h == nullptr ? Skip(cf) : filtered.Put(h, key, value);
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    if (cf == meta_id_) AddKey(key, true);
    auto* h = Handle(cf);
    return h == nullptr ? Skip(cf) : filtered.Delete(h, key);
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return DeleteCF(cf, key);
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& key,
                          const rocksdb::Slice& value) override {
    if (cf == meta_id_) AddKey(key, false);  // an APPEND's operand
    auto* h = Handle(cf);
    if (h == nullptr) return Skip(cf);
    rocksdb::Status ms = filtered.Merge(h, key, value);
    if (!ms.ok() || cf != counts_id_) return ms;
    char kind;
    uint8_t db;
    uint16_t slot;
    int64_t delta;
    if (DecodeCountKey(std::string_view(key.data(), key.size()), &kind, &db, &slot) &&
        DecodeCount(std::string_view(value.data(), value.size()), &delta)) {
      deltas.push_back({kind, db, delta});
    }
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteRangeCF(uint32_t cf, const rocksdb::Slice& begin,
                                const rocksdb::Slice& end) override {
    if (cf == counts_id_) counts_reset = true;
    if (cf == meta_id_ && !begin.empty()) flushed_dbs.push_back(static_cast<uint8_t>(begin[0]));
    auto* h = Handle(cf);
    return h == nullptr ? Skip(cf) : filtered.DeleteRange(h, begin, end);
  }

  rocksdb::WriteBatch filtered;

  struct Delta {
    char kind;
    uint8_t db;
    int64_t delta;
  };
  std::vector<Delta> deltas;
  std::vector<std::pair<uint8_t, std::string>> keys;
  std::vector<bool> deleted;
  std::vector<uint8_t> flushed_dbs;
  bool counts_reset = false;

 private:
  void AddKey(const rocksdb::Slice& raw, bool del) {
    uint8_t db;
    uint16_t slot;
    std::string_view key;
    if (!DecodeMetaKey(std::string_view(raw.data(), raw.size()), &db, &slot, &key)) return;
    keys.emplace_back(db, std::string(key));
    deleted.push_back(del);
  }
  // The handle of a replicated column family; null for the default one.
  rocksdb::ColumnFamilyHandle* Handle(uint32_t cf) const {
    if (cf == 0) return nullptr;
    for (auto* h : handles_) {
      if (h->GetID() == cf) return h;
    }
    return nullptr;
  }
  rocksdb::Status Skip(uint32_t cf) {
    if (cf == 0) return rocksdb::Status::OK();
    return rocksdb::Status::Corruption("unknown column family " + std::to_string(cf));
  }
  const std::vector<rocksdb::ColumnFamilyHandle*>& handles_;
  uint32_t meta_id_;
  uint32_t counts_id_;
};

}  // namespace

Result<std::vector<Engine::ReplBatch>> Engine::ReadUpdatesSince(uint64_t from,
                                                                size_t max_bytes) const {
  std::vector<ReplBatch> out;
  if (from > db_->GetLatestSequenceNumber()) return out;
  std::unique_ptr<rocksdb::TransactionLogIterator> it;
  rocksdb::Status s = db_->GetUpdatesSince(from, &it);
  if (!s.ok()) {
    return Status::NotFound("the write-ahead log no longer reaches sequence " +
                            std::to_string(from) + ": " + s.ToString());
  }
  size_t bytes = 0;
  bool first = true;
  for (; it->Valid() && bytes < max_bytes; it->Next()) {
    rocksdb::BatchResult r = it->GetBatch();
    const uint32_t count = r.writeBatchPtr->Count();
    // The first batch returned may start before `from` (it contains it);
    // a gap before `from` means the log was truncated there.
    if (first && r.sequence > from) {
      return Status::NotFound("the write-ahead log starts at " + std::to_string(r.sequence) +
                              ", after " + std::to_string(from));
    }
    first = false;
    if (r.sequence + count <= from) continue;  // wholly before `from`
    ReplBatch b;
    b.seq = r.sequence;
    b.count = count;
    b.data = r.writeBatchPtr->Data();
    bytes += b.data.size();
    out.push_back(std::move(b));
  }
  if (!it->status().ok() && out.empty()) return FromRocks(it->status());
  return out;
}

Engine::UpdateTail::UpdateTail(const Engine& engine, uint64_t from) : engine_(engine), next_(from) {}
Engine::UpdateTail::~UpdateTail() = default;

Status Engine::UpdateTail::Read(size_t max_bytes, std::vector<ReplBatch>* out) {
  if (next_ > engine_.db_->GetLatestSequenceNumber()) return Status::Ok();
  if (it_ != nullptr) {
    // At the end of what was written when it last looked: Next() reads
    // what came since, unless the WAL moved on to a new file (TryAgain),
    // which takes a new iterator.
    if (!it_->Valid()) it_->Next();
    if (!it_->status().ok()) it_.reset();
  }
  bool reopened = false;
  if (it_ == nullptr) {
    rocksdb::Status s = engine_.db_->GetUpdatesSince(next_, &it_);
    if (!s.ok()) {
      it_.reset();
      return Status::NotFound("the write-ahead log no longer reaches sequence " +
                              std::to_string(next_) + ": " + s.ToString());
    }
    reopened = true;
  }
  size_t bytes = 0;
  for (; it_->Valid() && bytes < max_bytes; it_->Next()) {
    rocksdb::BatchResult r = it_->GetBatch();
    const uint32_t count = r.writeBatchPtr->Count();
    if (r.sequence + count <= next_) continue;  // wholly read already
    if (r.sequence > next_) {
      it_.reset();
      return Status::NotFound("the write-ahead log jumps from " + std::to_string(next_) + " to " +
                              std::to_string(r.sequence) + (reopened ? " (reopened)" : ""));
    }
    ReplBatch b;
    b.seq = r.sequence;
    b.count = count;
    b.data = r.writeBatchPtr->Data();
    bytes += b.data.size();
    next_ = r.sequence + count;
    out->push_back(std::move(b));
  }
  if (!it_->status().ok()) {
    Status s = FromRocks(it_->status());
    it_.reset();
    if (out->empty() && !reopened) return Read(max_bytes, out);  // reopen once
    if (out->empty()) return s;
  }
  return Status::Ok();
}

Status Engine::ApplyReplicated(const ReplBatch& batch) {
  const uint64_t last = batch.seq + (batch.count > 0 ? batch.count - 1 : 0);
  if (last <= ReplicatedOffset() && ReplicatedOffset() != 0) return Status::Ok();  // seen
  if (batch.data.size() < 12) return Status::Corruption("a replicated batch is too short");
  rocksdb::WriteBatch wb(batch.data);
  BatchInspector inspect(handles_, meta_cf_->GetID(), counts_cf_->GetID());
  rocksdb::Status rs = wb.Iterate(&inspect);
  if (!rs.ok()) return Status::Corruption("a replicated batch does not parse: " + rs.ToString());

  // Writers of this engine take key locks; so does the replica's apply, so
  // a WATCH on the replica orders against it like against a local write.
  std::vector<std::pair<uint8_t, std::string_view>> lock_keys;
  for (const auto& [db, key] : inspect.keys) lock_keys.emplace_back(db, key);
  KeyLockGuard guard =
      inspect.flushed_dbs.empty() ? KeyLockGuard(locks_, lock_keys) : KeyLockGuard::All(locks_);
  for (uint8_t db : inspect.flushed_dbs) TouchWatchedIn(db, db);

  rocksdb::WriteBatch& out = inspect.filtered;
  rs = out.Put(rocksdb::Slice(kReplOffsetKey.data(), kReplOffsetKey.size()), EncodeU64(last));
  if (!rs.ok()) return FromRocks(rs);
  rocksdb::WriteOptions wo;
  wo.sync = false;
  rs = WriteDb(wo, &out);
  if (!rs.ok()) return FromRocks(rs);
  repl_offset_.store(last, std::memory_order_release);

  if (inspect.counts_reset) {
    for (int i = 0; i < 256; ++i) {
      key_counts_[i] = 0;
      expire_counts_[i] = 0;
    }
    Status s = LoadCounts();
    if (!s.ok()) return s;
  } else {
    for (const auto& d : inspect.deltas) {
      if (d.kind == kCountKeys) key_counts_[d.db] += d.delta;
      if (d.kind == kCountExpires) expire_counts_[d.db] += d.delta;
    }
  }
  if (watches_.active()) {
    for (size_t i = 0; i < inspect.keys.size(); ++i) {
      watches_.Touch(inspect.keys[i].first, inspect.keys[i].second, inspect.deleted[i]);
    }
  }
  return Status::Ok();
}

Status Engine::SnapshotChunks(size_t chunk_bytes, const std::function<Status(uint64_t)>& begin,
                              const std::function<Status(std::string)>& emit,
                              uint64_t* seq) const {
  const rocksdb::Snapshot* snap = db_->GetSnapshot();
  *seq = snap->GetSequenceNumber();
  if (Status b = begin(*seq); !b.ok()) {
    db_->ReleaseSnapshot(snap);
    return b;
  }
  rocksdb::ReadOptions ro;
  ro.snapshot = snap;
  ro.fill_cache = false;  // a full scan would evict the hot set
  Status result = Status::Ok();
  rocksdb::WriteBatch chunk;
  auto flush = [&]() -> Status {
    if (chunk.Count() == 0) return Status::Ok();
    Status s = emit(chunk.Data());
    chunk.Clear();
    return s;
  };
  for (auto* cf : {meta_cf_, data_cf_, expire_cf_, counts_cf_}) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf));
    for (it->SeekToFirst(); it->Valid() && result.ok(); it->Next()) {
      rocksdb::Status ps = chunk.Put(cf, it->key(), it->value());
      if (!ps.ok()) result = FromRocks(ps);
      if (chunk.GetDataSize() >= chunk_bytes) result = flush();
    }
    if (result.ok() && !it->status().ok()) result = FromRocks(it->status());
    if (!result.ok()) break;
  }
  if (result.ok()) result = flush();
  db_->ReleaseSnapshot(snap);
  return result;
}

Status Engine::BeginFullSync() {
  KeyLockGuard all = KeyLockGuard::All(locks_);
  TouchWatchedIn(0, 255);
  rocksdb::WriteBatch batch;
  const std::string lo(1, '\0');
  const std::string hi(64, '\xff');
  for (auto* cf : {meta_cf_, data_cf_, expire_cf_, counts_cf_}) {
    rocksdb::Status s = batch.DeleteRange(cf, lo, hi);
    if (!s.ok()) return FromRocks(s);
  }
  rocksdb::Status s = batch.Delete(rocksdb::Slice(kReplOffsetKey.data(), kReplOffsetKey.size()));
  if (!s.ok()) return FromRocks(s);
  s = WriteDb(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return FromRocks(s);
  for (int i = 0; i < 256; ++i) {
    key_counts_[i] = 0;
    expire_counts_[i] = 0;
  }
  repl_offset_.store(0, std::memory_order_release);
  return Status::Ok();
}

Status Engine::ApplySnapshotChunk(const std::string& data) {
  if (data.size() < 12) return Status::Corruption("a full-sync chunk is too short");
  rocksdb::WriteBatch wb(data);
  rocksdb::WriteOptions wo;
  wo.sync = false;
  return FromRocks(WriteDb(wo, &wb));
}

Status Engine::FinishFullSync(uint64_t seq, const std::string& master_id) {
  KeyLockGuard all = KeyLockGuard::All(locks_);
  rocksdb::WriteBatch wb;
  rocksdb::Status s =
      wb.Put(rocksdb::Slice(kReplOffsetKey.data(), kReplOffsetKey.size()), EncodeU64(seq));
  if (s.ok()) {
    s = wb.Put(rocksdb::Slice(kReplMasterIdKey.data(), kReplMasterIdKey.size()), master_id);
  }
  if (s.ok()) s = WriteDb(rocksdb::WriteOptions(), &wb);
  if (!s.ok()) return FromRocks(s);
  {
    std::lock_guard<std::mutex> lock(repl_mu_);
    master_id_ = master_id;
  }
  repl_offset_.store(seq, std::memory_order_release);
  for (int i = 0; i < 256; ++i) {
    key_counts_[i] = 0;
    expire_counts_[i] = 0;
  }
  return LoadCounts();
}

std::string Engine::DataId() const {
  std::lock_guard<std::mutex> lock(repl_mu_);
  return data_id_;
}

std::string Engine::MasterDataId() const {
  std::lock_guard<std::mutex> lock(repl_mu_);
  return master_id_;
}

Status Engine::LoadReplOffset() {
  auto get = [&](std::string_view key, std::string* out) {
    return db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(),
                    rocksdb::Slice(key.data(), key.size()), out);
  };
  std::string id;
  rocksdb::Status s = get(kReplIdKey, &id);
  if (s.IsNotFound()) {
    std::random_device rd;
    std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                        static_cast<uint64_t>(clock_.NowUs()));
    static const char kHex[] = "0123456789abcdef";
    id.clear();
    for (int i = 0; i < 40; ++i) id.push_back(kHex[gen() % 16]);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = db_->Put(wo, db_->DefaultColumnFamily(),
                 rocksdb::Slice(kReplIdKey.data(), kReplIdKey.size()), id);
    NoteWriteStatus(s);
  }
  if (!s.ok()) return FromRocks(s);
  std::string master_id;
  s = get(kReplMasterIdKey, &master_id);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s);
  {
    std::lock_guard<std::mutex> lock(repl_mu_);
    data_id_ = id;
    master_id_ = master_id;
  }
  std::string v;
  s = get(kReplOffsetKey, &v);
  if (s.IsNotFound()) return Status::Ok();
  if (!s.ok()) return FromRocks(s);
  uint64_t off = 0;
  if (!DecodeU64(v, &off)) return Status::Corruption("bad replication offset row");
  repl_offset_.store(off, std::memory_order_release);
  return Status::Ok();
}

}  // namespace cairn::storage
