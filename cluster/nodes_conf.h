// The text form of the node table: CLUSTER NODES lines and nodes.conf
// (the same lines plus a "vars" line), as Redis 7.0 writes them.
//
//   <id> <ip>:<port>@<bus-port>[,<hostname>] <flags> <master-id|-> <ping-sent-ms>
//   <pong-received-ms> <config-epoch> <connected|disconnected> <slot|from-to>...
//   vars currentEpoch <n> lastVoteEpoch <n>
#pragma once

#include <string>

#include "cluster/cluster_state.h"
#include "common/status.h"

namespace cairn::cluster {

// One CLUSTER NODES line (no trailing newline).
std::string DescribeNode(const ClusterState& state, const Node& node);
// Every node, one line each, each ending in "\n" (CLUSTER NODES).
std::string DescribeNodes(const ClusterState& state);

// The whole nodes.conf text: DescribeNodes plus the "vars" line.
std::string NodesConfText(const ClusterState& state);
// Writes nodes.conf atomically: a temp file in the same directory, fsync,
// rename over the old one, fsync of the directory.
// `sync`: fsync the file and its directory (false: the rename is atomic but
// may not survive a power loss, as Redis's save without CLUSTER_TODO_FSYNC_CONFIG).
[[nodiscard]] Status WriteNodesConf(const std::string& path, const std::string& text,
                                    bool sync = true);
[[nodiscard]] Status SaveNodesConf(const std::string& path, const ClusterState& state);
// Loads nodes.conf into an empty state. NotFound if the file does not exist;
// Corruption (naming the line) if it cannot be parsed or has no "myself".
[[nodiscard]] Status LoadNodesConf(const std::string& path, ClusterState* state);

}  // namespace cairn::cluster
