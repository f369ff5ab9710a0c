// Bus::Loop: the KJ side of the cluster bus (bus.h), on the bus thread.
// Internal to cluster/rpc/: bus.cc has the links, gossip and failover
// calls, bus_migration.cc the atomic slot migration jobs.
#pragma once

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>
#include <kj/async-unix.h>

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "cluster/failover.h"
#include "cluster/gossip.h"
#include "cluster/rpc/bus.capnp.h"
#include "cluster/rpc/bus.h"
#include "common/log.h"

namespace cairn::cluster {

class Bus::Loop : public kj::TaskSet::ErrorHandler {
 public:
  Loop(Bus& bus, kj::AsyncIoContext& io)
      : bus_(bus),
        cluster_(bus.cluster_),
        io_(io),
        timer_(io.provider->getTimer()),
        tasks_(*this) {}

  Status Listen();
  // Runs until Bus::Stop.
  void Run();
  void taskFailed(kj::Exception&& e) override {
    LOG_VERBOSE("cluster bus: %s", e.getDescription().cStr());
  }

 private:
  class Service;
  struct Listener {
    int fd = -1;
    kj::Own<kj::UnixEventPort::FdObserver> observer;
    ~Listener() {
      observer = nullptr;
      if (fd >= 0) close(fd);
    }
  };
  // An accepted socket not yet known to speak Cap'n Proto.
  struct Vetting {
    int fd = -1;
    kj::Own<kj::UnixEventPort::FdObserver> observer;
    ~Vetting() {
      observer = nullptr;
      if (fd >= 0) close(fd);
    }
  };
  struct InLink {
    std::string peer_ip;
    bool spoke = false;     // a call decoded and answered on this link
    std::string sender_id;  // who pings on it (CLUSTER LINKS "from")
    int64_t since_ms = 0;
    kj::Own<kj::AsyncIoStream> stream;
    kj::Own<capnp::TwoPartyClient> rpc;
  };
  // Our connection to one peer; all promises using it are wrapped by its
  // canceler (declared last, so destroyed first).
  struct OutLink {
    std::string node_id;
    std::string ip;
    int bus_port = 0;
    int64_t last_ping_ms = 0;
    int64_t connected_ms = 0;
    bool connected = false;
    bool in_flight = false;
    bool dead = false;
    kj::Own<kj::AsyncIoStream> stream;
    kj::Own<capnp::TwoPartyClient> client;
    kj::Maybe<rpc::ClusterBus::Client> cap;
    kj::Canceler canceler;
  };

  int64_t Now() const { return cluster_.clock().NowMs(); }
  // CAIRN.FAULT BUS-DROP is in force: no bus traffic in or out.
  bool Partitioned() const {
    return cluster_.clock().MonotonicMs() < bus_.drop_until_ms_.load(std::memory_order_acquire);
  }
  int64_t PingIntervalMs() const {
    return std::clamp<int64_t>(cluster_.options().node_timeout_ms / 4, 100, 1000);
  }
  kj::Promise<void> AcceptLoop(Listener& l);
  void Vet(int fd);
  kj::Promise<void> VetLoop(Vetting& v);
  void Adopt(int fd);
  kj::Promise<void> WakeLoop();
  kj::Promise<void> TickLoop();
  void DrainQueue();
  // Sends each queued PUBLISH to every linked node (Bus::Publish).
  void SendPublishes(std::vector<PublishRequest>& publishes);
  void Tick();
  void Connect(OutLink& l);
  void SendPing(OutLink& l);
  void MarkUnreachable(const std::string& node_id);
  // `sent_mono_ms`: when the ping left (monotonic), the lease anchor.
  void OnPingReply(OutLink& l, const Header& reply, int64_t sent_mono_ms);
  void Apply(const Effects& fx);
  // Failover: vote requests to every master, the pause request of a
  // coordinated CLUSTER FAILOVER, and pings to everyone after a promotion.
  void RequestVotes(const VoteRequest& req);
  void RequestPause(const std::string& master_id);
  void PingAll();

  // ---- atomic slot migration (bus_migration.cc) ----
 public:
  // Target side, for the Service's import calls: "" = done, else why the
  // call is refused (the caller fails with it; the link stays).
  std::string ImportBegin(const std::string& name, const std::string& source,
                          capnp::Data::Reader ranges);
  std::string ImportChunk(const std::string& name, bool changes, capnp::Data::Reader chunk);
  // Resolves to the configEpoch the slots were taken with; fails with the
  // reason it refused.
  kj::Promise<uint64_t> ImportFinish(const std::string& name);
  void ImportCancel(const std::string& name, bool* owned, uint64_t* config_epoch);

 private:
  struct Export;
  // Source side: runs the oldest pending export job, one at a time; Tick
  // and every answer from the target call it.
  void DriveExport();
  bool StartNextExport();
  void SendBegin(Export& ex);
  void PumpSnapshot(Export& ex);
  void PumpChanges(Export& ex);
  Status ReadChanges(Export& ex, std::string* chunk, bool* caught_up);
  void SendChunk(Export& ex, bool changes, std::string chunk);
  void StartPause(Export& ex);
  void SendFinish(Export& ex);
  void Resolve(Export& ex);
  void TakeOver(Export& ex, uint64_t config_epoch);
  // Ends the job (unpauses its slots); a job that reached the target asks
  // it to drop what it received.
  void Abort(Export& ex, const char* state, const std::string& message);
  void SetExportState(Export& ex, const char* state, const std::string& message = "");
  // Runs DriveExport after `ms` (0 = once the current events are done).
  void DriveLater(Export& ex, int64_t ms);
  void EndExport();
  // Target side: an import whose source went quiet is dropped.
  void ImportCron();
  // At start: drops the rows of imports a crash or restart interrupted.
  void RecoverImports();
  void DropImport(const std::string& name, const char* state, const std::string& message);
  // Deletes the rows of `ranges` a step at a time between other events.
  // Resolves once the node's replicas hold every write up to `seq`
  // (Cluster::Replicated), polling until `deadline_ms` (monotonic).
  kj::Promise<void> WaitReplicated(uint64_t seq, int64_t deadline_ms);
  kj::Promise<void> DeleteSlotsInSteps(std::vector<storage::SlotRange> ranges,
                                       std::string cursor = "");
  // The capability of our link to `node_id`, if that link is up.
  std::optional<rpc::ClusterBus::Client> CapOf(const std::string& node_id);
  int64_t ImportIdleMs() const;

  // Writes nodes.conf if a handler changed the table (outside the lock).
  void Persist() {
    Status s = cluster_.Persist();
    if (!s.ok()) LOG_WARNING("cluster: %s", s.message().c_str());
  }

  Bus& bus_;
  Cluster& cluster_;
  kj::AsyncIoContext& io_;
  kj::Timer& timer_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  kj::Own<kj::UnixEventPort::FdObserver> wake_observer_;
  kj::Own<kj::PromiseFulfiller<void>> stop_;
  std::map<std::string, int64_t> retry_at_;  // node id -> no new link before
  std::mt19937_64 rng_{std::random_device{}()};
  kj::TaskSet tasks_;
  std::map<std::string, std::unique_ptr<OutLink>> links_;  // by node id
  // The export job running (last: its promises are cancelled first).
  std::shared_ptr<Export> export_;  // shared_ptr: Export is complete only in bus_migration.cc
};

}  // namespace cairn::cluster
