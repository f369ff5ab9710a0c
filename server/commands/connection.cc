// Connection commands (Redis's networking.c / acl.c / server.c parts that
// talk about the connection itself): PING, ECHO, HELLO, AUTH, QUIT, RESET,
// SELECT and the CLIENT container.
//
// Cairn has one user, "default", whose password is `requirepass` (none: the
// user is "nopass" and any AUTH default <x> succeeds, as in Redis).
//
// What a command changes in the connection (db, resp, authenticated,
// close_after_reply) lives in the Client, owned by this loop; the connection
// re-reads it after every command. What other clients see through CLIENT
// LIST (name, lib-name, no-evict) lives in the ClientInfo under its lock.
#include <cstdio>
#include <string>
#include <vector>

#include "common/strings.h"
#include "server/command.h"
#include "server/config.h"
#include "server/errors.h"
#include "server/pubsub.h"
#include "server/transaction.h"
#include "storage/engine.h"

namespace cairn {
namespace {

// The version HELLO reports: Cairn speaks Redis 7.0, and clients that gate
// features on the server version should treat it as such.
constexpr std::string_view kRedisVersion = "7.0.15";
constexpr std::string_view kDefaultUser = "default";

// Redis's rule for client names (and 7.2's for lib-name/lib-ver): printable
// ASCII without spaces, so CLIENT LIST can be split on spaces.
bool ValidClientAttr(std::string_view s) {
  for (char c : s) {
    if (c < '!' || c > '~') return false;  // `char` may be signed: bytes >= 0x80 fail too
  }
  return true;
}

// Compares in time independent of where the first difference is, as Redis's
// time_independent_strcmp, so the password cannot be guessed byte by byte.
bool SecretEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  size_t n = a.size() > b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

std::string ClientLine(CommandContext& ctx, const ClientInfo& info);

// ACLAuthenticateUser for the single default user; a failure goes to the
// ACL log, as Redis logs it.
bool Authenticate(CommandContext& ctx, std::string_view user, std::string_view pass) {
  const Config& config = ctx.server.config;
  if (user == kDefaultUser &&
      (!config.has_requirepass() || SecretEquals(pass, config.requirepass()))) {
    ctx.client.authenticated = true;
    return true;
  }
  AclLog::Entry e;
  e.reason = "auth";
  e.context = ctx.client.txn.executing > 0 ? "multi" : "toplevel";
  e.object = std::string(ctx.argv[0]);  // as the client typed it: AUTH, auth, HELLO
  e.username = std::string(user);
  e.updated_ms = ctx.NowMs();
  e.client_info = ClientLine(ctx, *ctx.client.info);
  ctx.server.acl_log.Add(std::move(e));
  return false;
}

// CLIENT SETNAME / HELLO SETNAME: empty removes the name. False (with the
// error replied) if the name has forbidden characters.
bool SetNameOrReply(CommandContext& ctx, std::string_view name) {
  if (!ValidClientAttr(name)) {
    ctx.reply.Error(errors::kInvalidClientName);
    return false;
  }
  std::lock_guard<std::mutex> lock(ctx.client.info->mu);
  ctx.client.info->name.assign(name);
  return true;
}

// ---------------------------------------------------------------- PING ECHO

void PingCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 2) {  // arity is -1 in the table, as Redis, but at most one argument
    ctx.reply.Error(errors::WrongArity(ctx.spec.name));
    return;
  }
  // A subscribed RESP2 connection gets an array, which a client reading
  // pushes can tell from a message: ["pong", ""] or ["pong", <argument>].
  if (ctx.client.resp == 2 && ctx.client.pubsub_channels + ctx.client.pubsub_patterns > 0) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("pong");
    ctx.reply.Bulk(ctx.argv.size() == 1 ? std::string_view() : ctx.argv[1]);
    return;
  }
  if (ctx.argv.size() == 1) {
    ctx.reply.SimpleString("PONG");
  } else {
    ctx.reply.Bulk(ctx.argv[1]);
  }
}

void EchoCommand(CommandContext& ctx) { ctx.reply.Bulk(ctx.argv[1]); }

// ---------------------------------------------------------------- HELLO AUTH

