// SHA-256 (FIPS 180-4), for the password hashes ACL LIST and ACL GETUSER
// show as Redis does ("#" + 64 hex digits).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn {

std::array<uint8_t, 32> Sha256(std::string_view data);
// Lower-case hex of Sha256(data).
std::string Sha256Hex(std::string_view data);

}  // namespace cairn
