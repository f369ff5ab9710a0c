#include "server/notify.h"

#include "server/pubsub.h"

namespace cairn {

using namespace storage;

namespace {

// The classes "A" stands for.
constexpr uint32_t kAllClasses = kEventGeneric | kEventString | kEventList | kEventSet |
                                 kEventHash | kEventZset | kEventExpired | kEventEvicted |
                                 kEventStream | kEventModule;

struct ClassChar {
  char c;
  uint32_t cls;
};
// The characters of the classes "A" covers, and n, in the order CONFIG GET
// writes them when not all of them are on.
constexpr ClassChar kClassChars[] = {
    {'g', kEventGeneric}, {'$', kEventString}, {'l', kEventList},    {'s', kEventSet},
    {'h', kEventHash},    {'z', kEventZset},   {'x', kEventExpired}, {'e', kEventEvicted},
    {'t', kEventStream},  {'d', kEventModule}, {'n', kEventNew},
};

}  // namespace

std::optional<uint32_t> ParseKeyspaceEvents(std::string_view text) {
  uint32_t classes = 0;
  for (char c : text) {
    if (c == '\0') break;  // Redis reads the text as a C string
    if (c == 'A') {
      classes |= kAllClasses;
    } else if (c == 'K') {
      classes |= kEventKeyspace;
    } else if (c == 'E') {
      classes |= kEventKeyevent;
    } else if (c == 'm') {
      classes |= kEventKeyMiss;
    } else {
      bool known = false;
      for (const ClassChar& cc : kClassChars) {
        if (cc.c == c) {
          classes |= cc.cls;
          known = true;
        }
      }
      if (!known) return std::nullopt;
    }
  }
  return classes;
}

std::string FormatKeyspaceEvents(uint32_t classes) {
  std::string out;
  if ((classes & kAllClasses) == kAllClasses) {
    out.push_back('A');
  } else {
    for (const ClassChar& cc : kClassChars) {
      if (classes & cc.cls) out.push_back(cc.c);
    }
  }
  if (classes & kEventKeyspace) out.push_back('K');
  if (classes & kEventKeyevent) out.push_back('E');
  if (classes & kEventKeyMiss) out.push_back('m');
  return out;
}

void PublishKeyEvents(PubsubRegistry& pubsub, uint32_t classes, std::span<const KeyEvent> events) {
  std::string channel;
  for (const KeyEvent& e : events) {
    if (e.cls == kEventMessage) {
      pubsub.Publish(e.key, e.payload);
      continue;
    }
    const std::string db = std::to_string(e.db);
    if (classes & kEventKeyspace) {
      channel = "__keyspace@" + db + "__:";
      channel += e.key;
      pubsub.Publish(channel, e.name);
    }
    if (classes & kEventKeyevent) {
      channel = "__keyevent@" + db + "__:";
      channel += e.name;
      pubsub.Publish(channel, e.key);
    }
  }
}

}  // namespace cairn
