// DUMP / RESTORE payloads, byte for byte as Redis 7.0 writes them, so a
// payload moves between Cairn and redis-server in both directions (MIGRATE,
// redis-cli --cluster, backups taken with DUMP).
//
// This is Redis's wire format, not a Cairn storage layout (those live in
// storage/encoding.h):
//
//   [RDB object type:1][RDB-encoded value ...][RDB version:2 LE][CRC64:8 LE]
//
//   CRC64 (common/crc64.h) covers every byte before it, version included.
//   Cairn writes version 10 (Redis 7.0) and refuses newer ones, as 7.0 does.
//
// A string object (type 0) is one RDB string:
//   [00xxxxxx]                         length < 64, then the bytes
//   [01xxxxxx][xxxxxxxx]               14-bit length (big-endian), bytes
//   [10000000][4 bytes BE]             32-bit length, bytes
//   [10000001][8 bytes BE]             64-bit length, bytes
//   [11000000][1 byte]                 INT8  } the value is the decimal text
//   [11000001][2 bytes LE]             INT16 } of this signed integer
//   [11000010][4 bytes LE]             INT32 }
//   [11000011][len: compressed][len: original][LZF data]
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace cairn::storage {

inline constexpr uint16_t kDumpRdbVersion = 10;  // RDB_VERSION of Redis 7.0

// The DUMP payload of a string value, encoded exactly as Redis would encode
// it (rdbSaveRawString with rdbcompression yes): canonical integers that fit
// 32 bits use the INT encodings, strings longer than 20 bytes are LZF
// compressed when that saves at least 4 bytes, everything else is verbatim.
std::string EncodeStringDump(std::string_view value);

// Redis's verifyDumpPayload: at least the 10-byte footer, an RDB version not
// newer than ours, and a matching CRC64. InvalidArgument otherwise.
Status VerifyDumpPayload(std::string_view payload);

// Decodes the object of a verified payload. InvalidArgument if it is not a
// well-formed string object; objects of other RDB types
// (lists, hashes, streams...) are InvalidArgument too, since Cairn stores
// strings only. As in Redis 7.0 (rdbLoadObject over the whole buffer),
// bytes between the object and the footer are ignored, and an object may
// read into the footer bytes.
Status DecodeStringDump(std::string_view payload, std::string* value);

}  // namespace cairn::storage
