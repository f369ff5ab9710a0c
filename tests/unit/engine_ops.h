// One-key writes and reads on a storage::Engine, done the way a command
// does them (the key's lock, Lookup, a WriteSet, Commit), for the engine's
// unit tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "storage/engine.h"

namespace cairn::storage::test_ops {

// An engine on `dir` with the default options; null (and a failed
// expectation) if it does not open.
inline std::unique_ptr<Engine> OpenEngine(const std::string& dir, const Clock& clock) {
  EngineOptions o;
  o.dir = dir;
  auto r = Engine::Open(o, clock);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(*r) : nullptr;
}

inline void Put(Engine& e, uint8_t db, std::string_view key, std::string_view value,
                int64_t expire_ms = 0) {
  KeyLockGuard g(e.locks(), db, key);
  KeyState ks;
  ASSERT_TRUE(e.Lookup(db, key, &ks).ok());
  WriteSet ws(e);
  ws.PutString(ks, value, expire_ms);
  ASSERT_TRUE(e.Commit(ws).ok());
}

inline void Del(Engine& e, uint8_t db, std::string_view key) {
  KeyLockGuard g(e.locks(), db, key);
  KeyState ks;
  ASSERT_TRUE(e.Lookup(db, key, &ks).ok());
  WriteSet ws(e);
  ws.Delete(ks);
  ASSERT_TRUE(e.Commit(ws).ok());
}

// Changes only the deadline of a stored key (0 = none).
inline void Expire(Engine& e, uint8_t db, std::string_view key, int64_t expire_ms) {
  KeyLockGuard g(e.locks(), db, key);
  KeyState ks;
  ASSERT_TRUE(e.Lookup(db, key, &ks).ok());
  WriteSet ws(e);
  ws.SetExpire(ks, expire_ms);
  ASSERT_TRUE(e.Commit(ws).ok());
}

// The value a read-only command would see, or "<none>".
inline std::string Value(Engine& e, uint8_t db, std::string_view key) {
  KeyState ks;
  EXPECT_TRUE(e.Read(db, key, &ks).ok());
  return ks.live ? ks.payload : "<none>";
}

}  // namespace cairn::storage::test_ops
