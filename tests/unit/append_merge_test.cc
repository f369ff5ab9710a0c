// WriteSet::Append and Overwrite: an APPEND, SETRANGE, SETBIT or BITFIELD on
// a long value writes a merge operand of the bytes it changes, not the whole
// value again. The value reads back whole from the memtable, from SST files
// and after a reopen; a read merges a bounded number of operands; a pipeline
// reads its own changes before its batch is written; a transaction writes
// whole rows; a replica and a slot migration target apply the operands to
// the same value.
#include <gtest/gtest.h>

#include <memory>
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

using cairn::testing::TempDir;
using test_ops::OpenEngine;
using test_ops::Put;
using test_ops::Value;

// Past WriteSet::Append's threshold for merging.
const std::string kLong(20 << 10, 'L');
// Cluster mode keeps every key in db 0.
constexpr uint8_t kDb0 = 0;

// APPEND as the command does it, on a stored key; a missing one is set.
void Append(Engine& e, uint8_t db, std::string_view key, std::string_view bytes) {
  KeyLockGuard g(e.locks(), db, key);
  KeyState ks;
  ASSERT_TRUE(e.Lookup(db, key, &ks).ok());
  WriteSet ws(e);
  if (ks.live) {
    ws.Append(ks, bytes);
  } else {
    ws.PutString(ks, bytes, 0);
  }
  ASSERT_TRUE(e.Commit(ws).ok());
}

// SETRANGE as the command does it, on a stored key.
void Overwrite(Engine& e, uint8_t db, std::string_view key, uint64_t offset,
               std::string_view bytes) {
  KeyLockGuard g(e.locks(), db, key);
  KeyState ks;
  ASSERT_TRUE(e.Lookup(db, key, &ks).ok());
  ASSERT_TRUE(ks.live);
  WriteSet ws(e);
  ws.Overwrite(ks, offset, bytes);
  ASSERT_TRUE(e.Commit(ws).ok());
}

// The bytes of the WAL batches written after sequence `from`.
size_t WalBytesSince(const Engine& e, uint64_t from) {
  auto r = e.ReadUpdatesSince(from + 1, 64 << 20);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  size_t bytes = 0;
  if (r.ok()) {
    for (const auto& b : *r) bytes += b.data.size();
  }
  return bytes;
}

class AppendMergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = OpenEngine(dir_.path(), clock_);
    ASSERT_TRUE(engine_);
  }
  void Reopen() {
    engine_.reset();
    engine_ = OpenEngine(dir_.path(), clock_);
    ASSERT_TRUE(engine_);
  }
  KeyState Read(uint8_t db, std::string_view key) {
    KeyState ks;
    EXPECT_TRUE(engine_->Read(db, key, &ks).ok());
    return ks;
  }

  FakeClock clock_;
  TempDir dir_{"cairn-append"};
  std::unique_ptr<Engine> engine_;
};

TEST_F(AppendMergeTest, AnAppendToALongValueWritesTheAppendedBytesOnly) {
  Put(*engine_, 0, "log", kLong);
  Append(*engine_, 0, "log", "a");  // makes the value raw: a whole row
  const uint64_t before = engine_->LatestSequence();
  std::string expect = kLong + "a";
  for (int i = 0; i < 10; ++i) {
    Append(*engine_, 0, "log", "0123456789");
    expect += "0123456789";
  }
  // Ten rewrites would have written over 200 KB.
  EXPECT_LT(WalBytesSince(*engine_, before), 2048u);
  EXPECT_EQ(Value(*engine_, 0, "log"), expect);
}

TEST_F(AppendMergeTest, AnOverwriteOfALongValueWritesTheChangedBytesOnly) {
  Put(*engine_, 0, "bits", kLong);
  Overwrite(*engine_, 0, "bits", 0, "r");  // makes the value raw: a whole row
  const uint64_t before = engine_->LatestSequence();
  std::string expect = "r" + kLong.substr(1);
  for (uint64_t at : {5u, 17000u, 20479u, 20485u, 30000u}) {
    Overwrite(*engine_, 0, "bits", at, "XY");
    if (expect.size() < at + 2) expect.resize(at + 2, '\0');
    expect.replace(at, 2, "XY");
  }
  EXPECT_LT(WalBytesSince(*engine_, before), 2048u);
  EXPECT_EQ(Value(*engine_, 0, "bits"), expect);
  Append(*engine_, 0, "bits", "tail");
  expect += "tail";
  ASSERT_TRUE(engine_->Flush().ok());
  Reopen();
  EXPECT_EQ(Value(*engine_, 0, "bits"), expect);
}

