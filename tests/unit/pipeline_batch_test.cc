// Engine pipelines and KeyLocks retaining: a pipeline's writes stay invisible
// to other threads and its keys stay locked until EndPipeline; a busy lock
// makes the pipeline write its batch and let go of what it kept before
// blocking (so two pipelines cannot deadlock); nested guards keep a kept
// stripe across such a flush; the pipeline reads its own writes of every
// kind.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "common/clock.h"
#include "storage/engine.h"
#include "tests/unit/engine_ops.h"
#include "tests/unit/temp_dir.h"

namespace cairn::storage {
namespace {

using cairn::testing::TempDir;

class PipelineBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineOptions o;
    o.dir = dir_.path();
    auto r = Engine::Open(o, clock_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    engine_ = std::move(*r);
  }
  void Put(std::string_view key, std::string_view value) { test_ops::Put(*engine_, 0, key, value); }
  // What another thread reads (no pipeline there).
  std::string ReadElsewhere(std::string_view key) {
    std::string out;
    std::thread t([&] { out = test_ops::Value(*engine_, 0, key); });
    t.join();
    return out;
  }
  KeyState Look(std::string_view key) {
    KeyState ks;
    EXPECT_TRUE(engine_->Lookup(0, key, &ks).ok());
    return ks;
  }
  void Del(std::string_view key) { test_ops::Del(*engine_, 0, key); }
  void Expire(std::string_view key, int64_t expire_ms) {
    test_ops::Expire(*engine_, 0, key, expire_ms);
  }
  void End() {
    uint64_t seq = 0;
    int lost = -1;
    ASSERT_TRUE(engine_->EndPipeline(&seq, &lost).ok());
    EXPECT_EQ(lost, -1);
  }
  bool StripeFreeElsewhere(std::string_view key) {
    bool free = false;
    std::thread t([&] {
      std::mutex& m = engine_->locks().Stripe(engine_->locks().StripeOf(0, key));
      free = m.try_lock();
      if (free) m.unlock();
    });
    t.join();
    return free;
  }

