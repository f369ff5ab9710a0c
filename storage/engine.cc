#include "storage/engine.h"

#include <fcntl.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>

#include "common/crc16.h"
#include "common/log.h"
#include "storage/disk_full_fs.h"
#include "storage/pending_index.h"
#include "storage/rocks_status.h"
#include "storage/sorted_batch.h"

namespace cairn::storage {
namespace {

namespace fs = std::filesystem;

constexpr char kMarkerName[] = "CAIRN";
constexpr char kMarkerText[] = "cairn data format 1\n";
constexpr int kExpireBatch = 64;
// Batches of at least this many entries are written in key order: below
// it the sort costs more than the inserts it shortens.
constexpr uint32_t kSortedBatchMin = 32;
// An APPEND, SETRANGE, SETBIT or BITFIELD on a value at least this long
// writes a merge operand instead of the whole value (WriteSet::Append,
// Overwrite); below it a rewrite costs about what the operand costs later,
// at every read until a compaction.
constexpr size_t kMergeMinValue = 16 << 10;
// A key's merge operands in one memtable: at this many the memtable gets the
// merged row instead of another operand. Else a read of the key collects
// every operand of every memtable (16 immutable ones and more wait to be
// flushed together), and many small APPENDs to one key made each APPEND's
// read slower than the one before.
constexpr size_t kMaxSuccessiveMerges = 64;
// log2 of the block cache's shard count.
constexpr int kBlockCacheShardBits = 4;

// The prefix a memtable insert hint is kept per (the first prefix_len bytes
// of keys of at least kMinKey bytes). RocksDB 7.8 shares one hint map
// between a memtable's point entries and its range deletions, and a hint
// of one used on the other corrupts the skiplist (fixed in later versions:
// "Hints are for point key table only"). Every range deletion Cairn writes
// to meta or counts starts at a key of at most 3 bytes ([db], [kind][db],
// [db][slot]: FlushRange, SwapDb, BeginFullSync), and no key shorter than
// kMinKey gets a hint, so the two never meet. A range deletion from a
// longer key in those column families must not be added.
// RocksDB's messages go to Cairn's log, not to a LOG file in the data
// directory: RocksDB's own file logger, once a write to it failed (a full
// disk), asserts on its next message in Debian's build, and its next
// message comes from the very recovery that waits for space.
class ForwardingLogger : public rocksdb::Logger {
 public:
  explicit ForwardingLogger(rocksdb::InfoLogLevel level) : rocksdb::Logger(level) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char buf[1024];
    vsnprintf(buf, sizeof(buf), format, ap);
    if (level >= rocksdb::InfoLogLevel::WARN_LEVEL) {
      LOG_WARNING("rocksdb: %s", buf);
    } else {
      LOG_VERBOSE("rocksdb: %s", buf);
    }
  }
};


class HintPrefix : public rocksdb::SliceTransform {
 public:
  static constexpr size_t kMinKey = 4;
  explicit HintPrefix(size_t prefix_len) : prefix_len_(prefix_len) {}
  const char* Name() const override { return "cairn.HintPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), prefix_len_);
  }
  bool InDomain(const rocksdb::Slice& key) const override { return key.size() >= kMinKey; }

 private:
  size_t prefix_len_;
};

// Adds int64 little-endian operands: the exact key counts.
class Int64AddOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    int64_t a = 0;
    int64_t b = 0;
    if (existing != nullptr) DecodeCount(std::string_view(existing->data(), existing->size()), &a);
    DecodeCount(std::string_view(value.data(), value.size()), &b);
    *new_value = EncodeCountDelta(a + b);
    return true;
  }
  const char* Name() const override { return "cairn.Int64Add"; }
};

// Applies meta merge operands (encoding.h) to a string's row: an APPEND,
// SETRANGE, SETBIT or BITFIELD on a long value writes the bytes it changes,
// not the whole value again.
class MetaMergeOperator : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    std::string& row = out->new_value;
    size_t added = 0;
    for (const rocksdb::Slice& op : in.operand_list) added += op.size();
    row.clear();
    if (in.existing_value != nullptr) {
      row.reserve(in.existing_value->size() + added);
      row.assign(in.existing_value->data(), in.existing_value->size());
    }
    for (const rocksdb::Slice& op : in.operand_list) {
      if (!ApplyMetaOperand(&row, std::string_view(op.data(), op.size()))) return false;
    }
    return true;
  }
  // Appends in a row make one append.
  bool PartialMergeMulti(const rocksdb::Slice&, const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value, rocksdb::Logger*) const override {
    size_t size = 1;
    for (const rocksdb::Slice& op : operands) {
      if (op.empty() || op[0] != kAppendOperand) return false;
      size += op.size() - 1;
    }
    new_value->clear();
    new_value->reserve(size);
    new_value->push_back(kAppendOperand);
    for (const rocksdb::Slice& op : operands) new_value->append(op.data() + 1, op.size() - 1);
    return true;
  }
  const char* Name() const override { return "cairn.MetaMerge"; }
};

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

