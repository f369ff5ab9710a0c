// A RocksDB status as Cairn's Status: the one mapping every storage file
// uses (storage/ only; RocksDB types do not leave this layer).
#pragma once

#include <rocksdb/status.h>

#include "common/status.h"

namespace cairn::storage {

inline Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return Status::NotFound(s.ToString());
  if (s.IsCorruption()) return Status::Corruption(s.ToString());
  if (s.IsNoSpace() || s.subcode() == rocksdb::Status::kNoSpace) {
    return Status::NoSpace(s.ToString());
  }
  if (s.IsIOError()) return Status::IOError(s.ToString());
  if (s.IsInvalidArgument()) return Status::InvalidArgument(s.ToString());
  return Status::Internal(s.ToString());
}

}  // namespace cairn::storage
