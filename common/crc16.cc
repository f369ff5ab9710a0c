#include "common/crc16.h"

#include <array>
#include <cstring>

namespace cairn {
namespace {

// kTables[0][b] is the CRC (polynomial 0x1021) of the byte b; kTables[k][b]
// is the CRC of b followed by k zero bytes. Eight tables let Crc16 fold
// eight bytes per step with independent lookups (slicing-by-8) instead of
// one byte at a time, each step waiting for the last: a key's slot is
// computed for every command, twice when it is prefetched.
using Tables = std::array<std::array<uint16_t, 256>, 8>;

constexpr Tables MakeTables() {
  Tables t{};
  for (int i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i << 8);
    for (int b = 0; b < 8; ++b) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
    t[0][i] = crc;
  }
  for (int k = 1; k < 8; ++k) {
    for (int i = 0; i < 256; ++i) {
      const uint16_t prev = t[k - 1][i];
      t[k][i] = static_cast<uint16_t>((prev << 8) ^ t[0][prev >> 8]);
    }
  }
  return t;
}
constexpr Tables kTables = MakeTables();

inline uint16_t Byte(uint16_t crc, uint8_t b) {
  return static_cast<uint16_t>((crc << 8) ^ kTables[0][((crc >> 8) ^ b) & 0xff]);
}

}  // namespace

uint16_t Crc16(const char* buf, size_t len) {
  const auto* p = reinterpret_cast<const uint8_t*>(buf);
  uint16_t crc = 0;
  for (; len >= 8; len -= 8, p += 8) {
    // The register's two bytes meet the first two message bytes.
    crc = static_cast<uint16_t>(kTables[7][(crc >> 8) ^ p[0]] ^ kTables[6][(crc & 0xff) ^ p[1]] ^
                                kTables[5][p[2]] ^ kTables[4][p[3]] ^ kTables[3][p[4]] ^
                                kTables[2][p[5]] ^ kTables[1][p[6]] ^ kTables[0][p[7]]);
  }
  for (; len > 0; --len, ++p) crc = Byte(crc, *p);
  return crc;
}

uint16_t KeyHashSlot(std::string_view key) {
  // Most keys hold no '{': one memchr answers that.
  const void* brace = std::memchr(key.data(), '{', key.size());
  if (brace != nullptr) {
    const size_t open = static_cast<size_t>(static_cast<const char*>(brace) - key.data());
    const size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close != open + 1) {
      return Crc16(key.data() + open + 1, close - open - 1) & (kClusterSlots - 1);
    }
  }
  return Crc16(key.data(), key.size()) & (kClusterSlots - 1);
}

}  // namespace cairn