// A directory we can create files in, made if absent.
Status EnsureWritableDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("can't create directory '" + dir + "': " + ec.message());
  if (!fs::is_directory(dir, ec)) return Status::IOError("'" + dir + "' is not a directory");
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    return Status::IOError("directory '" + dir + "' is not writable: " + strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

// A transaction's writes while EXEC runs (see Engine::BeginBatch), or a
// loop's pipeline batch (BeginPipeline).
struct Engine::PendingBatch {
  // Transactions. The underlying WriteBatch keeps every operation in order
  // (what is written at the end is exactly the sequence the commands made);
  // overwrite_key=true only makes the index keep the newest entry per key,
  // which iterators over batch + database need (NewIteratorWithBase).
  rocksdb::WriteBatchWithIndex batch{rocksdb::BytewiseComparator(), 0, true};
  // Pipelines: a plain batch and a hash index of its meta rows. Pipelined
  // commands only look up their own keys, so the ordered index (a skiplist
  // insert per write, an iterator per lookup) would be paid for nothing.
  rocksdb::WriteBatch plain;
  PendingIndex index;
  std::vector<WriteSet::Delta> deltas;
  std::vector<WriteSet::TouchedKey> touched;
  // Key events of the commands so far, published once the batch is written:
  // a subscriber that reads the key on the event finds the write.
  std::vector<KeyEvent> events;
  // Pipelines only (BeginPipeline).
  bool pipeline = false;
  int commands = 0;    // PipelineCommand calls
  int written = 0;     // commands whose writes a contention flush wrote
  int lost_from = -1;  // >= 0: a flush failed; writes from here are lost
  Status failure;      // why
  uint64_t seq = 0;    // after the last flush

  // Where WriteSets put their operations, and the batch to write.
  rocksdb::WriteBatchBase* out() {
    return pipeline ? static_cast<rocksdb::WriteBatchBase*>(&plain) : &batch;
  }
  rocksdb::WriteBatch* rep() { return pipeline ? &plain : batch.GetWriteBatch(); }
  bool has_writes() { return rep()->Count() > 0; }
  // Drops the operations (written, or lost).
  void ClearWrites() {
    batch.Clear();
    plain.Clear();
    index.Clear();
    deltas.clear();
    touched.clear();
    events.clear();
  }
  void Reset() {
    ClearWrites();
    pipeline = false;
    commands = 0;
    written = 0;
    lost_from = -1;
    failure = Status::Ok();
    seq = 0;
  }
};

namespace {
// Engine::CacheOnlyReads on this thread: 0 = off, 1 = on, 2 = on and missed.
thread_local int tl_cache_only = 0;
}  // namespace

Engine::CacheOnlyReads::CacheOnlyReads() { tl_cache_only = 1; }
Engine::CacheOnlyReads::~CacheOnlyReads() { tl_cache_only = 0; }
bool Engine::CacheOnlyReads::missed() const { return tl_cache_only == 2; }

namespace {
// The open transaction or pipeline of this thread (one engine at a time).
// The batch object is kept between uses: a pipeline opens one per read.
thread_local const Engine* tl_batch_engine = nullptr;
thread_local std::unique_ptr<Engine::PendingBatch> tl_batch;
}  // namespace

// ----------------------------------------------------------------- WriteSet

WriteSet::WriteSet(Engine& engine) : engine_(engine), out_(nullptr) {
  if (Engine::PendingBatch* p = engine.Pending()) {
    out_ = p->out();
    if (p->pipeline) {
      index_ = &p->index;
      index_rep_ = &p->plain;
    }
  } else {
    batch_ = std::make_unique<rocksdb::WriteBatch>();
    out_ = batch_.get();
  }
}
WriteSet::~WriteSet() = default;

void WriteSet::IndexPut(std::string_view mkey, std::string_view value) {
  if (index_ == nullptr) return;
  // A Put record ends with the value's bytes (no per-key protection or
  // timestamps are configured).
  const std::string& rep = index_rep_->Data();
  const size_t at = rep.size() - value.size();
  assert(rep.compare(at, value.size(), value) == 0);
  index_->Put(mkey, KeyCache::Hash(mkey), {at, value.size()});
}

void WriteSet::AddCount(char kind, uint8_t db, uint16_t slot, int64_t delta) {
  if (delta == 0) return;
  std::string k = EncodeCountKey(kind, db, slot);
  out_->Merge(engine_.counts_cf_, k, EncodeCountDelta(delta));
  deltas_.push_back({kind, db, slot, delta});
}

void WriteSet::Touched(const KeyState& ks, bool deleted) {
  // A watcher registers under the key's lock, which the writer holds from
  // its Lookup to its Commit: if nobody watches now, nobody can start
  // watching this key before the write is done.
  if (engine_.watches_.active()) touched_.push_back({ks.db, ks.key, deleted});
}

void WriteSet::PutString(KeyState& ks, std::string_view value, int64_t expire_ms,
                         StringForm form) {
  PutRaw(ks, ValueType::kString, value, expire_ms, form);
}

void WriteSet::NotifyReplaced(const KeyState& ks, bool put) {
  if (ks.stored) Notify(kEventExpired, "expired", ks);
  if (put) Notify(kEventNew, "new", ks);
}

void WriteSet::PutRaw(KeyState& ks, ValueType type, std::string_view value, int64_t expire_ms,
                      StringForm form) {
  if (!ks.live) NotifyReplaced(ks, true);
  key_scratch_.clear();
  AppendMetaKey(&key_scratch_, ks.db, ks.slot, ks.key);
  EncodeMetaValue(&scratch_, type, expire_ms, value, form);
  out_->Put(engine_.meta_cf_, key_scratch_, scratch_);
  IndexPut(key_scratch_, scratch_);
  if (ks.stored && ks.expire_ms != 0 && ks.expire_ms != expire_ms) {
    out_->Delete(engine_.expire_cf_, EncodeExpireKey(ks.db, ks.expire_ms, ks.slot, ks.key));
  }
  if (expire_ms != 0 && (!ks.stored || ks.expire_ms != expire_ms)) {
    out_->Put(engine_.expire_cf_, EncodeExpireKey(ks.db, expire_ms, ks.slot, ks.key),
              rocksdb::Slice());
  }
  if (!ks.stored) AddCount(kCountKeys, ks.db, ks.slot, 1);
  int had_ttl = ks.stored && ks.expire_ms != 0 ? 1 : 0;
  int has_ttl = expire_ms != 0 ? 1 : 0;
  AddCount(kCountExpires, ks.db, ks.slot, has_ttl - had_ttl);
  ks.stored = true;
  ks.live = true;
  ks.type = type;
  ks.form = form;
  ks.expire_ms = expire_ms;
  if (!ks.skip_payload) ks.payload.assign(value.data(), value.size());
  Touched(ks, false);
  ++ops_;
}

bool WriteSet::MergesInto(const KeyState& ks) const {
  // A transaction's batch is neither a standalone batch nor a pipeline's.
  const bool in_transaction = batch_ == nullptr && index_ == nullptr;
  return ks.payload.size() >= kMergeMinValue && ks.form == StringForm::kRaw && !in_transaction;
}

void WriteSet::PutOperand(KeyState& ks, std::string_view operand) {
  key_scratch_.clear();
  AppendMetaKey(&key_scratch_, ks.db, ks.slot, ks.key);
  out_->Merge(engine_.meta_cf_, key_scratch_, ToSlice(operand));
  if (index_ != nullptr) {
    // The batch holds the operand only: the index keeps the whole row for
    // the pipeline's later reads of the key.
    const uint64_t hash = KeyCache::Hash(key_scratch_);
    if (!index_->MergeOwned(key_scratch_, hash, operand)) {
      std::string row;
      EncodeMetaValue(&row, ValueType::kString, ks.expire_ms, ks.payload, StringForm::kRaw);
      index_->PutOwned(key_scratch_, hash, std::move(row));
    }
  }
  Touched(ks, false);
  ++ops_;
}

void WriteSet::Append(KeyState& ks, std::string_view bytes) {
  if (!MergesInto(ks)) {
    std::string joined;
    joined.reserve(ks.payload.size() + bytes.size());
    joined.append(ks.payload).append(bytes);
    PutRaw(ks, ValueType::kString, joined, ks.expire_ms, StringForm::kRaw);
    return;
  }
  ks.payload.append(bytes);
  PutOperand(ks, EncodeAppendOperand(bytes));
}

void WriteSet::Overwrite(KeyState& ks, uint64_t offset, std::string_view bytes) {
  const bool merge = MergesInto(ks) && offset <= kMaxOverwriteOffset;
  const size_t at = static_cast<size_t>(offset);
  std::string patched;
  if (!merge) patched = ks.payload;
  std::string& value = merge ? ks.payload : patched;
  if (value.size() < at + bytes.size()) value.resize(at + bytes.size(), '\0');
  value.replace(at, bytes.size(), bytes);
  if (!merge) {
    PutRaw(ks, ValueType::kString, patched, ks.expire_ms, StringForm::kRaw);
    return;
  }
  PutOperand(ks, EncodeOverwriteOperand(offset, bytes));
}

void WriteSet::SetExpire(KeyState& ks, int64_t expire_ms) {
  if (!ks.stored || ks.expire_ms == expire_ms) return;
  std::string mkey = EncodeMetaKey(ks.db, ks.slot, ks.key);
  EncodeMetaValue(&scratch_, ks.type, expire_ms, ks.payload, ks.form);
  out_->Put(engine_.meta_cf_, mkey, scratch_);
  IndexPut(mkey, scratch_);
  if (ks.expire_ms != 0) {
    out_->Delete(engine_.expire_cf_, EncodeExpireKey(ks.db, ks.expire_ms, ks.slot, ks.key));
  }
  if (expire_ms != 0) {
    out_->Put(engine_.expire_cf_, EncodeExpireKey(ks.db, expire_ms, ks.slot, ks.key),
              rocksdb::Slice());
  }
  AddCount(kCountExpires, ks.db, ks.slot, (expire_ms != 0 ? 1 : 0) - (ks.expire_ms != 0 ? 1 : 0));
  ks.expire_ms = expire_ms;
  Touched(ks, false);
  ++ops_;
}

void WriteSet::Delete(KeyState& ks) {
  if (!ks.stored) return;
  if (!ks.live) NotifyReplaced(ks, false);
  const std::string mkey = EncodeMetaKey(ks.db, ks.slot, ks.key);
  out_->Delete(engine_.meta_cf_, mkey);
  if (index_ != nullptr) index_->Delete(mkey, KeyCache::Hash(mkey));
  if (ks.expire_ms != 0) {
    out_->Delete(engine_.expire_cf_, EncodeExpireKey(ks.db, ks.expire_ms, ks.slot, ks.key));
    AddCount(kCountExpires, ks.db, ks.slot, -1);
  }
  AddCount(kCountKeys, ks.db, ks.slot, -1);
  ks.stored = false;
  ks.live = false;
  ks.expire_ms = 0;
  ks.payload.clear();
  Touched(ks, true);
  ++ops_;
}

// ------------------------------------------------------------------- Engine

Engine::Engine(const EngineOptions& options, const Clock& clock)
    : options_(options),
      clock_(clock),
      key_counts_(new std::atomic<int64_t>[256]),
      expire_counts_(new std::atomic<int64_t>[256]) {
  for (int i = 0; i < 256; ++i) {
    key_counts_[i] = 0;
    expire_counts_[i] = 0;
  }
}

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options, const Clock& clock) {
  if (options.databases < 1 || options.databases > 256) {
    return Status::InvalidArgument("databases must be between 1 and 256");
  }
  std::unique_ptr<Engine> engine(new Engine(options, clock));
  Status s = engine->OpenDb();
  if (!s.ok()) return s;
  s = engine->LoadCounts();
  if (!s.ok()) return s;
  s = engine->LoadReplOffset();
  if (!s.ok()) return s;
  return engine;
}

