#include "storage/encoding.h"

#include <cstring>

#include "common/strings.h"

namespace cairn::storage {

const char* TypeName(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "string";
    case ValueType::kList:
      return "list";
    case ValueType::kSet:
      return "set";
    case ValueType::kZset:
      return "zset";
    case ValueType::kHash:
      return "hash";
  }
  return "none";
}

void AppendMetaKey(std::string* dst, uint8_t db, uint16_t slot, std::string_view key) {
  dst->reserve(dst->size() + kMetaKeyPrefix + key.size());
  dst->push_back(static_cast<char>(db));
  PutFixed16BE(dst, slot);
  dst->append(key);
}

std::string EncodeMetaKey(uint8_t db, uint16_t slot, std::string_view key) {
  std::string out;
  AppendMetaKey(&out, db, slot, key);
  return out;
}

bool DecodeMetaKey(std::string_view raw, uint8_t* db, uint16_t* slot, std::string_view* key) {
  if (raw.size() < kMetaKeyPrefix) return false;
  *db = static_cast<uint8_t>(raw[0]);
  *slot = DecodeFixed16BE(raw.data() + 1);
  *key = raw.substr(kMetaKeyPrefix);
  return true;
}

std::string MetaDbPrefix(uint8_t db) { return std::string(1, static_cast<char>(db)); }

void EncodeMetaValue(std::string* dst, ValueType type, int64_t expire_ms,
                     std::string_view payload) {
  dst->clear();
  dst->reserve(kMetaValueHeader + payload.size());
  dst->push_back(static_cast<char>(type));
  PutFixed64BE(dst, static_cast<uint64_t>(expire_ms));
  dst->append(payload);
}

bool DecodeMetaValue(std::string_view raw, ValueType* type, int64_t* expire_ms,
                     std::string_view* payload) {
  if (raw.size() < kMetaValueHeader) return false;
  uint8_t t = static_cast<uint8_t>(raw[0]);
  if (t > static_cast<uint8_t>(ValueType::kHash)) return false;
  *type = static_cast<ValueType>(t);
  *expire_ms = static_cast<int64_t>(DecodeFixed64BE(raw.data() + 1));
  *payload = raw.substr(kMetaValueHeader);
  return true;
}

std::string EncodeExpireKey(uint8_t db, int64_t expire_ms, uint16_t slot, std::string_view key) {
  std::string out;
  out.reserve(kExpireKeyPrefix + key.size());
  out.push_back(static_cast<char>(db));
  PutFixed64BE(&out, static_cast<uint64_t>(expire_ms));
  PutFixed16BE(&out, slot);
  out.append(key);
  return out;
}

bool DecodeExpireKey(std::string_view raw, uint8_t* db, int64_t* expire_ms, uint16_t* slot,
                     std::string_view* key) {
  if (raw.size() < kExpireKeyPrefix) return false;
  *db = static_cast<uint8_t>(raw[0]);
  *expire_ms = static_cast<int64_t>(DecodeFixed64BE(raw.data() + 1));
  *slot = DecodeFixed16BE(raw.data() + 9);
  *key = raw.substr(kExpireKeyPrefix);
  return true;
}

std::string ExpireDbPrefix(uint8_t db) { return std::string(1, static_cast<char>(db)); }

std::string EncodeCountKey(char kind, uint8_t db, uint16_t slot) {
  std::string out;
  out.push_back(kind);
  out.push_back(static_cast<char>(db));
  PutFixed16BE(&out, slot);
  return out;
}

bool DecodeCountKey(std::string_view raw, char* kind, uint8_t* db, uint16_t* slot) {
  if (raw.size() != 4) return false;
  *kind = raw[0];
  *db = static_cast<uint8_t>(raw[1]);
  *slot = DecodeFixed16BE(raw.data() + 2);
  return true;
}

std::string EncodeCountDelta(int64_t delta) {
  std::string out(8, '\0');
  uint64_t v = static_cast<uint64_t>(delta);
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

bool DecodeCount(std::string_view raw, int64_t* out) {
  if (raw.size() != 8) return false;
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(raw[i]);
  *out = static_cast<int64_t>(v);
  return true;
}

std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty()) {
    unsigned char last = static_cast<unsigned char>(prefix.back());
    if (last != 0xff) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

std::string EncodeU64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

bool DecodeU64(std::string_view raw, uint64_t* out) {
  if (raw.size() != 8) return false;
  uint64_t v = 0;
  for (unsigned char c : raw) v = (v << 8) | c;
  *out = v;
  return true;
}

}  // namespace cairn::storage
