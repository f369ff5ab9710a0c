// The cluster-mode check every command with keys passes before it runs or is
// queued into MULTI (Redis's getNodeByQuery + clusterRedirectClient): MOVED
// for a slot owned elsewhere, ASK / TRYAGAIN for a slot being migrated,
// CROSSSLOT, CLUSTERDOWN.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "server/client.h"
#include "server/command.h"
#include "storage/key_locks.h"

namespace cairn {
namespace cluster {
class Cluster;
}
namespace storage {
class Engine;
}

// The error to reply instead of running `spec` (without '-'), or "" to run
// it. EXEC is checked over the keys of every queued command.
//
// When the keys' slot is open (MIGRATING here, or IMPORTING with ASKING),
// whether the keys exist decides, so the check takes the keys' stripes into
// `*hold`; the caller keeps it until the command has run, so a MIGRATE on
// another loop (which locks the same stripes) cannot move a key between the
// check and the command. Redis gets this for free from its single thread.
//
// A write to a slot whose atomic migration is in its final catch-up is
// neither run nor refused: *park is set (and "" returned), and the caller
// runs it again a little later (cluster/slot_migration.h).
std::string ClusterRedirect(const cluster::Cluster& cluster, storage::Engine& engine,
                            const CommandSpec& spec, std::span<const std::string_view> argv,
                            const Client& client, storage::KeyLockGuard* hold, bool* park);

}  // namespace cairn
