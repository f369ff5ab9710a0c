#include "storage/dump_payload.h"

#include <liblzf/lzf.h>

#include <cstring>
#include <limits>

#include "common/crc64.h"
#include "common/strings.h"

namespace cairn::storage {
namespace {

constexpr uint8_t kRdbTypeString = 0;
constexpr uint8_t kLen6 = 0;
constexpr uint8_t kLen14 = 1;
constexpr uint8_t kLen32 = 0x80;
constexpr uint8_t kLen64 = 0x81;
constexpr uint8_t kEncVal = 3;  // top two bits 11: an encoded value follows
constexpr uint8_t kEncInt8 = 0;
constexpr uint8_t kEncInt16 = 1;
constexpr uint8_t kEncInt32 = 2;
constexpr uint8_t kEncLzf = 3;
constexpr size_t kFooter = 10;  // version + CRC64

void PutLen(std::string* out, uint64_t len) {
  if (len < (1 << 6)) {
    out->push_back(static_cast<char>((kLen6 << 6) | len));
  } else if (len < (1 << 14)) {
    out->push_back(static_cast<char>((kLen14 << 6) | (len >> 8)));
    out->push_back(static_cast<char>(len & 0xff));
  } else if (len <= std::numeric_limits<uint32_t>::max()) {
    out->push_back(static_cast<char>(kLen32));
    for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(len >> shift));
  } else {
    out->push_back(static_cast<char>(kLen64));
    for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(len >> shift));
  }
}

