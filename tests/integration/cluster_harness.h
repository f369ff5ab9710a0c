// Starts and stops a whole Cairn cluster of real processes for integration
// tests: N nodes on kernel-chosen client and bus ports, each with its own
// temp dir, a short node timeout, and helpers to join them, assign slots,
// wait for convergence (bounded polling) and inject faults (kill -9,
// restart). Later suites (replication, failover, migration) reuse it.
#pragma once

#include <functional>
#include <memory>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/integration/server_process.h"

namespace cairn::testing {

class ClusterHarness {
 public:
  // `extra_args` go to every node ("--cluster-require-full-coverage", "no").
  explicit ClusterHarness(int nodes, int node_timeout_ms = 1000,
                          std::vector<std::string> extra_args = {});
  ~ClusterHarness();

  // Starts every process (not joined yet). False if one did not come up.
  bool StartAll();
  // Node 0 MEETs every other node; waits until every node knows all of them.
  bool Join();
  // Splits the 16384 slots in contiguous ranges over the first `masters`
  // nodes (ADDSLOTSRANGE), as redis-cli --cluster create does.
  bool AssignSlots(int masters);
  // StartAll + Join + AssignSlots(size) + WaitForState("ok") on every node.
  bool Create();

  int size() const { return static_cast<int>(nodes_.size()); }
  ServerProcess& node(int i) { return *nodes_[static_cast<size_t>(i)]; }
  int port(int i) const { return nodes_[static_cast<size_t>(i)]->port(); }
  int bus_port(int i) const { return bus_ports_[static_cast<size_t>(i)]; }
  // "127.0.0.1:p0 127.0.0.1:p1 ..." (redis-cli --cluster create).
  std::string Addresses(size_t count = SIZE_MAX) const;
  // `redis-cli --cluster create` of the first `count` nodes with `replicas`
  // replicas per master (--cluster-yes, 120 s limit): its exit status, and
  // its output in *out.
  int CreateWithRedisCli(size_t count, int replicas, std::string* out) const;

  // CLUSTER MYID of node i (cached after the first call; RESET HARD changes it).
  std::string Id(int i);
  // One field of CLUSTER INFO of node i ("cluster_state"); "" if unreachable.
  std::string Info(int i, const std::string& field);
  // CLUSTER NODES of node i, or "" if unreachable.
  std::string Nodes(int i);
  // The NODES line node `viewer` has for node id `id`, or "".
  std::string NodesLine(int viewer, const std::string& id);
  // Number of nodes node i knows (not in handshake), from CLUSTER NODES.
  int KnownNodes(int i);

  // Runs a command the way a cluster client does: at node `first`, then
  // following MOVED and ASK (ASKING first) to the node named, at most 5
  // hops. The last reply (an error if the hops ran out), or null if a node
  // did not answer.
  Reply ClusterCommand(const std::vector<std::string>& argv, int first = 0);

  // Polls `pred` every 50 ms until true or the deadline.
  static bool WaitFor(const std::function<bool()>& pred, int timeout_ms);
  // Waits until cluster_state on every node of `which` (all if empty) is `state`.
  bool WaitForState(const std::string& state, std::vector<int> which = {}, int timeout_ms = 20000);

  void Kill(int i) { node(i).Kill(); }
  bool Restart(int i) { return node(i).Restart(); }

  // Everything the nodes logged, for failure messages.
  std::string Logs();

 private:
  int node_timeout_ms_;
  std::vector<int> bus_ports_;
  std::vector<std::unique_ptr<ServerProcess>> nodes_;
  std::vector<std::string> ids_;
};

}  // namespace cairn::testing
