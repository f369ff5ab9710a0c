// CRC-64/Jones as Redis computes it (crc64.c): reflected polynomial
// 0xad93d23594c935a9, initial value 0, no final xor. It protects DUMP
// payloads and RDB files; crc64 of "123456789" is 0xe9c6d914c4b8d9ca.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cairn {

// Continues a CRC over more bytes: Crc64(Crc64(0, a), b) == Crc64(0, a + b).
uint64_t Crc64(uint64_t crc, const void* data, size_t len);
inline uint64_t Crc64(uint64_t crc, std::string_view data) {
  return Crc64(crc, data.data(), data.size());
}

}  // namespace cairn
