// Keyspace notifications (notify-keyspace-events): the option's text, and
// the publishing of committed key events as Pub/Sub messages.
//
// The engine records events of the classes asked for (storage/key_events.h)
// and hands each command's events to the sink after its write; the sink
// publishes each on __keyspace@<db>__:<key> (the event as payload, with K)
// and then __keyevent@<db>__:<event> (the key as payload, with E), on this
// node only, as Redis does.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "storage/key_events.h"

namespace cairn {

class PubsubRegistry;

// Redis's keyspaceEventsStringToFlags: nullopt on a character that is no
// class.
std::optional<uint32_t> ParseKeyspaceEvents(std::string_view text);
// Redis 7.0's keyspaceEventsFlagsToString, for CONFIG GET: "A" stands for
// all of g$lshzxetd (and then hides n).
std::string FormatKeyspaceEvents(uint32_t classes);
inline constexpr const char* kInvalidKeyspaceEvents =
    "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

// The key event sink of a server: publishes through `pubsub` (the events
// on the channels `classes` names, a held PUBLISH as it was given).
void PublishKeyEvents(PubsubRegistry& pubsub, uint32_t classes,
                      std::span<const storage::KeyEvent> events);

}  // namespace cairn
