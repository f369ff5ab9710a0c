// Replication commands: REPLICAOF/SLAVEOF, ROLE, and the replica's side of
// the stream: CAIRN.SYNC (hands the connection to a feeder thread) and
// REPLCONF (accepted as Redis does). server/replication.h describes the
// stream.
#include "server/replication.h"

#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/strings.h"
#include "server/command.h"
#include "server/errors.h"
#include "storage/engine.h"

namespace cairn {
namespace {

// REPLICAOF host port | NO ONE (Redis's replicaofCommand).
void ReplicaOfCommand(CommandContext& ctx) {
  Replication* repl = ctx.server.replication;
  if (repl == nullptr) {
    ctx.reply.Error("ERR replication is not available");
    return;
  }
  if (ctx.server.cluster != nullptr) {
    ctx.reply.Error(errors::kReplicaOfInCluster);
    return;
  }
  if (EqualsIgnoreCase(ctx.argv[1], "no") && EqualsIgnoreCase(ctx.argv[2], "one")) {
    if (repl->is_replica()) repl->ReplicaOfNoOne();
    ctx.reply.Ok();
    return;
  }
  int64_t port = 0;
  if (!ParseInt64(ctx.argv[2], &port) || port < 0 || port > 65535) {
    ctx.reply.Error(errors::kInvalidMasterPort);
    return;
  }
  if (!repl->ReplicaOf(std::string(ctx.argv[1]), static_cast<int>(port))) {
    ctx.reply.SimpleString("OK Already connected to specified master");
    return;
  }
  ctx.reply.Ok();
}

// ROLE: ["master", offset, [[ip, port, offset]...]] or
// ["slave", host, port, state, offset].
void RoleCommand(CommandContext& ctx) {
  Replication* repl = ctx.server.replication;
  if (repl != nullptr && repl->is_replica()) {
    Replication::LinkInfo l = repl->Link();
    ctx.reply.ArrayHeader(5);
    ctx.reply.Bulk("slave");
    ctx.reply.Bulk(l.host);
    ctx.reply.Integer(l.port);
    ctx.reply.Bulk(l.state);
    ctx.reply.Integer(l.up || l.offset > 0 ? static_cast<int64_t>(l.offset) : -1);
    return;
  }
  ctx.reply.ArrayHeader(3);
  ctx.reply.Bulk("master");
  ctx.reply.Integer(repl != nullptr ? static_cast<int64_t>(repl->Offset()) : 0);
  std::vector<Replication::ReplicaInfo> replicas;
  if (repl != nullptr) replicas = repl->Replicas();
  ctx.reply.ArrayHeader(replicas.size());
  for (const auto& r : replicas) {
    ctx.reply.ArrayHeader(3);
    ctx.reply.Bulk(r.ip);
    ctx.reply.Bulk(std::to_string(r.port));
    ctx.reply.Bulk(std::to_string(r.ack));
  }
}

// CAIRN.SYNC <master-data-id> <next-seq> <listening-port>: a replica asks
// for the stream. The socket leaves the event loop for a feeder thread; this
// connection then closes without a reply (the feeder speaks on the dup).
void SyncCommand(CommandContext& ctx) {
  Replication* repl = ctx.server.replication;
  uint64_t next = 0;
  int64_t port = 0;
  int64_t seq = 0;
  if (repl == nullptr || !ParseInt64(ctx.argv[2], &seq) || seq < 0 ||
      !ParseInt64(ctx.argv[3], &port) || port < 0 || port > 65535) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  next = static_cast<uint64_t>(seq);
  int fd = ctx.client.info->fd >= 0 ? ::dup(ctx.client.info->fd) : -1;
  if (fd < 0) {
    ctx.reply.Error("ERR can't hand the connection over to replication");
    return;
  }
  std::string ip = ctx.client.info->addr;
  size_t colon = ip.rfind(':');
  if (colon != std::string::npos) ip.resize(colon);
  repl->ServeReplica(fd, ip, static_cast<int>(port), std::string(ctx.argv[1]), next);
  ctx.client.close_after_reply = true;
}

// REPLCONF: Redis replicas send listening-port/capa/ack; Cairn's acks travel
// on the feeder's socket, so on a client connection it is just accepted.
void ReplconfCommand(CommandContext& ctx) {
  if ((ctx.argv.size() - 1) % 2 != 0) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  ctx.reply.Ok();
}

// WAIT numreplicas timeout (Redis's waitCommand): the number of replicas
// that acknowledged this client's last write, waiting up to `timeout` ms
// (0 = forever) for `numreplicas` of them.
void WaitCommand(CommandContext& ctx) {
  Replication* repl = ctx.server.replication;
  if (repl != nullptr && repl->is_replica()) {
    ctx.reply.Error(errors::kWaitOnReplica);
    return;
  }
  int64_t needed = 0;
  int64_t timeout = 0;
  if (!ParseInt64(ctx.argv[1], &needed)) {
    ctx.reply.Error(errors::kNotInteger);
    return;
  }
  if (!ParseInt64(ctx.argv[2], &timeout)) {
    ctx.reply.Error(errors::kTimeoutNotInteger);
    return;
  }
  if (timeout < 0) {
    ctx.reply.Error(errors::kTimeoutNegative);
    return;
  }
  const int acked = repl != nullptr ? repl->CountAcked(ctx.client.last_write_seq) : 0;
  // Inside EXEC Redis answers at once too.
  if (acked >= needed || ctx.client.txn.executing > 0 || repl == nullptr) {
    ctx.reply.Integer(acked);
    return;
  }
  Client::ReplicaWait& w = ctx.client.replica_wait;
  w.active = true;
  w.is_wait = true;
  w.needed = needed;
  w.seq = ctx.client.last_write_seq;
  w.deadline_ms = timeout == 0 ? 0 : ctx.server.clock.MonotonicMs() + timeout;
  // CLIENT UNBLOCK may end it; a request left from an earlier WAIT may not.
  ctx.client.info->unblock_requested.store(0, std::memory_order_relaxed);
  ctx.client.info->blocked_with_timeout.store(timeout != 0, std::memory_order_relaxed);
  ctx.client.info->in_wait.store(true, std::memory_order_release);
  ctx.client.info->blocked.store(true, std::memory_order_release);
  repl->AddWaiter();
  // The connection answers once enough replicas acknowledged or time is up.
}

CommandSpec Spec(const char* name, int arity, uint32_t flags, const char* group,
                 const char* summary, const char* since, const char* complexity,
                 CommandHandler handler) {
  return MakeSpec(name, arity, flags, {}, group, summary, since, complexity, handler);
}

}  // namespace

void RegisterReplicationCommands(CommandRegistry& reg) {
  constexpr uint32_t kAdmin = kCmdAdmin | kCmdNoScript | kCmdStale;
  reg.Add(Spec("replicaof", 3, kAdmin, "server",
               "Make the server a replica of another instance, "
               "or promote it as master.",
               "5.0.0", "O(1)", ReplicaOfCommand));
  reg.Add(Spec("slaveof", 3, kAdmin, "server",
               "Make the server a replica of another instance, "
               "or promote it as master.",
               "1.0.0", "O(1)", ReplicaOfCommand));
  reg.Add(Spec("role", 1, kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast, "server",
               "Return the role of the instance in the context of replication", "2.8.12", "O(1)",
               RoleCommand));
  reg.Add(Spec("replconf", -1, kAdmin | kCmdLoading | kCmdAllowBusy, "server",
               "An internal command for configuring the replication stream", "3.0.0", "O(1)",
               ReplconfCommand));
  reg.Add(Spec("wait", 3, kCmdNoScript, "generic",
               "Wait for the synchronous replication of all the write commands sent in the context "
               "of the current connection",
               "3.0.0", "O(1)", WaitCommand));
  reg.Add(Spec("cairn.sync", 4, kAdmin | kCmdNoMulti, "server",
               "Start the replication stream of a Cairn replica (internal)", "0.1.0", "O(1)",
               SyncCommand));
}

}  // namespace cairn
