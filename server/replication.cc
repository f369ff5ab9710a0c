#include "server/replication.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/log.h"
#include "storage/engine.h"

namespace cairn {
namespace {

constexpr int kPollMs = 100;               // longest a thread waits before checking its stop flag
constexpr int64_t kPingEveryMs = 1000;     // master heartbeat when idle
constexpr int64_t kLinkTimeoutMs = 10000;  // a silent peer is dead after this
constexpr int64_t kRetryMs = 500;          // between connection attempts
constexpr size_t kMaxStreamRead = 1 << 20;
constexpr size_t kChunkBytes = 1 << 20;
constexpr size_t kMaxFrame = 512ull << 20;  // a frame larger than this is garbage

// A socket with a read buffer; every call is bounded by `timeout_ms` (and
// gives up when `stop` turns true).
class Wire {
 public:
  Wire(int fd, const std::atomic<bool>& stop) : fd_(fd), stop_(stop) {}
  ~Wire() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

  // Writes all of `data`; false on error, timeout or stop.
  bool WriteAll(std::string_view data, int64_t timeout_ms = kLinkTimeoutMs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
      if (stop_ || std::chrono::steady_clock::now() > deadline) return false;
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, kPollMs);
    }
    return true;
  }

  // Reads whatever arrives within `wait_ms` into the buffer. False on EOF
  // or error; true (maybe with nothing new) otherwise.
  bool Fill(int wait_ms) {
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, wait_ms);
    if (r <= 0) return r == 0 || errno == EINTR;
    char tmp[64 * 1024];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    buf_.append(tmp, static_cast<size_t>(n));
    last_read_ms_ = NowMs();
    return true;
  }

  // One "\r\n"-terminated line (without it), waiting up to timeout_ms.
  bool ReadLine(std::string* line, int64_t timeout_ms = kLinkTimeoutMs) {
    const int64_t deadline = NowMs() + timeout_ms;
    for (;;) {
      size_t eol = buf_.find("\r\n", pos_);
      if (eol != std::string::npos) {
        line->assign(buf_, pos_, eol - pos_);
        pos_ = eol + 2;
        Compact();
        return true;
      }
      if (buf_.size() - pos_ > 64 * 1024) return false;  // no sane line is that long
      if (stop_ || NowMs() > deadline || !Fill(kPollMs)) return false;
    }
  }

  // Exactly n bytes followed by "\r\n".
  bool ReadBulk(size_t n, std::string* out, int64_t timeout_ms = kLinkTimeoutMs) {
    const int64_t deadline = NowMs() + timeout_ms;
    while (buf_.size() - pos_ < n + 2) {
      if (stop_ || NowMs() > deadline || !Fill(kPollMs)) return false;
    }
    if (buf_.compare(pos_ + n, 2, "\r\n") != 0) return false;
    out->assign(buf_, pos_, n);
    pos_ += n + 2;
    Compact();
    return true;
  }

  bool HasBuffered() const { return pos_ < buf_.size(); }
  int64_t last_read_ms() const { return last_read_ms_; }

  static int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

 private:
  void Compact() {
    if (pos_ > (1 << 20) || pos_ == buf_.size()) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
  }
  int fd_;
  const std::atomic<bool>& stop_;
  std::string buf_;
  size_t pos_ = 0;
  int64_t last_read_ms_ = NowMs();
};

std::string Command(std::initializer_list<std::string_view> args) {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on
  // "literal" + std::string&&.
  std::string out = "*";
  out += std::to_string(args.size());
  out += "\r\n";
  for (auto a : args) {
    out += '$';
    out += std::to_string(a.size());
    out += "\r\n";
    out.append(a.data(), a.size());
    out += "\r\n";
  }
  return out;
}

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t nv = v * 10 + static_cast<uint64_t>(c - '0');
    if (nv / 10 != v) return false;
    v = nv;
  }
  *out = v;
  return true;
}

