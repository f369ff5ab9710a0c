// Bitmap commands (bitops.c in Redis 7.0): SETBIT, GETBIT, BITCOUNT, BITPOS,
// BITOP, BITFIELD and BITFIELD_RO. A bitmap is a string; bit 0 is the most
// significant bit of the first byte. Writes grow the string with zero bytes
// as far as their highest bit and store it as Redis stores a string it
// changed in place (a raw string, OBJECT ENCODING "raw"); the TTL is kept,
// except by BITOP, which replaces its destination as SET does.
//
// Argument checks run in Redis's order, so a call with several problems
// reports the error Redis reports.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/strings.h"
#include "server/command.h"
#include "server/commands/lookup.h"
#include "server/config.h"
#include "server/errors.h"
#include "storage/engine.h"

namespace cairn {
namespace {

constexpr std::string_view kBadBitOffset = "ERR bit offset is not an integer or out of range";
constexpr std::string_view kBadBit = "ERR bit is not an integer or out of range";
constexpr std::string_view kBadBitfieldType =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.";

// Redis's getBitOffsetFromArgument: a bit offset below
// proto-max-bulk-len * 8. With `bits` > 0 (BITFIELD), "#N" means N * bits.
bool BitOffsetOrReply(CommandContext& ctx, std::string_view arg, int bits, uint64_t* out) {
  bool by_width = bits > 0 && !arg.empty() && arg[0] == '#';
  int64_t offset = 0;
  if (!ParseInt64(by_width ? arg.substr(1) : arg, &offset) ||
      (by_width && __builtin_mul_overflow(offset, static_cast<int64_t>(bits), &offset)) ||
      offset < 0 || (offset >> 3) >= ctx.server.config.proto_max_bulk_len()) {
    ctx.reply.Error(kBadBitOffset);
    return false;
  }
  *out = static_cast<uint64_t>(offset);
  return true;
}

bool BitAt(std::string_view s, uint64_t offset) {
  uint64_t byte = offset >> 3;
  if (byte >= s.size()) return false;
  return (static_cast<uint8_t>(s[byte]) >> (7 - (offset & 7))) & 1;
}

// Population count of a byte range.
uint64_t Popcount(const uint8_t* p, size_t n) {
  uint64_t count = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    count += static_cast<uint64_t>(std::popcount(w));
  }
  for (; i < n; ++i) count += static_cast<uint64_t>(std::popcount(p[i]));
  return count;
}

// The string a bitmap write starts from: the stored value (or nothing),
// grown with zero bytes to hold bit `highest`. Replies WRONGTYPE and
// returns false. (The offsets were checked against proto-max-bulk-len; a
// BITFIELD field may end up to 63 bits past that, as in Redis.)
bool BitmapForWrite(CommandContext& ctx, const storage::KeyState& ks, uint64_t highest,
                    std::string* out) {
  if (WrongType(ctx, ks)) return false;
  const uint64_t need = (highest >> 3) + 1;
  if (ks.live) *out = ks.payload;
  if (out->size() < need) out->resize(need, '\0');
  return true;
}

// ------------------------------------------------------------ SETBIT/GETBIT

void SetBitCommand(CommandContext& ctx) {
  std::string_view key = ctx.argv[1];
  uint64_t offset = 0;
  if (!BitOffsetOrReply(ctx, ctx.argv[2], 0, &offset)) return;
  int64_t on = 0;
  if (!ParseInt64(ctx.argv[3], &on) || (on & ~1) != 0) {
    ctx.reply.Error(kBadBit);
    return;
  }
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), key);
  storage::KeyState ks;
  if (!LookupOrReply(ctx, key, &ks)) return;
  if (WrongType(ctx, ks)) return;
  const uint64_t byte = offset >> 3;
  const int bit = 7 - static_cast<int>(offset & 7);
  const bool grown = !ks.live || byte >= ks.payload.size();
  const uint8_t old = grown ? 0 : static_cast<uint8_t>(ks.payload[byte]);
  const bool was = (old >> bit) & 1;
  // As Redis: nothing is written (nor WATCH told) when the bit already
  // had its value and the string did not grow.
  if (grown || was != (on == 1)) {
    const char b =
        static_cast<char>((old & ~(1u << bit)) | (static_cast<unsigned>(on) << bit));
    // Only the byte changes (a merge operand on a long value); a gap
    // before it is zero-filled.
    storage::WriteSet ws(ctx.engine);
    WriteAt(ws, ks, byte, std::string_view(&b, 1));
    ws.Notify(storage::kEventString, "setbit", ks);
    if (!ctx.Commit(ws)) return;
  }
  ctx.reply.Integer(was ? 1 : 0);
}

