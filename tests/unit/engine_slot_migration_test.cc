// Atomic slot migration in the storage layer: a SlotExport of slot ranges
// imported into a second engine reproduces exactly those keys (values,
// TTLs, expiry index, counts); WAL changes after the export, filtered to the
// ranges, bring the target level with the source, FLUSHALL included;
// DeleteSlots empties ranges exactly; bad chunks are refused.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/crc16.h"
#include "storage/encoding.h"
#include "storage/engine.h"
#include "tests/unit/engine_ops.h"
#include "tests/unit/temp_dir.h"

namespace cairn::storage {
namespace {

using test_ops::OpenEngine;
using cairn::testing::TempDir;

const std::vector<SlotRange> kRanges = {{0, 100}, {5000, 5000}};

bool InRanges(uint16_t slot) {
  for (const SlotRange& r : kRanges) {
    if (slot >= r.first && slot <= r.last) return true;
  }
  return false;
}

// Keys named prefix<i> whose slot is (or is not) in kRanges.
std::vector<std::string> KeysWhere(const std::string& prefix, size_t n, bool in_ranges) {
  std::vector<std::string> out;
  for (int i = 0; out.size() < n; ++i) {
    std::string k = prefix + std::to_string(i);
    if (InRanges(KeyHashSlot(k)) == in_ranges) out.push_back(k);
  }
  return out;
}

// A key of slot 5000 (the single-slot range).
std::string KeyOfSlot(uint16_t slot, const std::string& prefix) {
  for (int i = 0;; ++i) {
    std::string k = prefix + std::to_string(i);
    if (KeyHashSlot(k) == slot) return k;
  }
}

void Put(Engine& e, std::string_view key, std::string_view value, int64_t expire_ms = 0) {
  KeyLockGuard g(e.locks(), 0, key);
  KeyState ks;
  ASSERT_TRUE(e.Lookup(0, key, &ks).ok());
  WriteSet ws(e);
  ws.PutString(ks, value, expire_ms);
  ASSERT_TRUE(e.Commit(ws).ok());
}

void Del(Engine& e, std::string_view key) {
  KeyLockGuard g(e.locks(), 0, key);
  KeyState ks;
  ASSERT_TRUE(e.Lookup(0, key, &ks).ok());
  ASSERT_TRUE(ks.stored);
  WriteSet ws(e);
  ws.Delete(ks);
  ASSERT_TRUE(e.Commit(ws).ok());
}

void SetExpire(Engine& e, std::string_view key, int64_t expire_ms) {
  KeyLockGuard g(e.locks(), 0, key);
  KeyState ks;
  ASSERT_TRUE(e.Lookup(0, key, &ks).ok());
  ASSERT_TRUE(ks.stored);
  WriteSet ws(e);
  ws.SetExpire(ks, expire_ms);
  ASSERT_TRUE(e.Commit(ws).ok());
}

KeyState Get(Engine& e, std::string_view key) {
  KeyState ks;
  EXPECT_TRUE(e.Lookup(0, key, &ks).ok());
  return ks;
}

// Every stored key of the ranges, with its value and deadline.
std::map<std::string, std::pair<std::string, int64_t>> RangeContents(Engine& e) {
  std::map<std::string, std::pair<std::string, int64_t>> out;
  for (const SlotRange& r : kRanges) {
    for (int slot = r.first; slot <= r.last; ++slot) {
      std::vector<std::string> keys;
      EXPECT_TRUE(e.GetKeysInSlot(0, static_cast<uint16_t>(slot), 100000, &keys).ok());
      for (const auto& k : keys) {
        KeyState ks = Get(e, k);
        out[k] = {ks.payload, ks.expire_ms};
      }
    }
  }
  return out;
}

int64_t SlotCount(Engine& e, uint16_t slot) {
  auto r = e.CountKeysInSlot(0, slot);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : -1;
}

// Checks that e's counts, per slot of the ranges and in total, are what its
// rows are (the target holds nothing outside the ranges unless `others`).
void ExpectCountsExact(Engine& e, int64_t others = 0, int64_t others_ttl = 0) {
  auto contents = RangeContents(e);
  std::map<uint16_t, int64_t> per_slot;
  int64_t ttl = 0;
  for (const auto& [k, v] : contents) {
    ++per_slot[KeyHashSlot(k)];
    if (v.second != 0) ++ttl;
  }
  for (const SlotRange& r : kRanges) {
    for (int slot = r.first; slot <= r.last; ++slot) {
      EXPECT_EQ(SlotCount(e, static_cast<uint16_t>(slot)), per_slot[static_cast<uint16_t>(slot)])
          << "slot " << slot;
    }
  }
  EXPECT_EQ(e.KeyCount(0), static_cast<int64_t>(contents.size()) + others);
  EXPECT_EQ(e.ExpireCount(0), ttl + others_ttl);
  auto idx = e.ScanExpireIndexSize(0);
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ(*idx, ttl + others_ttl);
}

std::vector<SlotChunkRecord> Records(std::string_view chunk) {
  std::vector<SlotChunkRecord> out;
  size_t pos = 0;
  SlotChunkRecord rec;
  while (pos < chunk.size()) {
    bool ok = ReadSlotChunkRecord(chunk, &pos, &rec);
    EXPECT_TRUE(ok) << "at " << pos;
    if (!ok) break;
    out.push_back(rec);
  }
  return out;
}

bool IsCorruption(const Status& s) { return s.code() == Status::Code::kCorruption; }

class SlotMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = OpenEngine(a_dir_.path(), clock_);
    b_ = OpenEngine(b_dir_.path(), clock_);
    ASSERT_TRUE(a_ && b_);
    in_ = KeysWhere("in", 60, true);
    in_.push_back(KeyOfSlot(5000, "s"));
    in_.push_back(KeyOfSlot(5000, "t"));
    out_ = KeysWhere("out", 40, false);
    for (size_t i = 0; i < in_.size(); ++i) {
      Put(*a_, in_[i], "v" + in_[i], i % 3 == 0 ? clock_.NowMs() + 100000 + i : 0);
    }
    for (size_t i = 0; i < out_.size(); ++i) {
      Put(*a_, out_[i], "o" + out_[i], i % 2 == 0 ? clock_.NowMs() + 5000 : 0);
    }
  }

