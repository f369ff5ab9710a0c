// Atomic slot migration (CLUSTER MIGRATESLOTS, with Valkey 9's syntax and
// semantics): the jobs one node runs or serves, kept in ClusterState, and
// the rules that start, cancel and finish them. The bus drives the jobs
// (cluster/rpc/bus_migration.cc); the rows move as storage chunks
// (storage::Engine's "atomic slot migration" section).
//
// One job moves some slot ranges from the source (the node the command was
// sent to, an EXPORT job there) to a target master (an IMPORT job there):
//   1. the target empties the ranges and opens the import;
//   2. the source streams a snapshot of the ranges' rows, then the changes
//      its WAL recorded since (catch-up);
//   3. once catch-up is short, the source pauses writes to those slots
//      (commands wait on the loop, nobody sees an error or ASK), sends the
//      last changes and asks the target to finish;
//   4. the target takes the slots with a new configEpoch and answers; the
//      source gives them up, resumes the paused writes (they now get MOVED)
//      and deletes its copy of the rows.
// A cancelled or failed job leaves the source owning everything and the
// target holding nothing of the ranges.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/engine.h"

namespace cairn::cluster {

class ClusterState;

struct SlotMigration {
  enum class Op { kExport, kImport };
  std::string name;  // 40 hex chars, the same on both sides
  Op op = Op::kExport;
  std::vector<storage::SlotRange> ranges;
  std::string source_id;
  std::string target_id;
  int64_t create_ms = 0;  // wall clock
  int64_t update_ms = 0;  // the state last changed
  int64_t ack_ms = 0;     // the peer last answered / spoke
  // Export: "pending", "snapshotting", "streaming", "paused", "finishing",
  // "cleaning"; import: "receiving". Terminal: "success", "failed",
  // "cancelled" (GETSLOTMIGRATIONS prints it as is).
  std::string state;
  std::string message;  // why it failed, or ""
  bool cancel_requested = false;
  uint64_t keys = 0;  // keys sent / received

  bool active() const { return state != "success" && state != "failed" && state != "cancelled"; }
};

inline constexpr const char* kMigrationSuccess = "success";
inline constexpr const char* kMigrationFailed = "failed";
inline constexpr const char* kMigrationCancelled = "cancelled";
// Inactive entries GETSLOTMIGRATIONS keeps (Valkey's
// cluster-slot-migration-log-max-len default).
inline constexpr size_t kMigrationLogMax = 1000;

// "0-10 20-30", as GETSLOTMIGRATIONS prints slot_ranges.
std::string SlotRangesText(const std::vector<storage::SlotRange>& ranges);

// One "SLOTSRANGE start end ... NODE id" group of MIGRATESLOTS.
struct MigrateSlotsGroup {
  std::vector<storage::SlotRange> ranges;
  std::string target_id;
};

// Queues an export job per group after checking all of them (nothing is
// queued if one is refused). Returns the Redis-style error, or "" on
// success. `now_ms` is the wall clock.
std::string StartExports(ClusterState& s, const std::vector<MigrateSlotsGroup>& groups,
                         int64_t now_ms);
// CLUSTER CANCELSLOTMIGRATIONS: asks every active export job to stop.
// Returns how many were asked.
int CancelExports(ClusterState& s);
// The job named `name`, or null.
SlotMigration* FindMigration(ClusterState& s, std::string_view name);
// Sets a job's state (and the update time).
void SetMigrationState(SlotMigration* m, const char* state, int64_t now_ms,
                       std::string message = "");
// Drops the oldest inactive entries past kMigrationLogMax.
void TrimMigrationLog(ClusterState& s);
// Whether `slot` is in one of `ranges`.
bool InRanges(const std::vector<storage::SlotRange>& ranges, int slot);
// Checks an IMPORT request on the target: myself a master, the source a
// master that owns every slot, no slot importing or migrating already.
// Returns the reason it is refused, or "".
std::string CheckImport(const ClusterState& s, std::string_view source_id,
                        const std::vector<storage::SlotRange>& ranges);

}  // namespace cairn::cluster
