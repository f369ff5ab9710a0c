// Micro-benchmarks of what every request pays: RESP parsing, reply building,
// key encoding, and the engine's point reads and writes (one write per
// command, and a pipeline's writes in one batch).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/crc16.h"
#include "server/resp/parser.h"
#include "server/resp/reply.h"
#include "storage/encoding.h"
#include "storage/engine.h"
#include "storage/key_cache.h"

namespace cairn {
namespace {

std::string SetCommand(int i) {
  std::string key = "key:" + std::to_string(100000000000 + i);
  std::string value(100, 'x');
  return "*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$100\r\n" +
         value + "\r\n";
}

void BM_ParseSetPipeline16(benchmark::State& state) {
  std::string buf;
  for (int i = 0; i < 16; ++i) buf += SetCommand(i);
  resp::RequestParser parser;
  for (auto _ : state) {
    size_t start = 0;
    while (start < buf.size()) {
      size_t consumed = 0;
      auto r = parser.Parse(std::string_view(buf).substr(start), &consumed);
      if (r != resp::RequestParser::Result::kCommand) state.SkipWithError("parse failed");
      benchmark::DoNotOptimize(parser.args().data());
      start += consumed;
    }
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_ParseSetPipeline16);

void BM_ParseInline(benchmark::State& state) {
  const std::string buf = "GET key:000000123456\r\n";
  resp::RequestParser parser;
  for (auto _ : state) {
    size_t consumed = 0;
    auto r = parser.Parse(buf, &consumed);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseInline);

void BM_ReplyBulk100(benchmark::State& state) {
  std::string out;
  resp::ReplyBuilder reply(&out);
  const std::string value(100, 'v');
  for (auto _ : state) {
    out.clear();
    for (int i = 0; i < 16; ++i) reply.Bulk(value);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_ReplyBulk100);

void BM_ReplyIntegerAndOk(benchmark::State& state) {
  std::string out;
  resp::ReplyBuilder reply(&out);
  for (auto _ : state) {
    out.clear();
    for (int i = 0; i < 16; ++i) {
      reply.Integer(1234567 + i);
      reply.Ok();
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 32);
}
BENCHMARK(BM_ReplyIntegerAndOk);

void BM_EncodeMetaKey(benchmark::State& state) {
  const std::string key = "key:000000123456";
  for (auto _ : state) {
    std::string k = storage::EncodeMetaKey(0, KeyHashSlot(key), key);
    benchmark::DoNotOptimize(k.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeMetaKey);

void BM_KeyHashSlot(benchmark::State& state) {
  const std::string key = "key:000000123456";
  for (auto _ : state) {
    benchmark::DoNotOptimize(KeyHashSlot(key));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KeyHashSlot);

void BM_EncodeMetaValue(benchmark::State& state) {
  const std::string value(100, 'v');
  std::string out;
  for (auto _ : state) {
    storage::EncodeMetaValue(&out, storage::ValueType::kString, 0, value);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeMetaValue);

// One engine in a temp dir for the engine benchmarks; removed at exit.
class EngineFixture {
 public:
  EngineFixture() {
    char tmpl[] = "/tmp/cairn-micro.XXXXXX";
    dir_ = mkdtemp(tmpl);
    storage::EngineOptions opts;
    opts.dir = dir_;
    auto r = storage::Engine::Open(opts, clock_);
    if (r.ok()) engine_ = std::move(r).value();
  }
  ~EngineFixture() {
    engine_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  storage::Engine* engine() { return engine_.get(); }

 private:
  SystemClock clock_;
  std::string dir_;
  std::unique_ptr<storage::Engine> engine_;
};

EngineFixture& Fixture() {
  static EngineFixture f;
  return f;
}

std::string KeyName(int64_t i) { return "key:" + std::to_string(100000000000 + (i % 100000)); }

// New keys into a full key cache: every insert evicts (the CLOCK sweep).
// Each new entry is read once, so the sweep clears bits before it frees,
// as under a load of reads and writes.
void BM_KeyCachePutEvicting(benchmark::State& state) {
  storage::KeyCache cache(64ull << 20);
  const std::string value(100, 'v');
  auto key = [](uint64_t i) { return "key:" + std::to_string(100000000000 + i); };
  uint64_t next = 0;
  for (; next < 1000000; ++next) cache.Put(key(next), value);  // well past capacity
  for (auto _ : state) {
    cache.Put(key(next), value);
    const std::string hit = key(next);
    cache.Find(hit, storage::KeyCache::Hash(hit), [](std::string_view) {});
    ++next;
  }
}
BENCHMARK(BM_KeyCachePutEvicting);

// Lookups of random keys among 1M cached rows of 100-byte values, a window
// of kPrefetchWindow at a time, each window prefetched first (as the loop
// does for a round of pipelined commands); the value is copied out as GET
// copies it.
void BM_KeyCacheFindPrefetched(benchmark::State& state) {
  constexpr uint64_t kRows = 1000000;
  storage::KeyCache cache(1ull << 30);
  const std::string value(100, 'v');
  auto key = [](uint64_t i) { return "key:" + std::to_string(100000000000 + i); };
  for (uint64_t i = 0; i < kRows; ++i) cache.Put(key(i), value);
  constexpr size_t kWindow = storage::KeyCache::kPrefetchWindow;
  // Random keys, named and hashed ahead: the benchmark times the cache.
  std::vector<std::string> keys;
  std::vector<uint64_t> hashes;
  uint64_t rnd = 88172645463325252ull;
  for (size_t i = 0; i < 64 * kWindow; ++i) {
    rnd ^= rnd << 13;
    rnd ^= rnd >> 7;
    rnd ^= rnd << 17;
    keys.push_back(key(rnd % kRows));
    hashes.push_back(storage::KeyCache::Hash(keys.back()));
  }
  std::string out;
  size_t at = 0;
  for (auto _ : state) {
    cache.Prefetch(std::span<const uint64_t>(hashes.data() + at, kWindow));
    for (size_t i = at; i < at + kWindow; ++i) {
      cache.Find(keys[i], hashes[i], [&](std::string_view v) { out.assign(v); });
    }
    at = (at + kWindow) % keys.size();
  }
  benchmark::DoNotOptimize(out.data());
  state.SetItemsProcessed(state.iterations() * kWindow);
}
BENCHMARK(BM_KeyCacheFindPrefetched);

void BM_EngineSet(benchmark::State& state) {
  storage::Engine& e = *Fixture().engine();
  const std::string value(100, 'v');
  int64_t i = 0;
  for (auto _ : state) {
    std::string key = KeyName(i++);
    storage::KeyLockGuard guard(e.locks(), 0, key);
    storage::KeyState ks;
    if (!e.Lookup(0, key, &ks).ok()) state.SkipWithError("lookup failed");
    storage::WriteSet ws(e);
    ws.PutString(ks, value, 0);
    if (!e.Commit(ws).ok()) state.SkipWithError("commit failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineSet);

// 16 SETs in one pipeline batch (what a -P 16 client sends), keys from
// next_key(); false if a write failed.
template <typename NextKey>
bool SetPipelined(storage::Engine& e, int n, std::string_view value, NextKey&& next_key) {
  bool ok = true;
  e.BeginPipeline();
  for (int j = 0; j < n; ++j) {
    e.PipelineCommand();
    std::string key = next_key();
    storage::KeyLockGuard guard(e.locks(), 0, key);
    storage::KeyState ks;
    ok = ok && e.Lookup(0, key, &ks).ok();
    storage::WriteSet ws(e);
    ws.PutString(ks, value, 0);
    ok = ok && e.Commit(ws).ok();
  }
  uint64_t seq = 0;
  int lost = -1;
  return e.EndPipeline(&seq, &lost).ok() && ok;
}

// The same writes, 16 per pipeline batch.
void BM_EngineSetPipelined16(benchmark::State& state) {
  storage::Engine& e = *Fixture().engine();
  const std::string value(100, 'v');
  int64_t i = 0;
  for (auto _ : state) {
    if (!SetPipelined(e, 16, value, [&] { return KeyName(i++); })) {
      state.SkipWithError("pipeline write failed");
    }
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_EngineSetPipelined16);

void BM_EngineGet(benchmark::State& state) {
  storage::Engine& e = *Fixture().engine();
  {
    const std::string value(100, 'v');
    for (int64_t i = 0; i < 100000; ++i) {
      std::string key = KeyName(i);
      storage::KeyState ks;
      if (!e.Lookup(0, key, &ks).ok()) state.SkipWithError("lookup failed");
      if (ks.stored) continue;
      storage::WriteSet ws(e);
      ws.PutString(ks, value, 0);
      if (!e.Commit(ws).ok()) state.SkipWithError("commit failed");
    }
  }
  int64_t i = 0;
  storage::KeyState ks;
  for (auto _ : state) {
    std::string key = KeyName(i++ * 7919);
    if (!e.Read(0, key, &ks).ok() || !ks.live) state.SkipWithError("read failed");
    benchmark::DoNotOptimize(ks.payload.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineGet);

// A keyspace of 1M keys (redis-benchmark -r 1000000's), filled once, then
// SETs and GETs of random keys in it: the memtable and the key cache at the
// size bench/compare.sh measures.
constexpr int64_t kBigKeyspace = 1000000;

std::string BigKeyName(uint64_t i) {
  return "key:" + std::to_string(100000000000 + i % kBigKeyspace);
}

uint64_t NextRandom(uint64_t* s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

storage::Engine& BigKeyspaceEngine() {
  static EngineFixture f;
  static bool filled = [] {
    const std::string value(100, 'v');
    int64_t next = 0;
    for (int64_t i = 0; i < kBigKeyspace; i += 16) {
      if (!SetPipelined(*f.engine(), 16, value, [&] { return BigKeyName(next++); })) return false;
    }
    return true;
  }();
  (void)filled;
  return *f.engine();
}

// SETs of random keys, state.range(0) per pipeline batch: 16 (one client's
// P16 pipeline) and 256 (a loop batch of 16 such clients, which WriteDb
// writes in key order).
void BM_EngineSetRandom1M(benchmark::State& state) {
  storage::Engine& e = BigKeyspaceEngine();
  const std::string value(100, 'w');
  const int batch = static_cast<int>(state.range(0));
  uint64_t rnd = 88172645463325252ull;
  for (auto _ : state) {
    if (!SetPipelined(e, batch, value, [&] { return BigKeyName(NextRandom(&rnd)); })) {
      state.SkipWithError("pipeline write failed");
    }
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_EngineSetRandom1M)->Arg(16)->Arg(256);

void BM_EngineGetRandom1M(benchmark::State& state) {
  storage::Engine& e = BigKeyspaceEngine();
  uint64_t rnd = 88172645463325252ull;
  storage::KeyState ks;
  for (auto _ : state) {
    std::string key = BigKeyName(NextRandom(&rnd));
    if (!e.Read(0, key, &ks).ok() || !ks.live) state.SkipWithError("read failed");
    benchmark::DoNotOptimize(ks.payload.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineGetRandom1M);

// The absence proof of a new key (INCR or SET of a key not yet written) in
// the 1M-key keyspace, windows of 256 keys: state.range(0) 0 looks each up
// on its own, 1 first hands the window to Engine::Prefetch as a pipeline's
// writes (one MultiGet).
void BM_EngineAbsentRandom1M(benchmark::State& state) {
  storage::Engine& e = BigKeyspaceEngine();
  constexpr int kWindow = 256;
  const bool prefetch = state.range(0) != 0;
  uint64_t next = 0;
  std::vector<std::string> keys(kWindow);
  storage::PrefetchKeys window;
  storage::KeyState ks;
  for (auto _ : state) {
    window.clear();
    for (std::string& k : keys) {
      k = "new:" + std::to_string(next++);
      if (prefetch) e.AddPrefetch(0, k, /*write=*/true, &window);
    }
    if (prefetch) e.Prefetch(window);
    for (const std::string& k : keys) {
      if (!e.Lookup(0, k, &ks).ok() || ks.stored) state.SkipWithError("lookup failed");
    }
  }
  state.SetItemsProcessed(state.iterations() * kWindow);
}
BENCHMARK(BM_EngineAbsentRandom1M)->Arg(0)->Arg(1);

}  // namespace
}  // namespace cairn

BENCHMARK_MAIN();