// HELLO [protover [AUTH user pass] [SETNAME name]]. As Redis 7.0: options
// take effect in the order given (so a SETNAME before a bad option sticks),
// and the reply is written in the new protocol.
void HelloCommand(CommandContext& ctx) {
  int64_t ver = 0;
  size_t next = 1;
  if (ctx.argv.size() >= 2) {
    if (!ParseInt64(ctx.argv[next++], &ver)) {
      ctx.reply.Error(errors::kProtoverNotInteger);
      return;
    }
    if (ver < 2 || ver > 3) {
      ctx.reply.Error(errors::kNoProto);
      return;
    }
  }
  for (size_t j = next; j < ctx.argv.size(); ++j) {
    size_t more = ctx.argv.size() - 1 - j;
    std::string_view opt = ctx.argv[j];
    if (EqualsIgnoreCase(opt, "AUTH") && more >= 2) {
      if (!Authenticate(ctx, ctx.argv[j + 1], ctx.argv[j + 2])) {
        ctx.reply.Error(errors::kInvalidPassword);
        return;
      }
      j += 2;
    } else if (EqualsIgnoreCase(opt, "SETNAME") && more >= 1) {
      if (!SetNameOrReply(ctx, ctx.argv[j + 1])) return;
      ++j;
    } else {
      ctx.reply.Error(errors::HelloSyntax(opt));
      return;
    }
  }
  if (!ctx.client.authenticated) {
    ctx.reply.Error(errors::kHelloNoAuth);
    return;
  }
  if (ver != 0) {
    ctx.client.resp = static_cast<int>(ver);
    ctx.reply.set_protocol(ctx.client.resp);
  }
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk(kRedisVersion);
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(ctx.client.resp);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.info->id));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk("standalone");
  ctx.reply.Bulk("role");
  ctx.reply.Bulk("master");
  ctx.reply.Bulk("modules");
  ctx.reply.ArrayHeader(0);
}

// AUTH [username] password. A failed AUTH leaves an authenticated
// connection authenticated, as in Redis.
void AuthCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  std::string_view user = kDefaultUser;
  std::string_view pass;
  if (ctx.argv.size() == 2) {
    // The one-argument form errs when there is no password to check, to
    // catch clients configured with a password the server does not have.
    if (!ctx.server.config.has_requirepass()) {
      ctx.reply.Error(errors::kAuthNotConfigured);
      return;
    }
    pass = ctx.argv[1];
  } else {
    user = ctx.argv[1];
    pass = ctx.argv[2];
  }
  if (Authenticate(ctx, user, pass)) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(errors::kInvalidPassword);
  }
}

// ---------------------------------------------------------------- QUIT RESET SELECT

void QuitCommand(CommandContext& ctx) {
  ctx.reply.Ok();
  ctx.client.close_after_reply = true;
}

// Back to a fresh connection's state (Redis's clearClientConnectionState):
// db 0, RESP2, no name, no-evict off, no subscriptions, and authenticated
// only if the default user needs no password. lib-name/lib-ver stay, as in
// Redis 7.2.
void ResetCommand(CommandContext& ctx) {
  DiscardTransaction(ctx.client, ctx.engine);
  ResetSubscriptions(ctx);
  ctx.client.db = 0;
  ctx.client.resp = 2;
  ctx.reply.set_protocol(2);
  ctx.client.authenticated = !ctx.server.config.has_requirepass();
  ctx.client.reply_off = false;
  ctx.client.reply_skip = 0;
  {
    std::lock_guard<std::mutex> lock(ctx.client.info->mu);
    ctx.client.info->name.clear();
    ctx.client.info->no_evict = false;
  }
  ctx.reply.SimpleString("RESET");
}

void SelectCommand(CommandContext& ctx) {
  int64_t id = 0;
  // getIntFromObjectOrReply: not an integer, or outside a C int.
  if (!ParseInt64(ctx.argv[1], &id)) {
    ctx.reply.Error(errors::kNotInteger);
    return;
  }
  if (id < INT32_MIN || id > INT32_MAX) {
    ctx.reply.Error(errors::kIntOutOfRange);
    return;
  }
  if (ctx.server.cluster != nullptr && id != 0) {
    ctx.reply.Error(errors::kSelectInCluster);
    return;
  }
  if (id < 0 || id >= ctx.server.config.databases()) {
    ctx.reply.Error(errors::kDbIndexOutOfRange);
    return;
  }
  ctx.client.db = static_cast<int>(id);
  ctx.reply.Ok();
}