void GetBitCommand(CommandContext& ctx) {
  uint64_t offset = 0;
  if (!BitOffsetOrReply(ctx, ctx.argv[2], 0, &offset)) return;
  storage::KeyState ks;
  if (!ReadOrReply(ctx, ctx.argv[1], &ks)) return;
  CountLookup(ctx, ks);
  if (WrongType(ctx, ks)) return;
  ctx.reply.Integer(ks.live && BitAt(ks.payload, offset) ? 1 : 0);
}

// ---------------------------------------------------------- BITCOUNT/BITPOS

// A [start, end] range of BITCOUNT or BITPOS, in bytes or (BIT) in bits,
// with Redis's conversion of negative indexes against a string of `len`
// bytes. On return *first > *last means an empty range; otherwise both are
// bit offsets inside the string.
void ClampBitRange(int64_t start, int64_t end, bool in_bits, uint64_t len, int64_t* first,
                   int64_t* last) {
  const int64_t total = static_cast<int64_t>(in_bits ? len * 8 : len);
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  if (start > end) {
    *first = 1;
    *last = 0;
  } else if (in_bits) {
    *first = start;
    *last = end;
  } else {
    *first = start * 8;
    *last = end * 8 + 7;
  }
}

// Set bits between bit offsets first and last (inclusive) of s.
uint64_t CountBits(std::string_view s, int64_t first, int64_t last) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint64_t fb = static_cast<uint64_t>(first) >> 3, lb = static_cast<uint64_t>(last) >> 3;
  uint64_t count = Popcount(p + fb, lb - fb + 1);
  // Take off the bits of the edge bytes outside the range.
  const uint8_t head = static_cast<uint8_t>(0xFF00u >> (first & 7));  // bits before `first`
  const uint8_t tail = static_cast<uint8_t>(0xFFu >> ((last & 7) + 1));  // bits after `last`
  count -= static_cast<uint64_t>(std::popcount(static_cast<uint8_t>(p[fb] & head)));
  count -= static_cast<uint64_t>(std::popcount(static_cast<uint8_t>(p[lb] & tail)));
  return count;
}

// BIT or BYTE (any case); replies a syntax error for anything else.
bool RangeUnitOrReply(CommandContext& ctx, std::string_view arg, bool* in_bits) {
  if (EqualsIgnoreCase(CStr(arg), "bit")) {
    *in_bits = true;
  } else if (EqualsIgnoreCase(CStr(arg), "byte")) {
    *in_bits = false;
  } else {
    ctx.reply.Error(errors::kSyntax);
    return false;
  }
  return true;
}

