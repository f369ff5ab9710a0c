#include "server/command.h"

#include "common/strings.h"
#include "server/errors.h"
#include "server/pubsub.h"
#include "server/stats.h"
#include "storage/engine.h"

namespace cairn {

CommandSpec::CommandSpec(const CommandSpec& o)
    : name(o.name),
      arity(o.arity),
      flags(o.flags),
      key_specs(o.key_specs),
      tips(o.tips),
      group(o.group),
      summary(o.summary),
      since(o.since),
      complexity(o.complexity),
      acl_categories(o.acl_categories),
      handler(o.handler),
      find_keys(o.find_keys),
      key_flags(o.key_flags),
      subcommands(o.subcommands) {}

LatencyHistogram& CommandSpec::Latency() const {
  LatencyHistogram* h = latency.load(std::memory_order_acquire);
  if (h != nullptr) return *h;
  auto* made = new LatencyHistogram();
  if (latency.compare_exchange_strong(h, made, std::memory_order_acq_rel)) return *made;
  delete made;  // another loop made it first
  return *h;
}

CommandSpec& CommandSpec::operator=(const CommandSpec& o) {
  if (this != &o) {
    name = o.name;
    arity = o.arity;
    flags = o.flags;
    key_specs = o.key_specs;
    group = o.group;
    summary = o.summary;
    since = o.since;
    complexity = o.complexity;
    tips = o.tips;
    acl_categories = o.acl_categories;
    handler = o.handler;
    find_keys = o.find_keys;
    key_flags = o.key_flags;
    subcommands = o.subcommands;
  }
  return *this;
}

void CommandSpec::LegacyKeyRange(int* first, int* last, int* step) const {
  *first = 0;
  *last = 0;
  *step = 0;
  // As Redis: from the specs that begin at an index, the first key of the
  // first, the last of the last, the step of the first.
  const KeySpec* f = nullptr;
  const KeySpec* l = nullptr;
  for (const KeySpec& ks : key_specs) {
    if (ks.keyword != nullptr) continue;
    if (f == nullptr) f = &ks;
    l = &ks;
  }
  if (f == nullptr) return;
  *first = f->begin_index;
  *last = l->last_key < 0 ? l->last_key : l->begin_index + l->last_key;
  *step = f->key_step;
}

std::vector<int> CommandSpec::KeyPositions(size_t argc) const {
  std::vector<int> out;
  ForEachKeyPosition(argc, [&](int i) { out.push_back(i); });
  return out;
}

const CommandSpec* CommandSpec::FindSubcommand(std::string_view sub) const {
  for (const auto& s : subcommands) {
    size_t bar = s.name.find('|');
    std::string_view short_name = bar == std::string::npos
                                      ? std::string_view(s.name)
                                      : std::string_view(s.name).substr(bar + 1);
    if (EqualsIgnoreCase(short_name, sub)) return &s;
  }
  return nullptr;
}

void CommandRegistry::Add(CommandSpec spec) {
  auto owned = std::make_unique<CommandSpec>(std::move(spec));
  by_name_[owned->name] = owned.get();
  commands_.push_back(std::move(owned));
}

const CommandSpec* CommandRegistry::FindFullName(std::string_view name) const {
  const size_t bar = name.find('|');
  if (bar == std::string_view::npos) return Find(name);
  const CommandSpec* base = Find(name.substr(0, bar));
  if (base == nullptr || base->subcommands.empty()) return nullptr;
  const std::string_view sub = name.substr(bar + 1);
  if (sub.find('|') != std::string_view::npos) return nullptr;
  return base->FindSubcommand(sub);
}

const CommandSpec* CommandRegistry::Find(std::string_view name) const {
  char buf[64];
  if (name.size() >= sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    buf[i] = static_cast<char>(tolower(static_cast<unsigned char>(name[i])));
  }
  thread_local std::string key;
  key.assign(buf, name.size());
  auto it = by_name_.find(key);
  return it == by_name_.end() ? nullptr : it->second;
}

void CommandRegistry::ResetStats() {
  for (auto& c : commands_) {
    c->calls = 0;
    c->ticks = 0;
    c->rejected_calls = 0;
    c->failed_calls = 0;
    if (LatencyHistogram* h = c->latency.load()) h->Reset();
    for (auto& s : c->subcommands) {
      s.calls = 0;
      s.ticks = 0;
      s.rejected_calls = 0;
      s.failed_calls = 0;
      if (LatencyHistogram* h = s.latency.load()) h->Reset();
    }
  }
}

CommandSpec MakeSpec(const char* name, int arity, uint32_t flags, std::vector<KeySpec> keys,
                     const char* group, const char* summary, const char* since,
                     const char* complexity, CommandHandler handler,
                     std::vector<std::string> acl_categories) {
  CommandSpec c;
  c.name = name;
  c.arity = arity;
  c.flags = flags;
  c.key_specs = std::move(keys);
  c.group = group;
  c.summary = summary;
  c.since = since;
  c.complexity = complexity;
  c.handler = handler;
  c.acl_categories = std::move(acl_categories);
  return c;
}

void ReplyHelpLines(resp::ReplyBuilder& reply, std::span<const char* const> lines) {
  reply.ArrayHeader(lines.size());
  for (const char* l : lines) reply.SimpleString(l);
}

int64_t CommandContext::NowMs() const { return server.clock.NowMs(); }

bool CommandContext::Commit(storage::WriteSet& ws) {
  uint64_t seq = 0;
  Status s = engine.Commit(ws, &seq);
  if (!s.ok()) {
    reply.Error(errors::WriteFailed(s.ToString()));
    return false;
  }
  if (seq > client.pending_write_seq) client.pending_write_seq = seq;
  server.stats.changes.fetch_add(static_cast<uint64_t>(ws.size()), std::memory_order_relaxed);
  WriteOwnKeyEvents(*this);
  return true;
}

void RegisterAllCommands(CommandRegistry& reg) {
  RegisterStringCommands(reg);
  RegisterBitmapCommands(reg);
  RegisterAclCommands(reg);
  RegisterKeyCommands(reg);
  RegisterConnectionCommands(reg);
  RegisterAdminCommands(reg);
  RegisterSlowlogCommands(reg);
  RegisterMemoryCommands(reg);
  RegisterLatencyCommands(reg);
  RegisterIntrospectionCommands(reg);
  RegisterTransactionCommands(reg);
  RegisterReplicationCommands(reg);
  RegisterPubsubCommands(reg);
  RegisterKeyspaceCommands(reg);
  RegisterMigrationCommands(reg);
  RegisterFaultCommands(reg);
  RegisterPersistenceCommands(reg);
  RegisterClusterCommands(reg);
  ApplyCommandTips(reg);
}

}  // namespace cairn
