#include "server/cluster_redirect.h"

#include <vector>

#include "cluster/cluster.h"
#include "common/crc16.h"
#include "server/errors.h"

namespace cairn {
namespace {

void AddSlots(const CommandSpec& spec, size_t argc, std::string_view (*arg)(const void*, size_t),
              const void* args, std::vector<uint16_t>* slots, bool* write) {
  std::vector<int> pos = spec.KeyPositions(argc);
  if (!pos.empty() && (spec.flags & kCmdWrite)) *write = true;
  for (int p : pos) slots->push_back(KeyHashSlot(arg(args, static_cast<size_t>(p))));
}

std::string_view ViewArg(const void* args, size_t i) {
  return static_cast<const std::string_view*>(args)[i];
}
std::string_view StringArg(const void* args, size_t i) {
  return static_cast<const std::string*>(args)[i];
}

}  // namespace

std::string ClusterRedirect(const cluster::Cluster& cluster, const CommandSpec& spec,
                            std::span<const std::string_view> argv, const Client& client) {
  std::vector<uint16_t> slots;
  bool write = false;
  if (spec.name == "exec") {
    if (!client.txn.active) return "";
    for (const auto& q : client.txn.queued) {
      AddSlots(*q.spec, q.argv.size(), StringArg, q.argv.data(), &slots, &write);
    }
  } else {
    if (spec.key_specs.empty()) return "";
    AddSlots(spec, argv.size(), ViewArg, argv.data(), &slots, &write);
  }
  cluster::Route r = cluster.RouteSlots(slots, write, client.cluster_readonly);
  switch (r.kind) {
    case cluster::Route::kHere:
      return "";
    case cluster::Route::kMoved:
      return errors::Moved(r.slot, r.addr);
    case cluster::Route::kAsk:
      return errors::Ask(r.slot, r.addr);
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
  }
  return "";
}

}  // namespace cairn
