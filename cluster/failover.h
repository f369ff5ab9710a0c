// Replica failover as Redis Cluster does it (cluster_legacy.c's
// clusterHandleSlaveFailover, clusterSendFailoverAuthIfNeeded and manual
// failover), as plain rules on the node table so they are tested without
// RPC. cluster/rpc/bus.cc runs FailoverCron every tick, sends the vote
// requests it asks for and feeds the answers back.
//
//   candidate (a replica)                 voters (masters serving slots)
//   master FAIL (or CLUSTER FAILOVER)
//   wait 500 + rand(500) + rank*1000 ms
//   currentEpoch++, requestVote ------->  GrantVote: one vote per epoch, only
//                                         for a replica of a FAIL master (or a
//                                         manual failover), once per master
//   votes from a majority  <-----------   per 2 x node-timeout, claimed slots
//   Promote: master, old master's slots,  not stale
//   configEpoch = election epoch; gossip spreads the claim
#pragma once

#include <cstdint>
#include <string>

#include "cluster/cluster_state.h"
#include "cluster/gossip.h"

namespace cairn::cluster {

struct VoteRequest {
  std::string candidate;      // the replica asking
  uint64_t epoch = 0;         // the candidate's currentEpoch after its bump
  std::string master_id;      // the master it replaces
  uint64_t config_epoch = 0;  // that master's configEpoch as the candidate knows it
  SlotBitmap slots;           // the slots it will claim
  bool manual = false;        // CLUSTER FAILOVER: the master need not be FAIL
};

// Redis's clusterSendFailoverAuthIfNeeded: whether myself (a master) votes
// for `req`. A granted vote is recorded (lastVoteEpoch, the master's vote
// time) and fx->save set. `why` says why not, for the log.
bool GrantVote(ClusterState& state, const ClusterOptions& options, const VoteRequest& req,
               int64_t now_ms, Effects* fx, std::string* why);

// What the cron wants the bus to do.
struct FailoverActions {
  bool request_votes = false;
  VoteRequest request;
  bool promoted = false;  // myself just became a master: tell everyone
};

// How long an election may take (Redis: 2 x node-timeout, at least 2 s) and
// when a failed one may be retried (twice that).
int64_t AuthTimeoutMs(const ClusterOptions& options);

// Rank of myself among its master's replicas: how many have a higher
// replication offset (0 = the best; it goes first).
int FailoverRank(const ClusterState& state);

// An automatic election starts kElectionDelayMs + jitter + rank * 1000 ms
// after the master is seen FAIL. Redis waits 500 ms + [0, 500) for the FAIL
// to spread; on Cairn's bus a FAIL is broadcast to every node the moment it
// is decided, so half of that is enough, and failover stays within
// node-timeout + 1 s (README "Failover").
inline constexpr int64_t kElectionDelayMs = 250;
inline constexpr int64_t kElectionJitterMs = 250;

// Redis's clusterHandleSlaveFailover (and clusterHandleManualFailover), run
// periodically on the bus thread. `random_ms` is in [0, kElectionJitterMs):
// the jitter that keeps replicas of one master from starting the same
// epoch's election.
void FailoverCron(ClusterState& state, const ClusterOptions& options, int64_t now_ms,
                  int64_t random_ms, Effects* fx, FailoverActions* out);

// A voter granted the vote for `epoch`.
void OnVoteGranted(ClusterState& state, const std::string& voter_id, uint64_t epoch);

// Makes myself the master of its master's slots with configEpoch `epoch`
// (an election won, or TAKEOVER).
void Promote(ClusterState& state, uint64_t epoch, Effects* fx);

enum class ManualFailoverMode { kDefault, kForce, kTakeover };

// Why CLUSTER FAILOVER was refused (server/errors.h has Redis's texts).
enum class ManualFailoverRefusal { kNone, kNotReplica, kMasterUnknown, kMasterDown };

// CLUSTER FAILOVER on myself. Default and FORCE start an election (default
// first has the bus pause the master and waits for its offset, see
// FailoverState); TAKEOVER promotes at once with a fresh epoch.
ManualFailoverRefusal StartManualFailover(ClusterState& state, const ClusterOptions& options,
                                          ManualFailoverMode mode, int64_t now_ms, Effects* fx);

}  // namespace cairn::cluster
