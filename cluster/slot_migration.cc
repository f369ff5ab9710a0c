#include "cluster/slot_migration.h"

#include <algorithm>

#include "cluster/cluster_state.h"

namespace cairn::cluster {

std::string SlotRangesText(const std::vector<storage::SlotRange>& ranges) {
  std::string out;
  for (const storage::SlotRange& r : ranges) {
    if (!out.empty()) out += ' ';
    out += std::to_string(r.first) + "-" + std::to_string(r.last);
  }
  return out;
}

bool InRanges(const std::vector<storage::SlotRange>& ranges, int slot) {
  return std::any_of(ranges.begin(), ranges.end(), [slot](const storage::SlotRange& r) {
    return slot >= r.first && slot <= r.last;
  });
}

namespace {

// The slot some active job of this node already moves, or -1.
int BusySlot(const ClusterState& s, const std::vector<storage::SlotRange>& ranges) {
  for (const SlotMigration& m : s.slot_migrations) {
    if (!m.active()) continue;
    for (const storage::SlotRange& r : ranges) {
      for (int slot = r.first; slot <= r.last; ++slot) {
        if (InRanges(m.ranges, slot)) return slot;
      }
    }
  }
  return -1;
}

}  // namespace

std::string StartExports(ClusterState& s, const std::vector<MigrateSlotsGroup>& groups,
                         int64_t now_ms) {
  Node* me = s.myself();
  if (!me->is_master()) return "ERR Slot migration can only be started on a primary node.";
  SlotBitmap seen;
  for (const MigrateSlotsGroup& g : groups) {
    Node* target = s.Find(g.target_id);
    if (target == nullptr) return "ERR Unknown node " + g.target_id;
    if (target == me) return "ERR Target node can not be this node.";
    if (!target->is_master()) return "ERR Target node is not a primary.";
    if (target->flags & kFlagHandshake) return "ERR Target node is still in handshake.";
    for (const storage::SlotRange& r : g.ranges) {
      for (int slot = r.first; slot <= r.last; ++slot) {
        if (s.owner(slot) != me)
          return "ERR I'm not the owner of hash slot " + std::to_string(slot);
        if (seen.test(static_cast<size_t>(slot))) {
          return "ERR Slot " + std::to_string(slot) + " specified multiple times";
        }
        seen.set(static_cast<size_t>(slot));
        if (s.migrating_to(slot) != nullptr || s.importing_from(slot) != nullptr) {
          return "ERR Slot " + std::to_string(slot) +
                 " is migrating or importing (CLUSTER SETSLOT)";
        }
      }
    }
    if (int busy = BusySlot(s, g.ranges); busy >= 0) {
      return "ERR Slot " + std::to_string(busy) + " is already being migrated";
    }
  }
  for (const MigrateSlotsGroup& g : groups) {
    SlotMigration m;
    m.name = RandomNodeId();
    m.op = SlotMigration::Op::kExport;
    m.ranges = g.ranges;
    m.source_id = me->id;
    m.target_id = g.target_id;
    m.create_ms = m.update_ms = m.ack_ms = now_ms;
    m.state = "pending";
    s.slot_migrations.push_back(std::move(m));
  }
  TrimMigrationLog(s);
  return "";
}

int CancelExports(ClusterState& s) {
  int n = 0;
  for (SlotMigration& m : s.slot_migrations) {
    if (m.op == SlotMigration::Op::kExport && m.active() && !m.cancel_requested) {
      m.cancel_requested = true;
      ++n;
    }
  }
  return n;
}

SlotMigration* FindMigration(ClusterState& s, std::string_view name) {
  for (SlotMigration& m : s.slot_migrations) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

void SetMigrationState(SlotMigration* m, const char* state, int64_t now_ms, std::string message) {
  m->state = state;
  m->update_ms = now_ms;
  if (!message.empty()) m->message = std::move(message);
}

void TrimMigrationLog(ClusterState& s) {
  auto& log = s.slot_migrations;
  size_t inactive = static_cast<size_t>(
      std::count_if(log.begin(), log.end(), [](const SlotMigration& m) { return !m.active(); }));
  for (auto it = log.begin(); inactive > kMigrationLogMax && it != log.end();) {
    if (!it->active()) {
      it = log.erase(it);
      --inactive;
    } else {
      ++it;
    }
  }
}

std::string CheckImport(const ClusterState& s, std::string_view source_id,
                        const std::vector<storage::SlotRange>& ranges) {
  const Node* me = s.myself();
  if (!me->is_master()) return "the target is not a primary";
  const Node* source = s.Find(source_id);
  if (source == nullptr || !source->is_master()) return "the source is not a known primary";
  if (ranges.empty()) return "no slot ranges";
  for (const storage::SlotRange& r : ranges) {
    if (r.first > r.last || r.last >= kSlots) return "bad slot range";
    for (int slot = r.first; slot <= r.last; ++slot) {
      if (s.owner(slot) != source) {
        return "slot " + std::to_string(slot) + " is not the source's in the target's view";
      }
      if (s.migrating_to(slot) != nullptr || s.importing_from(slot) != nullptr) {
        return "slot " + std::to_string(slot) + " is migrating or importing";
      }
    }
  }
  if (int busy = BusySlot(s, ranges); busy >= 0) {
    return "slot " + std::to_string(busy) + " is already being migrated";
  }
  return "";
}

}  // namespace cairn::cluster