TEST_F(AppendMergeTest, AReadMergesABoundedNumberOfOperands) {
  Put(*engine_, 0, "log", kLong);
  std::string expect = kLong;
  for (int i = 0; i < 1000; ++i) {
    Append(*engine_, 0, "log", "+");
    expect += "+";
  }
  // Every 64th operand, the memtable took the merged row instead.
  const int n = engine_->MetaMergeOperandsForTest(0, "log");
  EXPECT_GE(n, 1);
  EXPECT_LE(n, 65);
  EXPECT_EQ(Value(*engine_, 0, "log"), expect);
}

TEST_F(AppendMergeTest, AppendedValuesReadBackFromMemtablesFilesAndAfterReopen) {
  const int64_t deadline = clock_.NowMs() + 100000;
  Put(*engine_, 2, "log", kLong, deadline);
  std::string expect = kLong;
  for (int i = 0; i < 300; ++i) {
    const std::string piece = "<" + std::to_string(i) + ">";
    Append(*engine_, 2, "log", piece);
    expect += piece;
    if (i == 100) {
      ASSERT_TRUE(engine_->Flush().ok());  // the base in a file, operands after it
    }
  }
  auto check = [&] {
    KeyState ks = Read(2, "log");
    ASSERT_TRUE(ks.live);
    EXPECT_EQ(ks.payload, expect);
    EXPECT_EQ(ks.expire_ms, deadline);  // APPEND keeps the TTL
    EXPECT_EQ(ks.form, StringForm::kRaw);
    EXPECT_EQ(engine_->KeyCount(2), 1);
    EXPECT_EQ(engine_->ExpireCount(2), 1);
  };
  check();
  ASSERT_TRUE(engine_->Flush().ok());
  check();
  Reopen();
  check();
  // Replaced and deleted as any string.
  Put(*engine_, 2, "log", "short");
  EXPECT_EQ(Value(*engine_, 2, "log"), "short");
  test_ops::Del(*engine_, 2, "log");
  EXPECT_EQ(Value(*engine_, 2, "log"), "<none>");
  Reopen();
  EXPECT_EQ(Value(*engine_, 2, "log"), "<none>");
  EXPECT_EQ(engine_->KeyCount(2), 0);
}

TEST_F(AppendMergeTest, APipelineReadsItsOwnAppendsBeforeItsBatchIsWritten) {
  Put(*engine_, 0, "log", kLong);
  Append(*engine_, 0, "log", "!");
  std::string expect = kLong + "!";
  engine_->BeginPipeline();
  for (int i = 0; i < 20; ++i) {
    engine_->PipelineCommand();
    const std::string piece = std::to_string(i);
    Append(*engine_, 0, "log", piece);
    expect += piece;
    if (i % 3 == 0) {
      Overwrite(*engine_, 0, "log", 7 * i, "#");
      expect[7 * i] = '#';
    }
    KeyState ks;
    ASSERT_TRUE(engine_->Lookup(0, "log", &ks).ok());
    ASSERT_EQ(ks.payload, expect) << "after append " << i;
    if (i == 10) {  // a whole row in between, then appends again
      Put(*engine_, 0, "log", expect + "=");
      expect += "=";
    }
  }
  uint64_t seq = 0;
  int lost_from = -1;
  ASSERT_TRUE(engine_->EndPipeline(&seq, &lost_from).ok());
  EXPECT_EQ(Value(*engine_, 0, "log"), expect);
  Reopen();
  EXPECT_EQ(Value(*engine_, 0, "log"), expect);
}

