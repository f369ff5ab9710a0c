// Transaction commands (multi.c in Redis 7.0): MULTI, EXEC, DISCARD, WATCH,
// UNWATCH. Queueing happens in the connection (server/transaction.h says how
// a transaction runs); these handlers change the state and run EXEC.
#include "server/transaction.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/command.h"
#include "server/errors.h"
#include "storage/engine.h"

namespace cairn {

// A command whose keys are not all named by its key specs in the current db
// (SELECT moves the rest of the queue to another db; FLUSHDB, SWAPDB, MOVE
// and COPY reach keys or dbs beyond their arguments): EXEC then locks every
// stripe.
bool NeedsAllLocks(const CommandSpec& spec) {
  const std::string& n = spec.name;
  if (n == "select" || n == "swapdb" || n == "move" || n == "copy" || n == "flushdb" ||
      n == "flushall") {
    return true;
  }
  return (spec.flags & kCmdWrite) && spec.key_specs.empty();
}

namespace {

void MultiCommand(CommandContext& ctx) {
  Transaction& t = ctx.client.txn;
  if (t.active) {
    ctx.reply.Error(errors::kMultiNested);
    return;
  }
  t.active = true;
  t.aborted = false;
  t.queued.clear();
  ctx.reply.Ok();
}

void DiscardCommand(CommandContext& ctx) {
  if (!ctx.client.txn.active) {
    ctx.reply.Error(errors::kDiscardWithoutMulti);
    return;
  }
  DiscardTransaction(ctx.client, ctx.engine);
  ctx.reply.Ok();
}

void WatchCommand(CommandContext& ctx) {
  Transaction& t = ctx.client.txn;
  if (t.active) {
    ctx.reply.Error(errors::kWatchInsideMulti);
    return;
  }
  if (t.watch_flag == nullptr) t.watch_flag = std::make_shared<storage::WatchFlag>();
  const uint8_t db = ctx.db();
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    std::string_view key = ctx.argv[i];
    bool known = false;
    for (const auto& w : t.watched) {
      if (w.db == db && w.key == key) known = true;
    }
    if (known) continue;
    // Under the key's lock: a write in flight either finished before (and
    // this client's next read sees it) or reports to the table after.
    storage::KeyLockGuard guard(ctx.engine.locks(), db, key);
    storage::KeyState ks;
    Status s = ctx.engine.Lookup(db, key, &ks);
    if (!s.ok()) {
      ctx.reply.Error(errors::ReadFailed(s.ToString()));
      return;
    }
    const bool expired = ks.stored && !ks.live;
    ctx.engine.watches().Watch(db, key, t.watch_flag, expired);
    t.watched.push_back({db, std::string(key), expired});
  }
  ctx.reply.Ok();
}

void UnwatchCommand(CommandContext& ctx) {
  UnwatchAll(ctx.client, ctx.engine);
  ctx.reply.Ok();
}

// True when a watched key changed or (not expired at WATCH) expired since.
bool WatchBroken(CommandContext& ctx) {
  const Transaction& t = ctx.client.txn;
  if (t.watch_flag == nullptr) return false;
  if (t.watch_flag->dirty.load(std::memory_order_acquire)) return true;
  for (const auto& w : t.watched) {
    if (w.expired) continue;
    storage::KeyState ks;
    if (!ctx.engine.Lookup(w.db, w.key, &ks).ok()) return true;
    if (ks.stored && !ks.live) return true;
  }
  return false;
}

void ExecCommand(CommandContext& ctx) {
  Transaction& t = ctx.client.txn;
  if (!t.active) {
    ctx.reply.Error(errors::kExecWithoutMulti);
    return;
  }
  if (t.aborted) {
    DiscardTransaction(ctx.client, ctx.engine);
    ctx.reply.Error(errors::kExecAbort);
    return;
  }

  std::vector<Transaction::Queued> queued = std::move(t.queued);
  bool all = false;
  std::vector<std::pair<uint8_t, std::string_view>> keys;
  for (const auto& w : t.watched) keys.emplace_back(w.db, w.key);
  for (const auto& q : queued) {
    if (NeedsAllLocks(*q.spec)) all = true;
    for (int pos : q.spec->KeyPositions(q.argv.size())) keys.emplace_back(ctx.db(), q.argv[pos]);
  }
  storage::KeyLockGuard guard = all ? storage::KeyLockGuard::All(ctx.engine.locks())
                                    : storage::KeyLockGuard(ctx.engine.locks(), keys);

  const bool broken = WatchBroken(ctx);
  // Unwatch before running: the transaction's own writes must not matter.
  DiscardTransaction(ctx.client, ctx.engine);
  if (broken) {
    ctx.reply.NullArray();
    return;
  }

  // Replies go to a side buffer: if the batch cannot be written, the client
  // gets one error instead of replies for writes that did not happen.
  std::string* out = ctx.reply.buffer();
  std::string replies;
  ctx.reply.set_buffer(&replies);
  ctx.reply.ArrayHeader(queued.size());
  t.executing = queued.size();
  ctx.engine.BeginBatch();
  std::vector<std::string_view> argv;
  for (const auto& q : queued) {
    argv.assign(q.argv.begin(), q.argv.end());
    ctx.runner->Run(*q.spec, std::span<const std::string_view>(argv.data(), argv.size()));
  }
  t.executing = 0;
  uint64_t seq = 0;
  Status s = ctx.engine.CommitBatch(&seq);
  ctx.reply.set_buffer(out);
  if (!s.ok()) {
    ctx.reply.Error(errors::WriteFailed(s.ToString()));
    return;
  }
  out->append(replies);
  if (seq > ctx.client.pending_write_seq) ctx.client.pending_write_seq = seq;
}

CommandSpec Spec(const char* name, int arity, uint32_t flags, std::vector<KeySpec> keys,
                 const char* summary, const char* since, const char* complexity,
                 CommandHandler handler) {
  return MakeSpec(name, arity, flags, std::move(keys), "transactions", summary, since, complexity,
                  handler);
}

}  // namespace

void RegisterTransactionCommands(CommandRegistry& reg) {
  constexpr uint32_t kBase = kCmdNoScript | kCmdLoading | kCmdStale;
  reg.Add(Spec("multi", 1, kBase | kCmdFast | kCmdAllowBusy, {},
               "Mark the start of a transaction block", "1.2.0", "O(1)", MultiCommand));
  reg.Add(Spec("exec", 1, kBase | kCmdSkipSlowlog, {}, "Execute all commands issued after MULTI",
               "1.2.0", "Depends on commands in the transaction", ExecCommand));
  reg.Add(Spec("discard", 1, kBase | kCmdFast | kCmdAllowBusy, {},
               "Discard all commands issued after MULTI", "2.0.0",
               "O(N), when N is the number of queued commands", DiscardCommand));
  reg.Add(Spec("watch", -2, kBase | kCmdFast | kCmdAllowBusy, {{1, -1, 1, 0, "RO"}},
               "Watch the given keys to determine execution of the MULTI/EXEC block", "2.2.0",
               "O(1) for every key.", WatchCommand));
  reg.Add(Spec("unwatch", 1, kBase | kCmdFast | kCmdAllowBusy, {}, "Forget about all watched keys",
               "2.2.0", "O(1)", UnwatchCommand));
}

}  // namespace cairn