// A non-blocking TCP connection to host:port, within timeout_ms; -1 on failure.
int ConnectTo(const std::string& host, int port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (addrinfo* ai = res; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int r = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (r != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof(err);
      if (::poll(&p, 1, timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
          err == 0) {
        r = 0;
      }
    }
    if (r != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  return fd;
}

}  // namespace

// One replica served by this master.
struct Replication::Feeder {
  int fd;
  std::string ip;
  int port;
  std::string master_id;  // what the replica believes its data came from
  uint64_t next_seq;
  std::atomic<bool> stop{false};
  std::atomic<bool> done{false};
  std::atomic<bool> online{false};
  std::atomic<uint64_t> ack{0};
  std::atomic<int64_t> last_ack_ms{0};
  std::thread thread;
};

Replication::Replication(storage::Engine& engine, const Clock& clock, int own_port)
    : engine_(engine), clock_(clock), own_port_(own_port) {}

Replication::~Replication() { Stop(); }

void Replication::Stop() {
  stopping_ = true;
  std::thread link;
  {
    std::lock_guard<std::mutex> lock(link_mu_);
    generation_.fetch_add(1);
    link = std::move(link_thread_);
  }
  if (link.joinable()) link.join();
  std::list<std::unique_ptr<Feeder>> feeders;
  {
    std::lock_guard<std::mutex> lock(feeders_mu_);
    feeders.swap(feeders_);
  }
  for (auto& f : feeders) f->stop = true;
  for (auto& f : feeders) {
    if (f->thread.joinable()) f->thread.join();
  }
}

// ------------------------------------------------------------ replica side

bool Replication::ReplicaOf(const std::string& host, int port) {
  std::thread old;
  uint64_t gen;
  {
    std::lock_guard<std::mutex> lock(link_mu_);
    if (replica_ && link_.host == host && link_.port == port) return false;
    gen = generation_.fetch_add(1) + 1;
    old = std::move(link_thread_);
    link_ = LinkInfo{};
    link_.host = host;
    link_.port = port;
    link_.state = "connect";
    link_.offset = engine_.ReplicatedOffset();
    replica_ = true;
    link_up_ = false;
  }
  engine_.SetReplica(true);
  if (old.joinable()) old.join();
  std::lock_guard<std::mutex> lock(link_mu_);
  if (generation_.load() == gen && !stopping_) {
    link_thread_ = std::thread([this, gen, host, port] { RunLink(gen, host, port); });
  }
  return true;
}

void Replication::ReplicaOfNoOne() {
  std::thread old;
  {
    std::lock_guard<std::mutex> lock(link_mu_);
    generation_.fetch_add(1);
    old = std::move(link_thread_);
    replica_ = false;
    link_up_ = false;
    link_ = LinkInfo{};
  }
  if (old.joinable()) old.join();
  engine_.SetReplica(false);
}

void Replication::Fence() {
  std::lock_guard<std::mutex> fence(apply_mu_);
  std::lock_guard<std::mutex> lock(link_mu_);
  if (!replica_) return;
  generation_.fetch_add(1);
  link_up_ = false;
  link_.up = false;
  link_.state = "connect";
  LOG_NOTICE("replication from %s:%d fenced: no more batches applied or acknowledged",
             link_.host.c_str(), link_.port);
}

Replication::LinkInfo Replication::Link() const {
  std::lock_guard<std::mutex> lock(link_mu_);
  LinkInfo l = link_;
  l.offset = engine_.ReplicatedOffset();
  return l;
}

void Replication::RunLink(uint64_t gen, std::string host, int port) {
  std::atomic<bool> stop{false};
  auto current = [&] { return generation_.load() == gen && !stopping_; };
  auto set_state = [&](const char* state, bool up, bool syncing) {
    std::lock_guard<std::mutex> lock(link_mu_);
    if (generation_.load() != gen) return;
    const int64_t now = Wire::NowMs();
    if (link_.up && !up) link_.down_since_ms = now;
    link_.state = state;
    link_.up = up;
    link_.sync_in_progress = syncing;
    if (up) link_.last_io_ms = now;
    link_up_ = up;
  };
  auto touch = [&] {
    std::lock_guard<std::mutex> lock(link_mu_);
    if (generation_.load() == gen) link_.last_io_ms = Wire::NowMs();
  };

  while (current()) {
    set_state("connecting", false, false);
    int fd = ConnectTo(host, port, 2000);
    if (fd < 0) {
      set_state("connect", false, false);
      for (int64_t t = 0; t < kRetryMs && current(); t += 50) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      continue;
    }
    Wire wire(fd, stop);
    const uint64_t next = engine_.ReplicatedOffset() + 1;
    std::string master_id = engine_.MasterDataId();
    if (master_id.empty() || engine_.ReplicatedOffset() == 0) master_id = "?";
    std::string line;
    bool ok = wire.WriteAll(Command(
                  {"CAIRN.SYNC", master_id, std::to_string(next), std::to_string(own_port_)})) &&
              wire.ReadLine(&line);
    if (ok && line.rfind("+FULLSYNC ", 0) == 0) {
      // +FULLSYNC <id> <seq>, then chunks, then +ENDSYNC.
      set_state("sync", false, true);
      std::string rest = line.substr(10);
      size_t sp = rest.find(' ');
      uint64_t seq = 0;
      ok = sp != std::string::npos && ParseU64(rest.substr(sp + 1), &seq);
      std::string id = ok ? rest.substr(0, sp) : "";
      if (ok) ok = engine_.BeginFullSync().ok();
      std::string chunk;
      size_t chunks = 0;
      while (ok && current()) {
        ok = wire.ReadLine(&line, 60000);
        if (!ok) break;
        if (line == "+ENDSYNC") break;
        uint64_t n = 0;
        ok = line.size() > 1 && line[0] == '$' && ParseU64(line.substr(1), &n) && n <= kMaxFrame &&
             wire.ReadBulk(n, &chunk, 60000) && engine_.ApplySnapshotChunk(chunk).ok();
        ++chunks;
        touch();
      }
      if (ok && current()) ok = engine_.FinishFullSync(seq, id).ok();
      if (ok)
        LOG_NOTICE("full sync from %s:%d done: %zu chunks, offset %llu", host.c_str(), port, chunks,
                   static_cast<unsigned long long>(seq));
    } else if (ok && line.rfind("+CONTINUE", 0) == 0) {
      LOG_NOTICE("partial resync from %s:%d at offset %llu", host.c_str(), port,
                 static_cast<unsigned long long>(next));
    } else {
      if (ok) LOG_WARNING("master %s:%d refused to sync: %s", host.c_str(), port, line.c_str());
      ok = false;
    }
    if (ok && current()) {
      set_state("connected", true, false);
      int64_t last_ack = 0;
      uint64_t acked = 0;
      while (current()) {
        // Frames: *3 :seq :count $batch, or +PING.
        if (!wire.HasBuffered() && !wire.Fill(kPollMs)) break;
        if (Wire::NowMs() - wire.last_read_ms() > kLinkTimeoutMs) {
          LOG_WARNING("master %s:%d silent for %lld ms: reconnecting", host.c_str(), port,
                      static_cast<long long>(kLinkTimeoutMs));
          break;
        }
        while (wire.HasBuffered() && current()) {
          if (!wire.ReadLine(&line)) {
            ok = false;
            break;
          }
          if (line == "+PING") {
            touch();
            continue;
          }
          std::string seq_line, count_line, len_line, data;
          uint64_t seq = 0, count = 0, len = 0;
          if (line != "*3" || !wire.ReadLine(&seq_line) || seq_line.empty() || seq_line[0] != ':' ||
              !ParseU64(seq_line.substr(1), &seq) || !wire.ReadLine(&count_line) ||
              count_line.empty() || count_line[0] != ':' ||
              !ParseU64(count_line.substr(1), &count) || !wire.ReadLine(&len_line) ||
              len_line.empty() || len_line[0] != '$' || !ParseU64(len_line.substr(1), &len) ||
              len > kMaxFrame || !wire.ReadBulk(len, &data)) {
            LOG_WARNING("bad frame from master %s:%d: reconnecting", host.c_str(), port);
            ok = false;
            break;
          }
          storage::Engine::ReplBatch b;
          b.seq = seq;
          b.count = static_cast<uint32_t>(count);
          b.data = std::move(data);
          // Checked under apply_mu_: once Fence() returned, nothing more
          // from this master is applied.
          std::unique_lock<std::mutex> fence(apply_mu_);
          if (!current()) break;
          Status s = engine_.ApplyReplicated(b);
          fence.unlock();
          if (!s.ok()) {
            LOG_WARNING("applying a batch from %s:%d failed: %s", host.c_str(), port,
                        s.ToString().c_str());
            ok = false;
            break;
          }
          touch();
        }
        if (!ok) break;
        const uint64_t off = engine_.ReplicatedOffset();
        const int64_t now = Wire::NowMs();
        if (off != acked || now - last_ack >= kPingEveryMs) {
          // Nor acknowledged: the old master's quorum writes must fail.
          std::lock_guard<std::mutex> fence(apply_mu_);
          if (!current()) break;
          if (!wire.WriteAll(Command({"REPLCONF", "ACK", std::to_string(off)}))) break;
          acked = off;
          last_ack = now;
        }
      }
    }
    set_state("connect", false, false);
    for (int64_t t = 0; t < kRetryMs && current(); t += 50) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

// ------------------------------------------------------------- master side

void Replication::ServeReplica(int fd, const std::string& peer_ip, int listening_port,
                               const std::string& master_id, uint64_t next_seq) {
  ReapFeeders();
  auto f = std::make_unique<Feeder>();
  f->fd = fd;
  f->ip = peer_ip;
  f->port = listening_port;
  f->master_id = master_id;
  f->next_seq = next_seq;
  Feeder* raw = f.get();
  std::lock_guard<std::mutex> lock(feeders_mu_);
  if (stopping_) {
    ::close(fd);
    return;
  }
  feeders_.push_back(std::move(f));
  raw->thread = std::thread([this, raw] { RunFeeder(raw); });
}

void Replication::ReapFeeders() {
  std::list<std::unique_ptr<Feeder>> dead;
  {
    std::lock_guard<std::mutex> lock(feeders_mu_);
    for (auto it = feeders_.begin(); it != feeders_.end();) {
      if ((*it)->done) {
        dead.push_back(std::move(*it));
        it = feeders_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& f : dead) {
    if (f->thread.joinable()) f->thread.join();
  }
}

void Replication::RunFeeder(Feeder* f) {
  Wire wire(f->fd, f->stop);
  const std::string id = engine_.DataId();
  uint64_t next = f->next_seq;
  bool ok = true;
  // A replica ahead of this master (which lost writes it had streamed, say
  // after kill -9 under appendfsync everysec) must not continue: its extra
  // batches would clash with the sequence numbers this master reuses.
  bool partial = f->master_id == id && next >= 1 && next <= engine_.LatestSequence() + 1;
  if (partial) {
    auto probe = engine_.ReadUpdatesSince(next, 1);
    partial = probe.ok();
  }
  if (partial) {
    ok = wire.WriteAll("+CONTINUE " + id + "\r\n");
  } else {
    uint64_t seq = 0;
    Status s = engine_.SnapshotChunks(
        kChunkBytes,
        [&](uint64_t at) {
          return wire.WriteAll("+FULLSYNC " + id + " " + std::to_string(at) + "\r\n")
                     ? Status::Ok()
                     : Status::IOError("replica gone");
        },
        [&](std::string data) {
          std::string header = "$";  // not "$" + ...: GCC 12's false -Wrestrict
          header += std::to_string(data.size());
          header += "\r\n";
          bool sent = wire.WriteAll(header, 60000) &&
                      wire.WriteAll(data, 60000) && wire.WriteAll("\r\n");
          return sent ? Status::Ok() : Status::IOError("replica gone");
        },
        &seq);
    ok = s.ok();
    ok = ok && wire.WriteAll("+ENDSYNC\r\n");
    next = seq + 1;
    if (ok)
      LOG_NOTICE("full sync to replica %s:%d sent, offset %llu", f->ip.c_str(), f->port,
                 static_cast<unsigned long long>(seq));
  }
  if (ok) {
    f->online = true;
    f->last_ack_ms = Wire::NowMs();
  }
  int64_t last_send = Wire::NowMs();
  std::string line;
  storage::Engine::UpdateTail tail(engine_, next);
  std::vector<storage::Engine::ReplBatch> batches;
  while (ok && !f->stop && !stopping_) {
    bool sent = false;
    if (engine_.LatestSequence() >= next) {
      batches.clear();
      Status rs = tail.Read(kMaxStreamRead, &batches);
      if (!rs.ok()) {
        LOG_WARNING("replica %s:%d is behind the WAL archive: %s", f->ip.c_str(), f->port,
                    rs.ToString().c_str());
        break;
      }
      for (const auto& b : batches) {
        std::string frame = "*3\r\n:" + std::to_string(b.seq) + "\r\n:" + std::to_string(b.count) +
                            "\r\n$" + std::to_string(b.data.size()) + "\r\n";
        ok = wire.WriteAll(frame) && wire.WriteAll(b.data) && wire.WriteAll("\r\n");
        if (!ok) break;
        next = b.seq + b.count;
        sent = true;
      }
    }
    const int64_t now = Wire::NowMs();
    if (sent) last_send = now;
    if (ok && now - last_send >= kPingEveryMs) {
      ok = wire.WriteAll("+PING\r\n");
      last_send = now;
    }
    // Acknowledgements: REPLCONF ACK <offset> as RESP arrays.
    if (ok && !wire.Fill(sent ? 0 : 2)) ok = false;
    while (ok && wire.HasBuffered()) {
      std::string a, b2, c, d, e, g;
      if (!wire.ReadLine(&a, 1000) || a != "*3" || !wire.ReadLine(&b2, 1000) ||
          !wire.ReadLine(&c, 1000) || !wire.ReadLine(&d, 1000) || !wire.ReadLine(&e, 1000) ||
          !wire.ReadLine(&g, 1000) || !wire.ReadLine(&line, 1000)) {
        ok = false;
        break;
      }
      uint64_t off = 0;
      if (ParseU64(line, &off)) {
        const bool advanced = off > f->ack.load();
        f->ack = off;
        f->last_ack_ms = Wire::NowMs();
        if (advanced && waiters_.load(std::memory_order_acquire) > 0 && on_ack_) on_ack_();
      }
    }
    if (Wire::NowMs() - wire.last_read_ms() > kLinkTimeoutMs) {
      LOG_WARNING("replica %s:%d silent: dropping it", f->ip.c_str(), f->port);
      break;
    }
  }
  f->online = false;
  f->done = true;
}

std::vector<Replication::ReplicaInfo> Replication::Replicas() const {
  std::vector<ReplicaInfo> out;
  std::lock_guard<std::mutex> lock(feeders_mu_);
  for (const auto& f : feeders_) {
    if (f->done) continue;
    ReplicaInfo r;
    r.ip = f->ip;
    r.port = f->port;
    r.state = f->online ? "online" : "wait_bgsave";
    r.ack = f->ack.load();
    r.last_ack_ms = f->last_ack_ms.load();
    out.push_back(r);
  }
  return out;
}

int Replication::CountAcked(uint64_t seq) const {
  int n = 0;
  std::lock_guard<std::mutex> lock(feeders_mu_);
  for (const auto& f : feeders_) {
    if (!f->done && f->online && f->ack.load() >= seq) ++n;
  }
  return n;
}

uint64_t Replication::Offset() const {
  return is_replica() ? engine_.ReplicatedOffset() : engine_.LatestSequence();
}

std::string Replication::DataId() const { return engine_.DataId(); }

}  // namespace cairn
