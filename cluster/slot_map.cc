#include "cluster/slot_map.h"

#include "common/crc16.h"

namespace cairn::cluster {

uint16_t SlotOf(std::string_view key) { return KeyHashSlot(key); }

}  // namespace cairn::cluster
