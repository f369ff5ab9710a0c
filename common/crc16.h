// CRC16-CCITT (XModem) and the hash slot of a key, exactly as Redis Cluster
// computes them: slot = crc16(key or its first non-empty {hashtag}) % 16384.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cairn {

inline constexpr uint16_t kClusterSlots = 16384;

uint16_t Crc16(const char* buf, size_t len);

// The slot of `key`: if the key holds "{...}" with at least one byte between
// the first '{' and the next '}', only those bytes are hashed.
uint16_t KeyHashSlot(std::string_view key);

}  // namespace cairn
