// Keyspace notifications, as the storage layer sees them: the classes of
// event (the bits of Redis's notify-keyspace-events, same values), one
// event, and the sink committed events go to. The engine records only the
// classes someone asked for, so a server without notifications pays one
// relaxed load per write.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace cairn::storage {

enum KeyEventClass : uint32_t {
  kEventKeyspace = 1u << 0,  // K: __keyspace@<db>__:<key> channels
  kEventKeyevent = 1u << 1,  // E: __keyevent@<db>__:<event> channels
  kEventGeneric = 1u << 2,   // g: DEL, EXPIRE, RENAME...
  kEventString = 1u << 3,    // $
  kEventList = 1u << 4,      // l
  kEventSet = 1u << 5,       // s
  kEventHash = 1u << 6,      // h
  kEventZset = 1u << 7,      // z
  kEventExpired = 1u << 8,   // x: a key expired (lazily or by the active cycle)
  kEventEvicted = 1u << 9,   // e
  kEventStream = 1u << 10,   // t
  kEventKeyMiss = 1u << 11,  // m: a read found no key
  kEventModule = 1u << 13,   // d
  kEventNew = 1u << 14,      // n: a key was created
  // Not a keyspace event: a PUBLISH run inside a transaction, held with the
  // transaction's events until its batch is written (Engine::DeferPublish).
  kEventMessage = 1u << 31,
};

// One event: `name` is Redis's event name ("set", "expired"...), a literal.
// A kEventMessage is a PUBLISH of `payload` on the channel `key`.
struct KeyEvent {
  uint32_t cls = 0;
  const char* name = "";
  uint8_t db = 0;
  std::string key;
  std::string payload;
};

// Receives committed events in command order, with the classes asked for
// at the time (so it knows whether K, E or both are on; 0 if neither, when
// only messages are published).
using KeyEventSink = std::function<void(uint32_t classes, std::span<const KeyEvent> events)>;

}  // namespace cairn::storage