// BITCOUNT key [start end [BYTE|BIT]]. Redis 7.0 looks the key up before it
// reads the range, so a missing key answers 0 whatever follows it.
void BitCountCommand(CommandContext& ctx) {
  storage::KeyState ks;
  if (!ReadOrReply(ctx, ctx.argv[1], &ks)) return;
  CountLookup(ctx, ks);
  if (!ks.live) {
    ctx.reply.Integer(0);
    return;
  }
  if (WrongType(ctx, ks)) return;
  const std::string_view s = ks.payload;
  const size_t argc = ctx.argv.size();
  int64_t first = 0, last = static_cast<int64_t>(s.size()) * 8 - 1;
  if (argc == 4 || argc == 5) {
    int64_t start = 0, end = 0;
    if (!ParseIntOrReply(ctx, ctx.argv[2], &start)) return;
    if (!ParseIntOrReply(ctx, ctx.argv[3], &end)) return;
    // Redis answers this empty range before it reads BYTE|BIT.
    if (start < 0 && end < 0 && start > end) {
      ctx.reply.Integer(0);
      return;
    }
    bool in_bits = false;
    if (argc == 5 && !RangeUnitOrReply(ctx, ctx.argv[4], &in_bits)) return;
    ClampBitRange(start, end, in_bits, s.size(), &first, &last);
  } else if (argc != 2) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  ctx.reply.Integer(first > last ? 0 : static_cast<int64_t>(CountBits(s, first, last)));
}

// The first bit equal to `bit` between bit offsets first and last of s, or -1.
int64_t FindBit(std::string_view s, bool bit, int64_t first, int64_t last) {
  const uint8_t skip = bit ? 0x00 : 0xFF;  // a byte holding no such bit
  int64_t i = first;
  while (i <= last) {
    const uint8_t b = static_cast<uint8_t>(s[static_cast<size_t>(i >> 3)]);
    if ((i & 7) == 0 && i + 7 <= last && b == skip) {
      i += 8;
      continue;
    }
    if (((b >> (7 - (i & 7))) & 1) == static_cast<int>(bit)) return i;
    ++i;
  }
  return -1;
}

