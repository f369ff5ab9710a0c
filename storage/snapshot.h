// Snapshots of a node's store as RocksDB checkpoints, and seeding a new data
// directory from one. Layout under Cairn's working directory `dir`:
//
//   <dir>/db/                            the live store (Engine)
//   <dir>/checkpoints/snapshot-<ms>-<seq>/  complete checkpoints: RocksDB files
//                                        (SSTs hard-linked) + the CAIRN marker
//   <dir>/checkpoints/latest             symlink to the newest complete one
//   <dir>/checkpoints/tmp-...            a checkpoint being built (never read)
//
// A checkpoint is built under a tmp- name and renamed when complete, so a
// snapshot-* directory is always whole. The newest kKeptCheckpoints are kept:
// one older than the newest survives so a copy of it still in progress (a
// restore elsewhere) is not pulled away by the next save.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace cairn::storage {

class Engine;

inline constexpr int kKeptCheckpoints = 2;

struct CheckpointInfo {
  std::string path;       // <dir>/checkpoints/snapshot-...
  uint64_t sequence = 0;  // every write up to this sequence is in it
};

// Takes a consistent checkpoint of `engine` (whose working directory is
// `dir`) into <dir>/checkpoints, points `latest` at it and prunes older ones.
// `now_ms` (wall clock) names it. On failure nothing but leftovers under a
// tmp- name is written, and those are removed by the next save.
Result<CheckpointInfo> SaveCheckpoint(Engine& engine, const std::string& dir, int64_t now_ms);

// Populates <dir>/db from a checkpoint directory made by SaveCheckpoint, for
// a node started with restore-from. Refuses a source without the CAIRN
// marker and a <dir>/db that exists and is not empty, so nothing is ever
// overwritten. SST files are hard-linked when on the same filesystem (they
// are immutable), the rest is copied; the result appears under its final
// name only once complete.
Status RestoreCheckpoint(const std::string& checkpoint_dir, const std::string& dir);

}  // namespace cairn::storage
