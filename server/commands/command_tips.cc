// What Redis 7.0's COMMAND INFO shows for these commands beyond what their
// registration derives (flags, group): tips, key-spec notes, explicit ACL
// categories and the no_async_loading flag.
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/command.h"

namespace cairn {

// Redis 7.0's tips for the commands Cairn shares with it (from its command
// table: COMMAND INFO on redis-server 7.0), and its key-spec notes.
void ApplyCommandTips(CommandRegistry& reg) {
  static const std::unordered_map<std::string_view, std::vector<std::string>> kTips = {
      {"client|info", {"nondeterministic_output"}},
      {"client|list", {"nondeterministic_output"}},
      {"cluster|bumpepoch", {"nondeterministic_output"}},
      {"cluster|count-failure-reports", {"nondeterministic_output"}},
      {"cluster|getkeysinslot", {"nondeterministic_output"}},
      {"cluster|info", {"nondeterministic_output"}},
      {"cluster|links", {"nondeterministic_output"}},
      {"cluster|nodes", {"nondeterministic_output"}},
      {"cluster|replicas", {"nondeterministic_output"}},
      {"cluster|shards", {"nondeterministic_output"}},
      {"cluster|slaves", {"nondeterministic_output"}},
      {"cluster|slots", {"nondeterministic_output"}},
      {"command", {"nondeterministic_output_order"}},
      {"command|docs", {"nondeterministic_output_order"}},
      {"command|info", {"nondeterministic_output_order"}},
      {"command|list", {"nondeterministic_output_order"}},
      {"config|set", {"request_policy:all_nodes", "response_policy:all_succeeded"}},
      {"dbsize", {"request_policy:all_shards", "response_policy:agg_sum"}},
      {"del", {"request_policy:multi_shard", "response_policy:agg_sum"}},
      {"dump", {"nondeterministic_output"}},
      {"exists", {"request_policy:multi_shard", "response_policy:agg_sum"}},
      {"flushall", {"request_policy:all_shards", "response_policy:all_succeeded"}},
      {"flushdb", {"request_policy:all_shards", "response_policy:all_succeeded"}},
      {"info", {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
      {"keys", {"request_policy:all_shards", "nondeterministic_output_order"}},
      {"latency|doctor",
       {"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
      {"latency|graph",
       {"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
      {"latency|histogram",
       {"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
      {"latency|history",
       {"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
      {"latency|latest",
       {"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
      {"latency|reset", {"request_policy:all_nodes", "response_policy:all_succeeded"}},
      {"lastsave", {"nondeterministic_output"}},
      {"memory|malloc-stats",
       {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
      {"memory|purge", {"request_policy:all_shards", "response_policy:all_succeeded"}},
      {"mget", {"request_policy:multi_shard"}},
      {"migrate", {"nondeterministic_output"}},
      {"mset", {"request_policy:multi_shard", "response_policy:all_succeeded"}},
      {"msetnx", {"request_policy:multi_shard", "response_policy:agg_min"}},
      {"object|encoding", {"nondeterministic_output"}},
      {"object|freq", {"nondeterministic_output"}},
      {"object|idletime", {"nondeterministic_output"}},
      {"object|refcount", {"nondeterministic_output"}},
      {"ping", {"request_policy:all_shards", "response_policy:all_succeeded"}},
      {"pttl", {"nondeterministic_output"}},
      {"randomkey", {"request_policy:all_shards", "nondeterministic_output"}},
      {"scan", {"nondeterministic_output", "request_policy:special"}},
      {"slowlog|get", {"request_policy:all_nodes", "nondeterministic_output"}},
      {"slowlog|len",
       {"request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"}},
      {"slowlog|reset", {"request_policy:all_nodes", "response_policy:all_succeeded"}},
      {"time", {"nondeterministic_output"}},
      {"touch", {"request_policy:multi_shard", "response_policy:agg_sum"}},
      {"ttl", {"nondeterministic_output"}},
      {"unlink", {"request_policy:multi_shard", "response_policy:agg_sum"}},
      {"wait", {"request_policy:all_shards", "response_policy:agg_min"}},
  };
  static const std::unordered_map<std::string_view, const char*> kNotes = {
      {"set", "RW and ACCESS due to the optional `GET` argument"},
      {"getex", "RW and UPDATE because it changes the TTL"},
  };
  static const std::unordered_map<std::string_view, std::vector<std::string>> kCategories = {
      {"role", {"admin", "dangerous"}}, {"wait", {"connection"}},   {"readonly", {"connection"}},
      {"readwrite", {"connection"}},    {"asking", {"connection"}},
  };
  static const std::unordered_map<std::string_view, uint32_t> kFlags = {
      {"replicaof", kCmdNoAsyncLoading},
      {"slaveof", kCmdNoAsyncLoading},
      {"save", kCmdNoAsyncLoading},
      {"bgsave", kCmdNoAsyncLoading},
      {"cluster|addslots", kCmdNoAsyncLoading},
      {"cluster|addslotsrange", kCmdNoAsyncLoading},
      {"cluster|bumpepoch", kCmdNoAsyncLoading},
      {"cluster|delslots", kCmdNoAsyncLoading},
      {"cluster|delslotsrange", kCmdNoAsyncLoading},
      {"cluster|flushslots", kCmdNoAsyncLoading},
      {"cluster|failover", kCmdNoAsyncLoading},
      {"cluster|forget", kCmdNoAsyncLoading},
      {"cluster|meet", kCmdNoAsyncLoading},
      {"cluster|replicate", kCmdNoAsyncLoading},
      {"cluster|saveconfig", kCmdNoAsyncLoading},
      {"cluster|set-config-epoch", kCmdNoAsyncLoading},
      {"cluster|setslot", kCmdNoAsyncLoading},
  };
  auto apply = [](CommandSpec& c) {
    if (auto a = kCategories.find(c.name); a != kCategories.end()) c.acl_categories = a->second;
    if (auto f = kFlags.find(c.name); f != kFlags.end()) c.flags |= f->second;
    if (auto t = kTips.find(c.name); t != kTips.end()) c.tips = t->second;
    if (auto n = kNotes.find(c.name); n != kNotes.end() && !c.key_specs.empty()) {
      c.key_specs[0].notes = n->second;
    }
  };
  for (const auto& c : reg.all()) {
    apply(*c);
    for (CommandSpec& sub : c->subcommands) apply(sub);
  }
}

}  // namespace cairn