// BITPOS key bit [start [end [BYTE|BIT]]]. A missing key is all zeros; with
// no end given, a string of ones is followed by zeros (the first clear bit
// is the one past its end).
void BitPosCommand(CommandContext& ctx) {
  int64_t bit = 0;
  if (!ParseIntOrReply(ctx, ctx.argv[2], &bit)) return;
  if (bit != 0 && bit != 1) {
    ctx.reply.Error("ERR The bit argument must be 1 or 0.");
    return;
  }
  storage::KeyState ks;
  if (!ReadOrReply(ctx, ctx.argv[1], &ks)) return;
  CountLookup(ctx, ks);
  if (!ks.live) {
    ctx.reply.Integer(bit ? -1 : 0);
    return;
  }
  if (WrongType(ctx, ks)) return;
  const std::string_view s = ks.payload;
  const size_t argc = ctx.argv.size();
  int64_t first = 0, last = static_cast<int64_t>(s.size()) * 8 - 1;
  bool end_given = false;
  if (argc >= 4 && argc <= 6) {
    int64_t start = 0, end = 0;
    if (!ParseIntOrReply(ctx, ctx.argv[3], &start)) return;
    bool in_bits = false;
    if (argc == 6 && !RangeUnitOrReply(ctx, ctx.argv[5], &in_bits)) return;
    if (argc >= 5) {
      if (!ParseIntOrReply(ctx, ctx.argv[4], &end)) return;
      end_given = true;
    } else {
      end = static_cast<int64_t>(in_bits ? s.size() * 8 : s.size()) - 1;
    }
    ClampBitRange(start, end, in_bits, s.size(), &first, &last);
  } else if (argc != 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (first > last) {
    ctx.reply.Integer(-1);
    return;
  }
  int64_t pos = FindBit(s, bit == 1, first, last);
  if (pos < 0 && bit == 0 && !end_given) pos = last + 1;
  ctx.reply.Integer(pos);
}

// ------------------------------------------------------------------- BITOP

// BITOP AND|OR|XOR|NOT destkey key [key ...]: a missing source is an empty
// string, shorter ones are zero-padded; an all-empty result deletes
// destkey. Answers the result's length.
void BitOpCommand(CommandContext& ctx) {
  enum class Op { kAnd, kOr, kXor, kNot };
  const std::string_view name = CStr(ctx.argv[1]);
  Op op;
  if (EqualsIgnoreCase(name, "and")) {
    op = Op::kAnd;
  } else if (EqualsIgnoreCase(name, "or")) {
    op = Op::kOr;
  } else if (EqualsIgnoreCase(name, "xor")) {
    op = Op::kXor;
  } else if (EqualsIgnoreCase(name, "not")) {
    op = Op::kNot;
  } else {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (op == Op::kNot && ctx.argv.size() != 4) {
    ctx.reply.Error("ERR BITOP NOT must be called with a single source key.");
    return;
  }
  const std::string_view dest = ctx.argv[2];
  std::vector<std::string_view> keys(ctx.argv.begin() + 2, ctx.argv.end());
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), keys);
  std::vector<storage::KeyState> sources(ctx.argv.size() - 3);
  size_t maxlen = 0;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!LookupOrReply(ctx, ctx.argv[i + 3], &sources[i])) return;
    if (!ExpireMetOrReply(ctx, sources[i])) return;
    CountLookup(ctx, sources[i]);
    if (WrongType(ctx, sources[i])) return;
    if (!sources[i].live) sources[i].payload.clear();
    maxlen = std::max(maxlen, sources[i].payload.size());
  }
  std::string result(maxlen, '\0');
  auto byte_of = [&](size_t src, size_t j) -> uint8_t {
    const std::string& p = sources[src].payload;
    return j < p.size() ? static_cast<uint8_t>(p[j]) : 0;
  };
  for (size_t j = 0; j < maxlen; ++j) {
    uint8_t out = byte_of(0, j);
    if (op == Op::kNot) out = static_cast<uint8_t>(~out);
    for (size_t i = 1; i < sources.size(); ++i) {
      const uint8_t b = byte_of(i, j);
      if (op == Op::kAnd) out &= b;
      if (op == Op::kOr) out |= b;
      if (op == Op::kXor) out ^= b;
    }
    result[j] = static_cast<char>(out);
  }
  storage::KeyState target;
  target.skip_payload = true;  // replaced unread
  if (!LookupOrReply(ctx, dest, &target)) return;
  storage::WriteSet ws(ctx.engine);
  if (maxlen > 0) {
    ws.PutString(target, result, 0, storage::StringForm::kRaw);
    ws.Notify(storage::kEventString, "set", target);
  } else if (target.stored) {
    // Redis deletes the destination without looking at its deadline: an
    // expired one gets "del" too, not "expired".
    target.live = true;
    ws.Delete(target);
    ws.Notify(storage::kEventGeneric, "del", target);
  }
  if (!ws.empty() && !ctx.Commit(ws)) return;
  ctx.reply.Integer(static_cast<int64_t>(maxlen));
}

// ---------------------------------------------------------------- BITFIELD

enum class Overflow { kWrap, kSat, kFail };

struct FieldOp {
  enum Kind { kGet, kSet, kIncrBy } kind;
  uint64_t offset;
  int bits;
  bool is_signed;
  int64_t arg;  // SET's value or INCRBY's increment
  Overflow overflow;
};

// Redis's getBitfieldTypeFromArgument: i1..i64 or u1..u63.
bool FieldTypeOrReply(CommandContext& ctx, std::string_view arg, bool* is_signed, int* bits) {
  arg = CStr(arg);
  int64_t n = 0;
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u') || !ParseInt64(arg.substr(1), &n) ||
      n < 1 || n > (arg[0] == 'i' ? 64 : 63)) {
    ctx.reply.Error(kBadBitfieldType);
    return false;
  }
  *is_signed = arg[0] == 'i';
  *bits = static_cast<int>(n);
  return true;
}

uint64_t GetField(std::string_view s, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int j = 0; j < bits; ++j) v = (v << 1) | (BitAt(s, offset + static_cast<uint64_t>(j)) ? 1 : 0);
  return v;
}

