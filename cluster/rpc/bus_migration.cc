// Atomic slot migration on the bus thread (cluster/slot_migration.h says
// what a job does). The source runs one export job at a time as a chain of
// calls to the target: importBegin, importChunk (snapshot rows, then WAL
// changes), importFinish; the target answers them from the Service.
//
// Everything here runs on the bus thread. Reading or writing a chunk takes
// a few milliseconds, so pings and votes interleave with a migration; the
// rows a job leaves behind are deleted a step at a time for the same reason.
#include <algorithm>
#include <cstring>
#include <optional>

#include "cluster/rpc/bus_loop.h"
#include "cluster/slot_migration.h"

namespace cairn::cluster {
namespace {

constexpr size_t kChunkBytes = 512 << 10;
// Chunks sent and not answered yet: reading the next one overlaps the
// target's writing of the last.
constexpr int kWindow = 4;
// Catch-up is short enough to pause writes for once a round that reached
// the end of the WAL found less than this to send...
constexpr size_t kShortCatchUpBytes = 64 << 10;
// ...or after this many rounds (writes into the slots outpace the copy).
constexpr int kMaxCatchUpRounds = 200;
// WAL bytes one round reads at most before yielding to other events.
constexpr size_t kWalBytesPerRound = 4 << 20;
// The write pause ends with the job failed if the last changes and the
// finish call take longer than this.
constexpr int64_t kMaxPauseMs = 5000;
// How long the target waits for its replicas to acknowledge the imported
// rows before it refuses to finish (the source's pause lasts at most
// kMaxPauseMs).
constexpr int64_t kReplicaWaitMs = 3000;
// How long the source keeps asking a target that has no link yet, or that
// refuses importBegin (its view of the slots may lag), before the job fails.
constexpr int64_t kBeginMs = 5000;
// Keys deleted per step when a job's rows are dropped.
constexpr size_t kDeleteStepKeys = 10000;
// With nothing to send, the source still calls the target this often (an
// empty changes chunk): the target sees the job alive, the source sees a
// broken link.
constexpr int64_t kHeartbeatMs = 1000;

std::string RangesWire(const std::vector<storage::SlotRange>& ranges) {
  std::string out;
  for (const storage::SlotRange& r : ranges) {
    for (uint16_t v : {r.first, r.last}) {
      out.push_back(static_cast<char>(v >> 8));
      out.push_back(static_cast<char>(v & 0xff));
    }
  }
  return out;
}

bool ParseRangesWire(capnp::Data::Reader data, std::vector<storage::SlotRange>* out) {
  if (data.size() == 0 || data.size() % 4 != 0) return false;
  for (size_t i = 0; i < data.size(); i += 4) {
    storage::SlotRange r;
    r.first = static_cast<uint16_t>(data[i] << 8 | data[i + 1]);
    r.last = static_cast<uint16_t>(data[i + 2] << 8 | data[i + 3]);
    if (r.first > r.last || r.last >= kSlots) return false;
    out->push_back(r);
  }
  return true;
}

capnp::Data::Reader AsData(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

std::string_view AsView(capnp::Data::Reader d) {
  return std::string_view(reinterpret_cast<const char*>(d.begin()), d.size());
}

// A remote exception's description without KJ's "remote exception: " and
// source location prefixes.
std::string Reason(const kj::Exception& e) {
  std::string d = e.getDescription().cStr();
  const std::string_view prefix = "remote exception: ";
  if (d.rfind(prefix, 0) == 0) d.erase(0, prefix.size());
  return d;
}

template <class F>
void ForEachSlot(const std::vector<storage::SlotRange>& ranges, F&& f) {
  for (const storage::SlotRange& r : ranges) {
    for (int slot = r.first; slot <= r.last; ++slot) f(slot);
  }
}

}  // namespace

struct Bus::Loop::Export {
  enum class Phase { kBegin, kSnapshot, kCatchUp, kPause, kFinish, kResolve, kClean };
  std::string name;
  std::string target_id;
  std::vector<storage::SlotRange> ranges;
  Phase phase = Phase::kBegin;
  std::unique_ptr<storage::Engine::SlotExport> view;
  std::unique_ptr<storage::Engine::UpdateTail> tail;
  bool view_done = false;
  int in_flight = 0;       // chunks sent and not answered
  bool waiting = false;    // a begin/finish/cancel call or a timer is out
  bool done = false;       // ended; export_ is reset soon
  int rounds = 0;          // catch-up rounds
  int64_t started_ms = 0;  // monotonic
  int64_t pause_ms = 0;    // monotonic, when writes were paused
  int64_t sent_ms = 0;     // monotonic, the last chunk sent
  std::vector<uint64_t> barrier;
  bool barrier_passed = false;
  std::string refusal;    // the target's last answer to importBegin, if it refused
  kj::Canceler canceler;  // last: destroying the job cancels its promises first
};

int64_t Bus::Loop::ImportIdleMs() const {
  return std::max<int64_t>(4 * cluster_.options().node_timeout_ms, 15000);
}

std::optional<rpc::ClusterBus::Client> Bus::Loop::CapOf(const std::string& node_id) {
  auto it = links_.find(node_id);
  if (it == links_.end() || !it->second->connected || it->second->dead) return std::nullopt;
  KJ_IF_MAYBE (cap, it->second->cap) {
    return *cap;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- source --

void Bus::Loop::DriveExport() {
  if (bus_.options_.engine == nullptr) return;
  if (export_ == nullptr && !StartNextExport()) return;
  Export& ex = *export_;
  if (ex.done || ex.waiting) return;
  try {
    if (ex.phase < Export::Phase::kFinish) {
      bool cancel = cluster_.Locked([&](ClusterState& s) {
        SlotMigration* m = FindMigration(s, ex.name);
        return m == nullptr || m->cancel_requested;
      });
      if (cancel) {
        Abort(ex, kMigrationCancelled, "");
        return;
      }
    }
    const int64_t mono = cluster_.clock().MonotonicMs();
    if (ex.phase == Export::Phase::kBegin &&
        mono - ex.started_ms > std::max<int64_t>(cluster_.options().node_timeout_ms, kBeginMs)) {
      Abort(ex, kMigrationFailed,
            ex.refusal.empty() ? "no bus link to the target node"
                               : "the target refused: " + ex.refusal);
      return;
    }
    if (ex.phase == Export::Phase::kPause && mono - ex.pause_ms > kMaxPauseMs) {
      Abort(ex, kMigrationFailed, "the final catch-up took too long");
      return;
    }
    if (ex.phase < Export::Phase::kFinish) {
      // A failover may have demoted this node, or a SETSLOT moved a slot.
      bool mine = cluster_.Locked([&](ClusterState& s) {
        bool all = s.myself()->is_master();
        ForEachSlot(ex.ranges, [&](int slot) { all = all && s.owner(slot) == s.myself(); });
        return all;
      });
      if (!mine) {
        Abort(ex, kMigrationFailed, "this node no longer owns the slots as a primary");
        return;
      }
    }
    if (ex.phase > Export::Phase::kBegin && ex.phase < Export::Phase::kFinish) {
      bool down = cluster_.Locked([&](ClusterState& s) {
        const Node* t = s.Find(ex.target_id);
        return t == nullptr || t->timed_out() || t->failed() || !t->is_master();
      });
      if (down) {
        Abort(ex, kMigrationFailed, "the target node is unreachable or no longer a primary");
        return;
      }
    }
    switch (ex.phase) {
      case Export::Phase::kBegin:
        SendBegin(ex);
        break;
      case Export::Phase::kSnapshot:
        PumpSnapshot(ex);
        break;
      case Export::Phase::kCatchUp:
      case Export::Phase::kPause:
        PumpChanges(ex);
        break;
      case Export::Phase::kResolve:
        Resolve(ex);
        break;
      case Export::Phase::kFinish:
      case Export::Phase::kClean:
        break;
    }
  } catch (const kj::Exception& e) {
    Abort(ex, kMigrationFailed, Reason(e));
  }
}

bool Bus::Loop::StartNextExport() {
  auto ex = std::make_shared<Export>();
  bool found = cluster_.Locked([&](ClusterState& s) {
    const int64_t now = Now();
    for (SlotMigration& m : s.slot_migrations) {
      if (m.op != SlotMigration::Op::kExport || m.state != "pending") continue;
      if (m.cancel_requested) {
        SetMigrationState(&m, kMigrationCancelled, now);
        continue;
      }
      SetMigrationState(&m, "connecting", now);
      ex->name = m.name;
      ex->target_id = m.target_id;
      ex->ranges = m.ranges;
      return true;
    }
    return false;
  });
  if (!found) return false;
  ex->started_ms = cluster_.clock().MonotonicMs();
  export_ = std::move(ex);
  LOG_NOTICE("Slot migration %s: exporting slots %s to %s", export_->name.c_str(),
             SlotRangesText(export_->ranges).c_str(), export_->target_id.c_str());
  return true;
}

void Bus::Loop::SetExportState(Export& ex, const char* state, const std::string& message) {
  const int64_t now = Now();
  cluster_.Locked([&](ClusterState& s) {
    if (SlotMigration* m = FindMigration(s, ex.name)) SetMigrationState(m, state, now, message);
  });
}

void Bus::Loop::DriveLater(Export& ex, int64_t ms) {
  ex.waiting = true;
  auto after = ms > 0 ? timer_.afterDelay(ms * kj::MILLISECONDS) : kj::evalLater([] {});
  tasks_.add(ex.canceler.wrap(after.then([this, &ex]() {
    ex.waiting = false;
    DriveExport();
  })));
}

void Bus::Loop::SendBegin(Export& ex) {
  std::optional<rpc::ClusterBus::Client> cap = CapOf(ex.target_id);
  if (!cap) return;  // the next tick tries again, until the timeout
  auto req = cap->importBeginRequest();
  req.setName(ex.name);
  req.setSource(cluster_.Locked([](ClusterState& s) { return s.myself()->id; }));
  req.setRanges(AsData(RangesWire(ex.ranges)));
  ex.view = std::make_unique<storage::Engine::SlotExport>(*bus_.options_.engine, ex.ranges);
  ex.waiting = true;
  tasks_.add(ex.canceler.wrap(req.send().ignoreResult().then(
      [this, &ex]() {
        ex.waiting = false;
        ex.phase = Export::Phase::kSnapshot;
        SetExportState(ex, "snapshotting");
        DriveExport();
      },
      [this, &ex](kj::Exception&& e) {
        // Refused: the target opened nothing. Its view may lag (a cluster
        // just made, a slot just assigned): ask again until the begin
        // window ends (DriveExport).
        ex.waiting = false;
        ex.view.reset();
        ex.refusal = Reason(e);
        LOG_VERBOSE("Slot migration %s: the target refused (%s); asking again", ex.name.c_str(),
                    ex.refusal.c_str());
        DriveLater(ex, 200);
      })));
}

void Bus::Loop::SendChunk(Export& ex, bool changes, std::string chunk) {
  std::optional<rpc::ClusterBus::Client> cap = CapOf(ex.target_id);
  if (!cap) {
    Abort(ex, kMigrationFailed, "lost the bus link to the target node");
    return;
  }
  auto req = cap->importChunkRequest();
  req.setName(ex.name);
  req.setChanges(changes);
  req.setChunk(AsData(chunk));
  ++ex.in_flight;
  ex.sent_ms = cluster_.clock().MonotonicMs();
  tasks_.add(ex.canceler.wrap(req.send().ignoreResult().then(
      [this, &ex]() {
        --ex.in_flight;
        const int64_t now = Now();
        cluster_.Locked([&](ClusterState& s) {
          if (SlotMigration* m = FindMigration(s, ex.name)) m->ack_ms = now;
        });
        DriveExport();
      },
      [this, &ex](kj::Exception&& e) {
        --ex.in_flight;
        if (!ex.done) Abort(ex, kMigrationFailed, "the target: " + Reason(e));
      })));
}

void Bus::Loop::PumpSnapshot(Export& ex) {
  while (!ex.view_done && ex.in_flight < kWindow && !ex.done) {
    std::string chunk;
    bool finished = false;
    Status st = ex.view->Next(kChunkBytes, &chunk, &finished);
    if (!st.ok()) {
      Abort(ex, kMigrationFailed, "reading the slots: " + st.message());
      return;
    }
    ex.view_done = finished;
    if (!chunk.empty()) SendChunk(ex, false, std::move(chunk));
  }
  if (ex.done || !ex.view_done || ex.in_flight > 0) return;
  ex.tail =
      std::make_unique<storage::Engine::UpdateTail>(*bus_.options_.engine, ex.view->sequence() + 1);
  const uint64_t keys = ex.view->keys();
  ex.view.reset();
  ex.phase = Export::Phase::kCatchUp;
  cluster_.Locked([&](ClusterState& s) {
    if (SlotMigration* m = FindMigration(s, ex.name)) {
      m->keys = keys;
      SetMigrationState(m, "streaming", Now());
    }
  });
  DriveLater(ex, 0);
}

Status Bus::Loop::ReadChanges(Export& ex, std::string* chunk, bool* caught_up) {
  *caught_up = false;
  size_t read = 0;
  while (chunk->size() < kChunkBytes && read < kWalBytesPerRound) {
    std::vector<storage::Engine::ReplBatch> batches;
    Status st = ex.tail->Read(kChunkBytes, &batches);
    if (!st.ok()) return st;
    if (batches.empty()) {
      *caught_up = true;
      break;
    }
    for (const storage::Engine::ReplBatch& b : batches) {
      read += b.data.size();
      st = bus_.options_.engine->FilterSlotChanges(b, ex.ranges, chunk);
      if (!st.ok()) return st;
    }
  }
  return Status::Ok();
}

void Bus::Loop::PumpChanges(Export& ex) {
  if (ex.in_flight > 0) return;
  if (ex.phase == Export::Phase::kPause && !ex.barrier_passed) {
    // Writes admitted before the pause may still be in a loop's batch.
    if (!cluster_.LoopBarrierPassed(ex.barrier)) {
      DriveLater(ex, 1);
      return;
    }
    ex.barrier_passed = true;
  }
  std::string chunk;
  bool caught_up = false;
  Status st = ReadChanges(ex, &chunk, &caught_up);
  if (!st.ok()) {
    Abort(ex, kMigrationFailed, "reading the write-ahead log: " + st.message());
    return;
  }
  const size_t bytes = chunk.size();
  if (bytes > 0 || cluster_.clock().MonotonicMs() - ex.sent_ms >= kHeartbeatMs) {
    SendChunk(ex, true, std::move(chunk));
  }
  if (ex.done) return;
  if (ex.phase == Export::Phase::kCatchUp) {
    if (cluster_.clock().MonotonicMs() <
        bus_.hold_migrations_until_ms_.load(std::memory_order_acquire)) {
      if (bytes == 0) DriveLater(ex, 20);  // CAIRN.FAULT MIGRATION-HOLD
      return;
    }
    ++ex.rounds;
    if ((caught_up && bytes < kShortCatchUpBytes) || ex.rounds > kMaxCatchUpRounds) {
      StartPause(ex);
    } else if (bytes == 0) {
      DriveLater(ex, 0);  // more WAL to read, none of it ours so far
    }
    return;
  }
  // Paused: finish once everything up to now reached the target.
  if (caught_up && bytes == 0) {
    SendFinish(ex);
  } else if (bytes == 0) {
    DriveLater(ex, 0);
  }
}

void Bus::Loop::StartPause(Export& ex) {
  const int64_t now = Now();
  cluster_.Locked([&](ClusterState& s) {
    ForEachSlot(ex.ranges, [&](int slot) { s.write_paused.set(static_cast<size_t>(slot)); });
    if (SlotMigration* m = FindMigration(s, ex.name)) SetMigrationState(m, "paused", now);
  });
  ex.phase = Export::Phase::kPause;
  ex.pause_ms = cluster_.clock().MonotonicMs();
  ex.barrier = cluster_.ArmLoopBarrier();
  ex.barrier_passed = false;
  if (ex.in_flight == 0) DriveLater(ex, 0);
}

void Bus::Loop::SendFinish(Export& ex) {
  std::optional<rpc::ClusterBus::Client> cap = CapOf(ex.target_id);
  if (!cap) {
    Abort(ex, kMigrationFailed, "lost the bus link to the target node");
    return;
  }
  auto req = cap->importFinishRequest();
  req.setName(ex.name);
  ex.phase = Export::Phase::kFinish;
  ex.waiting = true;
  tasks_.add(ex.canceler.wrap(req.send().then(
      [this, &ex](capnp::Response<rpc::ClusterBus::ImportFinishResults>&& resp) {
        ex.waiting = false;
        TakeOver(ex, resp.getConfigEpoch());
      },
      [this, &ex](kj::Exception&& e) {
        // The target may or may not have taken the slots: writes stay
        // paused until it says which (Resolve).
        ex.waiting = false;
        LOG_WARNING("Slot migration %s: the finish call failed (%s); asking the target",
                    ex.name.c_str(), Reason(e).c_str());
        ex.phase = Export::Phase::kResolve;
        DriveLater(ex, 100);
      })));
}

void Bus::Loop::Resolve(Export& ex) {
  // Gossip may already tell: the target (or a replica promoted in its
  // place) claims the slots with a higher configEpoch than ours.
  uint64_t claimed_epoch = 0;
  bool claimed = cluster_.Locked([&](ClusterState& s) {
    const Node* owner = s.owner(ex.ranges[0].first);
    if (owner == nullptr || owner == s.myself()) return false;
    claimed_epoch = owner->config_epoch;
    return true;
  });
  if (claimed) {
    TakeOver(ex, claimed_epoch);
    return;
  }
  std::optional<rpc::ClusterBus::Client> cap = CapOf(ex.target_id);
  if (!cap) {
    DriveLater(ex, 1000);
    return;
  }
  auto req = cap->importCancelRequest();
  req.setName(ex.name);
  ex.waiting = true;
  tasks_.add(ex.canceler.wrap(req.send().then(
      [this, &ex](capnp::Response<rpc::ClusterBus::ImportCancelResults>&& resp) {
        ex.waiting = false;
        if (resp.getOwned()) {
          TakeOver(ex, resp.getConfigEpoch());
        } else {
          Abort(ex, kMigrationFailed, "the target did not finish the import");
        }
      },
      [this, &ex](kj::Exception&&) {
        ex.waiting = false;
        DriveLater(ex, 1000);
      })));
}

void Bus::Loop::TakeOver(Export& ex, uint64_t config_epoch) {
  const int64_t now = Now();
  cluster_.Locked([&](ClusterState& s) {
    Node* target = s.Find(ex.target_id);
    ForEachSlot(ex.ranges, [&](int slot) {
      if (target != nullptr) s.Assign(slot, target);
      s.write_paused.reset(static_cast<size_t>(slot));
    });
    if (target != nullptr) target->config_epoch = std::max(target->config_epoch, config_epoch);
    if (config_epoch > s.current_epoch()) s.set_current_epoch(config_epoch);
    if (SlotMigration* m = FindMigration(s, ex.name)) SetMigrationState(m, "cleaning", now);
    s.UpdateState(cluster_.options());
    cluster_.ChangedLocked();
  });
  Persist();
  PingAll();
  const int64_t paused = cluster_.clock().MonotonicMs() - ex.pause_ms;
  LOG_NOTICE(
      "Slot migration %s: slots %s now belong to %s (configEpoch %llu); writes were "
      "paused for %lld ms",
      ex.name.c_str(), SlotRangesText(ex.ranges).c_str(), ex.target_id.c_str(),
      static_cast<unsigned long long>(config_epoch), static_cast<long long>(paused));
  ex.phase = Export::Phase::kClean;
  ex.waiting = true;
  tasks_.add(ex.canceler.wrap(DeleteSlotsInSteps(ex.ranges).then([this, &ex]() {
    ex.waiting = false;
    SetExportState(ex, kMigrationSuccess);
    ex.done = true;
    EndExport();
  })));
}

void Bus::Loop::Abort(Export& ex, const char* state, const std::string& message) {
  if (ex.done) return;
  ex.done = true;
  const int64_t now = Now();
  cluster_.Locked([&](ClusterState& s) {
    ForEachSlot(ex.ranges, [&](int slot) { s.write_paused.reset(static_cast<size_t>(slot)); });
    if (SlotMigration* m = FindMigration(s, ex.name)) SetMigrationState(m, state, now, message);
  });
  if (message.empty()) {
    LOG_NOTICE("Slot migration %s %s", ex.name.c_str(), state);
  } else {
    LOG_WARNING("Slot migration %s %s: %s", ex.name.c_str(), state, message.c_str());
  }
  if (ex.phase != Export::Phase::kBegin) {
    // Best effort: a target that does not hear it drops the import when
    // this node goes quiet (ImportCron).
    if (std::optional<rpc::ClusterBus::Client> cap = CapOf(ex.target_id)) {
      auto req = cap->importCancelRequest();
      req.setName(ex.name);
      tasks_.add(req.send().ignoreResult().catch_([](kj::Exception&&) {}));
    }
  }
  EndExport();
}

void Bus::Loop::EndExport() {
  // Not from inside the job's own continuations: its canceler is destroyed
  // with it.
  tasks_.add(kj::evalLater([this]() {
    if (export_ != nullptr && export_->done) export_.reset();
    DriveExport();
  }));
}

// ---------------------------------------------------------------- target --

std::string Bus::Loop::ImportBegin(const std::string& name, const std::string& source,
                                   capnp::Data::Reader ranges_wire) {
  storage::Engine* engine = bus_.options_.engine;
  if (engine == nullptr) return "this node cannot import slots";
  std::vector<storage::SlotRange> ranges;
  if (!ParseRangesWire(ranges_wire, &ranges)) return "malformed slot ranges";
  if (!IsValidNodeId(name)) return "malformed migration name";
  const int64_t now = Now();
  std::string why = cluster_.Locked([&](ClusterState& s) -> std::string {
    if (FindMigration(s, name) != nullptr) return "a migration named " + name + " exists";
    std::string w = CheckImport(s, source, ranges);
    if (!w.empty()) return w;
    SlotMigration m;
    m.name = name;
    m.op = SlotMigration::Op::kImport;
    m.ranges = ranges;
    m.source_id = source;
    m.target_id = s.myself()->id;
    m.create_ms = m.update_ms = m.ack_ms = now;
    m.state = "receiving";
    s.slot_migrations.push_back(std::move(m));
    TrimMigrationLog(s);
    return "";
  });
  if (!why.empty()) {
    LOG_WARNING("Slot migration %s from %s refused: %s", name.c_str(), source.c_str(), why.c_str());
    return why;
  }
  // On disk before any row: a restart drops the rows of an import that
  // never finished (RecoverImports).
  if (Status st = engine->RecordImport(name, ranges); !st.ok()) {
    DropImport(name, kMigrationFailed, "recording the import: " + st.message());
    return "recording the import failed: " + st.message();
  }
  // Normally nothing is there; whatever is goes.
  std::string cursor;
  for (bool done = false; !done;) {
    Status st = engine->DeleteSlots(ranges, kDeleteStepKeys, &done, &cursor);
    if (!st.ok()) {
      DropImport(name, kMigrationFailed, "emptying the slots: " + st.message());
      return "emptying the slots failed: " + st.message();
    }
  }
  LOG_NOTICE("Slot migration %s: importing slots %s from %s", name.c_str(),
             SlotRangesText(ranges).c_str(), source.c_str());
  return "";
}

std::string Bus::Loop::ImportChunk(const std::string& name, bool changes,
                                   capnp::Data::Reader chunk) {
  storage::Engine* engine = bus_.options_.engine;
  if (engine == nullptr) return "this node cannot import slots";
  const int64_t now = Now();
  std::vector<storage::SlotRange> ranges;
  bool open = cluster_.Locked([&](ClusterState& s) {
    SlotMigration* m = FindMigration(s, name);
    if (m == nullptr || m->op != SlotMigration::Op::kImport || !m->active()) return false;
    m->ack_ms = now;
    ranges = m->ranges;
    return true;
  });
  if (!open) return "no import named " + name + " is open";
  Status st = changes ? engine->ImportSlotChanges(AsView(chunk), ranges)
                      : engine->ImportSlotRows(AsView(chunk), ranges);
  if (!st.ok()) {
    DropImport(name, kMigrationFailed, "writing a chunk: " + st.message());
    return "writing the chunk failed: " + st.message();
  }
  return "";
}

kj::Promise<uint64_t> Bus::Loop::ImportFinish(const std::string& name) {
  storage::Engine* engine = bus_.options_.engine;
  if (engine == nullptr) return KJ_EXCEPTION(FAILED, "this node cannot import slots");
  // What was imported is on disk, and on the replicas the quorum asks for,
  // before the slots are.
  Status st = engine->SyncWal();
  if (!st.ok()) return KJ_EXCEPTION(FAILED, "syncing the write-ahead log failed: " + st.message());
  const uint64_t seq = engine->LatestSequence();
  const int64_t deadline = cluster_.clock().MonotonicMs() + kReplicaWaitMs;
  return WaitReplicated(seq, deadline).then([this, name]() -> kj::Promise<uint64_t> {
    const int64_t now = Now();
    uint64_t epoch = 0;
    std::string why = cluster_.Locked([&](ClusterState& s) -> std::string {
      SlotMigration* m = FindMigration(s, name);
      if (m == nullptr || m->op != SlotMigration::Op::kImport || !m->active()) {
        return "no import named " + name + " is open";
      }
      Node* me = s.myself();
      if (!me->is_master()) return "this node is no longer a primary";
      // The source still holds every slot in our view (no failover of it,
      // no SETSLOT meanwhile): else the rows may not be the owner's.
      const Node* source = s.Find(m->source_id);
      bool held = source != nullptr && source->is_master();
      ForEachSlot(m->ranges, [&](int slot) { held = held && s.owner(slot) == source; });
      if (!held) return "the source no longer owns the slots in this node's view";
      ForEachSlot(m->ranges, [&](int slot) { s.Assign(slot, me); });
      // A configEpoch of its own makes this claim win over the source's.
      s.BumpConfigEpochWithoutConsensus();
      epoch = me->config_epoch;
      SetMigrationState(m, kMigrationSuccess, now);
      s.UpdateState(cluster_.options());
      cluster_.ChangedLocked();
      return "";
    });
    if (!why.empty()) return KJ_EXCEPTION(FAILED, why);
    Persist();
    // The slots are ours on disk (nodes.conf): the rows stay.
    Status forgot = bus_.options_.engine->ForgetImport(name);
    if (!forgot.ok()) LOG_WARNING("Slot migration %s: %s", name.c_str(), forgot.message().c_str());
    PingAll();
    LOG_NOTICE("Slot migration %s: the imported slots are mine (configEpoch %llu)", name.c_str(),
               static_cast<unsigned long long>(epoch));
    return epoch;
  });
}

kj::Promise<void> Bus::Loop::WaitReplicated(uint64_t seq, int64_t deadline_ms) {
  if (cluster_.Replicated(seq)) return kj::READY_NOW;
  if (cluster_.clock().MonotonicMs() >= deadline_ms) {
    return KJ_EXCEPTION(FAILED, "the replicas did not acknowledge the imported rows in time");
  }
  return timer_.afterDelay(2 * kj::MILLISECONDS).then([this, seq, deadline_ms]() {
    return WaitReplicated(seq, deadline_ms);
  });
}

void Bus::Loop::ImportCancel(const std::string& name, bool* owned, uint64_t* config_epoch) {
  *owned = cluster_.Locked([&](ClusterState& s) {
    SlotMigration* m = FindMigration(s, name);
    if (m == nullptr || m->op != SlotMigration::Op::kImport || m->state != kMigrationSuccess) {
      return false;
    }
    *config_epoch = s.myself()->config_epoch;
    return true;
  });
  if (!*owned) DropImport(name, kMigrationCancelled, "");
}

void Bus::Loop::DropImport(const std::string& name, const char* state, const std::string& message) {
  std::vector<storage::SlotRange> ranges;
  const int64_t now = Now();
  cluster_.Locked([&](ClusterState& s) {
    SlotMigration* m = FindMigration(s, name);
    if (m == nullptr || m->op != SlotMigration::Op::kImport || !m->active()) return;
    SetMigrationState(m, state, now, message);
    ranges = m->ranges;
  });
  if (ranges.empty()) return;
  if (message.empty()) {
    LOG_NOTICE("Slot migration %s %s: dropping the imported rows", name.c_str(), state);
  } else {
    LOG_WARNING("Slot migration %s %s (%s): dropping the imported rows", name.c_str(), state,
                message.c_str());
  }
  if (bus_.options_.engine == nullptr) return;
  tasks_.add(DeleteSlotsInSteps(std::move(ranges)).then([this, name]() {
    Status st = bus_.options_.engine->ForgetImport(name);
    if (!st.ok()) LOG_WARNING("Slot migration %s: %s", name.c_str(), st.message().c_str());
  }));
}

void Bus::Loop::RecoverImports() {
  storage::Engine* engine = bus_.options_.engine;
  if (engine == nullptr) return;
  Result<std::vector<storage::Engine::PendingImport>> pending = engine->PendingImports();
  if (!pending.ok()) {
    LOG_WARNING("Slot migration: %s", pending.status().message().c_str());
    return;
  }
  for (storage::Engine::PendingImport& p : pending.value()) {
    // Finished (nodes.conf says the slots are mine) but not yet forgotten.
    bool mine = cluster_.Locked([&](ClusterState& s) {
      bool all = true;
      ForEachSlot(p.ranges, [&](int slot) { all = all && s.owner(slot) == s.myself(); });
      return all;
    });
    if (mine) {
      Status st = engine->ForgetImport(p.name);
      if (!st.ok()) LOG_WARNING("Slot migration %s: %s", p.name.c_str(), st.message().c_str());
      continue;
    }
    LOG_NOTICE(
        "Slot migration %s did not finish before the restart: dropping the rows of "
        "slots %s",
        p.name.c_str(), SlotRangesText(p.ranges).c_str());
    std::string name = p.name;
    tasks_.add(DeleteSlotsInSteps(std::move(p.ranges)).then([this, name]() {
      Status st = bus_.options_.engine->ForgetImport(name);
      if (!st.ok()) LOG_WARNING("Slot migration %s: %s", name.c_str(), st.message().c_str());
    }));
  }
}

void Bus::Loop::ImportCron() {
  const int64_t now = Now();
  const int64_t idle = ImportIdleMs();
  std::vector<std::string> quiet;
  cluster_.Locked([&](ClusterState& s) {
    for (const SlotMigration& m : s.slot_migrations) {
      if (m.op == SlotMigration::Op::kImport && m.active() && now - m.ack_ms > idle) {
        quiet.push_back(m.name);
      }
    }
  });
  for (const std::string& name : quiet) DropImport(name, kMigrationFailed, "the source went quiet");
}

kj::Promise<void> Bus::Loop::DeleteSlotsInSteps(std::vector<storage::SlotRange> ranges,
                                                std::string cursor) {
  bool done = false;
  Status st = bus_.options_.engine->DeleteSlots(ranges, kDeleteStepKeys, &done, &cursor);
  if (!st.ok()) {
    LOG_WARNING("Slot migration: deleting the rows of slots %s failed: %s",
                SlotRangesText(ranges).c_str(), st.message().c_str());
    return kj::READY_NOW;
  }
  if (done) return kj::READY_NOW;
  // A timer, not evalLater: the wait lets the loop poll for I/O (pings).
  return timer_.afterDelay(1 * kj::MILLISECONDS)
      .then([this, ranges = std::move(ranges), cursor = std::move(cursor)]() mutable {
        return DeleteSlotsInSteps(std::move(ranges), std::move(cursor));
      });
}

}  // namespace cairn::cluster
