// storage::Engine: the one RocksDB instance of a node and the operations the
// command layer needs on it. Thread-safe; knows nothing of sockets or cluster.
//
// How a command uses it:
//   reads   Engine::Read(db, key, &state)            (no lock; lazily deletes
//                                                     an expired key it meets)
//   writes  KeyLockGuard g(engine.locks(), db, key);
//           engine.Lookup(db, key, &state);          (under the lock)
//           WriteSet ws(engine); ws.PutString(state, ...); engine.Commit(ws);
// Lookup/Read never return an expired key as live; WriteSet keeps the row,
// the expiry index and the key counts consistent in one WriteBatch.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "storage/encoding.h"
#include "storage/key_cache.h"
#include "storage/key_events.h"
#include "storage/key_locks.h"
#include "storage/prefetch_keys.h"
#include "storage/scan_cursors.h"
#include "storage/watch.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
class WriteBatchBase;
class Iterator;
class TransactionLogIterator;
struct ReadOptions;
struct WriteOptions;
class Status;
class Cache;
class WriteBufferManager;
class Env;
}  // namespace rocksdb

namespace cairn::storage {

class DiskFullFs;

struct EngineOptions {
  std::string dir;             // Cairn's working directory; RocksDB lives in dir/db
  int databases = 16;          // SELECT range, 1..256
  uint64_t memory_budget = 0;  // maxmemory: block cache + memtables + key cache; 0 = defaults
  // Bytes of the key cache (storage/key_cache.h); -1 = its share of the
  // budget, 0 = none.
  int64_t key_cache_bytes = -1;
  // Tests: RocksDB's files go through a DiskFullFs (InjectDiskFull).
  bool disk_faults = false;
};

// How a memory budget (maxmemory) is shared out: a quarter to memtables,
// 3/8 to the key cache (unless key_cache_bytes sets it), the rest to the
// block cache (README, "RocksDB options"). A budget of 0 means 512 MB.
struct MemorySplit {
  uint64_t memtables = 0;      // all column families' memtables together
  uint64_t data_memtable = 0;  // one memtable of the data column family
  uint64_t meta_memtable = 0;  // one memtable of the meta column family
  uint64_t key_cache = 0;
  uint64_t block_cache = 0;
};
MemorySplit SplitMemoryBudget(uint64_t budget, int64_t key_cache_bytes);

// A user key as found by Lookup/Read.
struct KeyState {
  uint8_t db = 0;
  uint16_t slot = 0;
  std::string key;      // the user key
  bool stored = false;  // a meta row exists, maybe logically expired
  bool live = false;    // stored and not expired when looked up
  ValueType type = ValueType::kString;
  int64_t expire_ms = 0;  // of the stored row; 0 = none
  std::string payload;    // strings: the value
  StringForm form = StringForm::kAsSet;  // strings: how the value was written
  // Set by the caller that never reads payload, neither the old value nor
  // the new one: it replaces the row whole (WriteSet::PutRaw) or leaves it
  // alone (a plain SET, MSET). The lookup then leaves payload empty instead
  // of copying the old value, and PutRaw does not copy the new one in.
  bool skip_payload = false;
};

class Engine;
class PendingIndex;

// An inclusive range of hash slots.
struct SlotRange {
  uint16_t first = 0;
  uint16_t last = 0;
};

// A meta row met by a keyspace walk (SCAN, KEYS, RANDOMKEY); no payload.
struct ScannedKey {
  uint16_t slot = 0;
  std::string key;
  ValueType type = ValueType::kString;
  int64_t expire_ms = 0;
  bool live = false;  // not expired when read
};

// The writes of one command, committed as one RocksDB WriteBatch. Each call
// takes the KeyState the command looked up under its lock, so the old expiry
// index entry and the key count are adjusted exactly.
class WriteSet {
 public:
  explicit WriteSet(Engine& engine);
  ~WriteSet();
  WriteSet(const WriteSet&) = delete;
  WriteSet& operator=(const WriteSet&) = delete;

