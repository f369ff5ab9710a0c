#include "cluster/rpc/bus.h"

#include <arpa/inet.h>
#include <capnp/rpc-twoparty.h>
#include <fcntl.h>
#include <kj/async-io.h>
#include <kj/async-unix.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>
#include <map>
#include <random>

#include "cluster/failover.h"
#include "cluster/lease.h"
#include "cluster/rpc/bus.capnp.h"
#include "cluster/rpc/bus_loop.h"
#include "cluster/rpc/wire.h"
#include "common/log.h"

namespace cairn::cluster {
namespace {

constexpr int64_t kTickMs = 100;
// A master answers CLUSTER FAILOVER's pause request this long after it
// paused writes, so a write that passed the pause check just before has
// reached its sequence number and the offset it reports is final.
constexpr int64_t kPauseSettleMs = 100;
// Redis pauses clients for twice CLUSTER_MF_TIMEOUT.
constexpr int64_t kManualFailoverPauseMs = 10000;
// A connection that sent nothing that looks like Cap'n Proto framing by then
// is dropped.
constexpr int64_t kVetTimeoutMs = 5000;
// Cap'n Proto framing: [segment count - 1 : u32 LE][first segment words : u32 LE].
// Real bus messages have a handful of small segments.
constexpr uint32_t kMaxSegments = 64;
constexpr uint32_t kMaxFirstSegmentWords = 64u << 20;

std::string IpOf(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, buf, sizeof(buf));
  } else if (ss.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, buf, sizeof(buf));
  }
  return buf;
}

std::string PeerIp(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  return IpOf(ss);
}

std::string LocalIp(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  return IpOf(ss);
}

// KJ logs (RPC errors on a link) go to Cairn's log as single lines.
class KjLogBridge : public kj::ExceptionCallback {
 public:
  void logMessage(kj::LogSeverity, const char*, int, int, kj::String&& text) override {
    std::string line(text.cStr());
    std::replace(line.begin(), line.end(), '\n', ' ');
    LOG_WARNING("cluster bus: %s", line.c_str());
  }
};

}  // namespace

// The bootstrap capability each inbound connection gets; knows which peer
// it serves.
class Bus::Loop::Service final : public rpc::ClusterBus::Server {
 public:
  Service(Loop& loop, std::string peer_ip, std::string local_ip,
          kj::Own<kj::PromiseFulfiller<void>> drop, InLink* link)
      : loop_(loop),
        peer_ip_(std::move(peer_ip)),
        local_ip_(std::move(local_ip)),
        drop_(std::move(drop)),
        link_(link) {}

  kj::Promise<void> ping(PingContext ctx) override {
    Header msg;
    if (!rpc::FromWire(ctx.getParams().getMsg(), &msg)) return Refuse("malformed header");
    if (msg.version > kBusProtocolVersion) {
      return Refuse("peer speaks bus protocol version " + std::to_string(msg.version) +
                    ", this node only " + std::to_string(kBusProtocolVersion));
    }
    if (loop_.Partitioned()) return Drop();
    Effects fx;
    Header reply;
    int64_t now = loop_.Now();
    int64_t mono = loop_.cluster_.clock().MonotonicMs();
    loop_.cluster_.Locked([&](ClusterState& s) {
      OnPing(s, loop_.cluster_.options(), msg, peer_ip_, local_ip_, now, &fx);
      reply = BuildHeader(s, false);
      Node* sender = s.Find(msg.sender.id);
      if (sender != nullptr && sender != s.myself()) {
        reply.lease_confirmed = ConfirmLease(s, sender, msg.slots, mono);
        if (link_->since_ms == 0) link_->since_ms = now;
        link_->sender_id = msg.sender.id;
        sender->inbound_link_ms = link_->since_ms;
      }
      if (fx.save) loop_.cluster_.ChangedLocked();
    });
    reply.observed_ip = peer_ip_;
    rpc::ToWire(reply, ctx.getResults().initReply());
    link_->spoke = true;
    loop_.Persist();
    loop_.Apply(fx);
    return kj::READY_NOW;
  }

  kj::Promise<void> fail(FailContext ctx) override {
    if (loop_.Partitioned()) return Drop();
    auto p = ctx.getParams();
    std::string sender = p.getSender().cStr();
    std::string failing = p.getFailing().cStr();
    Effects fx;
    int64_t now = loop_.Now();
    loop_.cluster_.Locked([&](ClusterState& s) {
      OnFail(s, loop_.cluster_.options(), sender, failing, now, &fx);
      if (fx.save) loop_.cluster_.ChangedLocked();
    });
    link_->spoke = true;
    loop_.Persist();
    return kj::READY_NOW;
  }

