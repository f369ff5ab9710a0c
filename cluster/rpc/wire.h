// Conversions between cluster::Header (gossip.h) and its Cap'n Proto form
// (bus.capnp). Only cluster/rpc/ sees Cap'n Proto types.
#pragma once

#include "cluster/gossip.h"
#include "cluster/rpc/bus.capnp.h"

namespace cairn::cluster::rpc {

void ToWire(const Header& h, rpc::GossipHeader::Builder out);
// False if the message is malformed (a bad slot bitmap); KJ may also throw
// on a message that does not decode at all.
bool FromWire(rpc::GossipHeader::Reader in, Header* h);

}  // namespace cairn::cluster::rpc