Status Engine::OpenDb() {
  Status s = EnsureWritableDir(options_.dir);
  if (!s.ok()) return s;
  const std::string db_dir = options_.dir + "/db";
  const std::string marker = db_dir + "/" + kMarkerName;
  std::error_code ec;
  bool db_dir_exists = fs::exists(db_dir, ec);
  if (db_dir_exists) {
    if (!fs::exists(marker, ec)) {
      bool empty = fs::is_directory(db_dir, ec) && fs::is_empty(db_dir, ec);
      if (!empty) {
        return Status::InvalidArgument("'" + db_dir +
                                       "' is not a Cairn data directory (no CAIRN marker)");
      }
    }
  }
  s = EnsureWritableDir(db_dir);
  if (!s.ok()) return s;

  rocksdb::Options opts;
  opts.create_if_missing = true;
  opts.create_missing_column_families = true;
  opts.max_background_jobs = 2;
  // Compactions run at the lowest CPU priority (nice 19): on a machine with
  // few cores a compaction would otherwise take half a core from a loop
  // whenever both want it. They run in the CPU the loops leave, and when
  // they fall behind, RocksDB's write slowdown (L0 file count, pending
  // compaction bytes) slows the writers down until they catch up. Flushes
  // (the high-priority pool) keep the loops' priority: a late flush stops
  // writes sooner.
  rocksdb::Env::Default()->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::LOW,
                                                      rocksdb::CpuPriority::kLow);
  opts.bytes_per_sync = 1 << 20;
  opts.max_total_wal_size = 256ull << 20;
  opts.keep_log_file_num = 4;
  // Obsolete WAL files stay in the archive for a while: they are the
  // replication log a reconnecting replica resumes from (partial resync).
  opts.WAL_ttl_seconds = 3600;
  opts.WAL_size_limit_MB = 1024;
  opts.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  opts.info_log = std::make_shared<ForwardingLogger>(opts.info_log_level);
  if (options_.disk_faults) {
    disk_full_fs_ = std::make_shared<DiskFullFs>(rocksdb::FileSystem::Default());
    env_ = rocksdb::NewCompositeEnv(disk_full_fs_);
    opts.env = env_.get();
  }

  const MemorySplit split = SplitMemoryBudget(options_.memory_budget, options_.key_cache_bytes);
  const uint64_t memtables = split.memtables;
  // 16 shards, not RocksDB's 64: under a small budget a 64th of the cache
  // was about one whole filter block (README, "RocksDB options").
  cache_ = rocksdb::NewLRUCache(split.block_cache, kBlockCacheShardBits);
  key_cache_ = std::make_unique<KeyCache>(split.key_cache);
  // Made here rather than from db_write_buffer_size so that CONFIG SET
  // maxmemory can resize it.
  write_buffers_ = std::make_shared<rocksdb::WriteBufferManager>(memtables);
  opts.write_buffer_manager = write_buffers_;

  // Why each option is set: README.md, "RocksDB options".
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache_;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  table.whole_key_filtering = true;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  table.format_version = 5;

  rocksdb::ColumnFamilyOptions base(opts);
  base.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  base.write_buffer_size = split.data_memtable;
  resume_free_bytes_ = split.data_memtable;
  base.compression = rocksdb::kLZ4Compression;
  base.bottommost_compression = rocksdb::kZSTD;
  base.level_compaction_dynamic_level_bytes = true;
  // Files below L0 of 16 MB, not 64: a file's filter is one block, and a
  // lookup that proves a key absent needs it; a smaller one is cheaper to
  // read back when the cache dropped it.
  base.target_file_size_base = 16ull << 20;

  // meta: every SET first looks its key up; a memtable bloom filter lets a
  // lookup of a key the memtable lacks skip the skiplist walk.
  rocksdb::ColumnFamilyOptions meta_opts = base;
  meta_opts.memtable_prefix_bloom_size_ratio = 0.05;
  meta_opts.memtable_whole_key_filtering = true;
  // Small memtables, flushed many at a time: a random insert into a
  // skiplist costs a cache miss per level it walks below the cached top, so
  // an insert into a 4 MB memtable is cheaper than into a 64 MB one, while
  // merging sixteen of them at flush time keeps the L0 files (and the
  // compactions they cause) as large as one 64 MB memtable made. At most 32
  // exist per column family, so the meta memtables stay within the
  // memtable share. (A lookup the key cache misses checks each memtable's
  // bloom filter: smaller and more of them cost reads more.)
  auto merged_memtables = [](rocksdb::ColumnFamilyOptions* o, uint64_t size, int merged) {
    o->write_buffer_size = size;
    o->min_write_buffer_number_to_merge = merged;
    o->max_write_buffer_number = 2 * merged;
  };
  merged_memtables(&meta_opts, split.meta_memtable, 16);
  // Inserts start from where the last insert of the same db ended (a
  // splice kept per prefix), and WriteDb orders a big batch by key, so
  // each insert of a pipeline's batch walks only the part of the skiplist
  // between its key and the last one.
  meta_opts.memtable_insert_with_hint_prefix_extractor = std::make_shared<HintPrefix>(1);  // [db]
  meta_opts.merge_operator = std::make_shared<MetaMergeOperator>();
  meta_opts.max_successive_merges = kMaxSuccessiveMerges;

  // Small column families get small memtables: their entries are tiny, so a
  // big memtable would hold millions of them and every insert would walk a
  // deep skiplist (counts gets one merge operand per created key).
  rocksdb::ColumnFamilyOptions small_opts = base;
  merged_memtables(&small_opts, 512ull << 10, 8);
  rocksdb::ColumnFamilyOptions counts_opts = small_opts;
  counts_opts.merge_operator = std::make_shared<Int64AddOperator>();
  counts_opts.memtable_insert_with_hint_prefix_extractor =
      std::make_shared<HintPrefix>(2);  // [kind][db]

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, small_opts},
      {"meta", meta_opts},
      {"data", base},
      {"expire", small_opts},
      {"counts", counts_opts},
  };
  rocksdb::DB* raw = nullptr;
  rocksdb::DBOptions dbopts(opts);
  rocksdb::Status rs = rocksdb::DB::Open(dbopts, db_dir, cfs, &handles_, &raw);
  if (!rs.ok()) {
    return Status::Corruption("can't open the data directory '" + db_dir + "': " + rs.ToString());
  }
  db_.reset(raw);
  meta_cf_ = handles_[1];
  data_cf_ = handles_[2];
  expire_cf_ = handles_[3];
  counts_cf_ = handles_[4];
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    if (h->GetID() >= cfs_by_id_.size()) cfs_by_id_.resize(h->GetID() + 1, nullptr);
    cfs_by_id_[h->GetID()] = h;
  }

  if (!fs::exists(marker, ec)) {
    int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return Status::IOError("can't write " + marker + ": " + strerror(errno));
    ssize_t n = ::write(fd, kMarkerText, sizeof(kMarkerText) - 1);
    ::fsync(fd);
    ::close(fd);
    if (n != static_cast<ssize_t>(sizeof(kMarkerText) - 1)) {
      return Status::IOError("can't write " + marker);
    }
  }
  return Status::Ok();
}