  kj::Promise<void> publish(PublishContext ctx) override {
    if (loop_.Partitioned()) return Drop();
    auto p = ctx.getParams();
    auto channel = p.getChannel();
    auto message = p.getMessage();
    loop_.cluster_.DeliverPublish(
        std::string_view(reinterpret_cast<const char*>(channel.begin()), channel.size()),
        std::string_view(reinterpret_cast<const char*>(message.begin()), message.size()));
    loop_.cluster_.Locked([](ClusterState& s) { ++s.messages_received; });
    link_->spoke = true;
    return kj::READY_NOW;
  }

  kj::Promise<void> requestVote(RequestVoteContext ctx) override {
    if (loop_.Partitioned()) return Drop();
    auto p = ctx.getParams();
    VoteRequest req;
    req.candidate = p.getCandidate().cStr();
    req.epoch = p.getEpoch();
    req.master_id = p.getMasterId().cStr();
    req.config_epoch = p.getConfigEpoch();
    auto bytes = p.getSlots();
    if (bytes.size() != 0 && bytes.size() != kSlots / 8) return Refuse("malformed vote request");
    for (size_t j = 0; j < bytes.size() * 8; ++j) {
      if (bytes[j / 8] & (1u << (j % 8))) req.slots.set(j);
    }
    req.manual = p.getManual();
    Effects fx;
    int64_t now = loop_.Now();
    int64_t mono = loop_.cluster_.clock().MonotonicMs();
    std::string why, my_id;
    bool granted = loop_.cluster_.Locked([&](ClusterState& s) {
      ++s.messages_received;
      ++s.auth_req_received;
      const ClusterOptions& o = loop_.cluster_.options();
      // Not while the master's lease we confirmed may still be running;
      // once granted, no more confirmations for it (lease.h). A manual
      // failover is exempt: in the default mode the master itself paused
      // and serves nothing; FORCE is the operator's call, as in Redis.
      Node* master = s.Find(req.master_id);
      bool g = !(master != nullptr && !req.manual && LeaseBlocksVote(s, o, *master, mono, &why)) &&
               GrantVote(s, o, req, now, &fx, &why);
      if (g) {
        if (master != nullptr) OnVoteAgainst(o, master, mono);
        ++s.messages_sent;
        ++s.auth_ack_sent;
      }
      my_id = s.myself()->id;
      // The vote is on disk before it is granted (one vote per epoch, even
      // across a crash).
      if (fx.save) loop_.cluster_.ChangedLocked();
      return g;
    });
    loop_.Persist();
    if (!granted) {
      LOG_VERBOSE("Failover auth denied to %s: %s", req.candidate.c_str(), why.c_str());
    }
    ctx.getResults().setGranted(granted);
    ctx.getResults().setVoter(my_id);
    link_->spoke = true;
    return kj::READY_NOW;
  }

  kj::Promise<void> manualFailover(ManualFailoverContext ctx) override {
    if (loop_.Partitioned()) return Drop();
    std::string candidate = ctx.getParams().getCandidate().cStr();
    int64_t now = loop_.Now();
    bool ok = loop_.cluster_.Locked([&](ClusterState& s) {
      ++s.messages_received;
      ++s.mfstart_received;
      Node* c = s.Find(candidate);
      Node* me = s.myself();
      if (c == nullptr || !me->is_master() || c->master_id != me->id) return false;
      s.failover.paused_until_ms = now + kManualFailoverPauseMs;
      return true;
    });
    link_->spoke = true;
    if (!ok) return Refuse("manual failover request from a node that is not my replica");
    LOG_NOTICE("Manual failover requested by replica %s: writes paused.", candidate.c_str());
    return loop_.timer_.afterDelay(kPauseSettleMs * kj::MILLISECONDS)
        .then([this, ctx = kj::mv(ctx)]() mutable {
          ctx.getResults().setOffset(loop_.cluster_.ReplOffset());
        });
  }

