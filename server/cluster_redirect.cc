#include "server/cluster_redirect.h"

#include <vector>

#include "cluster/cluster.h"
#include "common/crc16.h"
#include "common/strings.h"
#include "server/errors.h"
#include "server/transaction.h"
#include "storage/engine.h"

namespace cairn {
namespace {

// The keys of one command, as Redis's getKeysFromCommand finds them:
// movable ones (MIGRATE's) by the command's find_keys.
template <class Arg>
void AddKeys(const CommandSpec& spec, std::span<const Arg> argv,
             std::vector<std::string_view>* keys, bool* write) {
  std::vector<int> pos;
  if (spec.find_keys != nullptr) {
    std::vector<std::string_view> views(argv.begin(), argv.end());
    pos = spec.find_keys(views);
  } else {
    pos = spec.KeyPositions(argv.size());
  }
  if (!pos.empty() && (spec.flags & kCmdWrite)) *write = true;
  for (int p : pos) keys->push_back(argv[static_cast<size_t>(p)]);
}

}  // namespace

std::string ClusterRedirect(const cluster::Cluster& cluster, storage::Engine& engine,
                            const CommandSpec& spec, std::span<const std::string_view> argv,
                            const Client& client, storage::KeyLockGuard* hold, bool* park) {
  *park = false;
  std::vector<std::string_view> keys;
  bool write = false;
  bool asking_cmd = (spec.flags & kCmdAsking) != 0;
  bool migrate = spec.name == "migrate";
  if (spec.name == "exec") {
    if (!client.txn.active) return "";
    for (const auto& q : client.txn.queued) {
      AddKeys(*q.spec, std::span<const std::string>(q.argv), &keys, &write);
      // Redis's getNodeByQuery looks at EXEC itself, not the queued commands'
      // flags, for ASKING-able and MIGRATE.
    }
  } else {
    if (spec.key_specs.empty() && !migrate) return "";
    AddKeys(spec, argv, &keys, &write);
  }
  if (keys.empty()) return "";
  std::vector<uint16_t> slots;
  slots.reserve(keys.size());
  bool multiple = false;
  for (std::string_view k : keys) {
    slots.push_back(KeyHashSlot(k));
    if (k != keys[0]) multiple = true;
  }
  cluster::RouteQuery q;
  q.slots = slots;
  q.is_write = write;
  q.allow_replica_read = client.cluster_readonly;
  q.asking = client.asking || asking_cmd;
  q.is_migrate = migrate;
  q.multiple_keys = multiple;
  // Cluster mode has db 0 only. Expired keys count as missing, as Redis's
  // lookupKeyReadWithFlags treats them.
  q.count_missing = [&]() {
    if (spec.name == "exec") {
      // The stripes EXEC itself will take (watched and queued keys, or all),
      // so it takes none after holding these (the lock order stays ascending).
      bool all = false;
      std::vector<std::pair<uint8_t, std::string_view>> lock;
      for (const auto& w : client.txn.watched) lock.emplace_back(w.db, w.key);
      for (const auto& queued : client.txn.queued) all = all || NeedsAllLocks(*queued.spec);
      for (std::string_view k : keys) lock.emplace_back(static_cast<uint8_t>(client.db), k);
      *hold = all ? storage::KeyLockGuard::All(engine.locks())
                  : storage::KeyLockGuard(engine.locks(), lock);
    } else {
      *hold = storage::KeyLockGuard(engine.locks(), 0, keys);
    }
    int missing = 0;
    for (std::string_view k : keys) {
      storage::KeyState ks;
      if (!engine.Lookup(0, k, &ks).ok() || !ks.live) ++missing;
    }
    return missing;
  };
  cluster::Route r = cluster.RouteCommand(q);
  switch (r.kind) {
    case cluster::Route::kHere:
      return "";
    case cluster::Route::kMoved:
      return errors::Moved(r.slot, r.addr);
    case cluster::Route::kAsk:
      return errors::Ask(r.slot, r.addr);
    case cluster::Route::kTryAgain:
      return std::string(errors::kTryAgainRehashing);
    case cluster::Route::kCrossSlot:
      return std::string(errors::kCrossSlot);
    case cluster::Route::kDownUnbound:
      return std::string(errors::kClusterDownUnbound);
    case cluster::Route::kDownState:
      return std::string(errors::kClusterDown);
    case cluster::Route::kDownReadOnly:
      return std::string(errors::kClusterDownReadOnly);
    case cluster::Route::kPaused:
      return std::string(errors::kFailoverPaused);
    case cluster::Route::kNoLease:
      return std::string(errors::kNoLease);
    case cluster::Route::kWritePaused:
      *park = true;
      return "";
  }
  return "";
}

}  // namespace cairn
