// CLUSTER SETSLOT and MIGRATE, the two halves of the migration redis-cli
// --cluster reshard drives: SETSLOT opens a slot on both nodes (MIGRATING on
// the owner, IMPORTING on the target) and closes it by naming the new owner;
// MIGRATE moves keys, as DUMP payloads replayed by RESTORE(-ASKING) on the
// target over a blocking connection. The redirect rules of an open slot
// (ASK, TRYAGAIN, ASKING) are in cluster::Cluster::RouteCommand.
#include "server/commands/migration.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cluster/cluster.h"
#include "common/log.h"
#include "common/strings.h"
#include "server/commands/cluster_args.h"
#include "server/commands/lookup.h"
#include "server/errors.h"
#include "storage/dump_payload.h"
#include "storage/engine.h"

namespace cairn {
namespace {

using cluster::ClusterState;
using cluster::Node;

// ------------------------------------------------------------ CLUSTER SETSLOT

// What SETSLOT asks for, parsed before the node table is locked.
enum class SetSlotAction { kMigrating, kImporting, kStable, kNode, kInvalid };

SetSlotAction ParseAction(std::string_view word, size_t argc) {
  if (EqualsIgnoreCase(word, "migrating") && argc == 5) return SetSlotAction::kMigrating;
  if (EqualsIgnoreCase(word, "importing") && argc == 5) return SetSlotAction::kImporting;
  if (EqualsIgnoreCase(word, "stable") && argc == 4) return SetSlotAction::kStable;
  if (EqualsIgnoreCase(word, "node") && argc == 5) return SetSlotAction::kNode;
  return SetSlotAction::kInvalid;
}

// Applies one SETSLOT to the table (Redis 7.0's clusterCommandSetSlot, same
// checks in the same order). Returns the error, or "".
std::string ApplySetSlot(ClusterState& s, const cluster::ClusterOptions& options,
                         SetSlotAction action, int slot, const std::string& id,
                         int64_t keys_in_slot, bool* wake) {
  Node* me = s.myself();
  Node* n = id.empty() ? nullptr : s.Find(id);
  switch (action) {
    case SetSlotAction::kMigrating:
      if (s.owner(slot) != me) return errors::NotSlotOwner(slot);
      if (n == nullptr) return errors::DontKnowNode(id);
      if (!n->is_master()) return std::string(errors::kTargetNotMaster);
      s.SetMigrating(slot, n);
      break;
    case SetSlotAction::kImporting:
      if (s.owner(slot) == me) return errors::AlreadySlotOwner(slot);
      if (n == nullptr) return errors::DontKnowNode(id);
      if (!n->is_master()) return std::string(errors::kTargetNotMaster);
      s.SetImporting(slot, n);
      break;
    case SetSlotAction::kStable:
      s.SetImporting(slot, nullptr);
      s.SetMigrating(slot, nullptr);
      break;
    case SetSlotAction::kNode: {
      if (n == nullptr) return errors::UnknownNode(id);
      if (!n->is_master()) return std::string(errors::kTargetNotMaster);
      const bool was_mine = s.owner(slot) == me;
      // The keys must have left before the slot may go.
      if (was_mine && n != me && keys_in_slot != 0) return errors::StillHoldKeys(slot);
      if (keys_in_slot == 0 && s.migrating_to(slot) != nullptr) s.SetMigrating(slot, nullptr);
      s.Assign(slot, n);
      // A master left without slots follows the node that took the last one
      // (cluster-allow-replica-migration yes, Redis's default).
      if (was_mine && n != me && me->slots.none()) {
        LOG_NOTICE("Configuration change detected. Reconfiguring myself as a replica of %s",
                   n->id.c_str());
        me->flags = (me->flags & ~cluster::kFlagMaster) | cluster::kFlagReplica;
        me->master_id = n->id;
        s.failover = cluster::FailoverState{};
      }
      // Closing an import on the new owner: a configEpoch of its own makes
      // its claim win over the old owner's in gossip.
      if (n == me && s.importing_from(slot) != nullptr) {
        if (s.BumpConfigEpochWithoutConsensus()) {
          LOG_NOTICE("configEpoch updated after importing slot %d", slot);
        }
        s.SetImporting(slot, nullptr);
      }
      *wake = true;
      break;
    }
    case SetSlotAction::kInvalid:
      return std::string(errors::kSetSlotInvalid);
  }
  s.UpdateState(options);
  return "";
}

}  // namespace

void ClusterSetSlot(CommandContext& ctx) {
  cluster::Cluster* cl = ctx.server.cluster;
  if (cl == nullptr) {
    ctx.reply.Error(errors::kClusterDisabled);
    return;
  }
  if (cl->Locked([](ClusterState& s) { return !s.myself()->is_master(); })) {
    ctx.reply.Error(errors::kSetSlotOnReplica);
    return;
  }
  int slot = 0;
  if (!ParseSlot(ctx, ctx.argv[2], &slot)) return;
  const SetSlotAction action = ParseAction(ctx.argv[3], ctx.argv.size());
  std::string id = ctx.argv.size() == 5 ? std::string(ctx.argv[4]) : std::string();
  int64_t keys = 0;
  if (action == SetSlotAction::kNode) {
    auto n = ctx.engine.CountKeysInSlot(0, static_cast<uint16_t>(slot));
    if (!n.ok()) {
      ctx.reply.Error(errors::ReadFailed(n.status().message()));
      return;
    }
    keys = *n;
  }
  bool wake = false;
  std::string error = cl->Locked([&](ClusterState& s) {
    std::string e = ApplySetSlot(s, cl->options(), action, static_cast<int>(slot), id, keys, &wake);
    if (e.empty()) cl->ChangedLocked();
    return e;
  });
  // nodes.conf before the reply (Redis saves it before replying, unsynced).
  Status saved = cl->Persist(/*sync=*/false);
  if (!saved.ok()) LOG_WARNING("cluster: %s", saved.message().c_str());
  if (!error.empty()) {
    ctx.reply.Error(error);
    return;
  }
  if (wake && cl->bus() != nullptr) cl->bus()->Wake();
  ctx.reply.Ok();
}

// -------------------------------------------------------------------- MIGRATE

namespace {

using Clock = std::chrono::steady_clock;

// One blocking connection to the target, every step bounded by the
// command's timeout (Redis's connBlockingConnect / connSyncWrite /
// connSyncReadLine).
class SyncConnection {
 public:
  enum class Result { kOk, kError, kTimeout };