  // Stores a string value with the given deadline (0 = none), written the
  // way `form` says (OBJECT ENCODING). Updates `ks` to describe the new row,
  // so a command may write the same key twice.
  void PutString(KeyState& ks, std::string_view value, int64_t expire_ms,
                 StringForm form = StringForm::kAsSet);
  // Appends to a stored string (ks read with its payload), keeping its
  // deadline; the value becomes raw (OBJECT ENCODING). A long value is not
  // written again: the batch carries the appended bytes as a merge operand
  // (encoding.h), except in a transaction, whose reads of its own batch see
  // whole rows only. Updates `ks` as PutString does.
  void Append(KeyState& ks, std::string_view bytes);
  // Writes `bytes` at `offset` of a stored string (ks read with its
  // payload), zero-filling past its end, as SETRANGE, SETBIT and BITFIELD
  // change a value; otherwise as Append (a long value gets a merge operand).
  void Overwrite(KeyState& ks, uint64_t offset, std::string_view bytes);
  // Changes only the deadline of a stored key.
  void SetExpire(KeyState& ks, int64_t expire_ms);
  // Removes a stored key (live or expired). No-op if nothing is stored.
  void Delete(KeyState& ks);

  // Keyspace notifications: records event `name` of class `cls` for ks's
  // key, if that class is asked for; Commit hands the events to the sink.
  // The writes add their own "new" (a key that was not live is put) and
  // "expired" (an expired row is put over or deleted), before the
  // command's event, as Redis orders them.
  void Notify(uint32_t cls, const char* name, const KeyState& ks) {
    Notify(cls, name, ks.db, ks.key);
  }
  void Notify(uint32_t cls, const char* name, uint8_t db, std::string_view key);

  bool empty() const { return ops_ == 0; }
  // Keys written or deleted (INFO's rdb_changes_since_last_save).
  int size() const { return ops_; }

 private:
  friend class Engine;
  // Stores a row of any type as is (slot migration: the payload of a
  // collection names its version in "data"); PutString is this for strings.
  void PutRaw(KeyState& ks, ValueType type, std::string_view payload, int64_t expire_ms,
              StringForm form);
  void AddCount(char kind, uint8_t db, uint16_t slot, int64_t delta);
  // The events of putting or deleting ks when it is not live.
  void NotifyReplaced(const KeyState& ks, bool put);
  // Whether a change to ks's value goes as a merge operand (Append).
  bool MergesInto(const KeyState& ks) const;
  // Writes a merge operand for ks, whose payload already holds its result.
  void PutOperand(KeyState& ks, std::string_view operand);
  // In a pipeline: records the meta row just put in the batch.
  void IndexPut(std::string_view mkey, std::string_view value);
  // Remembers a changed key for WATCH (only while someone watches).
  void Touched(const KeyState& ks, bool deleted);
  Engine& engine_;
  std::unique_ptr<rocksdb::WriteBatch> batch_;
  // Where the operations go: batch_, or the thread's open transaction batch.
  rocksdb::WriteBatchBase* out_;
  // A pipeline's index of its meta rows, and its batch (else null).
  PendingIndex* index_ = nullptr;
  const rocksdb::WriteBatch* index_rep_ = nullptr;
  struct Delta {
    char kind;
    uint8_t db;
    uint16_t slot;
    int64_t delta;
  };
  std::vector<Delta> deltas_;
  struct TouchedKey {
    uint8_t db;
    std::string key;
    bool deleted;
  };
  std::vector<TouchedKey> touched_;
  std::vector<KeyEvent> events_;
  int ops_ = 0;
  std::string scratch_;
  std::string key_scratch_;
};

class Engine {
 public:
  // Opens (creating if absent) the store under options.dir. Refuses a
  // directory that is not writable or that holds something other than Cairn.
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options, const Clock& clock);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // RocksDB counts perf statistics per thread by default (kEnableCount),
  // which Cairn never reads; a thread that serves commands turns them off
  // once, before its first engine call.
  static void SkipPerfCountersOnThisThread();