int64_t SignExtend(uint64_t v, int bits) {
  if (bits < 64 && (v & (uint64_t{1} << (bits - 1)))) v |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(v);
}

// The string must hold bit offset + bits - 1.
void SetField(std::string* s, uint64_t offset, int bits, uint64_t v) {
  for (int j = 0; j < bits; ++j) {
    const uint64_t at = offset + static_cast<uint64_t>(j);
    const int shift = 7 - static_cast<int>(at & 7);
    const unsigned bit = (v >> (bits - 1 - j)) & 1;
    auto& c = reinterpret_cast<uint8_t&>((*s)[at >> 3]);
    c = static_cast<uint8_t>((c & ~(1u << shift)) | (bit << shift));
  }
}

// value + incr in a field of `bits` bits: false on overflow, with *out the
// wrapped or saturated result (meaningless under FAIL). *out holds the
// result as an int64 (signed) or uint64 (unsigned). As Redis's
// check{Signed,Unsigned}BitfieldOverflow, a SET is an INCRBY of 0 from the
// value being set.
bool FitField(bool is_signed, uint64_t value, int64_t incr, int bits, Overflow ow,
              uint64_t* out) {
  if (is_signed) {
    const int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
    const int64_t min = -max - 1;
    const auto v = static_cast<int64_t>(value);
    int64_t sum = 0;
    const bool wrapped_64 = __builtin_add_overflow(v, incr, &sum);
    const bool high = v > max || (wrapped_64 ? incr > 0 : sum > max);
    const bool low = v < min || (wrapped_64 ? incr < 0 : sum < min);
    if (!high && !low) {
      *out = static_cast<uint64_t>(sum);
      return true;
    }
    if (ow == Overflow::kSat) {
      *out = static_cast<uint64_t>(high ? max : min);
    } else {
      // Wrapped: the low `bits` bits of the sum, sign-extended.
      uint64_t wrapped = value + static_cast<uint64_t>(incr);
      if (bits < 64) wrapped &= (uint64_t{1} << bits) - 1;
      *out = static_cast<uint64_t>(SignExtend(wrapped, bits));
    }
    return false;
  }
  const uint64_t max = (uint64_t{1} << bits) - 1;  // bits <= 63
  const bool high = value > max || (incr > 0 && static_cast<uint64_t>(incr) > max - value);
  const bool low = !high && incr < 0 && static_cast<uint64_t>(-(incr + 1)) + 1 > value;
  const uint64_t sum = value + static_cast<uint64_t>(incr);
  if (!high && !low) {
    *out = sum;
    return true;
  }
  *out = ow == Overflow::kSat ? (high ? max : 0) : (sum & max);
  return false;
}