  // Exports the ranges of A in chunks of about max_bytes into B; returns
  // the export's sequence and sets *chunks.
  uint64_t Migrate(size_t max_bytes, int* chunks = nullptr) {
    Engine::SlotExport exp(*a_, kRanges);
    int n = 0;
    for (bool done = false; !done;) {
      std::string chunk;
      Status s = exp.Next(max_bytes, &chunk, &done);
      EXPECT_TRUE(s.ok()) << s.ToString();
      if (!s.ok()) break;
      if (!chunk.empty()) ++n;
      Status is = b_->ImportSlotRows(chunk, kRanges);
      EXPECT_TRUE(is.ok()) << is.ToString();
      EXPECT_LT(n, 100000);
    }
    EXPECT_EQ(exp.keys(), in_.size());
    if (chunks != nullptr) *chunks = n;
    return exp.sequence();
  }

  // Ships A's WAL from `from` on through FilterSlotChanges into B.
  void ShipChanges(uint64_t from, std::string* all = nullptr) {
    auto r = a_->ReadUpdatesSince(from, 1 << 20);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& b : *r) {
      std::string chunk;
      Status s = a_->FilterSlotChanges(b, kRanges, &chunk);
      ASSERT_TRUE(s.ok()) << s.ToString();
      if (all != nullptr) all->append(chunk);
      s = b_->ImportSlotChanges(chunk, kRanges);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }

  FakeClock clock_;
  TempDir a_dir_{"cairn-slots-a"};
  TempDir b_dir_{"cairn-slots-b"};
  std::unique_ptr<Engine> a_;
  std::unique_ptr<Engine> b_;
  std::vector<std::string> in_;
  std::vector<std::string> out_;
};

