#include "storage/encoding.h"

#include <cstring>

#include "common/crc16.h"
#include "common/strings.h"

namespace cairn::storage {
namespace {

void PutFixed32BE(std::string* dst, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) dst->push_back(static_cast<char>(v >> shift));
}

uint32_t DecodeFixed32BE(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

// Reads [len:4 BE][bytes] at *pos; false if either does not fit.
bool ReadLengthPrefixed(std::string_view in, size_t* pos, std::string_view* out) {
  if (in.size() - *pos < 4) return false;
  const uint32_t len = DecodeFixed32BE(in.data() + *pos);
  if (in.size() - *pos - 4 < len) return false;
  *out = in.substr(*pos + 4, len);
  *pos += 4 + static_cast<size_t>(len);
  return true;
}

}  // namespace

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

namespace {
constexpr uint8_t kTypeBits = 0x0F;
constexpr int kFormShift = 4;
}  // namespace

void EncodeMetaValue(std::string* dst, ValueType type, int64_t expire_ms, std::string_view payload,
                     StringForm form) {
  dst->clear();
  dst->reserve(kMetaValueHeader + payload.size());
  dst->push_back(static_cast<char>(static_cast<uint8_t>(type) |
                                   static_cast<uint8_t>(static_cast<uint8_t>(form) << kFormShift)));
  PutFixed64BE(dst, static_cast<uint64_t>(expire_ms));
  dst->append(payload);
}

bool DecodeMetaValue(std::string_view raw, ValueType* type, int64_t* expire_ms,
                     std::string_view* payload, StringForm* form) {
  if (raw.size() < kMetaValueHeader) return false;
  const uint8_t t = static_cast<uint8_t>(raw[0]) & kTypeBits;
  const uint8_t f = static_cast<uint8_t>(raw[0]) >> kFormShift;
  if (t > static_cast<uint8_t>(ValueType::kHash)) return false;
  if (f > static_cast<uint8_t>(StringForm::kCopy)) return false;
  if (f != 0 && t != static_cast<uint8_t>(ValueType::kString)) return false;
  *type = static_cast<ValueType>(t);
  if (form != nullptr) *form = static_cast<StringForm>(f);
  *expire_ms = static_cast<int64_t>(DecodeFixed64BE(raw.data() + 1));
  *payload = raw.substr(kMetaValueHeader);
  return true;
}

std::string EncodeAppendOperand(std::string_view bytes) {
  std::string out;
  out.reserve(1 + bytes.size());
  out.push_back(kAppendOperand);
  out.append(bytes);
  return out;
}

std::string EncodeOverwriteOperand(uint64_t offset, std::string_view bytes) {
  std::string out;
  out.reserve(9 + bytes.size());
  out.push_back(kOverwriteOperand);
  PutFixed64BE(&out, offset);
  out.append(bytes);
  return out;
}

bool ValidMetaOperand(std::string_view operand) {
  if (operand.empty()) return false;
  if (operand[0] == kAppendOperand) return true;
  // Writers check offsets against proto-max-bulk-len; one past a terabyte
  // is corruption, not a value to allocate.
  return operand[0] == kOverwriteOperand && operand.size() >= 9 &&
         DecodeFixed64BE(operand.data() + 1) <= kMaxOverwriteOffset;
}

bool ApplyMetaOperand(std::string* row, std::string_view operand) {
  if (!ValidMetaOperand(operand)) return false;
  if (row->empty()) EncodeMetaValue(row, ValueType::kString, 0, "", StringForm::kRaw);
  ValueType type;
  int64_t expire_ms;
  std::string_view payload;
  if (!DecodeMetaValue(*row, &type, &expire_ms, &payload) || type != ValueType::kString) {
    return false;
  }
  if (operand[0] == kAppendOperand) {
    row->append(operand.substr(1));
    return true;
  }
  const uint64_t offset = DecodeFixed64BE(operand.data() + 1);
  const std::string_view bytes = operand.substr(9);
  const size_t at = kMetaValueHeader + static_cast<size_t>(offset);
  if (row->size() < at + bytes.size()) row->resize(at + bytes.size(), '\0');
  row->replace(at, bytes.size(), bytes);
  return true;
}

std::string EncodeDataKey(uint8_t db, uint16_t slot, std::string_view key, uint64_t version,
                          std::string_view member) {
  std::string out;
  out.reserve(kDataKeyPrefix + key.size() + 8 + member.size());
  out.push_back(static_cast<char>(db));
  PutFixed16BE(&out, slot);
  PutFixed32BE(&out, static_cast<uint32_t>(key.size()));
  out.append(key);
  PutFixed64BE(&out, version);
  out.append(member);
  return out;
}

bool DecodeDataKey(std::string_view raw, uint8_t* db, uint16_t* slot, std::string_view* key,
                   uint64_t* version, std::string_view* member) {
  if (raw.size() < kDataKeyPrefix) return false;
  const uint32_t keylen = DecodeFixed32BE(raw.data() + 3);
  if (raw.size() - kDataKeyPrefix < keylen || raw.size() - kDataKeyPrefix - keylen < 8) {
    return false;
  }
  *db = static_cast<uint8_t>(raw[0]);
  *slot = DecodeFixed16BE(raw.data() + 1);
  *key = raw.substr(kDataKeyPrefix, keylen);
  *version = DecodeFixed64BE(raw.data() + kDataKeyPrefix + keylen);
  *member = raw.substr(kDataKeyPrefix + keylen + 8);
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

void AppendSlotChunkRecord(std::string* dst, SlotChunkOp op, std::string_view key,
                           std::string_view value) {
  dst->reserve(dst->size() + 9 + key.size() + value.size());
  dst->push_back(static_cast<char>(op));
  PutFixed32BE(dst, static_cast<uint32_t>(key.size()));
  dst->append(key);
  PutFixed32BE(dst, static_cast<uint32_t>(value.size()));
  dst->append(value);
}

bool ReadSlotChunkRecord(std::string_view chunk, size_t* pos, SlotChunkRecord* out) {
  if (*pos >= chunk.size()) return false;
  size_t p = *pos;
  const auto op = static_cast<SlotChunkOp>(chunk[p++]);
  switch (op) {
    case SlotChunkOp::kMetaPut:
    case SlotChunkOp::kMetaDelete:
    case SlotChunkOp::kMetaMerge:
    case SlotChunkOp::kDataPut:
    case SlotChunkOp::kDataDelete:
    case SlotChunkOp::kDropRanges:
      break;
    default:
      return false;
  }
  std::string_view key;
  std::string_view value;
  if (!ReadLengthPrefixed(chunk, &p, &key) || !ReadLengthPrefixed(chunk, &p, &value)) {
    return false;
  }
  if ((op == SlotChunkOp::kMetaDelete || op == SlotChunkOp::kDataDelete) && !value.empty()) {
    return false;
  }
  if (op == SlotChunkOp::kDropRanges && !key.empty()) return false;
  out->op = op;
  out->key = key;
  out->value = value;
  *pos = p;
  return true;
}

void AppendSlotRangeBounds(std::string* dst, uint16_t first, uint16_t last) {
  PutFixed16BE(dst, first);
  PutFixed16BE(dst, last);
}

bool DecodeSlotRangeBounds(std::string_view raw, std::vector<std::pair<uint16_t, uint16_t>>* out) {
  out->clear();
  if (raw.empty() || raw.size() % 4 != 0) return false;
  for (size_t i = 0; i < raw.size(); i += 4) {
    const uint16_t first = DecodeFixed16BE(raw.data() + i);
    const uint16_t last = DecodeFixed16BE(raw.data() + i + 2);
    if (first > last || last >= kClusterSlots) return false;
    out->emplace_back(first, last);
  }
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
