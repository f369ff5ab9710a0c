// The encoding Redis would give a string value (OBJECT ENCODING, OBJECT
// REFCOUNT, MEMORY USAGE): what tryObjectEncoding makes of a value SET
// stores (an integer by string2l at most 20 bytes long, embstr up to 44
// bytes, else raw), raw for a value changed in place (APPEND, SETRANGE),
// and no integer for one INCRBYFLOAT formatted.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/strings.h"
#include "storage/encoding.h"

namespace cairn {

enum class RedisEncoding { kInt, kEmbstr, kRaw };

inline constexpr size_t kEmbstrMaxBytes = 44;  // OBJ_ENCODING_EMBSTR_SIZE_LIMIT

// `as_int` receives the value when the encoding is kInt.
inline RedisEncoding StringEncodingOf(std::string_view v, storage::StringForm form,
                                      int64_t* as_int) {
  if (form == storage::StringForm::kRaw) return RedisEncoding::kRaw;
  if (form != storage::StringForm::kNoInt && v.size() <= 20 && ParseInt64(v, as_int)) {
    return RedisEncoding::kInt;
  }
  return v.size() <= kEmbstrMaxBytes ? RedisEncoding::kEmbstr : RedisEncoding::kRaw;
}

inline const char* EncodingName(RedisEncoding e) {
  switch (e) {
    case RedisEncoding::kInt:
      return "int";
    case RedisEncoding::kEmbstr:
      return "embstr";
    case RedisEncoding::kRaw:
      return "raw";
  }
  return "raw";
}

}  // namespace cairn
