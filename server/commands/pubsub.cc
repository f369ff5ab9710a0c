// Pub/Sub commands (Redis's pubsub.c): SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE,
// PUNSUBSCRIBE, PUBLISH and the PUBSUB container. The registry and the
// cross-loop delivery are in server/pubsub.h.
//
// Confirmations are one reply per channel or pattern, with the client's
// running count of channels + patterns, as pushes in RESP3. Messages already
// queued for the client on its loop are written ahead of a command's own
// replies, so they keep the order Redis gives them (a PUBLISH to oneself in
// RESP3 sees its message before its count; an UNSUBSCRIBE's confirmation
// comes after every message published before it).
#include "server/pubsub.h"

#include <string>
#include <vector>

#include "cluster/cluster.h"
#include "server/command.h"
#include "server/errors.h"
#include "storage/engine.h"

namespace cairn {
namespace {

// What CLIENT LIST shows for this client follows the loop's counts.
void PublishCounts(CommandContext& ctx) {
  std::lock_guard<std::mutex> lock(ctx.client.info->mu);
  ctx.client.info->sub = ctx.client.pubsub_channels;
  ctx.client.info->psub = ctx.client.pubsub_patterns;
}

// ["subscribe", "ch", 3]; a null name when UNSUBSCRIBE/PUNSUBSCRIBE without
// arguments found nothing to drop.
void Confirm(CommandContext& ctx, std::string_view kind, const std::string_view* name,
             size_t count) {
  ctx.reply.PushHeader(3);
  ctx.reply.Bulk(kind);
  if (name != nullptr) {
    ctx.reply.Bulk(*name);
  } else {
    ctx.reply.Null();
  }
  ctx.reply.Integer(static_cast<int64_t>(count));
}

void SubscribeCommand(CommandContext& ctx) {
  PubsubRegistry& reg = *ctx.server.pubsub;
  const ClientInfo& info = *ctx.client.info;
  WritePendingMessages(ctx);
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    size_t count = 0;
    if (reg.Subscribe(info.id, info.worker, ctx.argv[i], &count)) ++ctx.client.pubsub_channels;
    Confirm(ctx, "subscribe", &ctx.argv[i], count);
  }
  PublishCounts(ctx);
}

void PSubscribeCommand(CommandContext& ctx) {
  PubsubRegistry& reg = *ctx.server.pubsub;
  const ClientInfo& info = *ctx.client.info;
  WritePendingMessages(ctx);
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    size_t count = 0;
    if (reg.PSubscribe(info.id, info.worker, ctx.argv[i], &count)) ++ctx.client.pubsub_patterns;
    Confirm(ctx, "psubscribe", &ctx.argv[i], count);
  }
  PublishCounts(ctx);
}

// UNSUBSCRIBE and PUNSUBSCRIBE: the named ones, or all of the client's
// (channels in no particular order, as Redis walks a hash table; patterns
// in subscription order). Each confirmation follows the messages published
// before that name was dropped.
void Unsubscribe(CommandContext& ctx, bool patterns) {
  PubsubRegistry& reg = *ctx.server.pubsub;
  const uint64_t id = ctx.client.info->id;
  const std::string_view kind = patterns ? "punsubscribe" : "unsubscribe";
  int& mine = patterns ? ctx.client.pubsub_patterns : ctx.client.pubsub_channels;
  auto drop = [&](std::string_view name) {
    size_t count = 0;
    bool removed =
        patterns ? reg.PUnsubscribe(id, name, &count) : reg.Unsubscribe(id, name, &count);
    if (removed) --mine;
    WritePendingMessages(ctx);
    Confirm(ctx, kind, &name, count);
  };
  if (ctx.argv.size() == 1) {
    std::vector<std::string> all = patterns ? reg.PatternsOf(id) : reg.ChannelsOf(id);
    if (all.empty()) {
      WritePendingMessages(ctx);
      Confirm(ctx, kind, nullptr,
              static_cast<size_t>(ctx.client.pubsub_channels + ctx.client.pubsub_patterns));
    }
    for (const std::string& name : all) drop(name);
  } else {
    for (size_t i = 1; i < ctx.argv.size(); ++i) drop(ctx.argv[i]);
  }
  PublishCounts(ctx);
}

void UnsubscribeCommand(CommandContext& ctx) { Unsubscribe(ctx, false); }
void PUnsubscribeCommand(CommandContext& ctx) { Unsubscribe(ctx, true); }

void PublishCommand(CommandContext& ctx) {
  // In cluster mode every other node gets it over the bus and delivers it to
  // its own subscribers; the reply counts this node's, as Redis Cluster's.
  if (ctx.server.cluster != nullptr && ctx.server.cluster->bus() != nullptr) {
    ctx.server.cluster->bus()->Publish(ctx.argv[1], ctx.argv[2]);
  }
  // Inside EXEC after writes, the message waits for the transaction's
  // batch (Engine::DeferPublish): the reply counts who would get it now.
  if (ctx.engine.DeferPublish(ctx.argv[1], ctx.argv[2])) {
    ctx.reply.Integer(ctx.server.pubsub->CountReceivers(ctx.argv[1]));
    return;
  }
  int64_t receivers = ctx.server.pubsub->Publish(ctx.argv[1], ctx.argv[2]);
  // Only a subscriber can be among the receivers (RESP3: it may publish).
  if (ctx.client.pubsub_channels + ctx.client.pubsub_patterns > 0) WritePendingMessages(ctx);
  ctx.reply.Integer(receivers);
}