Status Engine::LoadCounts() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), counts_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    char kind;
    uint8_t db;
    uint16_t slot;
    int64_t n;
    if (!DecodeCountKey(std::string_view(it->key().data(), it->key().size()), &kind, &db, &slot) ||
        !DecodeCount(std::string_view(it->value().data(), it->value().size()), &n)) {
      return Status::Corruption("bad row in the counts column family");
    }
    if (kind == kCountKeys) key_counts_[db] += n;
    if (kind == kCountExpires) expire_counts_[db] += n;
  }
  return FromRocks(it->status());
}

Engine::~Engine() {
  if (db_ != nullptr) {
    Status s = SyncWal();
    if (!s.ok()) LOG_WARNING("WAL sync at close failed: %s", s.ToString().c_str());
    for (auto* h : handles_) {
      rocksdb::Status ds = db_->DestroyColumnFamilyHandle(h);
      (void)ds;
    }
    handles_.clear();
    rocksdb::Status cs = db_->Close();
    if (!cs.ok()) LOG_WARNING("closing RocksDB failed: %s", cs.ToString().c_str());
    db_.reset();
  }
}

Status Engine::DecodeInto(std::string_view raw, KeyState* out) const {
  std::string_view payload;
  if (!DecodeMetaValue(raw, &out->type, &out->expire_ms, &payload, &out->form)) {
    return Status::Corruption("bad meta value for a key");
  }
  out->stored = true;
  out->live = out->expire_ms == 0 || out->expire_ms > clock_.NowMs();
  if (!out->skip_payload) out->payload.assign(payload.data(), payload.size());
  return Status::Ok();
}

void Engine::SkipPerfCountersOnThisThread() { rocksdb::SetPerfLevel(rocksdb::kDisable); }

void Engine::AddPrefetch(uint8_t db, std::string_view key, bool write, PrefetchKeys* keys) const {
  if (!key_cache_->enabled()) return;
  keys->read_ahead.push_back(write ? 1 : 0);
  const size_t begin = keys->keys.size();
  AppendMetaKey(&keys->keys, db, KeyHashSlot(key), key);
  keys->hashes.push_back(KeyCache::Hash(std::string_view(keys->keys).substr(begin)));
  // Only a key Prefetch may read from RocksDB is kept (a read's is empty).
  if (!write) keys->keys.resize(begin);
  keys->ends.push_back(static_cast<uint32_t>(keys->keys.size()));
}

namespace {
// What Prefetch's reused slices may keep allocated between windows.
constexpr size_t kKeepSliceBytes = 4096;
}  // namespace

