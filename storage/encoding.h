// Every byte layout Cairn writes to RocksDB lives here; nothing else builds
// keys by hand.
//
// Column family "meta": one row per user key.
//   key   = [db:1][slot:2 BE][user key ...]
//           db 0..255; slot = KeyHashSlot(user key) so one slot is one
//           contiguous range (COUNTKEYSINSLOT, slot migration, DELSLOTS).
//   value = [form:4 | type:4][expire_ms:8 BE][payload ...]
//           type (low 4 bits): ValueType; form (high 4 bits): StringForm,
//           0 for every other type; expire_ms: absolute Unix ms, 0 = no TTL.
//           string payload = the value bytes, stored inline.
//           collection payload = [version:8 BE][size:8 BE] (members in "data").
//
// Column family "data": members of collections.
//   key   = [db:1][slot:2 BE][keylen:4 BE][user key][version:8 BE][member ...]
//           A collection is deleted in O(1) by writing a new version in meta;
//           rows of older versions are garbage the compaction filter drops.
//           Starts with [db][slot] like meta, so a slot range has the same
//           bounds in both.
//
// Column family "expire": the expiry index, ordered by deadline per db.
//   key   = [db:1][expire_ms:8 BE][slot:2 BE][user key ...]
//   value = empty
//
// Column family "default": the engine's own state (kReplOffsetKey below).
//
// Column family "counts": exact key counts, kept by an int64-add merge
// operator in the same WriteBatch as the change they count.
//   key   = [kind:1][db:1][slot:2 BE]   kind 'k' = keys, 'e' = keys with TTL
//   value = int64 little-endian
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn::storage {

enum class ValueType : uint8_t {
  kString = 0,
  kList = 1,
  kSet = 2,
  kZset = 3,
  kHash = 4,
};

// How a string's value was last written, which is what OBJECT ENCODING
// reports: Redis picks a string object's encoding when a command builds it,
// so the same bytes read back as "int", "embstr" or "raw" depending on the
// command that wrote them.
enum class StringForm : uint8_t {
  kAsSet = 0,  // as SET stores it (tryObjectEncoding): int, embstr or raw by its bytes
  kRaw = 1,    // changed in place (APPEND to a key, SETRANGE): raw
  kNoInt = 2,  // formatted from a number (INCRBYFLOAT): embstr or raw by length
  kCopy = 3,   // COPY's duplicate of a kAsSet value: as kAsSet, but an integer is not
               // one of the shared ones (OBJECT REFCOUNT 1)
};

// Redis's name of a type, as TYPE answers.
const char* TypeName(ValueType type);

inline constexpr size_t kMetaKeyPrefix = 3;     // db + slot
inline constexpr size_t kMetaValueHeader = 9;   // type + expire
inline constexpr size_t kExpireKeyPrefix = 11;  // db + expire + slot

// ---- meta ----
std::string EncodeMetaKey(uint8_t db, uint16_t slot, std::string_view key);
// Appends, for callers that reuse a buffer.
void AppendMetaKey(std::string* dst, uint8_t db, uint16_t slot, std::string_view key);
// Splits a meta key; false if it is too short to be one.
bool DecodeMetaKey(std::string_view raw, uint8_t* db, uint16_t* slot, std::string_view* key);
// The smallest meta key of `db` and the first key past it (for range ops).
std::string MetaDbPrefix(uint8_t db);

void EncodeMetaValue(std::string* dst, ValueType type, int64_t expire_ms, std::string_view payload,
                     StringForm form = StringForm::kAsSet);
// Splits a meta value (and, if `form` is given, its string form); false on
// corruption.
bool DecodeMetaValue(std::string_view raw, ValueType* type, int64_t* expire_ms,
                     std::string_view* payload, StringForm* form = nullptr);

// ---- meta merge operands (the meta column family's merge operator) ----
// A change to a stored string that does not rewrite its row: the WAL and
// the memtable carry only the change, and RocksDB applies it to the row
// when the row is read, flushed or compacted. The row keeps its header
// (type, form, deadline).
//   operand = ['a'][bytes ...]     append the bytes to the value (APPEND)
//           | ['r'][offset:8 BE][bytes ...]
//                                  write the bytes at offset, zero-filling
//                                  from the value's end if it is shorter
//                                  (SETRANGE, SETBIT)
// Applied to no row (which the writers never make happen: they merge only
// into a stored string), an operand makes an empty raw string first.
inline constexpr char kAppendOperand = 'a';
inline constexpr char kOverwriteOperand = 'r';
inline constexpr uint64_t kMaxOverwriteOffset = uint64_t{1} << 40;
std::string EncodeAppendOperand(std::string_view bytes);
std::string EncodeOverwriteOperand(uint64_t offset, std::string_view bytes);
// Whether `operand` is one of the above (an overwrite's offset at most
// kMaxOverwriteOffset).
bool ValidMetaOperand(std::string_view operand);
// Applies one operand to a whole meta row; false if the operand is not one
// or the row not a string's.
bool ApplyMetaOperand(std::string* row, std::string_view operand);

// ---- data ----
inline constexpr size_t kDataKeyPrefix = 7;  // db + slot + keylen
std::string EncodeDataKey(uint8_t db, uint16_t slot, std::string_view key, uint64_t version,
                          std::string_view member);
// Splits a data key; false if its declared key length does not fit.
bool DecodeDataKey(std::string_view raw, uint8_t* db, uint16_t* slot, std::string_view* key,
                   uint64_t* version, std::string_view* member);

// ---- expire ----
std::string EncodeExpireKey(uint8_t db, int64_t expire_ms, uint16_t slot, std::string_view key);
bool DecodeExpireKey(std::string_view raw, uint8_t* db, int64_t* expire_ms, uint16_t* slot,
                     std::string_view* key);
std::string ExpireDbPrefix(uint8_t db);

// ---- counts ----
inline constexpr char kCountKeys = 'k';
inline constexpr char kCountExpires = 'e';
std::string EncodeCountKey(char kind, uint8_t db, uint16_t slot);
bool DecodeCountKey(std::string_view raw, char* kind, uint8_t* db, uint16_t* slot);
std::string EncodeCountDelta(int64_t delta);
bool DecodeCount(std::string_view raw, int64_t* out);

// ---- default column family: the engine's own state ----
// "repl:offset" -> [seq:8 BE]: on a replica, the master sequence number up
// to which batches were applied, written in the same batch as they are.
inline constexpr std::string_view kReplOffsetKey = "repl:offset";
// "repl:id" -> 40 hex chars: this data directory's replication id, made at
// creation (a master's master_replid). "repl:master-id": on a replica, the
// id of the master whose offsets repl:offset counts.
inline constexpr std::string_view kReplIdKey = "repl:id";
inline constexpr std::string_view kReplMasterIdKey = "repl:master-id";
// "import:<name>" -> slot range bounds (AppendSlotRangeBounds): an atomic
// slot migration this node is importing, from its start to its end, so a
// restart drops the rows of one that never finished.
inline constexpr std::string_view kImportKeyPrefix = "import:";
std::string EncodeU64(uint64_t v);
bool DecodeU64(std::string_view raw, uint64_t* out);

// ---- slot migration chunks (Engine::SlotExport, FilterSlotChanges) ----
// What CLUSTER MIGRATESLOTS sends between nodes: rows named by what they
// are, not by RocksDB column family ids (which differ between nodes).
//   chunk  = record*            (an empty chunk is valid)
//   record = [op:1][keylen:4 BE][key][vallen:4 BE][value]
//   op  'M' meta put      key = meta key, value = meta value
//       'm' meta delete   key = meta key, value empty
//       'D' data put      key = data key, value = the member's value
//       'd' data delete   key = data key, value empty
//       'a' meta merge    key = meta key, value = a meta merge operand
//       'X' drop ranges   key empty, value = ([first:2 BE][last:2 BE])+
//           (FLUSHDB/FLUSHALL of db 0: delete every row of these slot
//           ranges that the target stores at that point of the stream)
// The expiry index and the counts are not sent: the target derives them
// from the meta values. Decoding checks every declared length against the
// bytes left before using it.
enum class SlotChunkOp : uint8_t {
  kMetaPut = 'M',
  kMetaDelete = 'm',
  kMetaMerge = 'a',
  kDataPut = 'D',
  kDataDelete = 'd',
  kDropRanges = 'X',
};
struct SlotChunkRecord {
  SlotChunkOp op = SlotChunkOp::kMetaPut;
  std::string_view key;    // into the chunk
  std::string_view value;  // into the chunk
};
void AppendSlotChunkRecord(std::string* dst, SlotChunkOp op, std::string_view key,
                           std::string_view value);
// Reads the record at *pos of `chunk` and moves *pos past it. False (and
// *pos unchanged) on a truncated record, an unknown op, a delete with a
// value or a drop record with a key.
bool ReadSlotChunkRecord(std::string_view chunk, size_t* pos, SlotChunkRecord* out);
// The value of a drop-ranges record: inclusive (first, last) slot pairs.
void AppendSlotRangeBounds(std::string* dst, uint16_t first, uint16_t last);
// False unless `raw` is one or more pairs with first <= last < 16384.
bool DecodeSlotRangeBounds(std::string_view raw, std::vector<std::pair<uint16_t, uint16_t>>* out);

// The exclusive upper bound of all keys starting with `prefix` (prefix with
// its last byte incremented, carrying); empty if there is none.
std::string PrefixSuccessor(std::string prefix);

}  // namespace cairn::storage