  const Clock& clock() const { return clock_; }
  KeyLocks& locks() { return locks_; }
  int databases() const { return options_.databases; }

  // Reads a key for a read-only command. An expired key comes back with
  // live=false and is deleted on the way (as Redis does on access).
  Status Read(uint8_t db, std::string_view key, KeyState* out);
  // Reads a key under the caller's lock; never deletes.
  Status Lookup(uint8_t db, std::string_view key, KeyState* out);
  // A hint that keys are about to be looked up (the keys of a pipeline's
  // next commands): AddPrefetch appends a key to *keys, Prefetch then
  // starts loading all their key cache rows into the CPU caches at once,
  // so the lookups' cache misses overlap. The keys of writes the key cache
  // does not hold (at least kMultiGetMin of them) are read from RocksDB in
  // one MultiGet, and what it found is cached, absence included: a MultiGet
  // checks each memtable's and each file's filter for all keys at once,
  // where one Get per key walks them all for each key (a new key's absence
  // proof). Only writes': RocksDB 7.8's MultiGet reads data blocks from
  // disk even under kBlockCacheTier, and a write's lookup blocks the loop
  // anyway, where a read-only command's goes to a cold read. Changes no
  // data.
  void AddPrefetch(uint8_t db, std::string_view key, bool write, PrefetchKeys* keys) const;
  void Prefetch(const PrefetchKeys& keys);
  static constexpr size_t kMultiGetMin = 2;

  // Applies a WriteSet. On success *seq (if given) is a sequence number at or
  // after the write: durable once SyncedSequence() >= it. Its events then go
  // to the key event sink; in a transaction or pipeline, once the batch is
  // written (a subscriber reading the key on an event finds the write),
  // still in command order, and not at all if the batch's write fails.
  Status Commit(WriteSet& ws, uint64_t* seq = nullptr);

  // Keyspace notifications (notify-keyspace-events). The sink is set once,
  // before any command runs; the classes change at run time. Events are
  // recorded only while the classes include K or E and the event's class.
  void SetKeyEventSink(KeyEventSink sink) { key_event_sink_ = std::move(sink); }
  void SetKeyEventClasses(uint32_t classes);
  bool WantsKeyEvent(uint32_t cls) const {
    return (key_event_classes_.load(std::memory_order_relaxed) & cls) != 0;
  }
  // Hands events made outside a WriteSet (a read's "keymiss") to the sink,
  // after those an open batch of this thread holds.
  void PublishKeyEvents(std::span<const KeyEvent> events) const;
  // PUBLISH inside a transaction whose batch holds writes or events: the
  // message waits in the batch and goes to the sink once the batch is
  // written, in command order with the events (a subscriber that reads on
  // the message finds the transaction's writes). False (nothing held) when
  // there is no such batch: publish now.
  bool DeferPublish(std::string_view channel, std::string_view payload);

  // Transactions (EXEC). Between BeginBatch and CommitBatch, every WriteSet
  // committed by this thread goes into one pending batch instead of the
  // database, and Lookup/Read on this thread see the pending writes; other
  // threads see none of them until CommitBatch writes the whole batch at once.
  // The caller holds the key locks of everything the batch touches.
  void BeginBatch();
  Status CommitBatch(uint64_t* seq = nullptr);
  // Drops the pending batch (nothing written).
  void AbortBatch();
  struct PendingBatch;  // defined in engine.cc

  // A RocksDB iterator over `cf` that, inside this thread's open transaction
  // batch, also sees the batch's writes (KEYS/SCAN inside EXEC).
  rocksdb::Iterator* NewIterator(const rocksdb::ReadOptions& ro,
                                 rocksdb::ColumnFamilyHandle* cf) const;