  // Atomic slot migration, target side (bus_migration.cc does the work).
  kj::Promise<void> importBegin(ImportBeginContext ctx) override {
    if (loop_.Partitioned()) return Drop();
    link_->spoke = true;
    auto p = ctx.getParams();
    return Answer(loop_.ImportBegin(p.getName(), p.getSource(), p.getRanges()));
  }
  kj::Promise<void> importChunk(ImportChunkContext ctx) override {
    if (loop_.Partitioned()) return Drop();
    link_->spoke = true;
    auto p = ctx.getParams();
    return Answer(loop_.ImportChunk(p.getName(), p.getChanges(), p.getChunk()));
  }
  kj::Promise<void> importFinish(ImportFinishContext ctx) override {
    if (loop_.Partitioned()) return Drop();
    link_->spoke = true;
    std::string name = ctx.getParams().getName();
    return loop_.ImportFinish(name).then(
        [ctx = kj::mv(ctx)](uint64_t epoch) mutable { ctx.getResults().setConfigEpoch(epoch); });
  }
  kj::Promise<void> importCancel(ImportCancelContext ctx) override {
    if (loop_.Partitioned()) return Drop();
    link_->spoke = true;
    bool owned = false;
    uint64_t epoch = 0;
    loop_.ImportCancel(ctx.getParams().getName(), &owned, &epoch);
    ctx.getResults().setOwned(owned);
    ctx.getResults().setConfigEpoch(epoch);
    return kj::READY_NOW;
  }

 private:
  // A refused import call fails with its reason; the link stays.
  static kj::Promise<void> Answer(const std::string& why) {
    if (why.empty()) return kj::READY_NOW;
    return KJ_EXCEPTION(FAILED, why);
  }
  // The partition test hook: the link goes away as if the network cut it.
  kj::Promise<void> Drop() {
    link_->spoke = true;
    if (drop_->isWaiting()) drop_->fulfill();
    return KJ_EXCEPTION(DISCONNECTED, "bus traffic dropped (partition test hook)");
  }
  kj::Promise<void> Refuse(const std::string& why) {
    LOG_WARNING("cluster bus: dropping the link from %s: %s", peer_ip_.c_str(), why.c_str());
    link_->spoke = true;  // logged here already
    if (drop_->isWaiting()) drop_->fulfill();
    return KJ_EXCEPTION(FAILED, why);
  }

  Loop& loop_;
  std::string peer_ip_;
  std::string local_ip_;
  kj::Own<kj::PromiseFulfiller<void>> drop_;
  InLink* link_;  // the link this service answers on; it owns the service
};

Status Bus::Loop::Listen() {
  for (std::string addr : bus_.options_.bind) {
    bool optional = !addr.empty() && addr[0] == '-';
    if (optional) addr.erase(0, 1);
    sockaddr_storage ss{};
    socklen_t len = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(static_cast<uint16_t>(bus_.options_.port));
      len = sizeof(*v4);
    } else if (inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(static_cast<uint16_t>(bus_.options_.port));
      len = sizeof(*v6);
    } else {
      if (optional) continue;
      return Status::InvalidArgument("bad bind address for the cluster bus: " + addr);
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return Status::IOError(std::string("socket: ") + strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, 511) != 0) {
      int err = errno;
      close(fd);
      if (optional) continue;
      return Status::IOError("can't listen on cluster bus " + addr + ":" +
                             std::to_string(bus_.options_.port) + ": " + strerror(err));
    }
    auto l = std::make_unique<Listener>();
    l->fd = fd;
    l->observer = kj::heap<kj::UnixEventPort::FdObserver>(
        io_.unixEventPort, fd, kj::UnixEventPort::FdObserver::OBSERVE_READ);
    listeners_.push_back(std::move(l));
  }
  if (listeners_.empty()) return Status::IOError("the cluster bus has no address to listen on");
  return Status::Ok();
}

void Bus::Loop::Run() {
  for (auto& l : listeners_) tasks_.add(AcceptLoop(*l));
  wake_observer_ = kj::heap<kj::UnixEventPort::FdObserver>(
      io_.unixEventPort, bus_.wake_fd_, kj::UnixEventPort::FdObserver::OBSERVE_READ);
  auto paf = kj::newPromiseAndFulfiller<void>();
  stop_ = kj::mv(paf.fulfiller);
  tasks_.add(WakeLoop());
  tasks_.add(TickLoop());
  RecoverImports();
  Tick();
  paf.promise.wait(io_.waitScope);
}

kj::Promise<void> Bus::Loop::AcceptLoop(Listener& l) {
  return l.observer->whenBecomesReadable().then([this, &l]() {
    while (true) {
      int fd = accept4(l.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) break;
      if (Partitioned()) {
        close(fd);
        continue;
      }
      Vet(fd);
    }
    return AcceptLoop(l);
  });
}