// ---------------------------------------------------------------- CLIENT

// The client types of CLIENT LIST/KILL TYPE. A connection with Pub/Sub
// subscriptions is "pubsub", every other one "normal" (no replication yet).
enum class ClientType { kNormal, kReplica, kPubsub, kMaster };

ClientType TypeOf(const ClientInfo& info) {
  std::lock_guard<std::mutex> lock(info.mu);
  return info.sub + info.psub > 0 ? ClientType::kPubsub : ClientType::kNormal;
}

bool ParseClientType(std::string_view s, ClientType* out) {
  if (EqualsIgnoreCase(s, "normal")) {
    *out = ClientType::kNormal;
  } else if (EqualsIgnoreCase(s, "slave") || EqualsIgnoreCase(s, "replica")) {
    *out = ClientType::kReplica;
  } else if (EqualsIgnoreCase(s, "pubsub")) {
    *out = ClientType::kPubsub;
  } else if (EqualsIgnoreCase(s, "master")) {
    *out = ClientType::kMaster;
  } else {
    return false;
  }
  return true;
}

// Length of the command as it arrived in RESP (Redis shows it as qbuf of the
// client running CLIENT LIST/INFO).
size_t EncodedSize(std::span<const std::string_view> argv) {
  size_t n = 1 + std::to_string(argv.size()).size() + 2;
  for (std::string_view a : argv) n += 1 + std::to_string(a.size()).size() + 2 + a.size() + 2;
  return n;
}

// One CLIENT LIST line, without the trailing newline, in Redis 7.0's field
// order. Fields Cairn does not track (query buffer free space, read buffer
// size and peak, output list) are 0. The connection running the command
// (`self`) shows its live state, which the shared info catches up with only
// after the command.
std::string ClientLine(CommandContext& ctx, const ClientInfo& info) {
  bool self = &info == ctx.client.info.get();
  int64_t now = ctx.NowMs();
  std::string name, lib_name, lib_ver, cmd;
  int db, resp;
  int64_t idle_s;
  size_t qbuf, obuf, argv_mem = 0;
  bool multi, no_evict, monitor;
  size_t multi_queued;
  int sub, psub;
  {
    std::lock_guard<std::mutex> lock(info.mu);
    name = info.name;
    lib_name = info.lib_name;
    lib_ver = info.lib_ver;
    cmd = info.last_cmd;
    db = info.db;
    resp = info.resp;
    idle_s = (now - info.last_interaction_ms) / 1000;
    qbuf = info.qbuf;
    obuf = info.obuf;
    multi = info.multi;
    multi_queued = info.multi_queued;
    no_evict = info.no_evict;
    monitor = info.monitor;
    sub = info.sub;
    psub = info.psub;
  }
  if (self) {
    cmd = ctx.spec.name;
    db = ctx.client.db;
    resp = ctx.client.resp;
    idle_s = 0;
    qbuf = EncodedSize(ctx.argv);
    obuf = 0;  // the shared figure is the last batch's, already sent
    for (std::string_view a : ctx.argv) argv_mem += a.size();
    // Inside EXEC the client still counts as in MULTI, as in Redis.
    multi = ctx.client.txn.active || ctx.client.txn.executing > 0;
    multi_queued = ctx.client.txn.active ? ctx.client.txn.queued.size() : ctx.client.txn.executing;
    sub = ctx.client.pubsub_channels;
    psub = ctx.client.pubsub_patterns;
  }
  if (idle_s < 0) idle_s = 0;
  int64_t age_s = (now - info.created_ms) / 1000;
  if (age_s < 0) age_s = 0;

  std::string flags;
  if (monitor) flags.push_back('O');
  if (sub + psub > 0) flags.push_back('P');
  if (multi) flags.push_back('x');
  if (info.blocked.load(std::memory_order_acquire)) flags.push_back('b');
  if (self && ctx.client.close_after_reply) flags.push_back('c');
  if (info.kill_requested.load(std::memory_order_relaxed)) flags.push_back('A');
  if (no_evict) flags.push_back('e');
  if (flags.empty()) flags.push_back('N');

  char buf[512];
  std::string out = "id=" + std::to_string(info.id) + " addr=" + info.addr +
                    " laddr=" + info.laddr + " fd=" + std::to_string(info.fd) + " name=" + name;
  snprintf(buf, sizeof(buf),
           " age=%lld idle=%lld flags=%s db=%d sub=%d psub=%d ssub=0 multi=%d qbuf=%zu "
           "qbuf-free=0 argv-mem=%zu multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=%zu tot-mem=%zu "
           "events=%s cmd=",
           static_cast<long long>(age_s), static_cast<long long>(idle_s), flags.c_str(), db, sub,
           psub, multi ? static_cast<int>(multi_queued) : -1, qbuf, argv_mem, obuf,
           qbuf + obuf + argv_mem, obuf > 0 ? "rw" : "r");
  out.append(buf);
  out.append(cmd);
  out.append(" user=default redir=-1 resp=");
  out.append(std::to_string(resp));
  // lib-name and lib-ver are Redis 7.2 fields (7.0.15 has none), placed
  // after resp= as 7.2 does, since Cairn accepts 7.2's CLIENT SETINFO.
  out.append(" lib-name=");
  out.append(lib_name);
  out.append(" lib-ver=");
  out.append(lib_ver);
  return out;
}