TEST_F(AppendMergeTest, ATransactionAppendsWholeRowsAndReadsThem) {
  Put(*engine_, 0, "log", kLong);
  Append(*engine_, 0, "log", "!");
  engine_->BeginBatch();
  Append(*engine_, 0, "log", "one");
  Append(*engine_, 0, "log", "two");
  KeyState ks;
  ASSERT_TRUE(engine_->Lookup(0, "log", &ks).ok());
  EXPECT_EQ(ks.payload, kLong + "!onetwo");
  ASSERT_TRUE(engine_->CommitBatch().ok());
  EXPECT_EQ(Value(*engine_, 0, "log"), kLong + "!onetwo");
}

// A source and a target: a master and its replica, or a slot migration's
// two ends.
class AppendMergeTwoEngines : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = OpenEngine(a_dir_.path(), clock_);
    b_ = OpenEngine(b_dir_.path(), clock_);
    ASSERT_TRUE(a_ && b_);
  }
  FakeClock clock_;
  TempDir a_dir_{"cairn-append-a"};
  TempDir b_dir_{"cairn-append-b"};
  std::unique_ptr<Engine> a_;
  std::unique_ptr<Engine> b_;
};

TEST_F(AppendMergeTwoEngines, AReplicaAppliesTheOperandsToTheSameValue) {
  Engine& master = *a_;
  Engine& replica = *b_;
  replica.SetReplica(true);
  Put(master, 0, "log", kLong);
  std::string expect = kLong;
  for (int i = 0; i < 50; ++i) {
    Append(master, 0, "log", std::to_string(i));
    expect += std::to_string(i);
    Overwrite(master, 0, "log", 3 * i, "^");
    expect[3 * i] = '^';
  }
  auto r = master.ReadUpdatesSince(1, 64 << 20);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const auto& b : *r) ASSERT_TRUE(replica.ApplyReplicated(b).ok());
  EXPECT_EQ(Value(replica, 0, "log"), expect);
  EXPECT_EQ(replica.KeyCount(0), 1);
}

TEST_F(AppendMergeTwoEngines, ChangesAfterASlotExportReachTheTargetAsOperands) {
  Engine& source = *a_;
  Engine& target = *b_;
  const std::string key = "log";
  const uint16_t slot = KeyHashSlot(key);
  const std::vector<SlotRange> ranges = {{slot, slot}};
  Put(source, kDb0, key, kLong);
  Append(source, kDb0, key, "!");
  Engine::SlotExport exp(source, ranges);
  for (bool done = false; !done;) {
    std::string chunk;
    ASSERT_TRUE(exp.Next(1 << 20, &chunk, &done).ok());
    ASSERT_TRUE(target.ImportSlotRows(chunk, ranges).ok());
  }
  std::string expect = kLong + "!";
  for (int i = 0; i < 5; ++i) {
    Append(source, kDb0, key, std::to_string(i));
    expect += std::to_string(i);
    Overwrite(source, kDb0, key, 100 * i, "@");
    expect[100 * i] = '@';
  }
  auto r = source.ReadUpdatesSince(exp.sequence() + 1, 64 << 20);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  int merges = 0;
  for (const auto& batch : *r) {
    std::string chunk;
    ASSERT_TRUE(source.FilterSlotChanges(batch, ranges, &chunk).ok());
    size_t pos = 0;
    SlotChunkRecord rec;
    while (ReadSlotChunkRecord(chunk, &pos, &rec)) merges += rec.op == SlotChunkOp::kMetaMerge;
    ASSERT_TRUE(target.ImportSlotChanges(chunk, ranges).ok());
  }
  EXPECT_EQ(merges, 10);
  EXPECT_EQ(Value(target, kDb0, key), expect);
  // A merge record that is not an append is refused, and changes nothing.
  std::string bad;
  AppendSlotChunkRecord(&bad, SlotChunkOp::kMetaMerge, EncodeMetaKey(kDb0, slot, key), "z");
  EXPECT_FALSE(target.ImportSlotChanges(bad, ranges).ok());
  EXPECT_EQ(Value(target, kDb0, key), expect);
}

}  // namespace
}  // namespace cairn::storage