void Bus::Loop::Vet(int fd) {
  auto v = kj::heap<Vetting>();
  v->fd = fd;
  v->observer = kj::heap<kj::UnixEventPort::FdObserver>(
      io_.unixEventPort, fd, kj::UnixEventPort::FdObserver::OBSERVE_READ);
  Vetting& ref = *v;
  std::string peer = PeerIp(fd);
  auto timeout = timer_.afterDelay(kVetTimeoutMs * kj::MILLISECONDS).then([peer]() {
    LOG_WARNING("cluster bus: dropping a connection from %s that sent nothing", peer.c_str());
  });
  tasks_.add(VetLoop(ref).exclusiveJoin(kj::mv(timeout)).attach(kj::mv(v)));
}

// Peeks at the first 8 bytes: what is not Cap'n Proto framing (an HTTP
// request, a Redis command, random bytes) is dropped with a log line before
// any RPC machinery sees it.
kj::Promise<void> Bus::Loop::VetLoop(Vetting& v) {
  return v.observer->whenBecomesReadable().then([this, &v]() -> kj::Promise<void> {
    unsigned char head[8];
    ssize_t n = recv(v.fd, head, sizeof(head), MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return VetLoop(v);
    if (n <= 0) return kj::READY_NOW;  // closed: the destructor closes our end
    if (n < static_cast<ssize_t>(sizeof(head))) return VetLoop(v);
    uint32_t segments =
        (head[0] | head[1] << 8 | head[2] << 16 | static_cast<uint32_t>(head[3]) << 24) + 1;
    uint32_t words = head[4] | head[5] << 8 | head[6] << 16 | static_cast<uint32_t>(head[7]) << 24;
    if (segments == 0 || segments > kMaxSegments || words > kMaxFirstSegmentWords) {
      LOG_WARNING("cluster bus: dropping a connection from %s: not the cluster bus protocol",
                  PeerIp(v.fd).c_str());
      return kj::READY_NOW;
    }
    v.observer = nullptr;  // the RPC stream registers the fd itself
    int fd = v.fd;
    v.fd = -1;
    Adopt(fd);
    return kj::READY_NOW;
  });
}

void Bus::Loop::Adopt(int fd) {
  auto in = kj::heap<InLink>();
  in->peer_ip = PeerIp(fd);
  std::string local_ip = LocalIp(fd);
  in->stream = io_.lowLevelProvider->wrapSocketFd(fd, kj::LowLevelAsyncIoProvider::TAKE_OWNERSHIP);
  auto drop = kj::newPromiseAndFulfiller<void>();
  capnp::Capability::Client service =
      kj::heap<Service>(*this, in->peer_ip, local_ip, kj::mv(drop.fulfiller), in.get());
  in->rpc = kj::heap<capnp::TwoPartyClient>(*in->stream, kj::mv(service),
                                            capnp::rpc::twoparty::Side::SERVER);
  InLink& ref = *in;
  auto done = in->rpc->onDisconnect().exclusiveJoin(kj::mv(drop.promise)).then([this, &ref]() {
    if (!ref.sender_id.empty()) {
      cluster_.Locked([&](ClusterState& s) {
        Node* n = s.Find(ref.sender_id);
        if (n != nullptr && n->inbound_link_ms == ref.since_ms) n->inbound_link_ms = 0;
      });
    }
    // A peer that never got one valid call through sent something that
    // frames like Cap'n Proto but is not the bus protocol.
    if (!ref.spoke) {
      LOG_WARNING("cluster bus: dropped the link from %s: no valid bus message",
                  ref.peer_ip.c_str());
    }
  });
  tasks_.add(done.attach(kj::mv(in)));
}

kj::Promise<void> Bus::Loop::WakeLoop() {
  return wake_observer_->whenBecomesReadable().then([this]() -> kj::Promise<void> {
    uint64_t v = 0;
    ssize_t n = read(bus_.wake_fd_, &v, sizeof(v));
    (void)n;
    {
      std::lock_guard<std::mutex> lock(bus_.mu_);
      if (bus_.stop_) {
        stop_->fulfill();
        return kj::READY_NOW;
      }
    }
    Tick();
    return WakeLoop();
  });
}

kj::Promise<void> Bus::Loop::TickLoop() {
  return timer_.afterDelay(kTickMs * kj::MILLISECONDS).then([this]() {
    Tick();
    return TickLoop();
  });
}

void Bus::Loop::SendPublishes(std::vector<PublishRequest>& publishes) {
  for (const PublishRequest& m : publishes) {
    for (auto& [id, l] : links_) {
      if (!l->connected || l->dead) continue;
      KJ_IF_MAYBE (cap, l->cap) {
        auto req = cap->publishRequest();
        req.setChannel(kj::arrayPtr(reinterpret_cast<const kj::byte*>(m.channel.data()),
                                    m.channel.size()));
        req.setMessage(kj::arrayPtr(reinterpret_cast<const kj::byte*>(m.message.data()),
                                    m.message.size()));
        tasks_.add(l->canceler.wrap(req.send().ignoreResult()));
        cluster_.Locked([](ClusterState& s) { ++s.messages_sent; });
      }
    }
  }
}

void Bus::Loop::DrainQueue() {
  std::vector<MeetRequest> meets;
  std::vector<PublishRequest> publishes;
  {
    std::lock_guard<std::mutex> lock(bus_.mu_);
    meets.swap(bus_.meets_);
    publishes.swap(bus_.publishes_);
  }
  if (!publishes.empty() && !Partitioned()) SendPublishes(publishes);
  if (meets.empty()) return;
  int64_t now = Now();
  cluster_.Locked([&](ClusterState& s) {
    for (const auto& m : meets) {
      // Redis keeps one handshake per address at a time.
      bool pending = false;
      for (const auto& [id, n] : s.nodes()) {
        if ((n->flags & kFlagHandshake) && n->ip == m.ip && n->port == m.port &&
            n->bus_port == m.bus_port) {
          pending = true;
        }
      }
      if (pending) continue;
      auto n = std::make_unique<Node>();
      n->id = RandomNodeId();
      n->ip = m.ip;
      n->port = m.port;
      n->bus_port = m.bus_port;
      n->flags = kFlagHandshake | kFlagMaster;
      n->pong_received_ms = now;  // a handshake's creation time
      n->meet_pending = true;
      s.Add(std::move(n));
    }
  });
}

void Bus::Loop::Tick() {
  try {
    DrainQueue();
    int64_t now = Now();
    Effects fx;
    struct Target {
      std::string id;
      std::string ip;
      int bus_port;
      bool lease_peer;  // a master whose confirmations keep our lease alive
    };
    std::vector<Target> targets;
    FailoverActions fa;
    std::string pause_master;
    bool lease_holder = false;
    const uint64_t offset = cluster_.ReplOffset();
    const int64_t jitter = static_cast<int64_t>(rng_() % kElectionJitterMs);
    cluster_.Locked([&](ClusterState& s) {
      s.myself()->repl_offset = offset;
      const Node* me = s.myself();
      lease_holder = cluster_.options().master_lease && me->is_master() && me->slots.any();
      Cron(s, cluster_.options(), now, &fx);
      FailoverCron(s, cluster_.options(), now, jitter, &fx, &fa);
      FailoverState& f = s.failover;
      if (f.manual_end_ms != 0 && !f.manual_force && !f.manual_start_sent) {
        f.manual_start_sent = true;
        pause_master = s.myself()->master_id;
      }
      for (const auto& [id, n] : s.nodes()) {
        if (n.get() == s.myself()) continue;
        auto it = links_.find(id);
        n->link_connected = it != links_.end() && it->second->connected && !it->second->dead;
        n->link_created_ms = n->link_connected ? it->second->connected_ms : 0;
        const bool lease_peer = lease_holder && n->is_master() && n->slots.any();
        if (!n->ip.empty() && n->bus_port > 0) {
          targets.push_back({id, n->ip, n->bus_port, lease_peer});
        }
      }
      if (fx.save) cluster_.ChangedLocked();
    });
    if (Partitioned()) {
      // Every link is cut and none is made: peers see our pings stop, we see
      // theirs stop, and both sides' failure detection runs as usual.
      links_.clear();
      cluster_.Locked([&](ClusterState& s) {
        for (const auto& [id, n] : s.nodes()) {
          if (n.get() != s.myself() && n->ping_sent_ms == 0) n->ping_sent_ms = now;
        }
      });
      Persist();
      return;
    }
    // Drop links that broke, whose node is gone or moved, or whose ping went
    // unanswered for half the node timeout (Redis frees such a link too).
    int64_t half_timeout = std::max<int64_t>(cluster_.options().node_timeout_ms / 2, kTickMs);
    for (auto it = links_.begin(); it != links_.end();) {
      OutLink& l = *it->second;
      auto t = std::find_if(targets.begin(), targets.end(),
                            [&](const Target& x) { return x.id == it->first; });
      bool stale = t == targets.end() || t->ip != l.ip || t->bus_port != l.bus_port;
      bool hung = l.in_flight && now - l.last_ping_ms > half_timeout;
      if (l.dead || stale || hung) {
        if (l.dead || hung) retry_at_[it->first] = now + PingIntervalMs();
        it = links_.erase(it);
      } else {
        ++it;
      }
    }
    int64_t interval = PingIntervalMs();
    // A master pings the other masters four times per lease period, so a
    // slow pong or two (a loaded machine) does not let its lease lapse.
    int64_t lease_interval =
        std::clamp<int64_t>(LeasePeriodMs(cluster_.options()) / 4, kTickMs, interval);
    for (const Target& t : targets) {
      auto it = links_.find(t.id);
      if (it == links_.end()) {
        auto r = retry_at_.find(t.id);
        if (r != retry_at_.end() && r->second > now) continue;
        auto l = std::make_unique<OutLink>();
        l->node_id = t.id;
        l->ip = t.ip;
        l->bus_port = t.bus_port;
        OutLink& ref = *l;
        links_[t.id] = std::move(l);
        Connect(ref);
        continue;
      }
      OutLink& l = *it->second;
      const int64_t every = t.lease_peer ? lease_interval : interval;
      if (l.connected && !l.in_flight && now - l.last_ping_ms >= every) SendPing(l);
    }
    Persist();
    if (fa.request_votes) RequestVotes(fa.request);
    if (!pause_master.empty()) RequestPause(pause_master);
    if (fa.promoted) PingAll();
    Apply(fx);
    ImportCron();
    DriveExport();
  } catch (const kj::Exception& e) {
    LOG_WARNING("cluster bus: %s", e.getDescription().cStr());
  } catch (const std::exception& e) {
    LOG_WARNING("cluster bus: %s", e.what());
  }
}

void Bus::Loop::Connect(OutLink& l) {
  int64_t timeout = std::max<int64_t>(cluster_.options().node_timeout_ms, 1000);
  auto connected = io_.provider->getNetwork()
                       .parseAddress(l.ip, static_cast<unsigned>(l.bus_port))
                       .then([](kj::Own<kj::NetworkAddress> addr) {
                         return addr->connect().attach(kj::mv(addr));
                       });
  auto bounded = timer_.timeoutAfter(timeout * kj::MILLISECONDS, kj::mv(connected));
  tasks_.add(l.canceler.wrap(bounded.then(
      [this, &l](kj::Own<kj::AsyncIoStream> stream) {
        l.stream = kj::mv(stream);
        l.client = kj::heap<capnp::TwoPartyClient>(*l.stream);
        l.cap = l.client->bootstrap().castAs<rpc::ClusterBus>();
        l.connected = true;
        l.connected_ms = Now();
        tasks_.add(l.canceler.wrap(l.client->onDisconnect().then([this, &l]() {
          l.dead = true;
          // The peer went away (killed, restarted): it counts as pending
          // from now, as a failed connect does, not from the next attempt
          // a ping interval later, so PFAIL comes node-timeout after this.
          MarkUnreachable(l.node_id);
        })));
        SendPing(l);
      },
      [this, &l](kj::Exception&&) {
        l.dead = true;
        MarkUnreachable(l.node_id);
      })));
}

// As Redis: an unreachable node counts as one whose ping is pending, so it
// turns PFAIL after the node timeout.
void Bus::Loop::MarkUnreachable(const std::string& node_id) {
  int64_t now = Now();
  cluster_.Locked([&](ClusterState& s) {
    Node* n = s.Find(node_id);
    if (n != nullptr && n->ping_sent_ms == 0) n->ping_sent_ms = now;
  });
}

void Bus::Loop::SendPing(OutLink& l) {
  KJ_IF_MAYBE (cap, l.cap) {
    int64_t now = Now();
    int64_t sent_mono = cluster_.clock().MonotonicMs();
    Header h;
    const uint64_t offset = cluster_.ReplOffset();
    bool found = cluster_.Locked([&](ClusterState& s) {
      Node* n = s.Find(l.node_id);
      if (n == nullptr) return false;
      s.myself()->repl_offset = offset;
      bool meet = n->meet_pending || (n->flags & kFlagHandshake);
      h = BuildHeader(s, meet);
      if (n->ping_sent_ms == 0) n->ping_sent_ms = now;
      ++s.messages_sent;
      ++(meet ? s.meet_sent : s.ping_sent);
      return true;
    });
    if (!found) return;
    auto req = cap->pingRequest();
    rpc::ToWire(h, req.initMsg());
    l.in_flight = true;
    l.last_ping_ms = now;
    tasks_.add(l.canceler.wrap(req.send().then(
        [this, &l, sent_mono](capnp::Response<rpc::ClusterBus::PingResults>&& resp) {
          l.in_flight = false;
          if (Partitioned()) return;
          Header reply;
          if (!rpc::FromWire(resp.getReply(), &reply)) {
            l.dead = true;
            return;
          }
          if (reply.version > kBusProtocolVersion) {
            LOG_WARNING("cluster bus: dropping the link to %s: it speaks protocol version %u",
                        l.ip.c_str(), reply.version);
            l.dead = true;
            return;
          }
          OnPingReply(l, reply, sent_mono);
        },
        [&l](kj::Exception&&) {
          l.in_flight = false;
          l.dead = true;
        })));
  }
}

void Bus::Loop::OnPingReply(OutLink& l, const Header& reply, int64_t sent_mono_ms) {
  Effects fx;
  int64_t now = Now();
  bool exists = false;
  cluster_.Locked([&](ClusterState& s) {
    OnPong(s, cluster_.options(), l.node_id, reply, l.ip, now, &fx);
    // Whoever answered, its answer is about us (a handshake node may have
    // been renamed to it just now).
    Node* peer = s.Find(reply.sender.id);
    if (peer != nullptr && peer != s.myself()) {
      OnLeaseReply(peer, reply.lease_confirmed, sent_mono_ms);
    }
    exists = s.Find(l.node_id) != nullptr;
    if (fx.save) cluster_.ChangedLocked();
  });
  if (!exists && reply.sender.id != l.node_id) {
    // A handshake node got its real id: the link follows it, unless that
    // node already has one.
    if (links_.count(reply.sender.id) == 0) {
      auto it = links_.find(l.node_id);
      std::unique_ptr<OutLink> owned = std::move(it->second);
      links_.erase(it);
      owned->node_id = reply.sender.id;
      links_[reply.sender.id] = std::move(owned);
    } else {
      l.dead = true;
    }
  }
  Persist();
  Apply(fx);
}

void Bus::Loop::Apply(const Effects& fx) {
  if (fx.fail_broadcast.empty()) return;
  std::string my_id = cluster_.Locked([](ClusterState& s) { return s.myself()->id; });
  for (const std::string& failing : fx.fail_broadcast) {
    for (auto& [id, l] : links_) {
      if (!l->connected || l->dead) continue;
      KJ_IF_MAYBE (cap, l->cap) {
        auto req = cap->failRequest();
        req.setSender(my_id);
        req.setFailing(failing);
        tasks_.add(l->canceler.wrap(req.send().ignoreResult()));
        cluster_.Locked([](ClusterState& s) {
          ++s.messages_sent;
          ++s.fail_sent;
        });
      }
    }
  }
}

void Bus::Loop::RequestVotes(const VoteRequest& req) {
  std::vector<std::string> masters;
  cluster_.Locked([&](ClusterState& s) {
    for (const auto& [id, n] : s.nodes()) {
      if (n.get() != s.myself() && n->is_master() && n->slots.any()) masters.push_back(id);
    }
  });
  for (const std::string& id : masters) {
    auto it = links_.find(id);
    if (it == links_.end() || !it->second->connected || it->second->dead) continue;
    OutLink& l = *it->second;
    KJ_IF_MAYBE (cap, l.cap) {
      auto r = cap->requestVoteRequest();
      r.setCandidate(req.candidate);
      r.setEpoch(req.epoch);
      r.setMasterId(req.master_id);
      r.setConfigEpoch(req.config_epoch);
      auto bytes = r.initSlots(kSlots / 8);
      for (size_t i = 0; i < kSlots / 8; ++i) bytes[i] = 0;
      for (size_t j = 0; j < kSlots; ++j) {
        if (req.slots.test(j)) bytes[j / 8] |= static_cast<uint8_t>(1u << (j % 8));
      }
      r.setManual(req.manual);
      cluster_.Locked([](ClusterState& s) {
        ++s.messages_sent;
        ++s.auth_req_sent;
      });
      uint64_t epoch = req.epoch;
      tasks_.add(l.canceler.wrap(r.send().then(
          [this, epoch](capnp::Response<rpc::ClusterBus::RequestVoteResults>&& resp) {
            if (!resp.getGranted()) return;
            std::string voter = resp.getVoter().cStr();
            cluster_.Locked([&](ClusterState& s) {
              ++s.messages_received;
              ++s.auth_ack_received;
              // Counted by the next tick's FailoverCron.
              OnVoteGranted(s, voter, epoch);
            });
          },
          [](kj::Exception&& e) {
            LOG_VERBOSE("cluster bus: vote request failed: %s", e.getDescription().cStr());
          })));
    }
  }
}

void Bus::Loop::RequestPause(const std::string& master_id) {
  auto it = links_.find(master_id);
  OutLink* l =
      it == links_.end() || !it->second->connected || it->second->dead ? nullptr : it->second.get();
  if (l == nullptr) {
    LOG_WARNING("Manual failover: no link to my master; it will time out.");
    return;
  }
  KJ_IF_MAYBE (cap, l->cap) {
    auto r = cap->manualFailoverRequest();
    r.setCandidate(cluster_.Locked([](ClusterState& s) { return s.myself()->id; }));
    cluster_.Locked([](ClusterState& s) {
      ++s.messages_sent;
      ++s.mfstart_sent;
    });
    tasks_.add(l->canceler.wrap(r.send().then(
        [this](capnp::Response<rpc::ClusterBus::ManualFailoverResults>&& resp) {
          uint64_t offset = resp.getOffset();
          cluster_.Locked([&](ClusterState& s) {
            FailoverState& f = s.failover;
            if (f.manual_end_ms == 0) return;
            f.manual_offset_known = true;
            f.manual_master_offset = offset;
          });
          LOG_NOTICE("Received the master offset %llu for the manual failover.",
                     static_cast<unsigned long long>(offset));
        },
        [](kj::Exception&& e) {
          LOG_WARNING("Manual failover: the master refused: %s", e.getDescription().cStr());
        })));
  }
}

void Bus::Loop::PingAll() {
  for (auto& [id, l] : links_) {
    if (l->connected && !l->dead && !l->in_flight) SendPing(*l);
  }
}

Bus::Bus(Cluster& cluster, BusOptions options) : cluster_(cluster), options_(std::move(options)) {}

Bus::~Bus() { Stop(); }

Status Bus::Start() {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return Status::IOError(std::string("eventfd: ") + strerror(errno));
  std::promise<Status> started;
  std::future<Status> result = started.get_future();
  thread_ = std::thread([this, &started] {
    KjLogBridge bridge;
    bool reported = false;
    try {
      auto io = kj::setupAsyncIo();
      Loop loop(*this, io);
      Status s = loop.Listen();
      bool ok = s.ok();
      reported = true;
      started.set_value(std::move(s));
      if (ok) loop.Run();
    } catch (const kj::Exception& e) {
      LOG_WARNING("cluster bus stopped: %s", e.getDescription().cStr());
      if (!reported) started.set_value(Status::IOError(e.getDescription().cStr()));
    }
  });
  Status s = result.get();
  if (!s.ok()) {
    thread_.join();
    return s;
  }
  cluster_.set_bus(this);
  return Status::Ok();
}

void Bus::Stop() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    Wake();
    thread_.join();
  }
  if (wake_fd_ >= 0) {
    close(wake_fd_);
    wake_fd_ = -1;
  }
}

