// SortByKey on its own: the order it writes a batch in, and the batches it
// leaves alone.
#include "storage/sorted_batch.h"

#include <gtest/gtest.h>
#include <rocksdb/comparator.h>
#include <rocksdb/db.h>

#include <string>
#include <vector>

#include "tests/unit/fake_cf.h"

namespace cairn::storage {
namespace {

// The batch's entries as "op cf key value" lines, in batch order.
class Dump : public rocksdb::WriteBatch::Handler {
 public:
  std::vector<std::string> lines;
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& k, const rocksdb::Slice& v) override {
    return Add("put", cf, k, v);
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& k) override {
    return Add("del", cf, k, {});
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& k) override {
    return Add("sdel", cf, k, {});
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& k, const rocksdb::Slice& v) override {
    return Add("merge", cf, k, v);
  }

 private:
  rocksdb::Status Add(const char* op, uint32_t cf, const rocksdb::Slice& k,
                      const rocksdb::Slice& v) {
    lines.push_back(std::string(op) + " " + std::to_string(cf) + " " + k.ToString() + " " +
                    v.ToString());
    return rocksdb::Status::OK();
  }
};

std::vector<std::string> Lines(const rocksdb::WriteBatch& b) {
  Dump d;
  EXPECT_TRUE(b.Iterate(&d).ok());
  return d.lines;
}

class SortedBatch : public ::testing::Test {
 protected:
  FakeCf cf0_{0}, cf1_{1}, cf3_{3};
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_{&cf0_, &cf1_, nullptr, &cf3_};
};

TEST_F(SortedBatch, OrdersByFamilyThenKeyAndKeepsTheOrderOfEachKey) {
  rocksdb::WriteBatch in;
  ASSERT_TRUE(in.Put(&cf3_, "b", "1").ok());
  ASSERT_TRUE(in.Put(&cf1_, "z", "2").ok());
  ASSERT_TRUE(in.Merge(&cf3_, "a", "+1").ok());
  ASSERT_TRUE(in.Put(&cf1_, "m", "old").ok());
  ASSERT_TRUE(in.Delete(&cf0_, "q").ok());
  ASSERT_TRUE(in.Merge(&cf3_, "a", "+2").ok());
  ASSERT_TRUE(in.Put(&cf1_, "m", "new").ok());
  ASSERT_TRUE(in.SingleDelete(&cf1_, "a").ok());
  ASSERT_TRUE(in.Delete(&cf1_, "m").ok());
  rocksdb::WriteBatch out;
  ASSERT_TRUE(SortByKey(in, cfs_, &out));
  EXPECT_EQ(out.Count(), in.Count());
  EXPECT_EQ(Lines(out), (std::vector<std::string>{
                            "del 0 q ",
                            "sdel 1 a ",
                            "put 1 m old",
                            "put 1 m new",
                            "del 1 m ",
                            "put 1 z 2",
                            "merge 3 a +1",
                            "merge 3 a +2",
                            "put 3 b 1",
                        }));
}

TEST_F(SortedBatch, LeavesBatchesWhosePlacesMatterAlone) {
  rocksdb::WriteBatch out;
  ASSERT_TRUE(out.Put(&cf1_, "stale", "x").ok());
  rocksdb::WriteBatch ranged;
  ASSERT_TRUE(ranged.Put(&cf1_, "k", "v").ok());
  ASSERT_TRUE(ranged.DeleteRange(&cf1_, "a", "z").ok());
  ASSERT_TRUE(ranged.Put(&cf1_, "c", "v").ok());
  EXPECT_FALSE(SortByKey(ranged, cfs_, &out));
  EXPECT_EQ(out.Count(), 0u);

  rocksdb::WriteBatch logged;
  ASSERT_TRUE(logged.Put(&cf1_, "k", "v").ok());
  ASSERT_TRUE(logged.PutLogData("marker").ok());
  EXPECT_FALSE(SortByKey(logged, cfs_, &out));
  EXPECT_EQ(out.Count(), 0u);

  // A family SortByKey has no handle for.
  FakeCf cf2{2};
  rocksdb::WriteBatch unknown;
  ASSERT_TRUE(unknown.Put(&cf2, "k", "v").ok());
  EXPECT_FALSE(SortByKey(unknown, cfs_, &out));
  EXPECT_EQ(out.Count(), 0u);
}

TEST_F(SortedBatch, AnEmptyBatchSortsToAnEmptyBatch) {
  rocksdb::WriteBatch in;
  rocksdb::WriteBatch out;
  EXPECT_TRUE(SortByKey(in, cfs_, &out));
  EXPECT_EQ(out.Count(), 0u);
}

}  // namespace
}  // namespace cairn::storage