TEST(SlotMigrationChunk, RecordsRoundTripAndRangesDecode) {
  std::string chunk;
  AppendSlotChunkRecord(&chunk, SlotChunkOp::kMetaPut, "key", "value");
  AppendSlotChunkRecord(&chunk, SlotChunkOp::kMetaDelete, std::string("k\0y", 3), "");
  std::string bounds;
  AppendSlotRangeBounds(&bounds, 0, 100);
  AppendSlotRangeBounds(&bounds, 5000, 5000);
  AppendSlotChunkRecord(&chunk, SlotChunkOp::kDropRanges, "", bounds);
  size_t pos = 0;
  SlotChunkRecord rec;
  ASSERT_TRUE(ReadSlotChunkRecord(chunk, &pos, &rec));
  EXPECT_EQ(rec.op, SlotChunkOp::kMetaPut);
  EXPECT_EQ(rec.key, "key");
  EXPECT_EQ(rec.value, "value");
  ASSERT_TRUE(ReadSlotChunkRecord(chunk, &pos, &rec));
  EXPECT_EQ(rec.op, SlotChunkOp::kMetaDelete);
  EXPECT_EQ(rec.key, std::string("k\0y", 3));
  ASSERT_TRUE(ReadSlotChunkRecord(chunk, &pos, &rec));
  EXPECT_EQ(rec.op, SlotChunkOp::kDropRanges);
  std::vector<std::pair<uint16_t, uint16_t>> ranges;
  ASSERT_TRUE(DecodeSlotRangeBounds(rec.value, &ranges));
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[1], std::make_pair(uint16_t{5000}, uint16_t{5000}));
  EXPECT_EQ(pos, chunk.size());
  EXPECT_FALSE(ReadSlotChunkRecord(chunk, &pos, &rec));  // at the end

  // Bad range lists.
  std::string bad;
  AppendSlotRangeBounds(&bad, 7, 3);
  EXPECT_FALSE(DecodeSlotRangeBounds(bad, &ranges));
  bad.clear();
  AppendSlotRangeBounds(&bad, 0, 16384);
  EXPECT_FALSE(DecodeSlotRangeBounds(bad, &ranges));
  EXPECT_FALSE(DecodeSlotRangeBounds("abc", &ranges));
  EXPECT_FALSE(DecodeSlotRangeBounds("", &ranges));
}

TEST(SlotMigrationChunk, EveryTruncationAndHugeLengthIsRejected) {
  std::string chunk;
  AppendSlotChunkRecord(&chunk, SlotChunkOp::kDataPut, "some key", "some value");
  for (size_t n = 0; n < chunk.size(); ++n) {
    size_t pos = 0;
    SlotChunkRecord rec;
    EXPECT_FALSE(ReadSlotChunkRecord(std::string_view(chunk).substr(0, n), &pos, &rec)) << n;
    EXPECT_EQ(pos, 0u);
  }
  // A key length of 4 GiB - 1 with 3 bytes behind it.
  std::string huge = "M\xff\xff\xff\xff" + std::string("abc");
  size_t pos = 0;
  SlotChunkRecord rec;
  EXPECT_FALSE(ReadSlotChunkRecord(huge, &pos, &rec));
  // Unknown op; a delete with a value; a drop record with a key.
  std::string other;
  AppendSlotChunkRecord(&other, static_cast<SlotChunkOp>('Q'), "k", "v");
  EXPECT_FALSE(ReadSlotChunkRecord(other, &pos, &rec));
  other.clear();
  AppendSlotChunkRecord(&other, SlotChunkOp::kMetaDelete, "k", "v");
  EXPECT_FALSE(ReadSlotChunkRecord(other, &pos, &rec));
  other.clear();
  AppendSlotChunkRecord(&other, SlotChunkOp::kDropRanges, "k", "\0\0\0\1");
  EXPECT_FALSE(ReadSlotChunkRecord(other, &pos, &rec));
}

TEST(SlotMigrationChunk, DataKeyRoundTripAndShortKeysFail) {
  std::string raw = EncodeDataKey(0, 42, "hash", 7, "field");
  uint8_t db;
  uint16_t slot;
  std::string_view key;
  uint64_t version;
  std::string_view member;
  ASSERT_TRUE(DecodeDataKey(raw, &db, &slot, &key, &version, &member));
  EXPECT_EQ(db, 0);
  EXPECT_EQ(slot, 42);
  EXPECT_EQ(key, "hash");
  EXPECT_EQ(version, 7u);
  EXPECT_EQ(member, "field");
  for (size_t n = 0; n < kDataKeyPrefix + 4 + 8; ++n) {
    EXPECT_FALSE(
        DecodeDataKey(std::string_view(raw).substr(0, n), &db, &slot, &key, &version, &member))
        << n;
  }
}

