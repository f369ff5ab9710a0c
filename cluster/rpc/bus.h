// Bus: the cluster bus of one node, on its own thread with a KJ event loop.
// It listens on cluster-port, keeps one outbound Cap'n Proto RPC link to
// every known peer, pings each periodically (gossip.h says what a ping
// carries and does), runs failure detection and broadcasts FAIL.
//
// Threads: commands on the libuv loops call Meet/Wake, which push onto a
// mutex-guarded queue and write an eventfd the KJ loop watches
// (kj::UnixEventPort::FdObserver: a libuv thread has no KJ loop to wait
// on). The node table itself is shared through Cluster's mutex. KJ
// exceptions stop at this boundary: they are logged and the link dropped.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster.h"
#include "common/status.h"
#include "storage/engine.h"

namespace cairn::cluster {

struct BusOptions {
  std::vector<std::string> bind;  // as the "bind" directive ("-" prefix = optional)
  int port = 0;                   // cluster-port to listen on
  // The node's data, for atomic slot migration (null: the bus refuses
  // migrations).
  storage::Engine* engine = nullptr;
};

class Bus : public BusControl {
 public:
  Bus(Cluster& cluster, BusOptions options);
  ~Bus() override;

  // Binds the listeners and starts the thread. The error is one line.
  [[nodiscard]] Status Start();
  // Stops the thread (idempotent).
  void Stop();

  void Meet(const std::string& ip, int port, int bus_port) override;
  void Wake() override;
  void DropTraffic(int64_t ms) override;
  void HoldMigrations(int64_t ms) override;
  void Publish(std::string_view channel, std::string_view message) override;

  class Loop;  // the KJ side, bus.cc

 private:
  friend class Loop;
  struct MeetRequest {
    std::string ip;
    int port;
    int bus_port;
  };
  struct PublishRequest {
    std::string channel;
    std::string message;
  };

  Cluster& cluster_;
  BusOptions options_;
  int wake_fd_ = -1;  // eventfd: loops -> bus thread
  // Monotonic ms until which the bus drops all traffic (a test hook).
  std::atomic<int64_t> drop_until_ms_{0};
  // Monotonic ms until which migrations do not enter their write pause.
  std::atomic<int64_t> hold_migrations_until_ms_{0};
  std::mutex mu_;  // guards the fields below
  std::vector<MeetRequest> meets_;
  std::vector<PublishRequest> publishes_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace cairn::cluster
