// PendingIndex on its own: the pipeline batch's hash index of meta rows
// (the engine reading through it: pipeline_batch_test.cc).
#include "storage/pending_index.h"

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace cairn::storage