TEST_F(SlotMigrationTest, ExportedChunksReproduceTheRangesOnTheTarget) {
  int chunks = 0;
  Migrate(/*max_bytes=*/200, &chunks);
  EXPECT_GT(chunks, 3);
  for (const auto& k : in_) {
    KeyState want = Get(*a_, k);
    KeyState got = Get(*b_, k);
    ASSERT_TRUE(got.stored) << k;
    EXPECT_EQ(got.payload, want.payload) << k;
    EXPECT_EQ(got.expire_ms, want.expire_ms) << k;
  }
  for (const auto& k : out_) EXPECT_FALSE(Get(*b_, k).stored) << k;
  EXPECT_EQ(RangeContents(*b_), RangeContents(*a_));
  EXPECT_EQ(b_->KeyCount(0), static_cast<int64_t>(in_.size()));
  EXPECT_EQ(b_->ExpireCount(0), 21);  // every third of 62
  ExpectCountsExact(*b_);
  EXPECT_EQ(SlotCount(*b_, 5000), 2);
}

TEST_F(SlotMigrationTest, ExportIsAConsistentViewOfItsSnapshot) {
  Engine::SlotExport exp(*a_, kRanges);
  // Written after the snapshot: not in the export.
  Put(*a_, KeyOfSlot(50, "late"), "x");
  Del(*a_, in_[1]);
  std::string all;
  for (bool done = false; !done;) ASSERT_TRUE(exp.Next(64, &all, &done).ok());
  EXPECT_EQ(exp.keys(), in_.size());
  ASSERT_TRUE(b_->ImportSlotRows(all, kRanges).ok());
  EXPECT_TRUE(Get(*b_, in_[1]).stored);
  EXPECT_FALSE(Get(*b_, KeyOfSlot(50, "late")).stored);
}

TEST_F(SlotMigrationTest, ChangesAfterTheExportBringTheTargetLevel) {
  const uint64_t seq = Migrate(1 << 20);
  const std::string fresh = KeyOfSlot(77, "fresh");
  const std::string fresh_ttl = KeyOfSlot(5000, "freshttl");
  Put(*a_, in_[1], "overwritten");                         // no TTL -> no TTL
  Put(*a_, in_[3], "overwritten", clock_.NowMs() + 777);   // TTL -> other TTL
  Put(*a_, in_[4], "with-ttl-now", clock_.NowMs() + 888);  // none -> TTL
  Put(*a_, fresh, "new");                                  // new key
  Put(*a_, fresh_ttl, "new", clock_.NowMs() + 999);        // new key with TTL
  Del(*a_, in_[2]);                                        // no TTL
  Del(*a_, in_[6]);                                        // with TTL
  SetExpire(*a_, in_[5], clock_.NowMs() + 4242);           // EXPIRE
  SetExpire(*a_, in_[9], 0);                               // PERSIST
  Put(*a_, out_[0], "outside", clock_.NowMs() + 1);        // out of range
  Put(*a_, KeyOfSlot(101, "edge"), "outside");             // just past a range
  std::string all;
  ShipChanges(seq + 1, &all);
  for (const auto& rec : Records(all)) {
    uint8_t db;
    uint16_t slot;
    std::string_view key;
    ASSERT_TRUE(DecodeMetaKey(rec.key, &db, &slot, &key));
    EXPECT_TRUE(InRanges(slot)) << key;
  }
  EXPECT_EQ(RangeContents(*b_), RangeContents(*a_));
  EXPECT_EQ(Get(*b_, in_[3]).expire_ms, clock_.NowMs() + 777);
  EXPECT_EQ(Get(*b_, in_[9]).expire_ms, 0);
  EXPECT_FALSE(Get(*b_, in_[2]).stored);
  EXPECT_FALSE(Get(*b_, out_[0]).stored);
  EXPECT_FALSE(Get(*b_, KeyOfSlot(101, "edge")).stored);
  EXPECT_EQ(b_->KeyCount(0), static_cast<int64_t>(in_.size()));  // +2 new, -2 deleted
  ExpectCountsExact(*b_);
}