void ClientIdCommand(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.info->id));
}

void ClientSetNameCommand(CommandContext& ctx) {
  if (SetNameOrReply(ctx, ctx.argv[2])) ctx.reply.Ok();
}

void ClientGetNameCommand(CommandContext& ctx) {
  std::string name;
  {
    std::lock_guard<std::mutex> lock(ctx.client.info->mu);
    name = ctx.client.info->name;
  }
  if (name.empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(name);
  }
}

// CLIENT LIST [TYPE type] | [ID id ...]. With IDs, lines follow the order
// given (repeats included), as Redis.
void ClientListCommand(CommandContext& ctx) {
  auto clients = ctx.server.clients.Snapshot();
  std::string out;
  if (ctx.argv.size() == 4 && EqualsIgnoreCase(ctx.argv[2], "TYPE")) {
    ClientType type;
    if (!ParseClientType(ctx.argv[3], &type)) {
      ctx.reply.Error(errors::UnknownClientType(ctx.argv[3]));
      return;
    }
    for (const auto& c : clients) {
      if (c->kill_requested.load(std::memory_order_relaxed)) continue;
      if (TypeOf(*c) != type) continue;
      out += ClientLine(ctx, *c);
      out.push_back('\n');
    }
  } else if (ctx.argv.size() > 3 && EqualsIgnoreCase(ctx.argv[2], "ID")) {
    std::vector<int64_t> ids;
    for (size_t j = 3; j < ctx.argv.size(); ++j) {
      int64_t id = 0;
      if (!ParseInt64(ctx.argv[j], &id)) {
        ctx.reply.Error(errors::kInvalidClientId);
        return;
      }
      ids.push_back(id);
    }
    for (int64_t id : ids) {
      for (const auto& c : clients) {
        if (static_cast<int64_t>(c->id) != id) continue;
        if (c->kill_requested.load(std::memory_order_relaxed)) continue;
        out += ClientLine(ctx, *c);
        out.push_back('\n');
      }
    }
  } else if (ctx.argv.size() != 2) {
    ctx.reply.Error(errors::kSyntax);
    return;
  } else {
    for (const auto& c : clients) {
      if (c->kill_requested.load(std::memory_order_relaxed)) continue;
      out += ClientLine(ctx, *c);
      out.push_back('\n');
    }
  }
  ctx.reply.Verbatim(out);
}

void ClientInfoCommand(CommandContext& ctx) {
  std::string line = ClientLine(ctx, *ctx.client.info);
  line.push_back('\n');
  ctx.reply.Verbatim(line);
}