  // Cold reads. While a CacheOnlyReads is alive on a thread, point lookups
  // there read only memtables and the block cache (kBlockCacheTier); one
  // that would need a file read fails with Busy and marks the scope missed,
  // so the loop can hand the command to the thread pool instead of blocking.
  class CacheOnlyReads {
   public:
    CacheOnlyReads();
    ~CacheOnlyReads();
    CacheOnlyReads(const CacheOnlyReads&) = delete;
    CacheOnlyReads& operator=(const CacheOnlyReads&) = delete;
    // A lookup in this scope needed storage I/O.
    bool missed() const;
  };

  // ---- replication (storage/replication_log.cc) ----
  // The WAL is the replication log: a batch's first sequence number is its
  // offset. ReadUpdatesSince returns whole batches covering sequence
  // numbers >= `from`, oldest first, until about `max_bytes`; NotFound when
  // the WAL no longer reaches back to `from` (the replica needs a full sync).
  struct ReplBatch {
    uint64_t seq = 0;    // first sequence number of the batch
    uint32_t count = 0;  // sequence numbers it uses
    std::string data;    // the RocksDB WriteBatch representation
  };
  Result<std::vector<ReplBatch>> ReadUpdatesSince(uint64_t from, size_t max_bytes) const;
  // Follows the WAL from a sequence number on and keeps its place between
  // reads. Opening the log anew reads its current file from the start, so a
  // feeder streaming to a replica keeps one of these instead of calling
  // ReadUpdatesSince per batch. Used by one thread at a time.
  class UpdateTail {
   public:
    UpdateTail(const Engine& engine, uint64_t from);
    ~UpdateTail();
    UpdateTail(const UpdateTail&) = delete;
    UpdateTail& operator=(const UpdateTail&) = delete;
    // Appends the batches after the last one read, until about max_bytes
    // (none when nothing new was written); NotFound as ReadUpdatesSince.
    Status Read(size_t max_bytes, std::vector<ReplBatch>* out);
    // The sequence number the next batch starts at.
    uint64_t next() const { return next_; }

   private:
    const Engine& engine_;
    uint64_t next_;
    std::unique_ptr<rocksdb::TransactionLogIterator> it_;
  };
  // On a replica: applies a batch read from the master, in order, and
  // records the master offset (seq + count - 1) in the same write, so a
  // restarted replica resumes exactly where its data is. Keeps the in-memory
  // counts and WATCH in step with what the batch changed.
  Status ApplyReplicated(const ReplBatch& batch);
  // The master offset applied so far (0 = none); survives restarts.
  uint64_t ReplicatedOffset() const { return repl_offset_.load(std::memory_order_acquire); }
  // Full sync. On the master, SnapshotChunks reads one consistent view of
  // every row (a RocksDB snapshot) and hands it out as WriteBatch
  // representations of about `chunk_bytes`; *seq is the view's sequence,
  // from which the stream continues. On the replica, BeginFullSync drops
  // everything, each chunk goes through ApplySnapshotChunk, and
  // FinishFullSync records the offset and reloads the counts.
  // `begin(seq)` is called once before the first chunk.
  Status SnapshotChunks(size_t chunk_bytes, const std::function<Status(uint64_t)>& begin,
                        const std::function<Status(std::string)>& emit, uint64_t* seq) const;
  Status BeginFullSync();
  Status ApplySnapshotChunk(const std::string& data);
  Status FinishFullSync(uint64_t seq, const std::string& master_id);
  // This data directory's replication id, and (replica) its master's.
  std::string DataId() const;
  std::string MasterDataId() const;
  // A replica never deletes keys on its own clock: expired keys read as
  // absent but stay until the master's deletion arrives.
  void SetReplica(bool replica) { replica_.store(replica, std::memory_order_release); }
  bool replica() const { return replica_.load(std::memory_order_acquire); }
  // CLIENT PAUSE: until this wall-clock time expired keys are not deleted
  // (reads still see them as absent), so a paused master writes nothing.
  void PauseExpiryUntil(int64_t ms) { expiry_paused_until_ms_.store(ms, std::memory_order_release); }
  bool ExpiryPaused() const {
    return clock_.NowMs() < expiry_paused_until_ms_.load(std::memory_order_acquire);
  }
  // Pipelining: the commands one loop runs in one iteration (the reads of
  // all its connections) share one pending batch (as in a transaction),
  // written once by EndPipeline, so N
  // writes costs one WAL write instead of N. The key locks this thread takes
  // meanwhile are kept until the batch is written, so no other thread can
  // read-modify-write a key from a state older than the batch; if a lock is
  // busy, the batch is written and the kept locks released before blocking
  // (KeyLocks::BeginRetaining), so pipelines never deadlock. Other threads
  // never see the batch before it is written.
  void BeginPipeline();
  bool InPipeline() const;
  // This thread's pipeline batch holds writes not yet written.
  bool PipelineHasWrites() const;
  // Marks the start of the next command (for reporting a failed write);
  // returns its index.
  int PipelineCommand();
  // Writes the batch and releases the kept locks. On failure, *lost_from is
  // the index (0-based, in PipelineCommand order) of the first command whose
  // writes were lost; earlier ones were written by a contention flush.
  Status EndPipeline(uint64_t* seq, int* lost_from);

