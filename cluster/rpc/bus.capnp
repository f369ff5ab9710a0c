# The Cairn cluster bus: what nodes say to each other on cluster-port.
# Every node keeps one outbound connection to each peer and calls ping on it
# periodically; the result is the pong. Fields are only ever added (Cap'n
# Proto keeps old readers working); an incompatible change bumps `version`
# and older nodes drop the peer.
@0x908bb9cd5f956bfb;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::cluster::rpc");

struct NodeState {
  id @0 :Text;             # 40 hex chars
  ip @1 :Text;             # "" = the address the link comes from
  port @2 :UInt16;         # client port
  busPort @3 :UInt16;
  hostname @4 :Text;
  flags @5 :UInt32;        # cluster::NodeFlag bits
  masterId @6 :Text;       # replicas: their master
  configEpoch @7 :UInt64;
  pingSentMs @8 :Int64;
  pongReceivedMs @9 :Int64;
  replOffset @10 :UInt64;  # master: its offset; replica: the master offset it applied
}

struct GossipHeader {
  version @0 :UInt32;      # cluster::kBusProtocolVersion of the sender
  sender @1 :NodeState;
  slots @2 :Data;          # 2048 bytes, bit j of byte j/8 = slot j (a replica: empty)
  currentEpoch @3 :UInt64;
  gossip @4 :List(NodeState);
  meet @5 :Bool;           # the receiver adds the sender if it does not know it
  observedIp @6 :Text;     # replies: the caller's address as the receiver saw it
  leaseConfirmed @7 :Bool; # replies: the receiver confirms the caller's master lease
}

interface ClusterBus {
  ping @0 (msg :GossipHeader) -> (reply :GossipHeader);
  # Broadcast when the sender marked `failing` FAIL (a quorum agreed).
  fail @1 (sender :Text, failing :Text) -> ();
  # A replica asks for a vote to replace its master (cluster/failover.h).
  requestVote @2 (candidate :Text, epoch :UInt64, masterId :Text, configEpoch :UInt64,
                  slots :Data, manual :Bool) -> (granted :Bool, voter :Text);
  # CLUSTER FAILOVER (default mode): the replica asks its master to pause
  # writes; the reply is the master's offset once they are paused.
  manualFailover @3 (candidate :Text) -> (offset :UInt64);

  # Atomic slot migration (cluster/slot_migration.h), source -> target.
  # `ranges` is pairs of inclusive slots, big-endian UInt16 each. Chunks are
  # storage chunks (storage/encoding.h, "slot migration chunks").
  # importBegin: the target checks the request, empties the ranges and opens
  # the import; a refusal is an exception with the reason.
  importBegin @4 (name :Text, source :Text, ranges :Data) -> ();
  # Snapshot rows (`changes` false) or WAL changes (`changes` true).
  importChunk @5 (name :Text, changes :Bool, chunk :Data) -> ();
  # The target takes the slots; the reply is its configEpoch then.
  importFinish @6 (name :Text) -> (configEpoch :UInt64);
  # The source gave up: the target drops what it received, unless it had
  # already finished (`owned`, with the configEpoch it took the slots with).
  importCancel @7 (name :Text) -> (owned :Bool, configEpoch :UInt64);

  # PUBLISH on the sender: the receiver delivers the message to its own
  # subscribers (Redis Cluster's CLUSTERMSG_TYPE_PUBLISH). Never forwarded.
  publish @8 (channel :Data, message :Data) -> ();
}