// CLIENT KILL addr:port (old form: +OK or an error; may kill the caller) or
// CLIENT KILL <filter> <value> ... (new form: how many were killed; skips
// the caller unless SKIPME no). Another loop's client is flagged and its
// loop woken to close it; the caller closes after this reply.
// CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends the WAIT client `id` is blocked
// in, as if it timed out (it answers the replicas counted so far) or with
// an -UNBLOCKED error; 1 if there was such a wait, 0 otherwise.
void ClientUnblockCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 4) {
    ctx.reply.Error(errors::SubcommandSyntax(ctx.argv[1], "client"));
    return;
  }
  int64_t id = 0;
  if (!ParseInt64(ctx.argv[2], &id)) {
    ctx.reply.Error(errors::kNotInteger);
    return;
  }
  int how = 1;
  if (ctx.argv.size() == 4) {
    if (EqualsIgnoreCase(ctx.argv[3], "error")) {
      how = 2;
    } else if (!EqualsIgnoreCase(ctx.argv[3], "timeout")) {
      ctx.reply.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  for (const auto& info : ctx.server.clients.Snapshot()) {
    if (static_cast<int64_t>(info->id) != id) continue;
    // A command held by CLIENT PAUSE is not unblocked (Redis 7.0 aborts on
    // that; later versions answer 0).
    if (!info->in_wait.load(std::memory_order_acquire)) break;
    info->unblock_requested.store(how, std::memory_order_release);
    if (ctx.server.wake_worker) ctx.server.wake_worker(info->worker);
    ctx.reply.Integer(1);
    return;
  }
  ctx.reply.Integer(0);
}

void ClientKillCommand(CommandContext& ctx) {
  std::string_view addr, laddr;
  bool has_addr = false, has_laddr = false, has_type = false;
  ClientType type = ClientType::kNormal;
  uint64_t id = 0;
  bool skipme = true;
  const size_t argc = ctx.argv.size();
  if (argc == 3) {
    addr = ctx.argv[2];
    has_addr = true;
    skipme = false;
  } else {
    for (size_t i = 2; i < argc; i += 2) {
      bool more = argc > i + 1;
      std::string_view opt = ctx.argv[i];
      if (EqualsIgnoreCase(opt, "ID") && more) {
        int64_t v = 0;
        if (!ParseInt64(ctx.argv[i + 1], &v) || v < 1) {
          ctx.reply.Error(errors::kClientIdNotPositive);
          return;
        }
        id = static_cast<uint64_t>(v);
      } else if (EqualsIgnoreCase(opt, "TYPE") && more) {
        if (!ParseClientType(ctx.argv[i + 1], &type)) {
          ctx.reply.Error(errors::UnknownClientType(ctx.argv[i + 1]));
          return;
        }
        has_type = true;
      } else if (EqualsIgnoreCase(opt, "ADDR") && more) {
        addr = ctx.argv[i + 1];
        has_addr = true;
      } else if (EqualsIgnoreCase(opt, "LADDR") && more) {
        laddr = ctx.argv[i + 1];
        has_laddr = true;
      } else if (EqualsIgnoreCase(opt, "USER") && more) {
        // Every connection, authenticated or not, is the default user's.
        if (ctx.argv[i + 1] != kDefaultUser) {
          ctx.reply.Error(errors::NoSuchUser(ctx.argv[i + 1]));
          return;
        }
      } else if (EqualsIgnoreCase(opt, "SKIPME") && more) {
        if (EqualsIgnoreCase(ctx.argv[i + 1], "yes")) {
          skipme = true;
        } else if (EqualsIgnoreCase(ctx.argv[i + 1], "no")) {
          skipme = false;
        } else {
          ctx.reply.Error(errors::kSyntax);
          return;
        }
      } else {
        ctx.reply.Error(errors::kSyntax);
        return;
      }
    }
  }

  int64_t killed = 0;
  bool close_self = false;
  for (const auto& c : ctx.server.clients.Snapshot()) {
    if (c->kill_requested.load(std::memory_order_relaxed)) continue;  // already going away
    if (has_addr && c->addr != addr) continue;
    if (has_laddr && c->laddr != laddr) continue;
    if (has_type && TypeOf(*c) != type) continue;
    if (id != 0 && c->id != id) continue;
    bool self = c.get() == ctx.client.info.get();
    if (self && skipme) continue;
    if (self) {
      close_self = true;
    } else {
      c->kill_requested.store(true, std::memory_order_relaxed);
      if (ctx.server.wake_worker) ctx.server.wake_worker(c->worker);
    }
    ++killed;
  }
  if (argc == 3) {
    if (killed == 0) {
      ctx.reply.Error(errors::kNoSuchClient);
    } else {
      ctx.reply.Ok();
    }
  } else {
    ctx.reply.Integer(killed);
  }
  if (close_self) ctx.client.close_after_reply = true;
}

// CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2; clients send it on
// connect and ignore errors). Empty clears the attribute.
void ClientSetInfoCommand(CommandContext& ctx) {
  std::string_view attr = ctx.argv[2];
  std::string_view val = ctx.argv[3];
  bool is_name = EqualsIgnoreCase(attr, "lib-name");
  if (!is_name && !EqualsIgnoreCase(attr, "lib-ver")) {
    ctx.reply.Error(errors::UnrecognizedOption(attr));
    return;
  }
  if (!ValidClientAttr(val)) {
    ctx.reply.Error(errors::InvalidClientAttr(attr));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(ctx.client.info->mu);
    (is_name ? ctx.client.info->lib_name : ctx.client.info->lib_ver).assign(val);
  }
  ctx.reply.Ok();
}

// CLIENT CONSISTENCY [DEFAULT|ASYNC|ONE|QUORUM|ALL|<k>] (Cairn): how many
// replicas must apply this connection's writes before their replies.
// DEFAULT follows replica-ack-quorum; ASYNC (0) is Redis's behaviour;
// QUORUM is a majority and ALL every replica connected at write time (at
// least one). Without an argument it answers the current level.
void ClientConsistencyCommand(CommandContext& ctx) {
  int64_t& q = ctx.client.ack_quorum;
  if (ctx.argv.size() == 2) {
    if (q == Client::kQuorumDefault) {
      ctx.reply.Bulk("default");
    } else if (q == Client::kQuorumAll) {
      ctx.reply.Bulk("all");
    } else if (q == Client::kQuorumMajority) {
      ctx.reply.Bulk("quorum");
    } else {
      ctx.reply.Bulk(std::to_string(q));
    }
    return;
  }
  if (ctx.argv.size() != 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  std::string_view level = ctx.argv[2];
  int64_t k = 0;
  if (EqualsIgnoreCase(level, "default")) {
    q = Client::kQuorumDefault;
  } else if (EqualsIgnoreCase(level, "async")) {
    q = 0;
  } else if (EqualsIgnoreCase(level, "one")) {
    q = 1;
  } else if (EqualsIgnoreCase(level, "quorum")) {
    q = Client::kQuorumMajority;
  } else if (EqualsIgnoreCase(level, "all")) {
    q = Client::kQuorumAll;
  } else if (ParseInt64(level, &k) && k >= 0 && k <= 1000) {
    q = k;
  } else {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  ctx.reply.Ok();
}

// CLIENT NO-EVICT on|off: accepted and shown in CLIENT LIST (flag 'e');
// Cairn never evicts clients for memory, so it changes nothing else.
// CLIENT REPLY ON|OFF|SKIP. OFF and SKIP answer nothing themselves; the
// connection drops the replies they stop (Connection::ExecuteReplying).
void ClientReplyCommand(CommandContext& ctx) {
  const std::string_view mode = ctx.argv[2];
  if (EqualsIgnoreCase(mode, "on")) {
    ctx.client.reply_off = false;
    ctx.client.reply_skip = 0;
    ctx.reply.Ok();
  } else if (EqualsIgnoreCase(mode, "off")) {
    ctx.client.reply_off = true;
  } else if (EqualsIgnoreCase(mode, "skip")) {
    if (!ctx.client.reply_off) ctx.client.reply_skip = 2;
  } else {
    ctx.reply.Error(errors::kSyntax);
  }
}

// CLIENT PAUSE timeout [WRITE|ALL]: holds back other clients' commands
// (Connection::PausedFor) and the deletion of expired keys, so a paused
// master writes nothing until the deadline or CLIENT UNPAUSE.
void ClientPauseCommand(CommandContext& ctx) {
  int64_t timeout = 0;
  if (!ParseInt64(ctx.argv[2], &timeout)) {
    ctx.reply.Error("ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout < 0) {
    ctx.reply.Error("ERR timeout is negative");
    return;
  }
  ClientPause::Mode mode = ClientPause::Mode::kAll;
  if (ctx.argv.size() == 4) {
    if (EqualsIgnoreCase(ctx.argv[3], "write")) {
      mode = ClientPause::Mode::kWrite;
    } else if (!EqualsIgnoreCase(ctx.argv[3], "all")) {
      ctx.reply.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  } else if (ctx.argv.size() > 4) {
    ctx.reply.Error(errors::SubcommandSyntax(ctx.argv[1], ctx.argv[0]));
    return;
  }
  const int64_t now = ctx.server.clock.NowMs();
  const int64_t until = timeout > INT64_MAX - now ? INT64_MAX : now + timeout;
  ctx.server.pause.Pause(mode, until, now);
  ctx.engine.PauseExpiryUntil(ctx.server.pause.until_ms());
  ctx.reply.Ok();
}

void ClientUnpauseCommand(CommandContext& ctx) {
  ctx.server.pause.Unpause();
  ctx.engine.PauseExpiryUntil(0);
  ctx.reply.Ok();
}

void ClientNoEvictCommand(CommandContext& ctx) {
  bool on;
  if (EqualsIgnoreCase(ctx.argv[2], "on")) {
    on = true;
  } else if (EqualsIgnoreCase(ctx.argv[2], "off")) {
    on = false;
  } else {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(ctx.client.info->mu);
    ctx.client.info->no_evict = on;
  }
  ctx.reply.Ok();
}

// Client-side caching is not supported: tracking is always off, and these
// answer as Redis does for a client that never enabled it.
void ClientGetRedirCommand(CommandContext& ctx) { ctx.reply.Integer(-1); }

void ClientTrackingInfoCommand(CommandContext& ctx) {
  ctx.reply.MapHeader(3);
  ctx.reply.Bulk("flags");
  ctx.reply.SetHeader(1);
  ctx.reply.Bulk("off");
  ctx.reply.Bulk("redirect");
  ctx.reply.Integer(-1);
  ctx.reply.Bulk("prefixes");
  ctx.reply.ArrayHeader(0);
}

void ClientCachingCommand(CommandContext& ctx) { ctx.reply.Error(errors::kCachingWithoutTracking); }

// Redis 7.0's CLIENT HELP, less the subcommands Cairn does not have (PAUSE,
// UNPAUSE, REPLY, TRACKING, UNBLOCK), plus 7.2's SETINFO.
void ClientHelpCommand(CommandContext& ctx) {
  static const char* const kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CACHING (YES|NO)",
      "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
      "GETREDIR",
      "    Return the client ID we are redirecting to when tracking is enabled.",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend all, or just write, clients for <timeout> milliseconds.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "SETINFO <option> <value>",
      "    Set client meta attr. Options are:",
      "    * LIB-NAME: the client lib name.",
      "    * LIB-VER: the client lib version.",
      "TRACKINGINFO",
      "    Report tracking status for the current connection.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelpLines(ctx.reply, kLines);
}

CommandSpec Spec(const char* name, int arity, uint32_t flags, const char* summary,
                 const char* since, const char* complexity, CommandHandler handler) {
  return MakeSpec(name, arity, flags, {}, "connection", summary, since, complexity, handler);
}

}  // namespace

void RegisterConnectionCommands(CommandRegistry& reg) {
  constexpr uint32_t kLS = kCmdLoading | kCmdStale;
  // Redis 7 marks exactly HELLO, AUTH, QUIT and RESET no_auth.
  constexpr uint32_t kPreAuth = kCmdNoScript | kLS | kCmdFast | kCmdNoAuth | kCmdAllowBusy;

  reg.Add(Spec("ping", -1, kCmdFast, "Ping the server", "1.0.0", "O(1)", PingCommand));
  reg.Add(Spec("echo", 2, kLS | kCmdFast, "Echo the given string", "1.0.0", "O(1)", EchoCommand));
  reg.Add(Spec("hello", -1, kPreAuth, "Handshake with Redis", "6.0.0", "O(1)", HelloCommand));
  reg.Add(Spec("auth", -2, kPreAuth, "Authenticate to the server", "1.0.0",
               "O(N) where N is the number of passwords defined for the user", AuthCommand));
  reg.Add(Spec("quit", -1, kPreAuth, "Close the connection", "1.0.0", "O(1)", QuitCommand));
  reg.Add(Spec("reset", 1, kPreAuth, "Reset the connection", "6.2.0", "O(1)", ResetCommand));
  reg.Add(Spec("select", 2, kLS | kCmdFast,
               "Change the selected database for the current connection", "1.0.0", "O(1)",
               SelectCommand));

  constexpr uint32_t kNS = kCmdNoScript | kLS;
  constexpr uint32_t kAdmin = kCmdAdmin | kNS;
  const char* const kPerClient = "O(N) where N is the number of client connections";
  // Every CLIENT subcommand runs through its own entry; the container has no
  // handler of its own (the dispatcher answers `CLIENT` alone with an arity
  // error and an unknown subcommand with "Try CLIENT HELP.").
  CommandSpec client = Spec("client", -2, 0, "A container for client connection commands", "2.4.0",
                            "Depends on subcommand.", ClientHelpCommand);
  client.subcommands = {
      Spec("client|caching", 3, kNS,
           "Instruct the server about tracking or not keys in the next request", "6.0.0", "O(1)",
           ClientCachingCommand),
      Spec("client|getname", 2, kNS, "Get the current connection name", "2.6.9", "O(1)",
           ClientGetNameCommand),
      Spec("client|getredir", 2, kNS, "Get tracking notifications redirection client ID if any",
           "6.0.0", "O(1)", ClientGetRedirCommand),
      Spec("client|help", 2, kLS, "Show helpful text about the different subcommands", "5.0.0",
           "O(1)", ClientHelpCommand),
      Spec("client|id", 2, kNS, "Returns the client ID for the current connection", "5.0.0", "O(1)",
           ClientIdCommand),
      Spec("client|info", 2, kNS, "Returns information about the current client connection.",
           "6.2.0", "O(1)", ClientInfoCommand),
      Spec("client|kill", -3, kAdmin, "Kill the connection of a client", "2.4.0", kPerClient,
           ClientKillCommand),
      Spec("client|list", -2, kAdmin, "Get the list of client connections", "2.4.0", kPerClient,
           ClientListCommand),
      Spec("client|unblock", -3, kAdmin,
           "Unblock a client blocked in a blocking command from a different connection",
           "5.0.0", "O(log N) where N is the number of client connections",
           ClientUnblockCommand),
      Spec("client|consistency", -2, kNS,
           "Set how many replicas must apply this connection's writes before their replies",
           "0.1.0", "O(1)", ClientConsistencyCommand),
      Spec("client|no-evict", 3, kAdmin, "Set client eviction mode for the current connection",
           "7.0.0", "O(1)", ClientNoEvictCommand),
      Spec("client|pause", -3, kAdmin, "Stop processing commands from clients for some time",
           "2.9.50", "O(1)", ClientPauseCommand),
      Spec("client|reply", 3, kNS, "Instruct the server whether to reply to commands", "3.2.0",
           "O(1)", ClientReplyCommand),
      Spec("client|setinfo", 4, kNS, "Set client or connection specific info", "7.2.0", "O(1)",
           ClientSetInfoCommand),
      Spec("client|setname", 3, kNS, "Set the current connection name", "2.6.9", "O(1)",
           ClientSetNameCommand),
      Spec("client|unpause", 2, kAdmin, "Resume processing of clients that were paused",
           "6.2.0", "O(N) Where N is the number of paused clients", ClientUnpauseCommand),
      Spec("client|trackinginfo", 2, kNS,
           "Return information about server assisted client side caching for the current "
           "connection",
           "6.2.0", "O(1)", ClientTrackingInfoCommand),
  };
  reg.Add(std::move(client));
}

}  // namespace cairn
