// Engine members for walks over the keyspace (SCAN, KEYS, RANDOMKEY) and for
// SWAPDB. Kept apart from engine.cc, which holds the point-read/write path.
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/crc16.h"
#include "storage/engine.h"
#include "storage/rocks_status.h"

namespace cairn::storage {
namespace {

std::string_view View(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

bool HasPrefix(const rocksdb::Slice& s, std::string_view prefix) {
  return s.size() >= prefix.size() && View(s).substr(0, prefix.size()) == prefix;
}

// An iterator over the rows of `cf` starting with `prefix`, bounded above
// where a bound exists (a prefix of 0xff bytes has none: callers check the
// prefix of each row anyway).
class PrefixIterator {
 public:
  PrefixIterator(const Engine& engine, rocksdb::ColumnFamilyHandle* cf, std::string prefix)
      : prefix_(std::move(prefix)), upper_(PrefixSuccessor(prefix_)), upper_slice_(upper_) {
    rocksdb::ReadOptions ro;
    if (!upper_.empty()) ro.iterate_upper_bound = &upper_slice_;
    it_.reset(engine.NewIterator(ro, cf));
  }
  rocksdb::Iterator* it() { return it_.get(); }
  bool Valid() const { return it_->Valid() && HasPrefix(it_->key(), prefix_); }
  void SeekToStart() { it_->Seek(prefix_); }

 private:
  std::string prefix_;
  std::string upper_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

uint64_t RandomU64() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng();
}

// The key of the meta row under `it` and whether it is live at `now`;
// false if the row is garbled.
bool DecodeLiveRow(const rocksdb::Iterator& it, int64_t now, std::string_view* key, bool* live) {
  ValueType type;
  int64_t expire_ms;
  std::string_view payload;
  uint8_t row_db;
  uint16_t row_slot;
  if (!DecodeMetaKey(View(it.key()), &row_db, &row_slot, key) ||
      !DecodeMetaValue(View(it.value()), &type, &expire_ms, &payload)) {
    return false;
  }
  *live = expire_ms == 0 || expire_ms > now;
  return true;
}

constexpr int kSlotBits = 14;
constexpr uint64_t kSlotMask = (1u << kSlotBits) - 1;
constexpr size_t kMaxExpiredReported = 16;
constexpr int64_t kSmallRandomKeyCount = 64;

}  // namespace

Status Engine::ScanKeys(uint8_t db, uint16_t slot, std::string_view from, bool exclusive,
                        size_t limit, std::vector<ScannedKey>* out, bool* end) {
  *end = true;
  PrefixIterator pi(*this, meta_cf_, MetaDbPrefix(db));
  rocksdb::Iterator* it = pi.it();
  const std::string start = EncodeMetaKey(db, slot, from);
  it->Seek(start);
  if (exclusive && pi.Valid() && View(it->key()) == start) it->Next();
  const int64_t now = clock_.NowMs();
  for (; pi.Valid(); it->Next()) {
    if (out->size() >= limit) {
      *end = false;
      break;
    }
    uint8_t row_db;
    ScannedKey k;
    std::string_view key;
    std::string_view payload;
    if (!DecodeMetaKey(View(it->key()), &row_db, &k.slot, &key) ||
        !DecodeMetaValue(View(it->value()), &k.type, &k.expire_ms, &payload)) {
      return Status::Corruption("bad row in the meta column family");
    }
    k.key.assign(key.data(), key.size());
    k.live = k.expire_ms == 0 || k.expire_ms > now;
    out->push_back(std::move(k));
  }
  return FromRocks(it->status());
}

// Cursor = token << 14 | slot. Token 0 (or one no longer remembered) starts
// the slot from its first key; otherwise the page resumes after the key the
// token names. Rows are ordered by key inside a slot, so whatever was
// inserted or deleted meanwhile, a key present all along lies after the
// position or was already returned.
Status Engine::Scan(uint8_t db, uint64_t cursor, size_t count, std::vector<ScannedKey>* out,
                    uint64_t* next_cursor) {
  const uint16_t slot = static_cast<uint16_t>(cursor & kSlotMask);
  const uint64_t token = cursor >> kSlotBits;
  std::string after;
  const bool resume = token != 0 && scan_cursors_.Get(token, db, slot, &after);
  bool end = false;
  Status s = ScanKeys(db, slot, after, resume, count, out, &end);
  if (!s.ok()) return s;
  if (end) {
    *next_cursor = 0;
  } else if (out->empty()) {
    *next_cursor = cursor;  // count is at least 1, so this cannot happen; be safe
  } else {
    const ScannedKey& last = out->back();
    *next_cursor = (scan_cursors_.Put(db, last.slot, last.key) << kSlotBits) | last.slot;
  }
  return Status::Ok();
}

Status Engine::RandomKey(uint8_t db, std::string* key, bool* found,
                         std::vector<std::string>* expired) {
  *found = false;
  const int64_t count = KeyCount(db);
  if (count <= 0) return Status::Ok();
  // Few keys: a random start would favour the key after the widest gap
  // between slots, so pick uniformly among all live keys instead.
  if (count <= kSmallRandomKeyCount) return RandomKeyOfFew(db, key, found, expired);
  // A random slot, then a random position inside it: keys of one slot are
  // contiguous, so starting at the slot's first key would always pick it.
  const uint16_t slot = static_cast<uint16_t>(RandomU64() % kClusterSlots);
  std::string from(8, '\0');
  uint64_t r = RandomU64();
  for (char& c : from) {
    c = static_cast<char>(r & 0xff);
    r >>= 8;
  }
  const std::string start = EncodeMetaKey(db, slot, from);
  PrefixIterator pi(*this, meta_cf_, MetaDbPrefix(db));
  rocksdb::Iterator* it = pi.it();
  const int64_t now = clock_.NowMs();
  // Walk from the random start to the end of the db, then from the db's
  // start back up to the random start.
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 0) {
      it->Seek(start);
    } else {
      pi.SeekToStart();
    }
    for (; pi.Valid(); it->Next()) {
      if (pass == 1 && View(it->key()) >= start) break;
      std::string_view row_key;
      bool live = false;
      if (!DecodeLiveRow(*it, now, &row_key, &live)) {
        return Status::Corruption("bad row in the meta column family");
      }
      if (live) {
        key->assign(row_key.data(), row_key.size());
        *found = true;
        return FromRocks(it->status());
      }
      if (expired->size() < kMaxExpiredReported) expired->emplace_back(row_key);
    }
    if (!it->status().ok()) return FromRocks(it->status());
  }
  return Status::Ok();
}

