// Keyspace notifications below the commands: the events a WriteSet records
// on its own ("new", "expired"), what the classes let through, lazy and
// active expiry, and the option's text (server/notify.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/clock.h"
#include "server/notify.h"
#include "storage/engine.h"
#include "tests/unit/engine_ops.h"
#include "tests/unit/temp_dir.h"

namespace cairn::storage {
namespace {

using cairn::testing::TempDir;

constexpr uint32_t kAll = kEventKeyspace | kEventKeyevent | kEventGeneric | kEventString |
                          kEventExpired | kEventNew | kEventKeyMiss;

class KeyEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = test_ops::OpenEngine(dir_.path(), clock_);
    ASSERT_NE(engine_, nullptr);
    engine_->SetKeyEventSink([this](uint32_t classes, std::span<const KeyEvent> events) {
      ++batches_;
      last_classes_ = classes;
      for (const KeyEvent& e : events) seen_.push_back(std::string(e.name) + " " + e.key);
    });
    engine_->SetKeyEventClasses(kAll);
  }
  // A command's write: the lookup, a put with `notify` as its own event.
  void Set(std::string_view key, int64_t expire_ms = 0) {
    KeyLockGuard g(engine_->locks(), 0, key);
    KeyState ks;
    ASSERT_TRUE(engine_->Lookup(0, key, &ks).ok());
    WriteSet ws(*engine_);
    ws.PutString(ks, "v", expire_ms);
    ws.Notify(kEventString, "set", ks);
    ASSERT_TRUE(engine_->Commit(ws).ok());
  }

  TempDir dir_;
  FakeClock clock_{1'000'000};
  std::unique_ptr<Engine> engine_;
  std::vector<std::string> seen_;
  int batches_ = 0;
  uint32_t last_classes_ = 0;
};

TEST_F(KeyEventsTest, APutOfANewKeyIsNewThenTheCommandsEvent) {
  Set("a");
  Set("a");
  EXPECT_EQ(seen_, (std::vector<std::string>{"new a", "set a", "set a"}));
  EXPECT_EQ(batches_, 2);  // one hand-over per commit
  EXPECT_EQ(last_classes_, kAll);
}

TEST_F(KeyEventsTest, AnExpiredRowPutOverOrDeletedIsExpiredFirst) {
  Set("a", clock_.NowMs() + 10);
  Set("b", clock_.NowMs() + 10);
  clock_.Advance(20);
  seen_.clear();
  Set("a");  // over the expired row: expired, then a new key
  test_ops::Del(*engine_, 0, "b");
  EXPECT_EQ(seen_, (std::vector<std::string>{"expired a", "new a", "set a", "expired b"}));
}

TEST_F(KeyEventsTest, LazyAndActiveExpiryPublishExpired) {
  Set("lazy", clock_.NowMs() + 10);
  Set("active", clock_.NowMs() + 10);
  clock_.Advance(20);
  seen_.clear();
  EXPECT_EQ(test_ops::Value(*engine_, 0, "lazy"), "<none>");
  EXPECT_EQ(seen_, (std::vector<std::string>{"expired lazy"}));
  auto deleted = engine_->ExpireCycle(100);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(seen_, (std::vector<std::string>{"expired lazy", "expired active"}));
}

TEST_F(KeyEventsTest, OnlyTheClassesAskedForAreRecorded) {
  engine_->SetKeyEventClasses(kEventKeyevent | kEventString);
  Set("a");
  EXPECT_EQ(seen_, (std::vector<std::string>{"set a"}));
  // Without K or E nothing is published, whatever the classes.
  engine_->SetKeyEventClasses(kEventString | kEventNew);
  EXPECT_FALSE(engine_->WantsKeyEvent(kEventString));
  Set("b");
  EXPECT_EQ(seen_, (std::vector<std::string>{"set a"}));
  EXPECT_EQ(batches_, 1);
}

TEST_F(KeyEventsTest, ATransactionsEventsComeOnceWrittenInCommandOrder) {
  engine_->BeginBatch();
  Set("t1");
  const KeyEvent miss{kEventKeyMiss, "keymiss", 0, "gone"};
  engine_->PublishKeyEvents({&miss, 1});  // a read's miss between the writes
  Set("t2");
  EXPECT_TRUE(seen_.empty());  // nobody may read the keys yet
  ASSERT_TRUE(engine_->CommitBatch().ok());
  EXPECT_EQ(seen_,
            (std::vector<std::string>{"new t1", "set t1", "keymiss gone", "new t2", "set t2"}));
  EXPECT_EQ(batches_, 1);
}

TEST_F(KeyEventsTest, APublishInATransactionWaitsForItsWrites) {
  engine_->BeginBatch();
  EXPECT_FALSE(engine_->DeferPublish("jobs", "early"));  // nothing to wait for
  Set("job");
  EXPECT_TRUE(engine_->DeferPublish("jobs", "1"));
  Set("next");
  EXPECT_TRUE(seen_.empty());
  ASSERT_TRUE(engine_->CommitBatch().ok());
  // The sink gets the message in command order ("key" holds its channel).
  EXPECT_EQ(seen_,
            (std::vector<std::string>{"new job", "set job", " jobs", "new next", "set next"}));
  EXPECT_FALSE(engine_->DeferPublish("jobs", "later"));  // no batch
}

TEST_F(KeyEventsTest, APipelinesEventsArePublishedWhenItsBatchIsWritten) {
  engine_->BeginPipeline();
  engine_->PipelineCommand();
  Set("p1");
  engine_->PipelineCommand();
  Set("p2");
  EXPECT_TRUE(seen_.empty());
  uint64_t seq = 0;
  int lost_from = 0;
  ASSERT_TRUE(engine_->EndPipeline(&seq, &lost_from).ok());
  EXPECT_EQ(lost_from, -1);
  EXPECT_EQ(seen_, (std::vector<std::string>{"new p1", "set p1", "new p2", "set p2"}));
  // Outside a batch, at once.
  Set("p3");
  EXPECT_EQ(seen_.back(), "set p3");
}

TEST(KeyspaceEventsText, ParsesAndFormatsAsRedis) {
  auto parse = [](std::string_view s) { return ParseKeyspaceEvents(s); };
  EXPECT_EQ(parse(""), 0u);
  EXPECT_FALSE(parse("Q").has_value());
  EXPECT_FALSE(parse("kea").has_value());
  EXPECT_EQ(parse(std::string_view("K\0Q", 3)), uint32_t{kEventKeyspace});  // a C string
  EXPECT_EQ(FormatKeyspaceEvents(*parse("KEA")), "AKE");
  EXPECT_EQ(FormatKeyspaceEvents(*parse("AKEmn")), "AKEm");  // Redis 7.0 hides n under A
  EXPECT_EQ(FormatKeyspaceEvents(*parse("nm")), "nm");
  EXPECT_EQ(FormatKeyspaceEvents(*parse("g$lshzxetd")), "A");
  EXPECT_EQ(FormatKeyspaceEvents(*parse("KEg$lshzxet")), "g$lshzxetKE");
  EXPECT_EQ(FormatKeyspaceEvents(*parse("KEdn")), "dnKE");
  EXPECT_EQ(*parse("A") & kEventKeyMiss, 0u);
  EXPECT_EQ(*parse("A") & kEventNew, 0u);
}

}  // namespace
}  // namespace cairn::storage