  ~SyncConnection() {
    if (fd_ >= 0) close(fd_);
  }

  // A refused connection shows up as a failed first write, as in Redis.
  Result Connect(const std::string& host, const std::string& port, int64_t timeout_ms) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
      return Result::kError;
    }
    Result out = Result::kError;
    for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
      int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      int rc = connect(fd, a->ai_addr, a->ai_addrlen);
      if (rc != 0 && errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        int pr = poll(&p, 1, static_cast<int>(timeout_ms));
        if (pr == 0) {
          close(fd);
          out = Result::kTimeout;
          continue;
        }
        rc = pr > 0 ? 0 : -1;
      }
      if (rc == 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        fd_ = fd;
        out = Result::kOk;
        break;
      }
      close(fd);
    }
    freeaddrinfo(res);
    return out;
  }

  Result WriteAll(std::string_view data, int64_t timeout_ms) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n > 0) {
        off += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        Result w = Wait(POLLOUT, timeout_ms);
        if (w != Result::kOk) return w;
        continue;
      }
      return Result::kError;
    }
    return Result::kOk;
  }

  // One reply line without its CRLF.
  Result ReadLine(std::string* line, int64_t timeout_ms) {
    for (;;) {
      size_t eol = buf_.find("\r\n");
      if (eol != std::string::npos) {
        *line = buf_.substr(0, eol);
        buf_.erase(0, eol + 2);
        return Result::kOk;
      }
      char tmp[4096];
      ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
      if (n > 0) {
        buf_.append(tmp, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) return Result::kError;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        Result w = Wait(POLLIN, timeout_ms);
        if (w != Result::kOk) return w;
        continue;
      }
      return Result::kError;
    }
  }

 private:
  Result Wait(short events, int64_t timeout_ms) {
    pollfd p{fd_, events, 0};
    int pr = poll(&p, 1, static_cast<int>(timeout_ms));
    if (pr == 0) return Result::kTimeout;
    if (pr < 0 && errno != EINTR) return Result::kError;
    return Result::kOk;
  }

  int fd_ = -1;
  std::string buf_;
};

void AppendBulk(std::string* out, std::string_view s) {
  *out += '$';
  *out += std::to_string(s.size());
  *out += "\r\n";
  out->append(s.data(), s.size());
  *out += "\r\n";
}

void AppendArrayHeader(std::string* out, size_t n) {
  *out += '*';
  *out += std::to_string(n);
  *out += "\r\n";
}

