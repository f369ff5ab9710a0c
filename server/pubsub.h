// Pub/Sub across loops: who is subscribed to what, and the mailboxes that
// carry published messages to the loop that owns each subscriber.
//
// A subscriber is a client id plus the index of the loop (Worker) owning
// its connection. PUBLISH runs on the publisher's loop: under the registry
// lock it finds the receivers and appends one Delivery per receiver to the
// receiver's loop mailbox, then wakes those loops (uv_async_send through
// the wake callback). Each loop drains its mailbox in HandleWake, encodes
// the messages in the connection's current protocol and writes them; a
// subscriber's own commands first take its queued messages (TakeFor), so
// what was published before a command is written before its reply. The
// publisher never waits for a subscriber: a slow subscriber only grows its
// own output, and is closed past the pubsub output hard limit.
//
// Order: mailboxes are filled while the registry lock is held, so all
// receivers see messages in one global PUBLISH order, and a client's
// (un)subscribe is ordered against every PUBLISH.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "server/resp/reply.h"

namespace cairn {

struct Client;
class CommandContext;

// One published message, shared by all its receivers.
struct PubsubMessage {
  std::string channel;
  std::string payload;
};

// One message for one receiver: "message", or "pmessage" when it matched a
// pattern subscription (`pattern` set).
struct PubsubDelivery {
  uint64_t client_id = 0;
  std::shared_ptr<const PubsubMessage> message;
  std::shared_ptr<const std::string> pattern;  // null for a channel subscription
  // Instead of a message: one MONITOR line (a simple string in either
  // protocol, as Redis sends it).
  std::shared_ptr<const std::string> monitor_line;
};

// Redis's client-output-buffer-limit pubsub hard limit (32mb): a subscriber
// whose unsent output passes it is closed.
inline constexpr size_t kPubsubOutputHardLimit = 32ull << 20;

class PubsubRegistry {
 public:
  // `workers` mailboxes; `wake(i)` wakes loop i (any thread).
  PubsubRegistry(int workers, std::function<void(int)> wake);
  PubsubRegistry(const PubsubRegistry&) = delete;
  PubsubRegistry& operator=(const PubsubRegistry&) = delete;

  // Each returns whether the subscription changed, and sets *count to the
  // client's channels + patterns afterwards (the count replies show).
  bool Subscribe(uint64_t client_id, int worker, std::string_view channel, size_t* count);
  bool Unsubscribe(uint64_t client_id, std::string_view channel, size_t* count);
  bool PSubscribe(uint64_t client_id, int worker, std::string_view pattern, size_t* count);
  bool PUnsubscribe(uint64_t client_id, std::string_view pattern, size_t* count);
  // The client's channels (any order) or patterns (subscription order, as
  // Redis keeps them in a list).
  std::vector<std::string> ChannelsOf(uint64_t client_id) const;
  std::vector<std::string> PatternsOf(uint64_t client_id) const;
  // Drops every subscription of a client (RESET, connection closed).
  void RemoveClient(uint64_t client_id);

  // Queues the message for every channel subscriber, then every matching
  // pattern subscriber; returns how many deliveries that made.
  int64_t Publish(std::string_view channel, std::string_view payload);
  // How many deliveries a Publish on `channel` would make now.
  int64_t CountReceivers(std::string_view channel) const;

  // MONITOR: clients that receive a line for every command any client runs
  // (Connection::FeedMonitors). RemoveClient forgets a monitor too.
  void AddMonitor(uint64_t client_id, int worker);
  void RemoveMonitor(uint64_t client_id);
  // One relaxed load: what every command pays while nobody monitors.
  bool HasMonitors() const { return monitor_count_.load(std::memory_order_relaxed) > 0; }
  void FeedMonitors(std::string line);

  // PUBSUB CHANNELS [pattern] / NUMSUB / NUMPAT, INFO stats.
  std::vector<std::string> Channels(const std::string* pattern) const;
  size_t NumSubscribers(std::string_view channel) const;
  size_t NumChannels() const;
  size_t NumPatterns() const;

  // Loop `worker` takes its mail: everything, or only one client's (so a
  // command can write what was published before it, in order, ahead of its
  // own reply). Other clients' deliveries keep their order.
  std::vector<PubsubDelivery> TakeAll(int worker);
  std::vector<PubsubDelivery> TakeFor(int worker, uint64_t client_id);

 private:
  struct Subs {
    int worker = 0;
    std::unordered_set<std::string> channels;
    std::vector<std::shared_ptr<const std::string>> patterns;  // subscription order
  };
  struct PatternEntry {
    std::shared_ptr<const std::string> pattern;
    std::unordered_map<uint64_t, int> subscribers;  // client id -> worker
  };
  struct Mailbox {
    std::mutex mu;  // guards queue; taken inside mu_ by Publish, alone by Take*
    std::vector<PubsubDelivery> queue;
  };

  size_t CountLocked(const Subs& s) const { return s.channels.size() + s.patterns.size(); }

  const std::function<void(int)> wake_;
  std::vector<std::unique_ptr<Mailbox>> mailboxes_;

  mutable std::mutex mu_;  // guards channels_, patterns_, clients_
  std::unordered_map<std::string, std::unordered_map<uint64_t, int>> channels_;  // -> id -> worker
  std::unordered_map<std::string, PatternEntry> patterns_;
  std::unordered_map<uint64_t, Subs> clients_;
  std::unordered_map<uint64_t, int> monitors_;  // client id -> worker
  std::atomic<int> monitor_count_{0};            // monitors_.size()
};

// Writes one delivery as Redis does: RESP2 ["message", channel, payload] or
// ["pmessage", pattern, channel, payload]; RESP3 the same as a push.
void WritePubsubMessage(resp::ReplyBuilder& reply, const PubsubDelivery& d);

// One MONITOR line, as Redis's replicationFeedMonitors writes it:
//   1701648000.123456 [0 127.0.0.1:54321] "set" "key" "va\"lue"
// (time in microseconds, the client's db after the command, its address,
// each argument quoted and escaped as sdscatrepr does, secrets redacted).
std::string MonitorLine(int64_t unix_micros, int db, std::string_view addr,
                        std::span<const std::string_view> argv);

// RESP2 connections with subscriptions may only run these (Redis's
// "only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET" rule).
bool AllowedWhileSubscribed(std::string_view command_name);

// Forgets every subscription of the client, and its MONITOR (connection
// closed): registry, the loop's counts and what CLIENT LIST shows.
// Undelivered mail is dropped.
void ClearSubscriptions(PubsubRegistry& registry, Client& client);

// Writes to the command's reply the messages already queued for its client
// on its loop. A (un)subscribing or publishing command calls it so those
// messages come before its own reply, as in Redis where they would already
// have been written.
void WritePendingMessages(CommandContext& ctx);

// After a command's keyspace notifications were published: a (RESP3)
// client subscribed to them gets them before the command's reply, as in
// Redis, except inside EXEC, whose reply is one array (they follow it).
void WriteOwnKeyEvents(CommandContext& ctx);

// RESET: pending messages are written (in the old protocol), then every
// subscription goes, without unsubscribe confirmations, and MONITOR ends
// (as Redis).
void ResetSubscriptions(CommandContext& ctx);

}  // namespace cairn