void PutLittleEndian(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Redis's rdbTryIntegerEncoding: only a canonical decimal (what string2ll
// accepts and ll2string gives back) that fits 32 bits.
bool PutIntegerEncoding(std::string* out, std::string_view value) {
  if (value.size() > 11) return false;
  int64_t v = 0;
  if (!ParseInt64(value, &v)) return false;
  if (v >= -(1 << 7) && v <= (1 << 7) - 1) {
    out->push_back(static_cast<char>((kEncVal << 6) | kEncInt8));
    PutLittleEndian(out, static_cast<uint64_t>(v), 1);
  } else if (v >= -(1 << 15) && v <= (1 << 15) - 1) {
    out->push_back(static_cast<char>((kEncVal << 6) | kEncInt16));
    PutLittleEndian(out, static_cast<uint64_t>(v), 2);
  } else if (v >= -(1LL << 31) && v <= (1LL << 31) - 1) {
    out->push_back(static_cast<char>((kEncVal << 6) | kEncInt32));
    PutLittleEndian(out, static_cast<uint64_t>(v), 4);
  } else {
    return false;
  }
  return true;
}

// Redis's rdbSaveLzfStringObject: the compressed form must fit in len - 4
// bytes, or the string is stored verbatim.
bool PutLzf(std::string* out, std::string_view value) {
  if (value.size() <= 4 || value.size() > std::numeric_limits<unsigned int>::max()) return false;
  std::string buf(value.size() - 4, '\0');
  unsigned int n = lzf_compress(value.data(), static_cast<unsigned int>(value.size()), buf.data(),
                                static_cast<unsigned int>(buf.size()));
  if (n == 0) return false;
  out->push_back(static_cast<char>((kEncVal << 6) | kEncLzf));
  PutLen(out, n);
  PutLen(out, value.size());
  out->append(buf.data(), n);
  return true;
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool Byte(uint8_t* b) {
    if (pos_ >= in_.size()) return false;
    *b = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (in_.size() - pos_ < n) return false;
    *out = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool BigEndian(int bytes, uint64_t* v) {
    std::string_view b;
    if (!Bytes(bytes, &b)) return false;
    *v = 0;
    for (char c : b) *v = (*v << 8) | static_cast<uint8_t>(c);
    return true;
  }
  bool LittleEndian(int bytes, uint64_t* v) {
    std::string_view b;
    if (!Bytes(bytes, &b)) return false;
    *v = 0;
    for (int i = bytes - 1; i >= 0; --i) *v = (*v << 8) | static_cast<uint8_t>(b[i]);
    return true;
  }
  // Redis's rdbLoadLenByRef: a length, or (encoded = true) an encoding id.
  bool Len(uint64_t* len, bool* encoded) {
    uint8_t b = 0;
    if (!Byte(&b)) return false;
    *encoded = false;
    switch (b >> 6) {
      case kLen6:
        *len = b & 0x3f;
        return true;
      case kLen14: {
        uint8_t lo = 0;
        if (!Byte(&lo)) return false;
        *len = (static_cast<uint64_t>(b & 0x3f) << 8) | lo;
        return true;
      }
      case kEncVal:
        *encoded = true;
        *len = b & 0x3f;
        return true;
      default:
        if (b == kLen32) return BigEndian(4, len);
        if (b == kLen64) return BigEndian(8, len);
        return false;
    }
  }
  // A length that must not be an encoding (inside an LZF header).
  bool PlainLen(uint64_t* len) {
    bool encoded = false;
    return Len(len, &encoded) && !encoded;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

std::string EncodeStringDump(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 16);
  out.push_back(static_cast<char>(kRdbTypeString));
  if (!PutIntegerEncoding(&out, value) && !(value.size() > 20 && PutLzf(&out, value))) {
    PutLen(&out, value.size());
    out.append(value.data(), value.size());
  }
  PutLittleEndian(&out, kDumpRdbVersion, 2);
  PutLittleEndian(&out, Crc64(0, out), 8);
  return out;
}

Status VerifyDumpPayload(std::string_view payload) {
  if (payload.size() < kFooter) return Status::InvalidArgument("payload shorter than its footer");
  const char* footer = payload.data() + payload.size() - kFooter;
  uint16_t version = static_cast<uint16_t>(static_cast<uint8_t>(footer[0]) |
                                           (static_cast<uint8_t>(footer[1]) << 8));
  if (version > kDumpRdbVersion) return Status::InvalidArgument("RDB version too new");
  uint64_t want = 0;
  for (int i = 7; i >= 0; --i) want = (want << 8) | static_cast<uint8_t>(footer[2 + i]);
  if (Crc64(0, payload.data(), payload.size() - 8) != want) {
    return Status::InvalidArgument("checksum mismatch");
  }
  return Status::Ok();
}

Status DecodeStringDump(std::string_view payload, std::string* value) {
  if (payload.size() < kFooter) return Status::InvalidArgument("payload shorter than its footer");
  // Redis reads the object from the whole payload, footer included, so a
  // string whose length runs into the footer is accepted there; do the same.
  Reader r(payload);
  uint8_t type = 0;
  if (!r.Byte(&type)) return Status::InvalidArgument("no object type");
  if (type != kRdbTypeString) return Status::InvalidArgument("not a string object");
  uint64_t len = 0;
  bool encoded = false;
  if (!r.Len(&len, &encoded)) return Status::InvalidArgument("bad length");
  if (!encoded) {
    std::string_view bytes;
    if (!r.Bytes(len, &bytes)) return Status::InvalidArgument("truncated string");
    value->assign(bytes.data(), bytes.size());
    return Status::Ok();
  }
  uint64_t raw = 0;
  switch (len) {
    case kEncInt8:
    case kEncInt16:
    case kEncInt32: {
      const int bytes = len == kEncInt8 ? 1 : len == kEncInt16 ? 2 : 4;
      if (!r.LittleEndian(bytes, &raw)) return Status::InvalidArgument("truncated integer");
      // Sign-extend from the encoded width.
      const int shift = 64 - 8 * bytes;
      const int64_t v = static_cast<int64_t>(raw << shift) >> shift;
      *value = std::to_string(v);
      return Status::Ok();
    }
    case kEncLzf: {
      uint64_t clen = 0;
      uint64_t olen = 0;
      std::string_view data;
      if (!r.PlainLen(&clen) || !r.PlainLen(&olen) || !r.Bytes(clen, &data)) {
        return Status::InvalidArgument("truncated LZF string");
      }
      // LZF expands at most ~100x (a 3-byte back reference copies 264
      // bytes); a larger claim is corrupt, and must not make us allocate it.
      if (olen == 0 || olen > std::numeric_limits<unsigned int>::max() || olen > clen * 100 + 64) {
        return Status::InvalidArgument("bad LZF lengths");
      }
      value->resize(olen);
      unsigned int n = lzf_decompress(data.data(), static_cast<unsigned int>(clen), value->data(),
                                      static_cast<unsigned int>(olen));
      if (n != olen) {
        value->clear();
        return Status::InvalidArgument("invalid LZF compressed string");
      }
      return Status::Ok();
    }
    default:
      return Status::InvalidArgument("unknown string encoding");
  }
}

}  // namespace cairn::storage
