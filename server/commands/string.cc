// String commands (t_string.c in Redis): GET, SET, ...
#include "server/command.h"
#include "server/errors.h"
#include "storage/engine.h"

namespace cairn {
namespace {

// Replies with the stored value, nil if absent, WRONGTYPE if not a string.
void GetCommand(CommandContext& ctx) {
  storage::KeyState ks;
  Status s = ctx.engine.Read(ctx.db(), ctx.argv[1], &ks);
  if (!s.ok()) {
    ctx.reply.Error(errors::ReadFailed(s.ToString()));
    return;
  }
  if (!ks.live) {
    ctx.reply.Null();
    return;
  }
  if (ks.type != storage::ValueType::kString) {
    ctx.reply.Error(errors::kWrongType);
    return;
  }
  ctx.reply.Bulk(ks.payload);
}

// Minimal SET key value (options come with the full string family).
void SetCommand(CommandContext& ctx) {
  storage::KeyLockGuard guard(ctx.engine.locks(), ctx.db(), ctx.argv[1]);
  storage::KeyState ks;
  Status s = ctx.engine.Lookup(ctx.db(), ctx.argv[1], &ks);
  if (!s.ok()) {
    ctx.reply.Error(errors::ReadFailed(s.ToString()));
    return;
  }
  storage::WriteSet ws(ctx.engine);
  ws.PutString(ks, ctx.argv[2], 0);
  if (!ctx.Commit(ws)) return;
  ctx.reply.Ok();
}

CommandSpec Spec(const char* name, int arity, uint32_t flags, std::vector<KeySpec> keys,
                 const char* summary, const char* since, const char* complexity,
                 CommandHandler handler) {
  CommandSpec c;
  c.name = name;
  c.arity = arity;
  c.flags = flags;
  c.key_specs = std::move(keys);
  c.group = "string";
  c.summary = summary;
  c.since = since;
  c.complexity = complexity;
  c.handler = handler;
  return c;
}

}  // namespace

void RegisterStringCommands(CommandRegistry& reg) {
  reg.Add(Spec("get", 2, kCmdReadonly | kCmdFast, {{1, 0, 1, 0, "RO ACCESS"}},
               "Returns the string value of a key.", "1.0.0", "O(1)", GetCommand));
  reg.Add(Spec("set", -3, kCmdWrite | kCmdDenyOom, {{1, 0, 1, 0, "RW ACCESS UPDATE VARIABLE_FLAGS"}},
               "Sets the string value of a key, ignoring its type. The key is created if it "
               "doesn't exist.",
               "1.0.0", "O(1)", SetCommand));
}

}  // namespace cairn
