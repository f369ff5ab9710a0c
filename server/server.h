// Server: assembles one node from its parts (config, engine, durability,
// loops, housekeeping) and runs until SHUTDOWN or SIGTERM/SIGINT. Nothing
// receives a Server*: commands get a ServerContext of narrow references.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "server/client.h"
#include "server/command.h"
#include "server/config.h"
#include "server/stats.h"

namespace cairn {
namespace cluster {
class Bus;
class Cluster;
}  // namespace cluster
namespace storage {
class Engine;
}
class Durability;
class PubsubRegistry;
class Persistence;
class Replication;
class Worker;

class Server {
 public:
  Server(Config& config, const Clock& clock);
  ~Server();

  // Opens the data directory and the listeners. The error is one line.
  Status Start(const std::string& executable);
  // Blocks until shutdown is requested (SHUTDOWN, SIGTERM, SIGINT), then
  // stops the loops, syncs and closes the store.
  void Run();

 private:
  void Housekeeping();
  void ReconcileReplication();
  // cluster-enabled yes: loads or creates the node identity and starts the bus.
  Status StartCluster(int port);

  Config& config_;
  const Clock& clock_;
  Stats stats_;
  ClientRegistry clients_;
  CommandRegistry commands_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<Durability> durability_;
  std::unique_ptr<PubsubRegistry> pubsub_;
  std::unique_ptr<cluster::Cluster> cluster_;
  std::unique_ptr<cluster::Bus> bus_;
  std::unique_ptr<ServerContext> context_;
  std::unique_ptr<Persistence> persistence_;  // uses engine_; destroyed first
  std::unique_ptr<Replication> replication_;  // uses engine_; stopped first
  std::vector<std::unique_ptr<Worker>> workers_;
  std::thread housekeeper_;
  std::atomic<bool> stop_{false};
  int shutdown_pipe_[2] = {-1, -1};
};

}  // namespace cairn