  // Clients watching keys (WATCH). Writes report to it.
  WatchTable& watches() { return watches_; }

  // Drops every key of one db / of all dbs. Takes every key lock.
  Status FlushDb(uint8_t db);
  Status FlushAll();

  // Deletes up to `max_keys` keys whose deadline is <= now, oldest first, in
  // small batches. Returns how many were deleted.
  Result<int> ExpireCycle(int max_keys);

  // Exact counts (O(1)).
  int64_t KeyCount(uint8_t db) const;
  int64_t ExpireCount(uint8_t db) const;
  // Rows in the expiry index of `db`, by a scan (tests and debugging: it must
  // always equal ExpireCount).
  Result<int64_t> ScanExpireIndexSize(uint8_t db) const;
  // Expired keys Read deleted on the way (lazy expiry), since open. INFO's
  // expired_keys is this plus what the active cycle and commands deleted.
  uint64_t LazyExpiredKeys() const { return lazy_expired_.load(std::memory_order_relaxed); }

  // Durability: the newest sequence number written, and an fsync of the WAL.
  uint64_t LatestSequence() const;
  Status SyncWal();
  // After a write failed with an I/O error (a full disk), RocksDB refuses
  // writes until resumed: this resumes it (once the disk takes writes
  // again) and is a no-op otherwise. The sync thread calls it about once a
  // second whatever appendfsync says.
  Status ResumeAfterWriteError();
  bool WriteFailed() const { return wal_failed_.load(std::memory_order_acquire); }
  // Flushes memtables (clean shutdown, SAVE).
  Status Flush();

  // Tests (EngineOptions::disk_faults): every write to a file fails with
  // NoSpace for `ms` milliseconds (0 ends it), as on a full disk.
  Status InjectDiskFull(int64_t ms);

  // Shares out a new budget (CONFIG SET maxmemory): the block cache and
  // the memtables' total shrink or grow at once, new memtables take the new
  // sizes, and the key cache (when it is on and its size was not set)
  // evicts down to its new share. Nothing stored is dropped.
  Status SetMemoryBudget(uint64_t budget);

