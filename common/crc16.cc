#include "common/crc16.h"

#include <array>

namespace cairn {
namespace {

// Table for polynomial 0x1021, computed at compile time.
constexpr std::array<uint16_t, 256> MakeTable() {
  std::array<uint16_t, 256> t{};
  for (int i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i << 8);
    for (int b = 0; b < 8; ++b) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
    t[i] = crc;
  }
  return t;
}
constexpr std::array<uint16_t, 256> kTable = MakeTable();

}  // namespace

uint16_t Crc16(const char* buf, size_t len) {
  uint16_t crc = 0;
  for (size_t i = 0; i < len; ++i) {
    crc = static_cast<uint16_t>((crc << 8) ^
                                kTable[((crc >> 8) ^ static_cast<uint8_t>(buf[i])) & 0xff]);
  }
  return crc;
}

uint16_t KeyHashSlot(std::string_view key) {
  size_t open = key.find('{');
  if (open != std::string_view::npos) {
    size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close != open + 1) {
      return Crc16(key.data() + open + 1, close - open - 1) & (kClusterSlots - 1);
    }
  }
  return Crc16(key.data(), key.size()) & (kClusterSlots - 1);
}

}  // namespace cairn