void Bus::Meet(const std::string& ip, int port, int bus_port) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    meets_.push_back({ip, port, bus_port});
  }
  Wake();
}

void Bus::Publish(std::string_view channel, std::string_view message) {
  // A bus message must stay under Cap'n Proto's 64 MB read limit, or the
  // receiver would drop the link.
  constexpr size_t kMaxPublishBytes = 32u << 20;
  if (channel.size() + message.size() > kMaxPublishBytes) {
    LOG_WARNING("cluster bus: a PUBLISH of %zu bytes stays on this node (the bus takes %zu)",
                channel.size() + message.size(), kMaxPublishBytes);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    publishes_.push_back({std::string(channel), std::string(message)});
  }
  Wake();
}

void Bus::DropTraffic(int64_t ms) {
  drop_until_ms_.store(cluster_.clock().MonotonicMs() + ms, std::memory_order_release);
  LOG_WARNING("cluster bus: dropping all bus traffic for %lld ms (CAIRN.FAULT BUS-DROP)",
              static_cast<long long>(ms));
  Wake();
}

void Bus::HoldMigrations(int64_t ms) {
  hold_migrations_until_ms_.store(cluster_.clock().MonotonicMs() + ms, std::memory_order_release);
  LOG_WARNING(
      "cluster bus: slot migrations hold off their write pause for %lld ms "
      "(CAIRN.FAULT MIGRATION-HOLD)",
      static_cast<long long>(ms));
  Wake();
}

void Bus::Wake() {
  uint64_t one = 1;
  ssize_t n = write(wake_fd_, &one, sizeof(one));
  (void)n;
}

}  // namespace cairn::cluster