// BITFIELD key [GET type offset] [SET type offset value]
//   [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ...
// Every operation is parsed first; then the key is read (GETs only) or
// grown to the highest bit written, and the operations run in order. A
// write under OVERFLOW FAIL that would overflow answers nil and writes
// nothing, but the key is still created or grown, as in Redis.
void BitFieldGeneric(CommandContext& ctx, bool read_only_command) {
  std::vector<FieldOp> ops;
  Overflow overflow = Overflow::kWrap;
  bool writes = false;
  uint64_t highest = 0;
  const size_t argc = ctx.argv.size();
  for (size_t j = 2; j < argc; ++j) {
    const size_t rest = argc - j - 1;
    const std::string_view sub = ctx.argv[j];
    FieldOp op{};
    if (IsOption(sub, "get") && rest >= 2) {
      op.kind = FieldOp::kGet;
    } else if (IsOption(sub, "set") && rest >= 3) {
      op.kind = FieldOp::kSet;
    } else if (IsOption(sub, "incrby") && rest >= 3) {
      op.kind = FieldOp::kIncrBy;
    } else if (IsOption(sub, "overflow") && rest >= 1) {
      const std::string_view how = ctx.argv[++j];
      if (IsOption(how, "wrap")) {
        overflow = Overflow::kWrap;
      } else if (IsOption(how, "sat")) {
        overflow = Overflow::kSat;
      } else if (IsOption(how, "fail")) {
        overflow = Overflow::kFail;
      } else {
        ctx.reply.Error("ERR Invalid OVERFLOW type specified");
        return;
      }
      continue;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    if (!FieldTypeOrReply(ctx, ctx.argv[j + 1], &op.is_signed, &op.bits)) return;
    if (!BitOffsetOrReply(ctx, ctx.argv[j + 2], op.bits, &op.offset)) return;
    if (op.kind != FieldOp::kGet) {
      writes = true;
      highest = std::max(highest, op.offset + static_cast<uint64_t>(op.bits) - 1);
      if (!ParseIntOrReply(ctx, ctx.argv[j + 3], &op.arg)) return;
    }
    op.overflow = overflow;
    ops.push_back(op);
    j += op.kind == FieldOp::kGet ? 2 : 3;
  }

  storage::KeyLockGuard guard;
  storage::KeyState ks;
  std::string bitmap;
  if (!writes) {
    if (!ReadOrReply(ctx, ctx.argv[1], &ks)) return;
    CountLookup(ctx, ks);
    if (WrongType(ctx, ks)) return;
    if (ks.live) bitmap = std::move(ks.payload);
  } else {
    if (read_only_command) {
      ctx.reply.Error("ERR BITFIELD_RO only supports the GET subcommand");
      return;
    }
    guard = storage::KeyLockGuard(ctx.engine.locks(), ctx.db(), ctx.argv[1]);
    if (!LookupOrReply(ctx, ctx.argv[1], &ks)) return;
    if (!BitmapForWrite(ctx, ks, highest, &bitmap)) return;
  }

  // Written when an operation wrote, or the key was made or grown (which
  // Redis does even when every write failed); else WATCH is left alone.
  bool changed = writes && (!ks.live || bitmap.size() != ks.payload.size());
  // The bytes the writes change, [first, last]: a growth, and each field set.
  const bool grown = ks.live && bitmap.size() > ks.payload.size();
  uint64_t first = grown ? ks.payload.size() : UINT64_MAX;
  uint64_t last = grown ? bitmap.size() - 1 : 0;
  // The replies wait for the commit: a failed write answers one error.
  std::vector<std::optional<int64_t>> replies;
  replies.reserve(ops.size());
  for (const FieldOp& op : ops) {
    const uint64_t old = GetField(bitmap, op.offset, op.bits);
    const int64_t old_value =
        op.is_signed ? SignExtend(old, op.bits) : static_cast<int64_t>(old);
    if (op.kind == FieldOp::kGet) {
      replies.emplace_back(old_value);
      continue;
    }
    uint64_t stored = 0;
    bool fits = op.kind == FieldOp::kIncrBy
                    ? FitField(op.is_signed, static_cast<uint64_t>(old_value), op.arg, op.bits,
                               op.overflow, &stored)
                    : FitField(op.is_signed, static_cast<uint64_t>(op.arg), 0, op.bits,
                               op.overflow, &stored);
    if (!fits && op.overflow == Overflow::kFail) {
      replies.emplace_back(std::nullopt);
      continue;
    }
    SetField(&bitmap, op.offset, op.bits, stored);
    changed = true;
    first = std::min(first, op.offset >> 3);
    last = std::max(last, (op.offset + op.bits - 1) >> 3);
    replies.emplace_back(op.kind == FieldOp::kIncrBy ? static_cast<int64_t>(stored) : old_value);
  }
  if (changed) {
    // Only the changed bytes (a merge operand on a long value); a new key
    // is all of them.
    if (!ks.live) {
      first = 0;
      last = bitmap.size() - 1;
    }
    storage::WriteSet ws(ctx.engine);
    WriteAt(ws, ks, first, std::string_view(bitmap).substr(first, last - first + 1));
    ws.Notify(storage::kEventString, "setbit", ks);
    if (!ctx.Commit(ws)) return;
  }
  ctx.reply.ArrayHeader(replies.size());
  for (const auto& r : replies) {
    if (r.has_value()) {
      ctx.reply.Integer(*r);
    } else {
      ctx.reply.Null();
    }
  }
}

// Redis's bitfieldGetKeys: read-only access while the call only GETs.
const char* BitFieldKeyFlags(std::span<const std::string_view> argv) {
  for (size_t i = 2; i < argv.size(); ++i) {
    const size_t rest = argv.size() - i - 1;
    if (IsOption(argv[i], "get") && rest >= 2) {
      i += 2;
    } else if (IsOption(argv[i], "overflow") && rest >= 1) {
      i += 1;
    } else {
      return "RW ACCESS UPDATE";  // a write, or a syntax error: not read-only
    }
  }
  return "RO ACCESS";
}

void BitFieldCommand(CommandContext& ctx) { BitFieldGeneric(ctx, false); }
void BitFieldRoCommand(CommandContext& ctx) { BitFieldGeneric(ctx, true); }

CommandSpec Spec(const char* name, int arity, uint32_t flags, std::vector<KeySpec> keys,
                 const char* summary, const char* since, const char* complexity,
                 CommandHandler handler) {
  return MakeSpec(name, arity, flags, std::move(keys), "bitmap", summary, since, complexity,
                  handler);
}

}  // namespace

