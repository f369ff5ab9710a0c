#include "server/pubsub.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "common/glob.h"
#include "server/client.h"
#include "server/command.h"
#include "server/slowlog.h"
#include "storage/engine.h"

namespace cairn {

PubsubRegistry::PubsubRegistry(int workers, std::function<void(int)> wake)
    : wake_(std::move(wake)) {
  for (int i = 0; i < workers; ++i) mailboxes_.push_back(std::make_unique<Mailbox>());
}

bool PubsubRegistry::Subscribe(uint64_t client_id, int worker, std::string_view channel,
                               size_t* count) {
  std::lock_guard<std::mutex> lock(mu_);
  Subs& s = clients_[client_id];
  s.worker = worker;
  bool added = s.channels.emplace(channel).second;
  if (added) channels_[std::string(channel)][client_id] = worker;
  *count = CountLocked(s);
  return added;
}

bool PubsubRegistry::Unsubscribe(uint64_t client_id, std::string_view channel, size_t* count) {
  std::lock_guard<std::mutex> lock(mu_);
  auto c = clients_.find(client_id);
  if (c == clients_.end()) {
    *count = 0;
    return false;
  }
  bool removed = c->second.channels.erase(std::string(channel)) > 0;
  if (removed) {
    auto it = channels_.find(std::string(channel));
    if (it != channels_.end()) {
      it->second.erase(client_id);
      if (it->second.empty()) channels_.erase(it);  // PUBSUB CHANNELS lists only live ones
    }
  }
  *count = CountLocked(c->second);
  if (*count == 0) clients_.erase(c);
  return removed;
}

bool PubsubRegistry::PSubscribe(uint64_t client_id, int worker, std::string_view pattern,
                                size_t* count) {
  std::lock_guard<std::mutex> lock(mu_);
  Subs& s = clients_[client_id];
  s.worker = worker;
  bool added = std::none_of(s.patterns.begin(), s.patterns.end(),
                            [&](const auto& p) { return *p == pattern; });
  if (added) {
    PatternEntry& e = patterns_[std::string(pattern)];
    if (e.pattern == nullptr) e.pattern = std::make_shared<const std::string>(pattern);
    e.subscribers[client_id] = worker;
    s.patterns.push_back(e.pattern);
  }
  *count = CountLocked(s);
  return added;
}

bool PubsubRegistry::PUnsubscribe(uint64_t client_id, std::string_view pattern, size_t* count) {
  std::lock_guard<std::mutex> lock(mu_);
  auto c = clients_.find(client_id);
  if (c == clients_.end()) {
    *count = 0;
    return false;
  }
  auto& mine = c->second.patterns;
  auto p = std::find_if(mine.begin(), mine.end(), [&](const auto& x) { return *x == pattern; });
  bool removed = p != mine.end();
  if (removed) {
    mine.erase(p);
    auto it = patterns_.find(std::string(pattern));
    if (it != patterns_.end()) {
      it->second.subscribers.erase(client_id);
      if (it->second.subscribers.empty()) patterns_.erase(it);
    }
  }
  *count = CountLocked(c->second);
  if (*count == 0) clients_.erase(c);
  return removed;
}

std::vector<std::string> PubsubRegistry::ChannelsOf(uint64_t client_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto c = clients_.find(client_id);
  if (c == clients_.end()) return {};
  return {c->second.channels.begin(), c->second.channels.end()};
}

std::vector<std::string> PubsubRegistry::PatternsOf(uint64_t client_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  auto c = clients_.find(client_id);
  if (c == clients_.end()) return out;
  for (const auto& p : c->second.patterns) out.push_back(*p);
  return out;
}

void PubsubRegistry::AddMonitor(uint64_t client_id, int worker) {
  std::lock_guard<std::mutex> lock(mu_);
  monitors_[client_id] = worker;
  monitor_count_.store(static_cast<int>(monitors_.size()), std::memory_order_relaxed);
}

void PubsubRegistry::RemoveMonitor(uint64_t client_id) {
  std::lock_guard<std::mutex> lock(mu_);
  monitors_.erase(client_id);
  monitor_count_.store(static_cast<int>(monitors_.size()), std::memory_order_relaxed);
}

void PubsubRegistry::FeedMonitors(std::string line) {
  std::vector<bool> woken(mailboxes_.size(), false);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto shared = std::make_shared<const std::string>(std::move(line));
    for (const auto& [id, worker] : monitors_) {
      if (worker < 0 || worker >= static_cast<int>(mailboxes_.size())) continue;
      Mailbox& box = *mailboxes_[static_cast<size_t>(worker)];
      std::lock_guard<std::mutex> box_lock(box.mu);
      PubsubDelivery d;
      d.client_id = id;
      d.monitor_line = shared;
      box.queue.push_back(std::move(d));
      woken[static_cast<size_t>(worker)] = true;
    }
  }
  for (size_t w = 0; w < woken.size(); ++w) {
    if (woken[w] && wake_) wake_(static_cast<int>(w));
  }
}