void Engine::Prefetch(const PrefetchKeys& keys) {
  const size_t n = keys.size();
  if (n == 0) return;
  // Reused per thread: no allocation per window once warm.
  thread_local std::vector<uint8_t> uncached;
  thread_local std::vector<uint32_t> missed;
  // Asked only for the keys it may read ahead.
  uncached.assign(keys.read_ahead.begin(), keys.read_ahead.end());
  key_cache_->Prefetch(keys.hashes, uncached.data());
  missed.clear();
  for (uint32_t i = 0; i < n; ++i) {
    if (uncached[i] != 0) missed.push_back(i);
  }
  const size_t m = missed.size();
  if (m < kMultiGetMin) return;
  thread_local std::vector<uint64_t> tickets;
  thread_local std::vector<rocksdb::Slice> mkeys;
  thread_local std::vector<rocksdb::PinnableSlice> values;
  thread_local std::vector<rocksdb::Status> statuses;
  tickets.resize(m);
  mkeys.resize(m);
  values.resize(m);
  statuses.resize(m);
  for (size_t j = 0; j < m; ++j) {
    // Taken before the read: a write that lands meanwhile voids the fill.
    tickets[j] = key_cache_->FillTicket(keys.hashes[missed[j]]);
    mkeys[j] = ToSlice(keys.key(missed[j]));
  }
  rocksdb::ReadOptions ro;
  db_->MultiGet(ro, meta_cf_, m, mkeys.data(), values.data(), statuses.data(), false);
  if (prefetch_hook_for_test_) prefetch_hook_for_test_();
  for (size_t j = 0; j < m; ++j) {
    const uint32_t i = missed[j];
    if (statuses[j].ok()) {
      key_cache_->Fill(keys.key(i), keys.hashes[i],
                       std::string_view(values[j].data(), values[j].size()), tickets[j]);
    } else if (statuses[j].IsNotFound()) {
      key_cache_->Fill(keys.key(i), keys.hashes[i], KeyCache::kAbsent, tickets[j]);
    }
    values[j].Reset();
    // A row copied out of a memtable stays in the slice's own string: a big
    // one must not stay allocated with this thread's slices.
    std::string* self = values[j].GetSelf();
    if (self->capacity() > kKeepSliceBytes) std::string().swap(*self);
  }
}

Status Engine::Lookup(uint8_t db, std::string_view key, KeyState* out) {
  out->db = db;
  out->slot = KeyHashSlot(key);
  out->key.assign(key.data(), key.size());
  out->stored = false;
  out->live = false;
  out->type = ValueType::kString;
  out->expire_ms = 0;
  out->payload.clear();
  // Reused per thread: no allocation per lookup once warm.
  thread_local std::string mkey;
  mkey.clear();
  AppendMetaKey(&mkey, db, out->slot, key);
  // This thread's open batch (transaction or pipeline) first: what it
  // wrote is what this thread must see.
  const uint64_t hash = KeyCache::Hash(mkey);
  Status in_batch;
  if (LookupPending(mkey, hash, out, &in_batch)) return in_batch;
  // Then the key cache, then RocksDB.
  Status found;
  bool hit = key_cache_->Find(mkey, hash, [&](std::string_view raw) {
    // An empty row records that RocksDB holds no such key (Prefetch).
    if (!raw.empty()) found = DecodeInto(raw, out);
  });
  if (hit) return found;
  const uint64_t ticket = key_cache_->FillTicket(hash);
  rocksdb::PinnableSlice value;
  rocksdb::ReadOptions ro;
  if (tl_cache_only != 0) ro.read_tier = rocksdb::kBlockCacheTier;
  rocksdb::Status s = db_->Get(ro, meta_cf_, mkey, &value);
  if (s.IsNotFound()) return Status::Ok();
  if (s.IsIncomplete() && tl_cache_only != 0) {
    tl_cache_only = 2;
    return Status::Busy("the key's block is not cached");
  }
  if (!s.ok()) return FromRocks(s);
  const std::string_view raw(value.data(), value.size());
  if (fill_hook_for_test_) fill_hook_for_test_();
  key_cache_->Fill(mkey, hash, raw, ticket);
  return DecodeInto(raw, out);
}

bool Engine::LookupPending(std::string_view mkey, uint64_t hash, KeyState* out,
                           Status* status) const {
  PendingBatch* pending = Pending();
  if (pending == nullptr) return false;
  if (pending->pipeline) {
    PendingIndex::ValueRef ref;
    switch (pending->index.Find(mkey, hash, &ref)) {
      case PendingIndex::Found::kAbsent:
        return false;
      case PendingIndex::Found::kDeleted:
        *status = Status::Ok();  // deleted in the batch: absent
        return true;
      case PendingIndex::Found::kPut:
        *status = DecodeInto(pending->index.Value(ref, pending->plain.Data()), out);
        return true;
    }
  }
  // An empty batch has nothing.
  if (pending->batch.GetWriteBatch()->Count() == 0) return false;
  std::unique_ptr<rocksdb::WBWIIterator> it(pending->batch.NewIterator(meta_cf_));
  it->Seek(ToSlice(mkey));
  if (!it->Valid() || it->Entry().key != ToSlice(mkey)) return false;
  const rocksdb::WriteEntry e = it->Entry();
  if (e.type == rocksdb::kPutRecord) {
    *status = DecodeInto(std::string_view(e.value.data(), e.value.size()), out);
  } else if (e.type == rocksdb::kDeleteRecord || e.type == rocksdb::kSingleDeleteRecord) {
    *status = Status::Ok();  // deleted in the batch: absent
  } else {
    *status = Status::Corruption("unexpected record for a key in the pending batch");
  }
  return true;
}

rocksdb::Status Engine::WriteDb(const rocksdb::WriteOptions& wo, rocksdb::WriteBatch* batch) {
  // A batch of many keys goes to the memtables in key order (sorted_batch.h).
  static thread_local rocksdb::WriteBatch sorted;
  if (batch->Count() >= kSortedBatchMin && SortByKey(*batch, cfs_by_id_, &sorted)) batch = &sorted;
  rocksdb::Status s = db_->Write(wo, batch);
  if (s.ok()) {
    key_cache_->ApplyWritten(batch, meta_cf_->GetID());
  } else {
    NoteWriteStatus(s);
  }
  return s;
}