TEST_F(SlotMigrationTest, OneBatchWritingAKeyTwiceIsAppliedInOrder) {
  const uint64_t seq = Migrate(1 << 20);
  const std::string k = KeyOfSlot(10, "twice");
  a_->BeginBatch();  // as EXEC: both writes in one WAL batch
  Put(*a_, k, "first", clock_.NowMs() + 50);
  Put(*a_, k, "second");
  Del(*a_, in_[0]);
  Put(*a_, in_[0], "again", clock_.NowMs() + 60);
  ASSERT_TRUE(a_->CommitBatch().ok());
  ShipChanges(seq + 1);
  EXPECT_EQ(Get(*b_, k).payload, "second");
  EXPECT_EQ(Get(*b_, k).expire_ms, 0);
  EXPECT_EQ(Get(*b_, in_[0]).payload, "again");
  EXPECT_EQ(RangeContents(*b_), RangeContents(*a_));
  ExpectCountsExact(*b_);
}

TEST_F(SlotMigrationTest, FlushAllOnTheSourceDropsTheRangesOnTheTarget) {
  const uint64_t seq = Migrate(1 << 20);
  // The target's own keys outside the ranges stay.
  Put(*b_, out_[0], "mine", clock_.NowMs() + 10);
  Put(*b_, out_[1], "mine");
  ASSERT_TRUE(a_->FlushAll().ok());
  const std::string after = KeyOfSlot(99, "after");
  Put(*a_, after, "post-flush", clock_.NowMs() + 5);
  std::string all;
  ShipChanges(seq + 1, &all);
  bool dropped = false;
  for (const auto& rec : Records(all)) dropped |= rec.op == SlotChunkOp::kDropRanges;
  EXPECT_TRUE(dropped);
  auto contents = RangeContents(*b_);
  ASSERT_EQ(contents.size(), 1u);
  EXPECT_EQ(contents.begin()->first, after);
  EXPECT_EQ(Get(*b_, out_[0]).payload, "mine");
  ExpectCountsExact(*b_, /*others=*/2, /*others_ttl=*/1);
}

TEST_F(SlotMigrationTest, FlushOfAnotherDbIsNotADrop) {
  const uint64_t seq = Migrate(1 << 20);
  ASSERT_TRUE(a_->FlushDb(3).ok());
  std::string all;
  ShipChanges(seq + 1, &all);
  EXPECT_TRUE(all.empty());
  EXPECT_EQ(b_->KeyCount(0), static_cast<int64_t>(in_.size()));
}

TEST_F(SlotMigrationTest, DeleteSlotsLoopsUntilDoneAndKeepsOtherSlots) {
  int calls = 0;
  for (bool done = false; !done; ++calls) {
    ASSERT_TRUE(a_->DeleteSlots(kRanges, /*max_keys=*/7, &done).ok());
    ASSERT_LT(calls, 1000);
  }
  EXPECT_GE(calls, 9);  // 62 keys, 7 at a time, then the final call
  EXPECT_TRUE(RangeContents(*a_).empty());
  for (const auto& k : in_) EXPECT_FALSE(Get(*a_, k).stored) << k;
  for (const auto& k : out_) EXPECT_TRUE(Get(*a_, k).stored) << k;
  ExpectCountsExact(*a_, /*others=*/40, /*others_ttl=*/20);
  // Nothing left: done at once.
  bool done = false;
  ASSERT_TRUE(a_->DeleteSlots(kRanges, 7, &done).ok());
  EXPECT_TRUE(done);
}

TEST_F(SlotMigrationTest, DeleteSlotsWithACursorResumesAndCoversUnsortedRanges) {
  const std::vector<SlotRange> unsorted = {kRanges[1], kRanges[0]};
  std::string cursor;
  int calls = 0;
  for (bool done = false; !done; ++calls) {
    ASSERT_TRUE(a_->DeleteSlots(unsorted, /*max_keys=*/5, &done, &cursor).ok());
    ASSERT_LT(calls, 1000);
  }
  EXPECT_GE(calls, 13);  // 62 keys, 5 at a time, then the final call
  EXPECT_FALSE(cursor.empty());
  EXPECT_TRUE(RangeContents(*a_).empty());
  for (const auto& k : in_) EXPECT_FALSE(Get(*a_, k).stored) << k;
  for (const auto& k : out_) EXPECT_TRUE(Get(*a_, k).stored) << k;
  ExpectCountsExact(*a_, /*others=*/40, /*others_ttl=*/20);
}