void PubsubRegistry::RemoveClient(uint64_t client_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (monitors_.erase(client_id) != 0) {
    monitor_count_.store(static_cast<int>(monitors_.size()), std::memory_order_relaxed);
  }
  auto c = clients_.find(client_id);
  if (c == clients_.end()) return;
  for (const std::string& ch : c->second.channels) {
    auto it = channels_.find(ch);
    if (it == channels_.end()) continue;
    it->second.erase(client_id);
    if (it->second.empty()) channels_.erase(it);
  }
  for (const auto& p : c->second.patterns) {
    auto it = patterns_.find(*p);
    if (it == patterns_.end()) continue;
    it->second.subscribers.erase(client_id);
    if (it->second.subscribers.empty()) patterns_.erase(it);
  }
  clients_.erase(c);
}

int64_t PubsubRegistry::Publish(std::string_view channel, std::string_view payload) {
  std::vector<std::vector<PubsubDelivery>> per_worker(mailboxes_.size());
  int64_t receivers = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::shared_ptr<const PubsubMessage> msg;
    auto deliver = [&](uint64_t id, int worker, const std::shared_ptr<const std::string>& pat) {
      if (worker < 0 || worker >= static_cast<int>(per_worker.size())) return;
      if (msg == nullptr) {
        msg = std::make_shared<const PubsubMessage>(
            PubsubMessage{std::string(channel), std::string(payload)});
      }
      per_worker[static_cast<size_t>(worker)].push_back(PubsubDelivery{id, msg, pat, nullptr});
      ++receivers;
    };
    auto it = channels_.find(std::string(channel));
    if (it != channels_.end()) {
      for (const auto& [id, worker] : it->second) deliver(id, worker, nullptr);
    }
    for (const auto& [name, entry] : patterns_) {
      if (!GlobMatch(name, channel)) continue;
      for (const auto& [id, worker] : entry.subscribers) deliver(id, worker, entry.pattern);
    }
    // Still under mu_: the next PUBLISH queues behind this one everywhere.
    for (size_t w = 0; w < per_worker.size(); ++w) {
      if (per_worker[w].empty()) continue;
      Mailbox& box = *mailboxes_[w];
      std::lock_guard<std::mutex> box_lock(box.mu);
      for (PubsubDelivery& d : per_worker[w]) box.queue.push_back(std::move(d));
    }
  }
  for (size_t w = 0; w < per_worker.size(); ++w) {
    if (!per_worker[w].empty() && wake_) wake_(static_cast<int>(w));
  }
  return receivers;
}

std::vector<std::string> PubsubRegistry::Channels(const std::string* pattern) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, subs] : channels_) {
    if (pattern == nullptr || GlobMatch(*pattern, name)) out.push_back(name);
  }
  return out;
}

int64_t PubsubRegistry::CountReceivers(std::string_view channel) const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t n = 0;
  if (auto it = channels_.find(std::string(channel)); it != channels_.end()) {
    n += static_cast<int64_t>(it->second.size());
  }
  for (const auto& [name, entry] : patterns_) {
    if (GlobMatch(name, channel)) n += static_cast<int64_t>(entry.subscribers.size());
  }
  return n;
}

size_t PubsubRegistry::NumSubscribers(std::string_view channel) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = channels_.find(std::string(channel));
  return it == channels_.end() ? 0 : it->second.size();
}

size_t PubsubRegistry::NumChannels() const {
  std::lock_guard<std::mutex> lock(mu_);
  return channels_.size();
}

size_t PubsubRegistry::NumPatterns() const {
  std::lock_guard<std::mutex> lock(mu_);
  return patterns_.size();
}

std::vector<PubsubDelivery> PubsubRegistry::TakeAll(int worker) {
  std::vector<PubsubDelivery> out;
  if (worker < 0 || worker >= static_cast<int>(mailboxes_.size())) return out;
  Mailbox& box = *mailboxes_[static_cast<size_t>(worker)];
  std::lock_guard<std::mutex> lock(box.mu);
  out.swap(box.queue);
  return out;
}