Status Engine::RandomKeyOfFew(uint8_t db, std::string* key, bool* found,
                              std::vector<std::string>* expired) {
  PrefixIterator pi(*this, meta_cf_, MetaDbPrefix(db));
  rocksdb::Iterator* it = pi.it();
  const int64_t now = clock_.NowMs();
  std::vector<std::string> candidates;
  pi.SeekToStart();
  for (; pi.Valid() && candidates.size() < 2 * kSmallRandomKeyCount; it->Next()) {
    std::string_view row_key;
    bool live = false;
    if (!DecodeLiveRow(*it, now, &row_key, &live)) {
      return Status::Corruption("bad row in the meta column family");
    }
    if (live) {
      candidates.emplace_back(row_key);
    } else if (expired->size() < kMaxExpiredReported) {
      expired->emplace_back(row_key);
    }
  }
  if (!it->status().ok()) return FromRocks(it->status());
  if (candidates.empty()) return Status::Ok();
  *key = std::move(candidates[RandomU64() % candidates.size()]);
  *found = true;
  return Status::Ok();
}

// Rewrites every row of both dbs with the other db byte. All three data
// column families and the count rows begin with the db (counts after their
// kind byte), so a swap is: range-delete both dbs, put every row back under
// the other db. The puts come after the range deletions in the batch, so
// they win.
Status Engine::SwapDb(uint8_t a, uint8_t b) {
  if (a == b) return Status::Ok();
  KeyLockGuard all = KeyLockGuard::All(locks_);
  // Inside EXEC the transaction's earlier writes must land before the rows
  // are moved (the swap reads the database, not the pending batch).
  Status ps = WritePendingBatch();
  if (!ps.ok()) return ps;
  // Redis's touchAllWatchedKeysInDb: a watched key of either db that exists
  // in either of them changes.
  if (watches_.active()) {
    for (const auto& [db, key] : watches_.KeysIn(std::min(a, b), std::max(a, b))) {
      if (db != a && db != b) continue;
      KeyState ka, kb;
      if ((Lookup(a, key, &ka).ok() && ka.stored) || (Lookup(b, key, &kb).ok() && kb.stored)) {
        watches_.Touch(db, key, false);
      }
    }
  }
  rocksdb::WriteBatch batch;
  auto swap_prefix = [&](rocksdb::ColumnFamilyHandle* cf, const std::string& pa,
                         const std::string& pb, size_t db_pos) -> Status {
    for (const std::string* p : {&pa, &pb}) {
      std::string hi = PrefixSuccessor(*p);
      if (hi.empty()) hi = *p + std::string(32, '\xff');  // db 255: nothing sorts after
      rocksdb::Status ds = batch.DeleteRange(cf, *p, hi);
      if (!ds.ok()) return FromRocks(ds);
    }
    for (const std::string* p : {&pa, &pb}) {
      const char other = static_cast<char>(p == &pa ? b : a);
      PrefixIterator pi(*this, cf, *p);
      std::string k;
      for (pi.SeekToStart(); pi.Valid(); pi.it()->Next()) {
        k.assign(pi.it()->key().data(), pi.it()->key().size());
        k[db_pos] = other;
        rocksdb::Status ps = batch.Put(cf, k, pi.it()->value());
        if (!ps.ok()) return FromRocks(ps);
      }
      if (!pi.it()->status().ok()) return FromRocks(pi.it()->status());
    }
    return Status::Ok();
  };
  const std::string ma = MetaDbPrefix(a);
  const std::string mb = MetaDbPrefix(b);
  for (auto* cf : {meta_cf_, data_cf_, expire_cf_}) {
    Status s = swap_prefix(cf, ma, mb, 0);
    if (!s.ok()) return s;
  }
  for (char kind : {kCountKeys, kCountExpires}) {
    std::string ca(1, kind);
    ca.push_back(static_cast<char>(a));
    std::string cb(1, kind);
    cb.push_back(static_cast<char>(b));
    Status s = swap_prefix(counts_cf_, ca, cb, 1);
    if (!s.ok()) return s;
  }
  rocksdb::Status ws = WriteDb(rocksdb::WriteOptions(), &batch);
  if (!ws.ok()) return FromRocks(ws);
  int64_t keys = key_counts_[a].exchange(key_counts_[b].load());
  key_counts_[b] = keys;
  int64_t expires = expire_counts_[a].exchange(expire_counts_[b].load());
  expire_counts_[b] = expires;
  return Status::Ok();
}

}  // namespace cairn::storage