TEST_F(SlotMigrationTest, DeleteSlotsRemovesExpiredRowsAndTheirIndexEntries) {
  clock_.Advance(200000);  // every TTL is past; no expiry cycle ran
  ASSERT_EQ(a_->ExpireCount(0), 21 + 20);
  for (bool done = false; !done;) ASSERT_TRUE(a_->DeleteSlots(kRanges, 16, &done).ok());
  for (const auto& k : in_) EXPECT_FALSE(Get(*a_, k).stored) << k;
  ExpectCountsExact(*a_, /*others=*/40, /*others_ttl=*/20);
  // The active cycle then finds only the keys outside the ranges.
  auto expired = a_->ExpireCycle(1000);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 20);
  ExpectCountsExact(*a_, /*others=*/20, /*others_ttl=*/0);
}

TEST_F(SlotMigrationTest, DataRowsTravelAndAreDeleted) {
  const std::string hash = KeyOfSlot(42, "hash");
  std::string meta;
  EncodeMetaValue(&meta, ValueType::kHash, 0, EncodeU64(9) + EncodeU64(1));
  std::string rows;
  AppendSlotChunkRecord(&rows, SlotChunkOp::kMetaPut, EncodeMetaKey(0, 42, hash), meta);
  const std::string field = EncodeDataKey(0, 42, hash, 9, "field");
  AppendSlotChunkRecord(&rows, SlotChunkOp::kDataPut, field, "fv");
  ASSERT_TRUE(b_->ImportSlotRows(rows, kRanges).ok());
  EXPECT_EQ(Get(*b_, hash).type, ValueType::kHash);

  // B's export carries both rows back out.
  auto export_all = [&](Engine& e) {
    Engine::SlotExport exp(e, kRanges);
    std::string all;
    for (bool done = false; !done;) EXPECT_TRUE(exp.Next(1 << 20, &all, &done).ok());
    return all;
  };
  const std::string exported = export_all(*b_);
  auto recs = Records(exported);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].op, SlotChunkOp::kMetaPut);
  EXPECT_EQ(recs[1].op, SlotChunkOp::kDataPut);
  EXPECT_EQ(recs[1].key, field);
  EXPECT_EQ(recs[1].value, "fv");

  for (bool done = false; !done;) ASSERT_TRUE(b_->DeleteSlots(kRanges, 10, &done).ok());
  EXPECT_TRUE(export_all(*b_).empty());
  EXPECT_EQ(b_->KeyCount(0), 0);
}