struct MigrateOptions {
  bool copy = false;
  bool replace = false;
  bool auth = false;
  std::string username;  // AUTH2 only
  std::string password;
  int64_t db = 0;
  int64_t timeout_ms = 1000;
  std::vector<std::string_view> keys;
};

// How one attempt ended.
enum class AttemptEnd {
  kDone,        // the reply (OK or the target's error) is written
  kRetryWrite,  // nothing was acknowledged: try once more on a new
  kRetryRead,   // connection, then report IOERR ... writing / reading
  kWriteError,  // IOERR ... writing (timed out: no retry, as Redis)
  kReadError,   // IOERR ... reading
  kConnectTimeout,
};

// As Redis (migrateGetSocket): a connection per target is kept for reuse,
// with the db it last selected, and closed after 10 s unused or on any
// error; at most 64 of them. Per loop thread: MIGRATE runs on the loops.
constexpr int64_t kCachedTargetIdleMs = 10000;
constexpr size_t kCachedTargetsMax = 64;

struct CachedTarget {
  SyncConnection conn;
  int64_t db = -1;  // selected on it, -1 = none yet
  int64_t last_use_ms = 0;
};

thread_local std::map<std::string, std::unique_ptr<CachedTarget>> tl_targets;

// The connection to host:port, reused or made; null if it could not be
// made (*result says why).
CachedTarget* TargetConnection(const std::string& host, const std::string& port, int64_t timeout_ms,
                               int64_t now_ms, SyncConnection::Result* result) {
  for (auto it = tl_targets.begin(); it != tl_targets.end();) {
    it = now_ms - it->second->last_use_ms > kCachedTargetIdleMs ? tl_targets.erase(it) : ++it;
  }
  const std::string name = host + ":" + port;
  auto it = tl_targets.find(name);
  if (it != tl_targets.end()) {
    *result = SyncConnection::Result::kOk;
    return it->second.get();
  }
  auto t = std::make_unique<CachedTarget>();
  *result = t->conn.Connect(host, port, timeout_ms);
  if (*result != SyncConnection::Result::kOk) return nullptr;
  if (tl_targets.size() >= kCachedTargetsMax) tl_targets.erase(tl_targets.begin());
  t->last_use_ms = now_ms;
  return (tl_targets[name] = std::move(t)).get();
}

