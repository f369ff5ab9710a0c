// PendingIndex on its own: the pipeline batch's hash index of meta rows
// (the engine reading through it: pipeline_batch_test.cc).
#include "storage/pending_index.h"

#include <gtest/gtest.h>

#include <string>

#include "storage/encoding.h"
#include "storage/key_cache.h"

namespace cairn::storage {
namespace {

using Found = PendingIndex::Found;
using Ref = PendingIndex::ValueRef;

Found FindIn(const PendingIndex& index, const std::string& key, Ref* ref) {
  return index.Find(key, KeyCache::Hash(key), ref);
}

TEST(PendingIndex, NewestWriteOfAKeyWins) {
  PendingIndex index;
  Ref ref;
  EXPECT_EQ(FindIn(index, "k", &ref), Found::kAbsent);
  index.Put("k", KeyCache::Hash("k"), {10, 3});
  ASSERT_EQ(FindIn(index, "k", &ref), Found::kPut);
  EXPECT_EQ(ref.offset, 10u);
  EXPECT_EQ(ref.size, 3u);
  index.Put("k", KeyCache::Hash("k"), {40, 7});
  ASSERT_EQ(FindIn(index, "k", &ref), Found::kPut);
  EXPECT_EQ(ref.offset, 40u);
  EXPECT_EQ(ref.size, 7u);
  index.Delete("k", KeyCache::Hash("k"));
  EXPECT_EQ(FindIn(index, "k", &ref), Found::kDeleted);
  index.Put("k", KeyCache::Hash("k"), {90, 1});
  ASSERT_EQ(FindIn(index, "k", &ref), Found::kPut);
  EXPECT_EQ(ref.offset, 90u);
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(FindIn(index, "other", &ref), Found::kAbsent);
}

TEST(PendingIndex, KeepsTheRowsItOwnsUntilTheBatchIsCleared) {
  PendingIndex index;
  const std::string rep = "....batch....";
  const uint64_t h = KeyCache::Hash("k");
  auto row = [](std::string_view value) {
    std::string r;
    EncodeMetaValue(&r, ValueType::kString, 0, value, StringForm::kRaw);
    return r;
  };
  Ref ref;
  EXPECT_FALSE(index.MergeOwned("k", h, EncodeAppendOperand("x")));  // nothing kept yet
  index.PutOwned("k", h, row("row"));
  EXPECT_TRUE(index.MergeOwned("k", h, EncodeAppendOperand("+1")));
  EXPECT_TRUE(index.MergeOwned("k", h, EncodeOverwriteOperand(0, "R")));
  ASSERT_EQ(FindIn(index, "k", &ref), Found::kPut);
  EXPECT_EQ(index.Value(ref, rep), row("Row+1"));
  EXPECT_FALSE(index.MergeOwned("k", h, "?"));  // not an operand
  index.PutOwned("k", h, row("again"));         // replaces the kept row
  ASSERT_EQ(FindIn(index, "k", &ref), Found::kPut);
  EXPECT_EQ(index.Value(ref, rep), row("again"));
  // A row in the batch wins over the kept one, and is not merged into.
  index.Put("k", h, {4, 5});
  EXPECT_FALSE(index.MergeOwned("k", h, EncodeAppendOperand("x")));
  ASSERT_EQ(FindIn(index, "k", &ref), Found::kPut);
  EXPECT_EQ(index.Value(ref, rep), "batch");
  index.Clear();
  EXPECT_EQ(FindIn(index, "k", &ref), Found::kAbsent);
  EXPECT_FALSE(index.MergeOwned("k", h, EncodeAppendOperand("x")));
}

TEST(PendingIndex, KeysOfOneHashAreToldApartByTheirBytes) {
  PendingIndex index;
  // Every key under the same hash: all land in one probe chain.
  for (int i = 0; i < 100; ++i) {
    index.Put("key" + std::to_string(i), 7, {static_cast<uint64_t>(i), 1});
  }
  for (int i = 0; i < 100; ++i) {
    Ref ref;
    ASSERT_EQ(index.Find("key" + std::to_string(i), 7, &ref), Found::kPut) << i;
    EXPECT_EQ(ref.offset, static_cast<uint64_t>(i));
  }
  Ref ref;
  EXPECT_EQ(index.Find("key100", 7, &ref), Found::kAbsent);
  // A key differing only in length from a stored one.
  EXPECT_EQ(index.Find("key1x", 7, &ref), Found::kAbsent);
}

TEST(PendingIndex, GrowsAndClearsForTheNextBatch) {
  PendingIndex index;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5000; ++i) {
      const std::string k = "r" + std::to_string(round) + ":" + std::to_string(i);
      if (i % 3 == 0) {
        index.Delete(k, KeyCache::Hash(k));
      } else {
        index.Put(k, KeyCache::Hash(k), {static_cast<uint64_t>(i), 2});
      }
    }
    EXPECT_EQ(index.size(), 5000u);
    for (int i = 0; i < 5000; ++i) {
      const std::string k = "r" + std::to_string(round) + ":" + std::to_string(i);
      Ref ref;
      const Found f = FindIn(index, k, &ref);
      if (i % 3 == 0) {
        EXPECT_EQ(f, Found::kDeleted) << k;
      } else {
        ASSERT_EQ(f, Found::kPut) << k;
        EXPECT_EQ(ref.offset, static_cast<uint64_t>(i));
      }
    }
    index.Clear();
    EXPECT_TRUE(index.empty());
    Ref ref;
    EXPECT_EQ(FindIn(index, "r" + std::to_string(round) + ":1", &ref), Found::kAbsent);
  }
}

// One huge batch (a bulk load through a pipe) grows the table; a round of
// small batches after it shrinks it back, and every batch reads right.
TEST(PendingIndex, ShrinksAfterARoundOfSmallBatches) {
  PendingIndex index;
  Ref ref;
  for (int i = 0; i < 10000; ++i) {
    const std::string k = "big" + std::to_string(i);
    index.Put(k, KeyCache::Hash(k), {static_cast<uint64_t>(i), 1});
  }
  const size_t grown = index.capacity();
  EXPECT_GE(grown, 20000u);
  index.Clear();
  for (int batch = 0; batch < 200; ++batch) {
    for (int i = 0; i < 3; ++i) {
      const std::string k = "small" + std::to_string(batch) + ":" + std::to_string(i);
      index.Put(k, KeyCache::Hash(k), {static_cast<uint64_t>(batch), static_cast<uint64_t>(i)});
    }
    for (int i = 0; i < 3; ++i) {
      const std::string k = "small" + std::to_string(batch) + ":" + std::to_string(i);
      ASSERT_EQ(FindIn(index, k, &ref), Found::kPut) << batch;
      EXPECT_EQ(ref.offset, static_cast<uint64_t>(batch));
      EXPECT_EQ(ref.size, static_cast<uint64_t>(i));
    }
    EXPECT_EQ(FindIn(index, "big7", &ref), Found::kAbsent);
    index.Clear();
  }
  EXPECT_LE(index.capacity(), 64u);
  // A big batch again grows it again.
  for (int i = 0; i < 1000; ++i) {
    const std::string k = "again" + std::to_string(i);
    index.Put(k, KeyCache::Hash(k), {static_cast<uint64_t>(i), 2});
  }
  for (int i = 0; i < 1000; i += 97) {
    ASSERT_EQ(FindIn(index, "again" + std::to_string(i), &ref), Found::kPut);
    EXPECT_EQ(ref.offset, static_cast<uint64_t>(i));
  }
  EXPECT_GE(index.capacity(), 2000u);
}

}  // namespace

}  // namespace cairn::storage