Status Engine::Read(uint8_t db, std::string_view key, KeyState* out) {
  Status s = Lookup(db, key, out);
  if (!s.ok() || !out->stored || out->live) return s;
  if (replica()) return Status::Ok();  // the master's deletion will come
  if (ExpiryPaused()) return Status::Ok();  // CLIENT PAUSE: deleted once it ends
  // Expired: delete it under its lock, unless someone rewrote it meanwhile.
  KeyLockGuard guard(locks_, db, key);
  KeyState now;
  s = Lookup(db, key, &now);
  if (!s.ok()) return s;
  if (now.stored && !now.live) {
    WriteSet ws(*this);
    ws.Delete(now);
    s = Commit(ws);
    if (!s.ok()) return s;
    lazy_expired_.fetch_add(1, std::memory_order_relaxed);
    *out = std::move(now);
    return Status::Ok();
  }
  *out = std::move(now);
  return Status::Ok();
}

void Engine::ApplyDeltas(const std::vector<WriteSet::Delta>& deltas) {
  for (const auto& d : deltas) {
    if (d.kind == kCountKeys) key_counts_[d.db] += d.delta;
    if (d.kind == kCountExpires) expire_counts_[d.db] += d.delta;
  }
}

Status Engine::Commit(WriteSet& ws, uint64_t* seq) {
  Status s = CommitOps(ws, seq);
  if (s.ok() && !ws.events_.empty()) {
    if (PendingBatch* p = Pending(); p != nullptr && ws.out_ == p->out()) {
      for (KeyEvent& e : ws.events_) p->events.push_back(std::move(e));
    } else {
      PublishKeyEvents(ws.events_);
    }
    ws.events_.clear();
  }
  return s;
}

Status Engine::CommitOps(WriteSet& ws, uint64_t* seq) {
  if (seq != nullptr) *seq = 0;
  if (ws.empty()) return Status::Ok();
  if (ws.out_ != ws.batch_.get()) {
    // Inside a transaction: the operations are already in the pending batch.
    PendingBatch* p = Pending();
    p->deltas.insert(p->deltas.end(), ws.deltas_.begin(), ws.deltas_.end());
    for (auto& t : ws.touched_) p->touched.push_back(std::move(t));
    ws.touched_.clear();
    return Status::Ok();
  }
  rocksdb::WriteOptions wo;
  wo.sync = false;  // durability is the server's group-commit policy (SyncWal)
  rocksdb::Status s = WriteDb(wo, ws.batch_.get());
  if (!s.ok()) return FromRocks(s);
  ApplyDeltas(ws.deltas_);
  ReportTouched(ws.touched_);
  if (seq != nullptr) *seq = db_->GetLatestSequenceNumber();
  return Status::Ok();
}

void Engine::SetKeyEventClasses(uint32_t classes) {
  const bool channels = (classes & (kEventKeyspace | kEventKeyevent)) != 0;
  key_event_classes_.store(channels ? classes : 0, std::memory_order_relaxed);
}

void Engine::PublishKeyEvents(std::span<const KeyEvent> events) const {
  // Behind events an open batch still holds: after them, in command order.
  if (PendingBatch* p = Pending(); p != nullptr && !p->events.empty()) {
    p->events.insert(p->events.end(), events.begin(), events.end());
    return;
  }
  if (key_event_sink_) key_event_sink_(key_event_classes_.load(std::memory_order_relaxed), events);
}

bool Engine::DeferPublish(std::string_view channel, std::string_view payload) {
  PendingBatch* p = Pending();
  if (p == nullptr || p->pipeline || (!p->has_writes() && p->events.empty())) return false;
  p->events.push_back({kEventMessage, "", 0, std::string(channel), std::string(payload)});
  return true;
}

void Engine::PublishBatchEvents(PendingBatch* p) {
  if (p->events.empty()) return;
  std::vector<KeyEvent> events;
  events.swap(p->events);
  PublishKeyEvents(events);
}

void Engine::ReportTouched(const std::vector<WriteSet::TouchedKey>& touched) {
  for (const auto& t : touched) watches_.Touch(t.db, t.key, t.deleted);
}

Engine::PendingBatch* Engine::Pending() const {
  return tl_batch_engine == this ? tl_batch.get() : nullptr;
}

void Engine::BeginBatch() {
  if (tl_batch == nullptr) tl_batch = std::make_unique<PendingBatch>();
  tl_batch->Reset();
  tl_batch_engine = this;
}

void Engine::AbortBatch() {
  if (tl_batch_engine != this) return;
  tl_batch->Reset();
  tl_batch_engine = nullptr;
}

Status Engine::WriteBatchOf(PendingBatch* p, uint64_t* seq) {
  rocksdb::WriteBatch* batch = p->rep();
  if (batch->Count() == 0) {
    PublishBatchEvents(p);  // a read's "keymiss" behind a write's nothing
    return Status::Ok();
  }
  rocksdb::WriteOptions wo;
  wo.sync = false;  // durability is the server's group-commit policy (SyncWal)
  rocksdb::Status s = WriteDb(wo, batch);
  if (!s.ok()) return FromRocks(s);
  ApplyDeltas(p->deltas);
  ReportTouched(p->touched);
  PublishBatchEvents(p);
  p->ClearWrites();
  if (seq != nullptr) *seq = db_->GetLatestSequenceNumber();
  return Status::Ok();
}

Status Engine::CommitBatch(uint64_t* seq) {
  if (seq != nullptr) *seq = 0;
  PendingBatch* p = Pending();
  if (p == nullptr) return Status::Ok();
  tl_batch_engine = nullptr;
  Status s = WriteBatchOf(p, seq);
  p->Reset();
  return s;
}

Status Engine::WritePendingBatch() {
  PendingBatch* p = Pending();
  if (p == nullptr) return Status::Ok();
  return WriteBatchOf(p, p->pipeline ? &p->seq : nullptr);
}

rocksdb::Iterator* Engine::NewIterator(const rocksdb::ReadOptions& ro,
                                       rocksdb::ColumnFamilyHandle* cf) const {
  rocksdb::Iterator* base = db_->NewIterator(ro, cf);
  PendingBatch* p = Pending();
  // A pipeline batch never holds writes here: commands that walk the
  // keyspace are not pipelined, so the loop wrote its batch before them.
  assert(p == nullptr || !p->pipeline || !p->has_writes());
  if (p == nullptr || p->pipeline || !p->has_writes()) return base;
  return p->batch.NewIteratorWithBase(cf, base, &ro);
}

void Engine::BeginPipeline() {
  BeginBatch();
  tl_batch->pipeline = true;
  locks_.BeginRetaining(&Engine::OnLockContention, this);
}

bool Engine::InPipeline() const {
  PendingBatch* p = Pending();
  return p != nullptr && p->pipeline;
}

bool Engine::PipelineHasWrites() const {
  PendingBatch* p = Pending();
  return p != nullptr && p->pipeline && p->has_writes();
}

int Engine::PipelineCommand() {
  PendingBatch* p = Pending();
  return p != nullptr ? p->commands++ : -1;
}

void Engine::OnLockContention(void* engine) { static_cast<Engine*>(engine)->FlushPipeline(); }

