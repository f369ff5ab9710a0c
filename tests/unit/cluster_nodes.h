// Node-table helpers shared by the cluster unit tests: ids made of one
// repeated character, and master peers owning a slot range.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cluster/cluster_state.h"

namespace cairn::cluster::test_nodes {

// A 40-character node id of `c` repeated.
inline std::string IdOf(char c) { return std::string(kNodeIdLen, c); }

// A master peer with id IdOf(c), owning slots [from, to] at `epoch`.
inline Node* AddMaster(ClusterState& state, char c, int from, int to, uint64_t epoch) {
  auto n = std::make_unique<Node>();
  n->id = IdOf(c);
  n->ip = "127.0.0.1";
  n->port = 7000 + c;
  n->bus_port = 17000 + c;
  n->config_epoch = epoch;
  Node* raw = state.Add(std::move(n));
  for (int j = from; j <= to; ++j) state.Assign(j, raw);
  return raw;
}

}  // namespace cairn::cluster::test_nodes