// ---------------------------------------------------------------- PUBSUB

void PubsubChannelsCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 3) {
    ctx.reply.Error(errors::SubcommandSyntax(ctx.argv[1], ctx.argv[0]));
    return;
  }
  std::string pattern;
  if (ctx.argv.size() == 3) pattern.assign(ctx.argv[2]);
  auto channels = ctx.server.pubsub->Channels(ctx.argv.size() == 3 ? &pattern : nullptr);
  ctx.reply.ArrayHeader(channels.size());
  for (const std::string& c : channels) ctx.reply.Bulk(c);
}

void PubsubNumsubCommand(CommandContext& ctx) {
  ctx.reply.ArrayHeader(2 * (ctx.argv.size() - 2));
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    ctx.reply.Bulk(ctx.argv[i]);
    ctx.reply.Integer(static_cast<int64_t>(ctx.server.pubsub->NumSubscribers(ctx.argv[i])));
  }
}

void PubsubNumpatCommand(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.pubsub->NumPatterns()));
}

// Cairn has no shard channels (no SSUBSCRIBE yet): none are active.
void PubsubShardChannelsCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 3) {
    ctx.reply.Error(errors::SubcommandSyntax(ctx.argv[1], ctx.argv[0]));
    return;
  }
  ctx.reply.ArrayHeader(0);
}

void PubsubShardNumsubCommand(CommandContext& ctx) {
  ctx.reply.ArrayHeader(2 * (ctx.argv.size() - 2));
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    ctx.reply.Bulk(ctx.argv[i]);
    ctx.reply.Integer(0);
  }
}

void PubsubHelpCommand(CommandContext& ctx) {
  static const char* const kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelpLines(ctx.reply, kLines);
}

CommandSpec Spec(const char* name, int arity, uint32_t flags, const char* summary,
                 const char* since, const char* complexity, CommandHandler handler) {
  return MakeSpec(name, arity, flags, {}, "pubsub", summary, since, complexity, handler);
}

}  // namespace

void RegisterPubsubCommands(CommandRegistry& reg) {
  constexpr uint32_t kLS = kCmdLoading | kCmdStale;
  constexpr uint32_t kSub = kCmdPubsub | kCmdNoScript | kLS;
  reg.Add(Spec("subscribe", -2, kSub, "Listen for messages published to the given channels",
               "2.0.0", "O(N) where N is the number of channels to subscribe to.",
               SubscribeCommand));
  reg.Add(Spec("unsubscribe", -1, kSub, "Stop listening for messages posted to the given channels",
               "2.0.0", "O(N) where N is the number of clients already subscribed to a channel.",
               UnsubscribeCommand));
  reg.Add(Spec("psubscribe", -2, kSub,
               "Listen for messages published to channels matching the given patterns", "2.0.0",
               "O(N) where N is the number of patterns the client is already subscribed to.",
               PSubscribeCommand));
  reg.Add(Spec("punsubscribe", -1, kSub,
               "Stop listening for messages posted to channels matching the given patterns",
               "2.0.0",
               "O(N+M) where N is the number of patterns the client is already subscribed and M "
               "is the number of total patterns subscribed in the system (by any client).",
               PUnsubscribeCommand));
  reg.Add(Spec("publish", 3, kCmdPubsub | kLS | kCmdFast, "Post a message to a channel", "2.0.0",
               "O(N+M) where N is the number of clients subscribed to the receiving channel and M "
               "is the total number of subscribed patterns (by any client).",
               PublishCommand));

  constexpr uint32_t kInfo = kCmdPubsub | kLS;
  CommandSpec pubsub = Spec("pubsub", -2, 0, "A container for Pub/Sub commands", "2.8.0",
                            "Depends on subcommand.", PubsubHelpCommand);
  pubsub.subcommands = {
      Spec("pubsub|channels", -2, kInfo, "List active channels", "2.8.0",
           "O(N) where N is the number of active channels, and assuming constant time pattern "
           "matching (relatively short channels and patterns)",
           PubsubChannelsCommand),
      Spec("pubsub|help", 2, kLS, "Show helpful text about the different subcommands", "6.2.0",
           "O(1)", PubsubHelpCommand),
      Spec("pubsub|numpat", 2, kInfo, "Get the count of unique patterns pattern subscriptions",
           "2.8.0", "O(1)", PubsubNumpatCommand),
      Spec("pubsub|numsub", -2, kInfo, "Get the count of subscribers for channels", "2.8.0",
           "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
           PubsubNumsubCommand),
      Spec("pubsub|shardchannels", -2, kInfo, "List active shard channels", "7.0.0",
           "O(N) where N is the number of active shard channels, and assuming constant time "
           "pattern matching (relatively short shard channels).",
           PubsubShardChannelsCommand),
      Spec("pubsub|shardnumsub", -2, kInfo, "Get the count of subscribers for shard channels",
           "7.0.0",
           "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard "
           "channels",
           PubsubShardNumsubCommand),
  };
  reg.Add(std::move(pubsub));
}

}  // namespace cairn