// One MIGRATE attempt on the target's connection: send AUTH / SELECT (if
// the connection has another db selected) / one RESTORE per key, read the
// replies, delete the keys the target acknowledged (unless COPY). The
// caller holds the keys' stripes, and drops the connection unless this
// returns kDone.
AttemptEnd MigrateOnce(CommandContext& ctx, const MigrateOptions& o,
                       std::vector<storage::KeyState>& states) {
  SyncConnection::Result c = SyncConnection::Result::kOk;
  CachedTarget* target = TargetConnection(std::string(ctx.argv[1]), std::string(ctx.argv[2]),
                                          o.timeout_ms, ctx.NowMs(), &c);
  if (c == SyncConnection::Result::kTimeout) return AttemptEnd::kConnectTimeout;
  if (target == nullptr) return AttemptEnd::kRetryWrite;
  SyncConnection& conn = target->conn;
  const bool select = target->db != o.db;

  std::string cmd;
  if (o.auth) {
    AppendArrayHeader(&cmd, o.username.empty() ? 2 : 3);
    AppendBulk(&cmd, "AUTH");
    if (!o.username.empty()) AppendBulk(&cmd, o.username);
    AppendBulk(&cmd, o.password);
  }
  if (select) {
    AppendArrayHeader(&cmd, 2);
    AppendBulk(&cmd, "SELECT");
    AppendBulk(&cmd, std::to_string(o.db));
  }
  const int64_t now = ctx.NowMs();
  const bool cluster_mode = ctx.server.cluster != nullptr;
  std::vector<storage::KeyState*> sent;
  for (storage::KeyState& ks : states) {
    int64_t ttl = 0;
    if (ks.expire_ms != 0) {
      ttl = ks.expire_ms - now;
      if (ttl < 0) continue;  // expired since the lookup
      if (ttl < 1) ttl = 1;
    }
    sent.push_back(&ks);
    AppendArrayHeader(&cmd, o.replace ? 5 : 4);
    AppendBulk(&cmd, cluster_mode ? "RESTORE-ASKING" : "RESTORE");
    AppendBulk(&cmd, ks.key);
    AppendBulk(&cmd, std::to_string(ttl));
    AppendBulk(&cmd, storage::EncodeStringDump(ks.payload));
    if (o.replace) AppendBulk(&cmd, "REPLACE");
  }
  SyncConnection::Result w = conn.WriteAll(cmd, o.timeout_ms);
  if (w == SyncConnection::Result::kTimeout) return AttemptEnd::kWriteError;
  if (w != SyncConnection::Result::kOk) return AttemptEnd::kRetryWrite;

  std::string auth_reply, select_reply;
  SyncConnection::Result r = SyncConnection::Result::kOk;
  if (o.auth) r = conn.ReadLine(&auth_reply, o.timeout_ms);
  if (r == SyncConnection::Result::kOk && select) r = conn.ReadLine(&select_reply, o.timeout_ms);
  if (r == SyncConnection::Result::kTimeout) return AttemptEnd::kReadError;
  if (r != SyncConnection::Result::kOk) return AttemptEnd::kRetryRead;
  // A refused SELECT leaves the connection's db as it was.
  if (select && !select_reply.empty() && select_reply[0] == '+') target->db = o.db;
  target->last_use_ms = ctx.NowMs();
  bool error_from_target = false;
  bool socket_error = false;
  bool timed_out = false;
  size_t replies = 0;
  storage::WriteSet ws(ctx.engine);
  for (storage::KeyState* ks : sent) {
    std::string line;
    r = conn.ReadLine(&line, o.timeout_ms);
    if (r != SyncConnection::Result::kOk) {
      socket_error = true;
      timed_out = r == SyncConnection::Result::kTimeout;
      break;
    }
    ++replies;
    const std::string* err = nullptr;
    if (o.auth && !auth_reply.empty() && auth_reply[0] == '-') {
      err = &auth_reply;
    } else if (!select_reply.empty() && select_reply[0] == '-') {
      err = &select_reply;
    } else if (!line.empty() && line[0] == '-') {
      err = &line;
    }
    if (err != nullptr) {
      if (!error_from_target) {
        error_from_target = true;
        ctx.reply.Error(errors::TargetReplied(err->substr(1)));
      }
    } else if (!o.copy) {
      ws.Delete(*ks);
      ws.Notify(storage::kEventGeneric, "del", *ks);
    }
  }
  if (!ws.empty()) {
    // The reply is already an error if the target refused a key: commit
    // silently then (a failed commit is logged; the keys stay here too).
    if (error_from_target) {
      Status s = ctx.engine.Commit(ws);
      if (!s.ok()) LOG_WARNING("MIGRATE: deleting migrated keys: %s", s.ToString().c_str());
    } else if (!ctx.Commit(ws)) {
      return AttemptEnd::kDone;
    }
  }
  if (!error_from_target && socket_error && replies == 0 && !timed_out) {
    return AttemptEnd::kRetryRead;
  }
  if (!error_from_target && socket_error) return AttemptEnd::kReadError;
  if (!error_from_target) ctx.reply.Ok();
  return AttemptEnd::kDone;
}