void Engine::FlushPipeline() {
  PendingBatch* p = Pending();
  if (p != nullptr && p->pipeline) {
    // The command being run took no lock yet, so what is in the batch
    // belongs to the commands before it.
    if (p->lost_from < 0) {
      Status s = WriteBatchOf(p, &p->seq);
      if (s.ok()) {
        p->written = std::max(p->commands - 1, 0);
      } else {
        p->lost_from = p->written;
        p->failure = s;
      }
    }
    if (p->lost_from >= 0) p->ClearWrites();
  }
  // Only after the batch is in the WAL may others take these keys.
  locks_.ReleaseRetained();
}

Status Engine::EndPipeline(uint64_t* seq, int* lost_from) {
  *seq = 0;
  *lost_from = -1;
  PendingBatch* p = Pending();
  if (p == nullptr || !p->pipeline) {
    locks_.EndRetaining();
    return Status::Ok();
  }
  Status s = p->failure;
  *lost_from = p->lost_from;
  if (p->lost_from < 0) {
    s = WriteBatchOf(p, &p->seq);
    if (!s.ok()) *lost_from = p->written;
  }
  *seq = p->seq;
  tl_batch_engine = nullptr;
  p->Reset();
  locks_.EndRetaining();
  return s;
}

void Engine::TouchWatchedIn(uint8_t first, uint8_t last) {
  if (!watches_.active()) return;
  for (const auto& [db, key] : watches_.KeysIn(first, last)) {
    KeyState ks;
    // A watched key that does not exist is not changed by a flush (Redis 7.0).
    if (Lookup(db, key, &ks).ok() && ks.stored) watches_.Touch(db, key, true);
  }
}

Status Engine::FlushDb(uint8_t db) { return FlushRange(db, db); }

Status Engine::FlushAll() { return FlushRange(0, static_cast<uint8_t>(options_.databases - 1)); }

// Drops dbs first..last in one WriteBatch under every key lock, so a crash
// leaves either all of them or none of them flushed.
Status Engine::FlushRange(uint8_t first, uint8_t last) {
  KeyLockGuard all = KeyLockGuard::All(locks_);
  TouchWatchedIn(first, last);
  // Inside a transaction the writes made so far go first, in the same batch;
  // the transaction's later writes form a new pending batch.
  PendingBatch* pending = Pending();
  rocksdb::WriteBatch batch = pending != nullptr ? *pending->rep() : rocksdb::WriteBatch();
  std::string lo = MetaDbPrefix(first);
  std::string hi = PrefixSuccessor(MetaDbPrefix(last));
  if (hi.empty()) hi = std::string(17, '\xff');
  // The same bounds serve meta, data and expire: all start with [db].
  for (auto* cf : {meta_cf_, data_cf_, expire_cf_}) {
    rocksdb::Status s = batch.DeleteRange(cf, lo, hi);
    if (!s.ok()) return FromRocks(s);
  }
  for (char kind : {kCountKeys, kCountExpires}) {
    std::string clo(1, kind);
    clo.push_back(static_cast<char>(first));
    std::string chi(1, kind);
    chi.push_back(static_cast<char>(last));
    chi = PrefixSuccessor(chi);
    rocksdb::Status s = batch.DeleteRange(counts_cf_, clo, chi);
    if (!s.ok()) return FromRocks(s);
  }
  rocksdb::Status s = WriteDb(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return FromRocks(s);
  if (pending != nullptr) {
    ApplyDeltas(pending->deltas);
    ReportTouched(pending->touched);
    pending->batch.Clear();
    pending->deltas.clear();
    pending->touched.clear();
  }
  for (int db = first; db <= last; ++db) {
    key_counts_[db] = 0;
    expire_counts_[db] = 0;
  }
  return Status::Ok();
}

Status Engine::ExpireOne(uint8_t db, std::string_view index_key, int64_t now, bool* deleted) {
  *deleted = false;
  uint8_t idb;
  int64_t exp;
  uint16_t slot;
  std::string_view key;
  if (!DecodeExpireKey(index_key, &idb, &exp, &slot, &key)) {
    return Status::Corruption("bad row in the expire column family");
  }
  KeyLockGuard guard(locks_, db, key);
  KeyState ks;
  Status s = Lookup(db, key, &ks);
  if (!s.ok()) return s;
  WriteSet ws(*this);
  if (ks.stored && ks.expire_ms == exp && exp <= now) {
    ws.Delete(ks);
    *deleted = true;
  } else if (!ks.stored || ks.expire_ms != exp) {
    // A stale index entry (should not happen; be robust).
    ws.out_->Delete(expire_cf_, ToSlice(index_key));
    ++ws.ops_;
  }
  return Commit(ws);
}

Result<int> Engine::ExpireCycle(int max_keys) {
  int deleted_total = 0;
  if (replica()) return 0;  // expiry arrives from the master as deletions
  if (ExpiryPaused()) return 0;
  const int64_t now = clock_.NowMs();
  for (int db = 0; db < options_.databases && deleted_total < max_keys; ++db) {
    if (expire_counts_[db].load(std::memory_order_relaxed) == 0) continue;
    std::string lo = ExpireDbPrefix(static_cast<uint8_t>(db));
    std::string hi = EncodeExpireKey(static_cast<uint8_t>(db), now + 1, 0, "");
    while (deleted_total < max_keys) {
      // Collect a small batch first: the iterator is not held while locking.
      // Never more than the budget left, so a cycle deletes at most max_keys.
      const int limit = std::min(kExpireBatch, max_keys - deleted_total);
      std::vector<std::string> due;
      {
        rocksdb::ReadOptions ro;
        rocksdb::Slice upper(hi);
        ro.iterate_upper_bound = &upper;
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, expire_cf_));
        for (it->Seek(lo); it->Valid() && static_cast<int>(due.size()) < limit; it->Next()) {
          due.emplace_back(it->key().data(), it->key().size());
        }
        if (!it->status().ok()) return FromRocks(it->status());
      }
      if (due.empty()) break;
      for (const auto& ik : due) {
        bool deleted = false;
        Status s = ExpireOne(static_cast<uint8_t>(db), ik, now, &deleted);
        if (!s.ok()) return s;
        if (deleted) ++deleted_total;
      }
      if (static_cast<int>(due.size()) < limit) break;
    }
  }
  return deleted_total;
}