// Names, arities, flags, key specs and docs follow Redis 7.0's command table.
void RegisterBitmapCommands(CommandRegistry& reg) {
  const uint32_t kRO = kCmdReadonly, kW = kCmdWrite, kOom = kCmdDenyOom, kFast = kCmdFast;
  reg.Add(Spec("setbit", 4, kW | kOom, {{1, 0, 1, 0, "RW ACCESS UPDATE"}},
               "Sets or clears the bit at offset in the string value stored at key", "2.2.0",
               "O(1)", SetBitCommand));
  reg.Add(Spec("getbit", 3, kRO | kFast, {{1, 0, 1, 0, "RO ACCESS"}},
               "Returns the bit value at offset in the string value stored at key", "2.2.0",
               "O(1)", GetBitCommand));
  reg.Add(Spec("bitcount", -2, kRO, {{1, 0, 1, 0, "RO ACCESS"}}, "Count set bits in a string",
               "2.6.0", "O(N)", BitCountCommand));
  reg.Add(Spec("bitpos", -3, kRO, {{1, 0, 1, 0, "RO ACCESS"}},
               "Find first bit set or clear in a string", "2.8.7", "O(N)", BitPosCommand));
  reg.Add(Spec("bitop", -4, kW | kOom,
               {{2, 0, 1, 0, "OW UPDATE"}, {3, -1, 1, 0, "RO ACCESS"}},
               "Perform bitwise operations between strings", "2.6.0", "O(N)", BitOpCommand));
  CommandSpec bitfield = Spec("bitfield", -2, kW | kOom,
                              {{1, 0, 1, 0, "RW ACCESS UPDATE VARIABLE_FLAGS",
                                "This command allows both access and modification of the key"}},
                              "Perform arbitrary bitfield integer operations on strings", "3.2.0",
                              "O(1) for each subcommand specified", BitFieldCommand);
  bitfield.key_flags = BitFieldKeyFlags;
  reg.Add(std::move(bitfield));
  reg.Add(Spec("bitfield_ro", -2, kRO | kFast, {{1, 0, 1, 0, "RO ACCESS"}},
               "Perform arbitrary bitfield integer operations on strings. Read-only variant of "
               "BITFIELD",
               "6.0.0", "O(1) for each subcommand specified", BitFieldRoCommand));
}

}  // namespace cairn