// MigrateOnce, dropping the target's connection unless it ended cleanly
// (the stream may be out of step, or the peer gone).
AttemptEnd MigrateAttempt(CommandContext& ctx, const MigrateOptions& o,
                          std::vector<storage::KeyState>& states) {
  AttemptEnd end = MigrateOnce(ctx, o, states);
  if (end != AttemptEnd::kDone) {
    tl_targets.erase(std::string(ctx.argv[1]) + ":" + std::string(ctx.argv[2]));
  }
  return end;
}

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
//   [AUTH password] [AUTH2 username password] [KEYS key [key ...]]
void MigrateCommand(CommandContext& ctx) {
  MigrateOptions o;
  size_t first_key = 3, num_keys = 1;
  for (size_t j = 6; j < ctx.argv.size(); ++j) {
    const size_t more = ctx.argv.size() - 1 - j;
    const std::string_view a = ctx.argv[j];
    if (EqualsIgnoreCase(a, "copy")) {
      o.copy = true;
    } else if (EqualsIgnoreCase(a, "replace")) {
      o.replace = true;
    } else if (EqualsIgnoreCase(a, "auth")) {
      if (more == 0) {
        ctx.reply.Error(errors::kSyntax);
        return;
      }
      o.auth = true;
      o.password = std::string(ctx.argv[++j]);
    } else if (EqualsIgnoreCase(a, "auth2")) {
      if (more < 2) {
        ctx.reply.Error(errors::kSyntax);
        return;
      }
      o.auth = true;
      o.username = std::string(ctx.argv[++j]);
      o.password = std::string(ctx.argv[++j]);
    } else if (EqualsIgnoreCase(a, "keys")) {
      if (!ctx.argv[3].empty()) {
        ctx.reply.Error(errors::kMigrateKeysNeedEmptyKey);
        return;
      }
      first_key = j + 1;
      num_keys = ctx.argv.size() - j - 1;
      break;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  // Redis reads the timeout, then the db.
  if (!ParseInt64(ctx.argv[5], &o.timeout_ms) || !ParseInt64(ctx.argv[4], &o.db)) {
    ctx.reply.Error(errors::kNotInteger);
    return;
  }
  if (o.timeout_ms <= 0) o.timeout_ms = 1000;
  // poll() takes an int; a day is as good as forever here.
  if (o.timeout_ms > 86400000) o.timeout_ms = 86400000;
  for (size_t j = 0; j < num_keys; ++j) o.keys.push_back(ctx.argv[first_key + j]);

  // The keys stay locked until they are deleted here, so no write on another
  // loop lands between the DUMP and the DEL (Redis is single-threaded).
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), o.keys);
  std::vector<storage::KeyState> states;
  for (std::string_view k : o.keys) {
    storage::KeyState ks;
    if (!ReadOrReply(ctx, k, &ks)) return;
    if (!ks.live) continue;
    bool dup = false;
    for (const auto& s : states) dup = dup || s.key == ks.key;
    if (!dup) states.push_back(std::move(ks));
  }
  if (states.empty()) {
    ctx.reply.SimpleString("NOKEY");
    return;
  }
  AttemptEnd end = MigrateAttempt(ctx, o, states);
  if (end == AttemptEnd::kRetryWrite || end == AttemptEnd::kRetryRead) {
    end = MigrateAttempt(ctx, o, states);
  }
  switch (end) {
    case AttemptEnd::kDone:
      return;
    case AttemptEnd::kRetryWrite:
    case AttemptEnd::kWriteError:
      ctx.reply.Error(errors::kMigrateIoWriting);
      return;
    case AttemptEnd::kRetryRead:
    case AttemptEnd::kReadError:
      ctx.reply.Error(errors::kMigrateIoReading);
      return;
    case AttemptEnd::kConnectTimeout:
      ctx.reply.Error(errors::kMigrateIoConnecting);
      return;
  }
}

}  // namespace

std::vector<int> MigrateKeyPositions(std::span<const std::string_view> argv) {
  const int argc = static_cast<int>(argv.size());
  if (argc <= 3) return {};
  // Redis 7.0 first reads the key specs: argv[3], unless the second spec
  // finds KEYS (searched backwards from the second-to-last argument); that
  // spec is incomplete, so then it asks migrateGetKeys.
  bool keyword = false;
  for (int i = argc - 2; i >= 1 && !keyword; --i) keyword = EqualsIgnoreCase(argv[i], "keys");
  if (!keyword) return {3};
  // migrateGetKeys: the arguments after KEYS (skipping AUTH's and AUTH2's
  // values), and none when argv[3] is not empty.
  int first = 3;
  int num = 1;
  for (int i = 6; i < argc; ++i) {
    if (EqualsIgnoreCase(argv[i], "keys")) {
      if (!argv[3].empty()) return {};
      first = i + 1;
      num = argc - first;
      break;
    }
    if (EqualsIgnoreCase(argv[i], "auth")) {
      i += 1;
    } else if (EqualsIgnoreCase(argv[i], "auth2")) {
      i += 2;
    }
  }
  std::vector<int> out;
  for (int i = 0; i < num; ++i) out.push_back(first + i);
  return out;
}

void RegisterMigrationCommands(CommandRegistry& reg) {
  // Redis 7.0's key specs for MIGRATE: argv[3], and the arguments after
  // KEYS (an incomplete spec); the keys themselves come from
  // MigrateKeyPositions.
  CommandSpec migrate = MakeSpec(
      "migrate", -6, kCmdWrite | kCmdMovableKeys,
      {{3, 0, 1, 0, "RW ACCESS DELETE"},
       {0, -1, 1, 0, "RW ACCESS DELETE INCOMPLETE", nullptr, "KEYS", -2}}, "generic",
                   "Atomically transfer a key from a Redis instance to another one.", "2.6.0",
                   "This command actually executes a DUMP+DEL in the source instance, and a "
                   "RESTORE in the target instance. See the pages of these commands for time "
                   "complexity. Also an O(N) data transfer between the two instances is "
                   "performed.",
                   MigrateCommand, {"keyspace", "dangerous"});
  migrate.find_keys = MigrateKeyPositions;
  reg.Add(std::move(migrate));
}

}  // namespace cairn
