// The owner of each of the 16384 hash slots. Standalone mode owns them all;
// cluster mode (later) fills this from gossip.
#pragma once

#include <cstdint>
#include <string_view>

namespace cairn::cluster {

// Returns the slot of a key, as Redis Cluster computes it.
uint16_t SlotOf(std::string_view key);

}  // namespace cairn::cluster