  // Bytes used by memtables, block cache and key cache, and on disk (INFO
  // memory).
  uint64_t MemoryUsage() const;
  // The key cache in front of the meta column family (INFO stats).
  const KeyCache& key_cache() const { return *key_cache_; }
  // Tests: called on a lookup that missed the key cache, after the RocksDB
  // read and before the cache is filled with what it returned.
  void SetFillHookForTest(std::function<void()> hook) { fill_hook_for_test_ = std::move(hook); }
  // Called by Prefetch between its MultiGet and caching what it read.
  void SetPrefetchHookForTest(std::function<void()> hook) {
    prefetch_hook_for_test_ = std::move(hook);
  }
  // Tests: how many entries a read of the key's meta row merges (its merge
  // operands down to the newest whole row, that row included); -1 on error.
  int MetaMergeOperandsForTest(uint8_t db, std::string_view key) const;
  uint64_t DiskUsage() const;
  // RocksDB's background work right now (INFO persistence; bench/compare.sh
  // waits for it to end between runs).
  struct BackgroundWork {
    uint64_t flushes = 0;        // memtable flushes running
    uint64_t compactions = 0;    // compactions running
    uint64_t pending_bytes = 0;  // estimated bytes compactions still have to rewrite
  };
  BackgroundWork Background() const;

  // ---- keyspace walks and SWAPDB (storage/engine_keyspace.cc) ----
  // Reads up to `limit` meta rows of `db` in storage order ([slot][key]),
  // from the first row at or after (slot, from), or after it if
  // `exclusive`. Expired rows come back with live=false (never deleted
  // here). *end is true when no row of `db` follows the last one returned.
  Status ScanKeys(uint8_t db, uint16_t slot, std::string_view from, bool exclusive, size_t limit,
                  std::vector<ScannedKey>* out, bool* end);
  // One SCAN page: about `count` rows from `cursor` (0 = start), and the
  // cursor of the next page (0 = done). Every key present for the whole
  // scan is returned at least once; see storage/scan_cursors.h.
  Status Scan(uint8_t db, uint64_t cursor, size_t count, std::vector<ScannedKey>* out,
              uint64_t* next_cursor);
  // A random stored key of `db` that is not expired; *found false if there
  // is none. Expired rows met on the way are appended to *expired (at most a
  // few) so the caller can delete them through Read.
  Status RandomKey(uint8_t db, std::string* key, bool* found, std::vector<std::string>* expired);
  // Exchanges the contents of two dbs (rows, expiry index and counts) in one
  // WriteBatch under every key lock. O(keys of both dbs).
  Status SwapDb(uint8_t a, uint8_t b);
  // ---- end of keyspace walks
  // Snapshots (storage/snapshot.cc; SaveCheckpoint in storage/snapshot.h is
  // the entry point): a consistent RocksDB checkpoint plus the CAIRN marker
  // in `target_dir` (absolute, must not exist). *sequence: every write up to
  // it is in the checkpoint.
  Status CreateCheckpoint(const std::string& target_dir, uint64_t* sequence);

  // ---- hash slots (storage/engine_slots.cc; cluster mode uses db 0) ----
  // Keys stored in one slot of `db`, expired ones not yet reclaimed included
  // (as Redis counts them). O(1): one row of the "counts" column family.
  Result<int64_t> CountKeysInSlot(uint8_t db, uint16_t slot) const;
  // Up to `limit` stored keys of one slot, in storage order (a range read).
  Status GetKeysInSlot(uint8_t db, uint16_t slot, size_t limit,
                       std::vector<std::string>* out) const;
  // ---- end of hash slots

