#include "cluster/rpc/wire.h"

namespace cairn::cluster::rpc {
namespace {

void NodeToWire(const NodeView& v, NodeState::Builder out) {
  out.setId(v.id);
  out.setIp(v.ip);
  out.setPort(static_cast<uint16_t>(v.port));
  out.setBusPort(static_cast<uint16_t>(v.bus_port));
  out.setHostname(v.hostname);
  out.setFlags(v.flags);
  out.setMasterId(v.master_id);
  out.setConfigEpoch(v.config_epoch);
  out.setPingSentMs(v.ping_sent_ms);
  out.setPongReceivedMs(v.pong_received_ms);
  out.setReplOffset(v.repl_offset);
}

void NodeFromWire(NodeState::Reader in, NodeView* v) {
  v->id = in.getId().cStr();
  v->ip = in.getIp().cStr();
  v->port = in.getPort();
  v->bus_port = in.getBusPort();
  v->hostname = in.getHostname().cStr();
  v->flags = in.getFlags();
  v->master_id = in.getMasterId().cStr();
  v->config_epoch = in.getConfigEpoch();
  v->ping_sent_ms = in.getPingSentMs();
  v->pong_received_ms = in.getPongReceivedMs();
  v->repl_offset = in.getReplOffset();
}

}  // namespace

void ToWire(const Header& h, rpc::GossipHeader::Builder out) {
  out.setVersion(h.version);
  NodeToWire(h.sender, out.initSender());
  if (h.slots.any()) {
    auto bytes = out.initSlots(kSlots / 8);
    for (size_t i = 0; i < kSlots / 8; ++i) bytes[i] = 0;
    for (size_t j = 0; j < kSlots; ++j) {
      if (h.slots.test(j)) bytes[j / 8] |= static_cast<uint8_t>(1u << (j % 8));
    }
  }
  out.setCurrentEpoch(h.current_epoch);
  auto gossip = out.initGossip(static_cast<unsigned>(h.gossip.size()));
  for (size_t i = 0; i < h.gossip.size(); ++i) NodeToWire(h.gossip[i], gossip[i]);
  out.setMeet(h.meet);
  out.setObservedIp(h.observed_ip);
  out.setLeaseConfirmed(h.lease_confirmed);
}

bool FromWire(rpc::GossipHeader::Reader in, Header* h) {
  h->version = in.getVersion();
  NodeFromWire(in.getSender(), &h->sender);
  auto bytes = in.getSlots();
  if (bytes.size() != 0 && bytes.size() != kSlots / 8) return false;
  h->slots.reset();
  for (size_t j = 0; j < bytes.size() * 8; ++j) {
    if (bytes[j / 8] & (1u << (j % 8))) h->slots.set(j);
  }
  h->current_epoch = in.getCurrentEpoch();
  auto gossip = in.getGossip();
  h->gossip.resize(gossip.size());
  for (unsigned i = 0; i < gossip.size(); ++i) NodeFromWire(gossip[i], &h->gossip[i]);
  h->meet = in.getMeet();
  h->observed_ip = in.getObservedIp().cStr();
  h->lease_confirmed = in.getLeaseConfirmed();
  return true;
}

}  // namespace cairn::cluster::rpc