std::vector<PubsubDelivery> PubsubRegistry::TakeFor(int worker, uint64_t client_id) {
  std::vector<PubsubDelivery> out;
  if (worker < 0 || worker >= static_cast<int>(mailboxes_.size())) return out;
  Mailbox& box = *mailboxes_[static_cast<size_t>(worker)];
  std::lock_guard<std::mutex> lock(box.mu);
  auto keep = std::stable_partition(
      box.queue.begin(), box.queue.end(),
      [client_id](const PubsubDelivery& d) { return d.client_id != client_id; });
  out.assign(std::make_move_iterator(keep), std::make_move_iterator(box.queue.end()));
  box.queue.erase(keep, box.queue.end());
  return out;
}

void WritePubsubMessage(resp::ReplyBuilder& reply, const PubsubDelivery& d) {
  if (d.monitor_line != nullptr) {
    reply.SimpleString(*d.monitor_line);
    return;
  }
  if (d.pattern != nullptr) {
    reply.PushHeader(4);
    reply.Bulk("pmessage");
    reply.Bulk(*d.pattern);
  } else {
    reply.PushHeader(3);
    reply.Bulk("message");
  }
  reply.Bulk(d.message->channel);
  reply.Bulk(d.message->payload);
}

std::string MonitorLine(int64_t unix_micros, int db, std::string_view addr,
                        std::span<const std::string_view> argv) {
  char head[96];
  snprintf(head, sizeof(head), "%lld.%06lld [%d ", static_cast<long long>(unix_micros / 1000000),
           static_cast<long long>(unix_micros % 1000000), db);
  std::string line = head;
  line.append(addr);
  line.push_back(']');
  const std::vector<bool> secret = SecretArguments(argv);
  for (size_t i = 0; i < argv.size(); ++i) {
    line += " \"";
    const std::string_view arg = secret[i] ? kRedactedArgument : argv[i];
    for (char ch : arg) {
      const auto c = static_cast<unsigned char>(ch);
      switch (c) {
        case '\\': line += "\\\\"; break;
        case '"': line += "\\\""; break;
        case '\n': line += "\\n"; break;
        case '\r': line += "\\r"; break;
        case '\t': line += "\\t"; break;
        case '\a': line += "\\a"; break;
        case '\b': line += "\\b"; break;
        default:
          if (isprint(c)) {
            line.push_back(ch);
          } else {
            char hex[8];
            snprintf(hex, sizeof(hex), "\\x%02x", c);
            line += hex;
          }
      }
    }
    line.push_back('"');
  }
  return line;
}

bool AllowedWhileSubscribed(std::string_view name) {
  static const std::string_view kAllowed[] = {"ping",         "subscribe",    "ssubscribe",
                                              "unsubscribe",  "sunsubscribe", "psubscribe",
                                              "punsubscribe", "quit",         "reset"};
  return std::find(std::begin(kAllowed), std::end(kAllowed), name) != std::end(kAllowed);
}

void ClearSubscriptions(PubsubRegistry& registry, Client& client) {
  if (client.monitor) {
    registry.RemoveMonitor(client.info->id);
    client.monitor = false;
    std::lock_guard<std::mutex> lock(client.info->mu);
    client.info->monitor = false;
  }
  if (client.pubsub_channels == 0 && client.pubsub_patterns == 0) return;
  registry.RemoveClient(client.info->id);
  client.pubsub_channels = 0;
  client.pubsub_patterns = 0;
  std::lock_guard<std::mutex> lock(client.info->mu);
  client.info->sub = 0;
  client.info->psub = 0;
}

void WritePendingMessages(CommandContext& ctx) {
  if (ctx.server.pubsub == nullptr) return;
  const ClientInfo& info = *ctx.client.info;
  for (const PubsubDelivery& d : ctx.server.pubsub->TakeFor(info.worker, info.id)) {
    WritePubsubMessage(ctx.reply, d);
  }
}

void WriteOwnKeyEvents(CommandContext& ctx) {
  if (ctx.client.pubsub_channels == 0 && ctx.client.pubsub_patterns == 0) return;
  if (ctx.client.txn.executing > 0 || !ctx.engine.WantsKeyEvent(~0u)) return;
  WritePendingMessages(ctx);
}

void ResetSubscriptions(CommandContext& ctx) {
  if (ctx.server.pubsub == nullptr) return;
  if (ctx.client.pubsub_channels == 0 && ctx.client.pubsub_patterns == 0 && !ctx.client.monitor) {
    return;
  }
  ctx.server.pubsub->RemoveClient(ctx.client.info->id);  // nothing new is queued after this
  WritePendingMessages(ctx);
  ClearSubscriptions(*ctx.server.pubsub, ctx.client);
}

}  // namespace cairn
