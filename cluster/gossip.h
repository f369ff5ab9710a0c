// What the cluster bus says and what hearing it does to the node table.
// The messages here are plain structs; cluster/rpc/ turns them into Cap'n
// Proto and back, so these rules (Redis Cluster's, from cluster_legacy.c)
// are tested and read without RPC in the way.
//
//   ping(header) -> header   every peer, periodically: the sender's view of
//                            itself (flags, epochs, slots) and a sample of
//                            others (gossip). The reply is the "pong".
//   fail(sender, failing)    broadcast once a node marks a peer FAIL.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cluster/cluster_state.h"

namespace cairn::cluster {

// Bumped on incompatible changes; a peer speaking a newer major is dropped.
inline constexpr uint32_t kBusProtocolVersion = 1;

struct NodeView {
  std::string id;
  std::string ip;  // "" = "use the address of the link"
  int port = 0;
  int bus_port = 0;
  std::string hostname;
  uint32_t flags = 0;
  std::string master_id;
  uint64_t config_epoch = 0;
  int64_t ping_sent_ms = 0;
  int64_t pong_received_ms = 0;
  uint64_t repl_offset = 0;
};

struct Header {
  uint32_t version = kBusProtocolVersion;
  NodeView sender;
  SlotBitmap slots;  // the sender's own slots (a replica: none)
  uint64_t current_epoch = 0;
  std::vector<NodeView> gossip;
  bool meet = false;             // "add me if you do not know me"
  std::string observed_ip;       // replies: the address the receiver saw us come from
  bool lease_confirmed = false;  // replies: the receiver confirms our lease (lease.h)
};

// What a handler wants done after it released the state: save nodes.conf,
// tell every peer some node FAILed.
struct Effects {
  bool save = false;
  bool state_changed = false;
  std::vector<std::string> fail_broadcast;
};

Header BuildHeader(const ClusterState& state, bool meet);

// A ping arrived on an inbound link from `peer_ip`; our local address on
// that link is `local_ip`.
void OnPing(ClusterState& state, const ClusterOptions& options, const Header& msg,
            const std::string& peer_ip, const std::string& local_ip, int64_t now_ms, Effects* fx);
// The pong to a ping we sent to the node `pinged_id` (maybe a handshake
// node, whose id we then learn).
void OnPong(ClusterState& state, const ClusterOptions& options, const std::string& pinged_id,
            const Header& reply, const std::string& peer_ip, int64_t now_ms, Effects* fx);
void OnFail(ClusterState& state, const ClusterOptions& options, const std::string& sender_id,
            const std::string& failing_id, int64_t now_ms, Effects* fx);
// Periodic: PFAIL after node-timeout without a pong, FAIL on a quorum of
// reports, expired reports and handshakes dropped, cluster_state updated.
void Cron(ClusterState& state, const ClusterOptions& options, int64_t now_ms, Effects* fx);

}  // namespace cairn::cluster