// Inside EXEC the transaction's own pending changes count too.
int64_t Engine::KeyCount(uint8_t db) const {
  int64_t n = key_counts_[db].load();
  if (const PendingBatch* p = Pending()) {
    for (const auto& d : p->deltas) {
      if (d.kind == kCountKeys && d.db == db) n += d.delta;
    }
  }
  return n;
}
int64_t Engine::ExpireCount(uint8_t db) const {
  int64_t n = expire_counts_[db].load();
  if (const PendingBatch* p = Pending()) {
    for (const auto& d : p->deltas) {
      if (d.kind == kCountExpires && d.db == db) n += d.delta;
    }
  }
  return n;
}

Result<int64_t> Engine::ScanExpireIndexSize(uint8_t db) const {
  std::string lo = ExpireDbPrefix(db);
  std::string hi = PrefixSuccessor(lo);
  rocksdb::ReadOptions ro;
  rocksdb::Slice upper(hi);
  if (!hi.empty()) ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, expire_cf_));
  int64_t n = 0;
  for (it->Seek(lo); it->Valid(); it->Next()) ++n;
  if (!it->status().ok()) return FromRocks(it->status());
  return n;
}

uint64_t Engine::LatestSequence() const { return db_->GetLatestSequenceNumber(); }

MemorySplit SplitMemoryBudget(uint64_t budget, int64_t key_cache_bytes) {
  if (budget == 0) budget = 512ull << 20;
  MemorySplit m;
  m.memtables = std::max<uint64_t>(budget / 4, 8ull << 20);
  m.data_memtable = std::min<uint64_t>(m.memtables / 2, 64ull << 20);
  m.meta_memtable = std::clamp<uint64_t>(m.memtables / 32, 256ull << 10, 4ull << 20);
  m.key_cache = key_cache_bytes >= 0 ? static_cast<uint64_t>(key_cache_bytes) : budget / 8 * 3;
  uint64_t taken = std::min(budget, m.memtables + m.key_cache);
  m.block_cache = std::max<uint64_t>(budget - taken, 8ull << 20);
  return m;
}

Status Engine::SetMemoryBudget(uint64_t budget) {
  const MemorySplit split = SplitMemoryBudget(budget, options_.key_cache_bytes);
  std::lock_guard<std::mutex> lock(budget_mu_);  // two at once would mix their splits
  Status s = FromRocks(db_->SetOptions(
      data_cf_, {{"write_buffer_size", std::to_string(split.data_memtable)}}));
  if (s.ok()) {
    s = FromRocks(db_->SetOptions(
        meta_cf_, {{"write_buffer_size", std::to_string(split.meta_memtable)}}));
  }
  if (!s.ok()) return s;
  write_buffers_->SetBufferSize(split.memtables);
  resume_free_bytes_ = split.data_memtable;
  cache_->SetCapacity(split.block_cache);
  if (options_.key_cache_bytes < 0) key_cache_->SetCapacity(split.key_cache);
  return Status::Ok();
}

// A WAL write that failed (a full disk) leaves RocksDB's WAL writer in an
// error state in which one more sync of it asserts in Debian's build, and
// the DB refusing writes until it is resumed. So after a failed write the
// sync first resumes the DB (which flushes the memtables to new files and
// starts a new WAL) and syncs only once that succeeded; until then it
// answers the error, and under appendfsync always the replies keep waiting.
// (A sync that is already past this check when the first write fails can
// still meet the error state: a window of a few instructions.)
Status Engine::InjectDiskFull(int64_t ms) {
  if (disk_full_fs_ == nullptr) return Status::InvalidArgument("disk faults are not enabled");
  disk_full_fs_->FullFor(ms);
  return Status::Ok();
}

Status Engine::ResumeAfterWriteError() {
  if (!wal_failed_.load(std::memory_order_acquire)) return Status::Ok();
  // Resuming flushes the memtables and starts a new WAL: a file that cannot
  // be made then (still no space) stops the DB for good, until a restart.
  // So wait, as RocksDB's own recovery does, for room for a memtable.
  uint64_t free = 0;
  rocksdb::IOStatus fs = db_->GetFileSystem()->GetFreeSpace(options_.dir, rocksdb::IOOptions(),
                                                            &free, nullptr);
  if (fs.ok() && free < resume_free_bytes_.load(std::memory_order_relaxed)) {
    return Status::Busy("waiting for free disk space");
  }
  rocksdb::Status r = db_->Resume();
  if (!r.ok()) return FromRocks(r);
  wal_failed_.store(false, std::memory_order_release);
  LOG_NOTICE("storage writable again after a write error");
  return Status::Ok();
}

int Engine::MetaMergeOperandsForTest(uint8_t db, std::string_view key) const {
  const std::string mkey = EncodeMetaKey(db, KeyHashSlot(key), key);
  constexpr int kMax = 1 << 16;
  std::vector<rocksdb::PinnableSlice> operands(kMax);
  rocksdb::GetMergeOperandsOptions opts;
  opts.expected_max_number_of_operands = kMax;
  int n = 0;
  rocksdb::Status s = db_->GetMergeOperands(rocksdb::ReadOptions(), meta_cf_, ToSlice(mkey),
                                            operands.data(), &opts, &n);
  return s.ok() ? n : -1;
}

Status Engine::SyncWal() {
  if (Status r = ResumeAfterWriteError(); !r.ok()) return r;
  rocksdb::Status s = db_->FlushWAL(true);
  NoteWriteStatus(s);
  return FromRocks(s);
}

void Engine::NoteWriteStatus(const rocksdb::Status& s) {
  if (s.IsIOError()) wal_failed_.store(true, std::memory_order_release);
}

Status Engine::Flush() {
  rocksdb::FlushOptions fo;
  fo.wait = true;
  return FromRocks(db_->Flush(fo, handles_));
}

uint64_t Engine::MemoryUsage() const {
  uint64_t mem = 0;
  uint64_t v = 0;
  for (auto* h : handles_) {
    if (db_->GetIntProperty(h, "rocksdb.cur-size-all-mem-tables", &v)) mem += v;
  }
  if (cache_ != nullptr) mem += cache_->GetUsage();
  if (key_cache_ != nullptr) mem += key_cache_->bytes();
  return mem;
}

Engine::BackgroundWork Engine::Background() const {
  BackgroundWork w;
  db_->GetIntProperty("rocksdb.num-running-flushes", &w.flushes);
  db_->GetIntProperty("rocksdb.num-running-compactions", &w.compactions);
  uint64_t v = 0;
  for (auto* h : handles_) {
    if (db_->GetIntProperty(h, "rocksdb.estimate-pending-compaction-bytes", &v)) {
      w.pending_bytes += v;
    }
  }
  return w;
}

uint64_t Engine::DiskUsage() const {
  uint64_t total = 0;
  uint64_t v = 0;
  for (auto* h : handles_) {
    if (db_->GetIntProperty(h, "rocksdb.total-sst-files-size", &v)) total += v;
  }
  return total;
}

}  // namespace cairn::storage
