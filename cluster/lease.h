// Master leases: a master serves its slots only while a majority of the
// masters (counting itself) confirmed, within the lease period, that they
// still regard it as the owner of the slots it claims. A master that was
// frozen (SIGSTOP, a VM pause) or cut off while a replica replaced it finds
// its lease expired when it resumes, before it runs anything queued on its
// sockets, because the check runs per command on the monotonic clock.
//
//   master M                                   peer master V
//   ping sent at t (M's monotonic clock) ----> OnPing; V confirms M iff V is
//                                              a master serving slots, owns
//                                              in its table every slot M
//                                              claims to M, and did not vote
//                                              to replace M lately
//   pong(confirmed) <------------------------  V notes when it confirmed M
//   anchor(V) = t  (the SEND time: V's view
//   held at some instant after t)
//   lease valid while, for a majority counting M, now < anchor + period.
//
// Why a failover cannot overlap a valid lease: a voter V refuses to vote to
// replace M until the vote guard (longer than the period, on V's clock) has
// passed since it last confirmed M, and after voting it stops confirming M.
// The voters are a majority of the masters, so every majority that could
// keep M's lease alive contains a voter whose last confirmation was anchored
// before the vote by more than the period: M's lease is over before the new
// master can win. This needs only that the nodes' monotonic clocks advance
// at rates within vote_guard/period of each other (1.25 here), never that
// they agree on the time; wall-clock jumps change nothing.
//
// The state lives in the node table (Node::lease_*), under Cluster's mutex.
#pragma once

#include <cstdint>
#include <string>

#include "cluster/cluster_state.h"

namespace cairn::cluster {

// The lease period: node-timeout * 7/10. A failover needs at least
// node-timeout without a pong before FAIL, so a lease that a live master
// renews four times per period never lapses under a healthy cluster (a
// stall of most of a period is needed), and a frozen one lapses before a
// replica can win.
int64_t LeasePeriodMs(const ClusterOptions& options);
// How long after confirming a master's lease a voter refuses to vote to
// replace it: node-timeout * 9/10 (= period * 1.29, the drift margin).
// Shorter than the node-timeout FAIL needs, so it never delays a failover
// of a master that really stopped talking.
int64_t LeaseVoteGuardMs(const ClusterOptions& options);

// ---- voter side (the node answering a ping) ----
// Whether the pong to `pinger`'s ping (claiming `claimed`, already applied
// to the table by OnPing) confirms its lease. Records the confirmation time
// (monotonic) on `pinger` when it does.
bool ConfirmLease(ClusterState& state, Node* pinger, const SlotBitmap& claimed,
                  int64_t now_mono_ms);
// Whether a vote to replace `master` must wait: this node confirmed its
// lease less than the vote guard ago. `why` says so for the log.
bool LeaseBlocksVote(const ClusterState& state, const ClusterOptions& options, const Node& master,
                     int64_t now_mono_ms, std::string* why);
// A vote to replace `master` was granted: stop confirming its lease until
// the candidate's election is certainly over (by then the winner's claim
// has reached this node, and the slot check takes over).
void OnVoteAgainst(const ClusterOptions& options, Node* master, int64_t now_mono_ms);

// ---- master side (the node that pinged) ----
// The pong from `peer` to a ping sent at `sent_mono_ms` said `confirmed`.
void OnLeaseReply(Node* peer, bool confirmed, int64_t sent_mono_ms);
// Until when (monotonic ms) myself's lease holds: myself plus enough masters
// serving slots (as myself sees them) for a majority confirmed it within
// the period. A lone master: forever (INT64_MAX). Myself not a master with
// slots: 0 (it serves nothing as a master anyway).
int64_t LeaseValidUntil(const ClusterState& state, const ClusterOptions& options);

}  // namespace cairn::cluster
