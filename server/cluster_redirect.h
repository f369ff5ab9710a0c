// The cluster-mode check every command with keys passes before it runs or is
// queued into MULTI (Redis's getNodeByQuery + clusterRedirectClient): MOVED
// for a slot owned elsewhere, CROSSSLOT, CLUSTERDOWN.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "server/client.h"
#include "server/command.h"

namespace cairn {
namespace cluster {
class Cluster;
}

// The error to reply instead of running `spec` (without '-'), or "" to run
// it. EXEC is checked over the keys of every queued command.
std::string ClusterRedirect(const cluster::Cluster& cluster, const CommandSpec& spec,
                            std::span<const std::string_view> argv, const Client& client);

}  // namespace cairn