  // ---- atomic slot migration (storage/engine_slot_migration.cc; db 0) ----
  // CLUSTER MIGRATESLOTS moves whole slot ranges between nodes as rows.
  // A chunk is Cairn's own record format (storage/encoding.h, "slot
  // migration chunks"), independent of column family ids, so it can be
  // sent between nodes.
  //
  // Source: SlotExport reads a consistent view of the ranges' rows;
  // FilterSlotChanges turns the WAL batches after its sequence into the
  // changes of those rows. Target: ImportSlotRows applies the view's chunks
  // to ranges it emptied first (DeleteSlots), ImportSlotChanges the changes.
  // Both keep the expiry index, the key counts and WATCH exact.
  class SlotExport {
   public:
    // Takes a RocksDB snapshot of the engine (released by the destructor).
    SlotExport(const Engine& engine, std::vector<SlotRange> ranges);
    ~SlotExport();
    SlotExport(const SlotExport&) = delete;
    SlotExport& operator=(const SlotExport&) = delete;
    // The view's sequence number: later changes are in the WAL from
    // sequence() + 1 on.
    uint64_t sequence() const { return sequence_; }
    // Appends the next rows of the ranges (meta and data rows) to *chunk,
    // about max_bytes of them; *done once every row was handed out.
    Status Next(size_t max_bytes, std::string* chunk, bool* done);
    // Keys (meta rows) handed out so far.
    uint64_t keys() const { return keys_; }

   private:
    struct State;
    const Engine& engine_;
    std::vector<SlotRange> ranges_;
    uint64_t sequence_ = 0;
    uint64_t keys_ = 0;
    std::unique_ptr<State> state_;
  };
  // The changes one replication batch made to rows of `ranges`, appended
  // to *chunk (nothing if it touched none). A FLUSHDB/FLUSHALL of db 0
  // becomes a "drop the ranges" record.
  Status FilterSlotChanges(const ReplBatch& batch, std::span<const SlotRange> ranges,
                           std::string* chunk) const;
  // Writes a SlotExport chunk: its keys must not be stored here (the
  // ranges were emptied by DeleteSlots before the first chunk). A row
  // outside `ranges` (the ones being imported) refuses the whole chunk.
  Status ImportSlotRows(std::string_view chunk, std::span<const SlotRange> ranges);
  // Applies a FilterSlotChanges chunk under the keys' locks; as above, only
  // rows (and drops) within `ranges`.
  Status ImportSlotChanges(std::string_view chunk, std::span<const SlotRange> ranges);
  // Deletes up to `max_keys` keys of `ranges` (rows, expiry index entries,
  // counts) under their locks; *done when none is left. With `cursor`, a
  // call starts after the key the previous one ended at (kept in *cursor),
  // so a long deletion does not walk the tombstones of its earlier steps.
  Status DeleteSlots(std::span<const SlotRange> ranges, size_t max_keys, bool* done,
                     std::string* cursor = nullptr);
  // Imports in progress, kept across a crash: recorded (synced) before the
  // first row arrives, forgotten once the import finished or its rows were
  // dropped.
  Status RecordImport(std::string_view name, std::span<const SlotRange> ranges);
  Status ForgetImport(std::string_view name);
  struct PendingImport {
    std::string name;
    std::vector<SlotRange> ranges;
  };
  Result<std::vector<PendingImport>> PendingImports() const;
  // ---- end of atomic slot migration