  FakeClock clock_;
  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(PipelineBatchTest, WritesAndLocksAreHeldUntilEndPipeline) {
  engine_->BeginPipeline();
  engine_->PipelineCommand();
  Put("a", "1");
  engine_->PipelineCommand();
  Put("b", "2");
  // This thread reads its own writes; nobody else sees them yet.
  KeyState ks;
  ASSERT_TRUE(engine_->Read(0, "a", &ks).ok());
  EXPECT_EQ(ks.payload, "1");
  EXPECT_EQ(ReadElsewhere("a"), "<none>");
  // The thread's own count includes its pending writes (as DBSIZE inside
  // EXEC must); every other thread's does not.
  EXPECT_EQ(engine_->KeyCount(0), 2);
  int64_t elsewhere = -1;
  std::thread([&] { elsewhere = engine_->KeyCount(0); }).join();
  EXPECT_EQ(elsewhere, 0);
  EXPECT_FALSE(StripeFreeElsewhere("a"));
  EXPECT_FALSE(StripeFreeElsewhere("b"));
  uint64_t seq = 0;
  int lost = -1;
  ASSERT_TRUE(engine_->EndPipeline(&seq, &lost).ok());
  EXPECT_EQ(lost, -1);
  EXPECT_GT(seq, 0u);
  EXPECT_EQ(ReadElsewhere("a"), "1");
  EXPECT_EQ(ReadElsewhere("b"), "2");
  EXPECT_EQ(engine_->KeyCount(0), 2);
  EXPECT_TRUE(StripeFreeElsewhere("a"));
  EXPECT_TRUE(StripeFreeElsewhere("b"));
  EXPECT_FALSE(engine_->InPipeline());
}

// Inside a pipeline, Lookup answers from the batch's index (PendingIndex).
TEST_F(PipelineBatchTest, EveryKindOfWriteIsSeenByTheNextCommand) {
  Put("stored", "before");
  Put("doomed", "x");
  engine_->BeginPipeline();
  Put("stored", "a much longer value than before");
  EXPECT_EQ(Look("stored").payload, "a much longer value than before");
  Put("stored", "s");
  EXPECT_EQ(Look("stored").payload, "s");
  const int64_t deadline = clock_.NowMs() + 60000;
  Expire("stored", deadline);
  KeyState ks = Look("stored");
  EXPECT_TRUE(ks.live);
  EXPECT_EQ(ks.payload, "s");
  EXPECT_EQ(ks.expire_ms, deadline);
  Del("doomed");
  EXPECT_FALSE(Look("doomed").stored);
  Put("doomed", "back");
  EXPECT_EQ(Look("doomed").payload, "back");
  Put("new", "n");
  Del("new");
  EXPECT_FALSE(Look("new").stored);
  // Many keys: the index grows within one batch.
  for (int i = 0; i < 3000; ++i) Put("k" + std::to_string(i), std::to_string(i * 7));
  for (int i = 0; i < 3000; ++i) {
    ASSERT_EQ(Look("k" + std::to_string(i)).payload, std::to_string(i * 7)) << i;
  }
  EXPECT_EQ(engine_->KeyCount(0), 2 + 3000);
  End();
  // Written: the same state without the batch, and the next pipeline's
  // index starts empty (a key deleted there now reads from the database).
  ks = Look("stored");
  EXPECT_EQ(ks.payload, "s");
  EXPECT_EQ(ks.expire_ms, deadline);
  EXPECT_EQ(Look("doomed").payload, "back");
  EXPECT_FALSE(Look("new").stored);
  EXPECT_EQ(Look("k2999").payload, std::to_string(2999 * 7));
  EXPECT_EQ(engine_->ExpireCount(0), 1);
  engine_->BeginPipeline();
  EXPECT_EQ(Look("doomed").payload, "back");
  Del("doomed");
  End();
  EXPECT_FALSE(Look("doomed").stored);
  EXPECT_EQ(engine_->KeyCount(0), 1 + 3000);
}

TEST_F(PipelineBatchTest, BusyLockWritesTheBatchAndReleasesBeforeBlocking) {
  // Another thread holds "x" until told to go.
  std::atomic<bool> holding{false};
  std::atomic<bool> release{false};
  std::thread holder([&] {
    KeyLockGuard g(engine_->locks(), 0, "x");
    holding = true;
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  while (!holding) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  engine_->BeginPipeline();
  engine_->PipelineCommand();
  Put("a", "1");
  ASSERT_FALSE(StripeFreeElsewhere("a"));
  // Let the holder go only once the pipeline has had to flush: "a" becomes
  // readable elsewhere and its stripe free while we wait for "x".
  std::thread watcher([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      KeyState ks;
      if (engine_->Read(0, "a", &ks).ok() && ks.live) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    release = true;
  });
  engine_->PipelineCommand();
  Put("x", "2");  // blocks on the holder after flushing "a"
  watcher.join();
  holder.join();
  EXPECT_EQ(ReadElsewhere("a"), "1");
  EXPECT_EQ(ReadElsewhere("x"), "<none>");
  uint64_t seq = 0;
  int lost = -1;
  ASSERT_TRUE(engine_->EndPipeline(&seq, &lost).ok());
  EXPECT_EQ(ReadElsewhere("x"), "2");
  EXPECT_EQ(engine_->KeyCount(0), 2);
}

TEST_F(PipelineBatchTest, NestedGuardKeepsAnAdoptedStripeAcrossAFlush) {
  std::atomic<bool> holding{false};
  std::atomic<bool> release{false};
  std::thread holder([&] {
    KeyLockGuard g(engine_->locks(), 0, "busy");
    holding = true;
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  while (!holding) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  engine_->BeginPipeline();
  Put("k", "1");  // "k"'s stripe is now kept
  {
    KeyLockGuard outer(engine_->locks(), 0, "k");  // adopts the kept stripe
    std::thread releaser([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      release = true;
    });
    KeyLockGuard inner(engine_->locks(), 0, "busy");  // flushes, then blocks
    releaser.join();
    // The flush released kept stripes only, not the one `outer` owns.
    EXPECT_FALSE(StripeFreeElsewhere("k"));
  }
  holder.join();
  uint64_t seq = 0;
  int lost = -1;
  ASSERT_TRUE(engine_->EndPipeline(&seq, &lost).ok());
  EXPECT_TRUE(StripeFreeElsewhere("k"));
  EXPECT_TRUE(StripeFreeElsewhere("busy"));
}

}  // namespace
}  // namespace cairn::storage
