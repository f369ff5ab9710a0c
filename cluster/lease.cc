#include "cluster/lease.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <vector>

#include "cluster/failover.h"

namespace cairn::cluster {

int64_t LeasePeriodMs(const ClusterOptions& options) { return options.node_timeout_ms * 7 / 10; }

int64_t LeaseVoteGuardMs(const ClusterOptions& options) { return options.node_timeout_ms * 9 / 10; }

bool ConfirmLease(ClusterState& state, Node* pinger, const SlotBitmap& claimed,
                  int64_t now_mono_ms) {
  const Node* me = state.myself();
  if (pinger == nullptr || pinger == me || !me->is_master() || me->slots.none()) return false;
  if (!pinger->is_master() || now_mono_ms < pinger->lease_denied_until_ms) return false;
  // It must still own some of what it claims in our table: a failover
  // gives all of a master's slots to its replica (with a newer configEpoch),
  // so a master that was replaced owns none of its claims here. A slot
  // handed over by migration (SETSLOT NODE reaches the nodes one by one)
  // leaves the rest of its claims its own, and its lease holds.
  bool owns_a_claim = false;
  for (int j = 0; j < kSlots && !owns_a_claim; ++j) {
    owns_a_claim = claimed.test(static_cast<size_t>(j)) && state.owner(j) == pinger;
  }
  if (!owns_a_claim) return false;
  pinger->lease_confirmed_ms = now_mono_ms;
  return true;
}

bool LeaseBlocksVote(const ClusterState& state, const ClusterOptions& options, const Node& master,
                     int64_t now_mono_ms, std::string* why) {
  (void)state;
  if (!options.master_lease || master.lease_confirmed_ms == 0) return false;
  const int64_t age = now_mono_ms - master.lease_confirmed_ms;
  if (age >= LeaseVoteGuardMs(options)) return false;
  *why = "I confirmed the lease of " + master.id + " " + std::to_string(age) + " ms ago";
  return true;
}

void OnVoteAgainst(const ClusterOptions& options, Node* master, int64_t now_mono_ms) {
  // The candidate counts votes until its auth timeout; twice that covers
  // its clock running slower than ours.
  master->lease_denied_until_ms = now_mono_ms + 2 * AuthTimeoutMs(options);
}

void OnLeaseReply(Node* peer, bool confirmed, int64_t sent_mono_ms) {
  if (confirmed) {
    peer->lease_anchor_ms = std::max(peer->lease_anchor_ms, sent_mono_ms);
  } else {
    // A denial is newer news than any earlier confirmation.
    peer->lease_anchor_ms = 0;
  }
}

int64_t LeaseValidUntil(const ClusterState& state, const ClusterOptions& options) {
  const Node* me = state.myself();
  if (!me->is_master() || me->slots.none()) return 0;
  const int needed = state.Quorum() - 1;  // the others a majority needs
  if (needed <= 0) return std::numeric_limits<int64_t>::max();
  std::vector<int64_t> anchors;
  for (const auto& [id, n] : state.nodes()) {
    if (n.get() == me || !n->is_master() || n->slots.none() || n->lease_anchor_ms == 0) continue;
    anchors.push_back(n->lease_anchor_ms);
  }
  if (static_cast<int>(anchors.size()) < needed) return 0;
  // The needed-th newest anchor bounds the lease.
  std::nth_element(anchors.begin(), anchors.begin() + (needed - 1), anchors.end(),
                   std::greater<int64_t>());
  return anchors[static_cast<size_t>(needed - 1)] + LeasePeriodMs(options);
}

}  // namespace cairn::cluster