TEST_F(SlotMigrationTest, CorruptChunksAreRefusedAndChangeNothing) {
  Engine::SlotExport exp(*a_, kRanges);
  std::string chunk;
  bool done = false;
  ASSERT_TRUE(exp.Next(1 << 20, &chunk, &done).ok());
  ASSERT_GT(chunk.size(), 20u);
  // Cut short in the last record: refused whole.
  for (size_t cut = 1; cut < 16; ++cut) {
    std::string_view part(chunk.data(), chunk.size() - cut);
    Status s = b_->ImportSlotRows(part, kRanges);
    EXPECT_TRUE(IsCorruption(s)) << cut << " " << s.ToString();
    s = b_->ImportSlotChanges(part, kRanges);
    EXPECT_TRUE(IsCorruption(s)) << cut << " " << s.ToString();
  }
  EXPECT_EQ(b_->KeyCount(0), 0);
  EXPECT_TRUE(RangeContents(*b_).empty());

  auto one = [](SlotChunkOp op, std::string key, std::string value) {
    std::string c;
    AppendSlotChunkRecord(&c, op, key, value);
    return c;
  };
  std::string good_meta;
  EncodeMetaValue(&good_meta, ValueType::kString, 0, "v");
  const std::string k = KeyOfSlot(3, "bad");
  // db 1, wrong slot, a short meta value, a bad type: refused.
  EXPECT_TRUE(IsCorruption(
      b_->ImportSlotRows(one(SlotChunkOp::kMetaPut, EncodeMetaKey(1, 3, k), good_meta), kRanges)));
  EXPECT_TRUE(IsCorruption(
      b_->ImportSlotRows(one(SlotChunkOp::kMetaPut, EncodeMetaKey(0, 4, k), good_meta), kRanges)));
  EXPECT_TRUE(IsCorruption(
      b_->ImportSlotRows(one(SlotChunkOp::kMetaPut, EncodeMetaKey(0, 3, k), "short"), kRanges)));
  std::string bad_type = good_meta;
  bad_type[0] = 9;
  EXPECT_TRUE(IsCorruption(
      b_->ImportSlotChanges(one(SlotChunkOp::kMetaPut, EncodeMetaKey(0, 3, k), bad_type), kRanges)));
  // Deletes and drops have no place in a rows chunk.
  EXPECT_TRUE(
      IsCorruption(b_->ImportSlotRows(one(SlotChunkOp::kMetaDelete, EncodeMetaKey(0, 3, k), ""), kRanges)));
  std::string bounds;
  AppendSlotRangeBounds(&bounds, 0, 10);
  EXPECT_TRUE(IsCorruption(b_->ImportSlotRows(one(SlotChunkOp::kDropRanges, "", bounds), kRanges)));
  EXPECT_TRUE(IsCorruption(b_->ImportSlotChanges(one(SlotChunkOp::kDropRanges, "", "xyz"), kRanges)));
  // A good record followed by a bad one: the good one is not applied either.
  std::string mixed = one(SlotChunkOp::kMetaPut, EncodeMetaKey(0, 3, k), good_meta) +
                      one(SlotChunkOp::kDataPut, std::string("\0\0", 2), "v");
  EXPECT_TRUE(IsCorruption(b_->ImportSlotChanges(mixed, kRanges)));
  EXPECT_TRUE(IsCorruption(b_->ImportSlotRows(mixed, kRanges)));
  EXPECT_FALSE(Get(*b_, k).stored);
  EXPECT_EQ(b_->KeyCount(0), 0);

  // Garbage never crashes (run under the sanitizers) and, when refused,
  // changes nothing.
  std::mt19937 rng(12345);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (!junk.empty() && i % 2 == 0) junk[0] = "MmDdX"[rng() % 5];
    Status rows = b_->ImportSlotRows(junk, kRanges);
    Status changes = b_->ImportSlotChanges(junk, kRanges);
    (void)rows;
    (void)changes;
  }
  ExpectCountsExact(*b_);
  // A replication batch that is not one.
  Engine::ReplBatch bogus;
  bogus.data = "short";
  std::string out;
  EXPECT_FALSE(a_->FilterSlotChanges(bogus, kRanges, &out).ok());
  bogus.data = std::string(12, '\0') + "\x01\x77garbage";
  EXPECT_FALSE(a_->FilterSlotChanges(bogus, kRanges, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST_F(SlotMigrationTest, BadRangesAreInvalidArguments) {
  std::vector<SlotRange> bad = {{10, 5}};
  bool done = false;
  EXPECT_FALSE(a_->DeleteSlots(bad, 10, &done).ok());
  EXPECT_FALSE(done);
  Engine::SlotExport exp(*a_, {{0, 16384}});
  std::string chunk;
  EXPECT_FALSE(exp.Next(100, &chunk, &done).ok());
  // Overlapping ranges would hand rows out twice.
  std::vector<SlotRange> overlapping = {{0, 100}, {100, 200}};
  EXPECT_FALSE(a_->DeleteSlots(overlapping, 10, &done).ok());
  Engine::SlotExport twice(*a_, overlapping);
  EXPECT_FALSE(twice.Next(100, &chunk, &done).ok());
  EXPECT_TRUE(chunk.empty());
  EXPECT_EQ(a_->KeyCount(0), static_cast<int64_t>(in_.size() + out_.size()));
}

TEST_F(SlotMigrationTest, ImportedChangesAndDropsTouchWatchedKeys) {
  const uint64_t seq = Migrate(1 << 20);
  auto changed = std::make_shared<WatchFlag>();
  auto dropped = std::make_shared<WatchFlag>();
  auto untouched = std::make_shared<WatchFlag>();
  b_->watches().Watch(0, in_[1], changed, false);
  b_->watches().Watch(0, in_[2], untouched, false);
  Put(*a_, in_[1], "new value");
  ShipChanges(seq + 1);
  EXPECT_TRUE(changed->dirty.load());
  EXPECT_FALSE(untouched->dirty.load());

  b_->watches().Watch(0, in_[3], dropped, false);
  const uint64_t from = a_->LatestSequence() + 1;
  ASSERT_TRUE(a_->FlushAll().ok());
  ShipChanges(from);
  EXPECT_TRUE(dropped->dirty.load());
  EXPECT_TRUE(untouched->dirty.load());
  EXPECT_TRUE(RangeContents(*b_).empty());
  ExpectCountsExact(*b_);
}

TEST_F(SlotMigrationTest, ARowsChunkWithAKeyTwiceIsRefused) {
  std::string meta;
  EncodeMetaValue(&meta, ValueType::kString, 0, "v");
  const std::string k = KeyOfSlot(8, "dup");
  std::string chunk;
  AppendSlotChunkRecord(&chunk, SlotChunkOp::kMetaPut, EncodeMetaKey(0, 8, k), meta);
  ASSERT_TRUE(b_->ImportSlotRows(chunk, kRanges).ok());
  EXPECT_EQ(b_->KeyCount(0), 1);
  AppendSlotChunkRecord(&chunk, SlotChunkOp::kMetaPut, EncodeMetaKey(0, 8, k), meta);
  EXPECT_TRUE(IsCorruption(b_->ImportSlotRows(chunk, kRanges)));
  EXPECT_EQ(b_->KeyCount(0), 1);
}

TEST_F(SlotMigrationTest, RowsAndDropsOutsideTheImportedRangesAreRefused) {
  std::string meta;
  EncodeMetaValue(&meta, ValueType::kString, 0, "v");
  const std::string inside = KeyOfSlot(3, "in");
  const std::string outside = KeyOfSlot(200, "out");
  std::string chunk;
  AppendSlotChunkRecord(&chunk, SlotChunkOp::kMetaPut, EncodeMetaKey(0, 3, inside), meta);
  AppendSlotChunkRecord(&chunk, SlotChunkOp::kMetaPut, EncodeMetaKey(0, 200, outside), meta);
  EXPECT_TRUE(IsCorruption(b_->ImportSlotRows(chunk, kRanges)));
  EXPECT_TRUE(IsCorruption(b_->ImportSlotChanges(chunk, kRanges)));
  EXPECT_EQ(b_->KeyCount(0), 0);
  std::string bounds, drop;
  AppendSlotRangeBounds(&bounds, 0, 300);
  AppendSlotChunkRecord(&drop, SlotChunkOp::kDropRanges, "", bounds);
  EXPECT_TRUE(IsCorruption(b_->ImportSlotChanges(drop, kRanges)));
  // The same rows within wider ranges are fine.
  const std::vector<SlotRange> wide = {{0, 300}};
  ASSERT_TRUE(b_->ImportSlotRows(chunk, wide).ok());
  EXPECT_EQ(b_->KeyCount(0), 2);
}

TEST_F(SlotMigrationTest, RecordedImportsAreListedUntilForgotten) {
  ASSERT_TRUE(b_->RecordImport("job-a", kRanges).ok());
  const std::vector<SlotRange> other = {{7, 9}};
  ASSERT_TRUE(b_->RecordImport("job-b", other).ok());
  ASSERT_TRUE(b_->ForgetImport("job-a").ok());
  Result<std::vector<Engine::PendingImport>> pending = b_->PendingImports();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending.value().size(), 1u);
  EXPECT_EQ(pending.value()[0].name, "job-b");
  ASSERT_EQ(pending.value()[0].ranges.size(), 1u);
  EXPECT_EQ(pending.value()[0].ranges[0].first, 7);
  EXPECT_EQ(pending.value()[0].ranges[0].last, 9);
  EXPECT_EQ(b_->KeyCount(0), 0);  // engine state, not keys
  const std::vector<SlotRange> bad = {{9, 7}};
  EXPECT_FALSE(b_->RecordImport("job-c", bad).ok());
}

}  // namespace
}  // namespace cairn::storage
