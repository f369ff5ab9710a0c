// MULTI/EXEC/WATCH state changes shared by the connection (queueing,
// close, RESET) and the transaction commands (server/commands/transaction.cc).
//
// How a transaction runs: between MULTI and EXEC the connection queues every
// command that passed its checks (a rejected one marks the transaction
// aborted: EXEC then answers EXECABORT). EXEC takes the key locks of every
// watched and queued key (all stripes when a queued command has no fixed key
// set, like SELECT or FLUSHDB), checks the watch flag, then runs the queue
// inside one Engine batch: other clients see all of it or none of it.
#pragma once

#include "server/client.h"

namespace cairn {
namespace storage {
class Engine;
}

// Commands that run at once even inside MULTI (Redis: EXEC, DISCARD, MULTI,
// WATCH, QUIT, RESET).
bool RunsInsideMulti(const CommandSpec& spec);

// A command whose keys are not all named by its key specs in the current db
// (SELECT, FLUSHDB, SWAPDB, MOVE, COPY, keyless writes): EXEC then locks
// every stripe.
bool NeedsAllLocks(const CommandSpec& spec);

// Forgets every watched key of the client (and a dirty mark with them).
void UnwatchAll(Client& client, storage::Engine& engine);
// Leaves MULTI, drops the queue and unwatches (DISCARD, EXEC, RESET, close).
void DiscardTransaction(Client& client, storage::Engine& engine);

}  // namespace cairn