 private:
  friend class WriteSet;
  Engine(const EngineOptions& options, const Clock& clock);
  // RANDOMKEY on a db of few keys: uniform over its live keys.
  Status RandomKeyOfFew(uint8_t db, std::string* key, bool* found,
                        std::vector<std::string>* expired);
  // This thread's open transaction batch on this engine, or null.
  PendingBatch* Pending() const;
  // Writes this thread's open transaction batch now and keeps the
  // transaction open with an empty one (SWAPDB inside EXEC).
  Status WritePendingBatch();
  // A pipeline's lock was busy: write its batch, release its kept locks.
  static void OnLockContention(void* engine);
  void FlushPipeline();
  // Commit without the events.
  Status CommitOps(WriteSet& ws, uint64_t* seq);
  // Publishes the key events p holds (its writes are written).
  void PublishBatchEvents(PendingBatch* p);
  // Writes p's batch (deltas, watch touches) and empties it.
  Status WriteBatchOf(PendingBatch* p, uint64_t* seq);
  void ReportTouched(const std::vector<WriteSet::TouchedKey>& touched);
  // Touches the watched keys of dbs first..last that exist (FLUSHDB).
  void TouchWatchedIn(uint8_t first, uint8_t last);
  Status OpenDb();
  // Looks `mkey` (of KeyCache::Hash `hash`) up in this thread's open batch:
  // true (and *status, *out set) if the batch put or deleted it.
  bool LookupPending(std::string_view mkey, uint64_t hash, KeyState* out, Status* status) const;
  // DB::Write, then the key cache learns what the batch changed. Every
  // write of the engine goes through here.
  rocksdb::Status WriteDb(const rocksdb::WriteOptions& wo, rocksdb::WriteBatch* batch);
  // Remembers a write that failed with an I/O error (SyncWal).
  void NoteWriteStatus(const rocksdb::Status& s);
  Status LoadCounts();
  Status LoadReplOffset();
  Status DecodeInto(std::string_view raw, KeyState* out) const;
  void ApplyDeltas(const std::vector<WriteSet::Delta>& deltas);
  Status FlushRange(uint8_t first, uint8_t last);
  Status ExpireOne(uint8_t db, std::string_view index_key, int64_t now, bool* deleted);
  // ImportSlotChanges: applies records (no drop record among them) under
  // the locks of their keys, in one WriteSet.
  Status ApplySlotChangeRecords(const std::vector<SlotChunkRecord>& records);
  // Slot migration: per slot, the change of its key count and of its
  // TTL-key count.
  using SlotCountChanges = std::map<uint16_t, std::pair<int64_t, int64_t>>;
  // Adds one count merge per slot and kind to `batch`, writes it, and
  // mirrors the counts in memory.
  Status WriteWithSlotCounts(rocksdb::WriteBatch* batch, const SlotCountChanges& changes);

  EngineOptions options_;
  const Clock& clock_;
  KeyLocks locks_;
  WatchTable watches_;
  // Declared before db_, so they outlive it.
  std::shared_ptr<DiskFullFs> disk_full_fs_;  // with options_.disk_faults
  std::unique_ptr<rocksdb::Env> env_;         // over disk_full_fs_
  std::unique_ptr<rocksdb::DB> db_;
  std::shared_ptr<rocksdb::Cache> cache_;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers_;
  std::mutex budget_mu_;  // serializes SetMemoryBudget
  // A write failed with an I/O error (SyncWal resumes the DB first).
  std::atomic<bool> wal_failed_{false};
  // Free bytes the disk needs before a resume is tried (a data memtable).
  std::atomic<uint64_t> resume_free_bytes_{0};
  std::unique_ptr<KeyCache> key_cache_;
  std::function<void()> fill_hook_for_test_;
  std::function<void()> prefetch_hook_for_test_;
  rocksdb::ColumnFamilyHandle* meta_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* data_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* expire_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* counts_cf_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_by_id_;  // handles_ by column family ID
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;

  // Exact counts per db, mirrored from the "counts" column family.
  std::unique_ptr<std::atomic<int64_t>[]> key_counts_;
  std::unique_ptr<std::atomic<int64_t>[]> expire_counts_;
  std::atomic<uint64_t> lazy_expired_{0};
  KeyEventSink key_event_sink_;
  std::atomic<uint32_t> key_event_classes_{0};  // 0 unless K or E is on
  std::atomic<uint64_t> repl_offset_{0};
  std::atomic<bool> replica_{false};
  std::atomic<int64_t> expiry_paused_until_ms_{0};
  mutable std::mutex repl_mu_;  // guards data_id_, master_id_
  std::string data_id_;
  std::string master_id_;
  ScanCursors scan_cursors_;  // SCAN positions (engine_keyspace.cc)
};

inline void WriteSet::Notify(uint32_t cls, const char* name, uint8_t db, std::string_view key) {
  if (engine_.WantsKeyEvent(cls)) events_.push_back({cls, name, db, std::string(key)});
}

}  // namespace cairn::storage
