#include "server/transaction.h"

#include "server/command.h"
#include "storage/engine.h"

namespace cairn {

bool RunsInsideMulti(const CommandSpec& spec) {
  const std::string& n = spec.name;
  return n == "exec" || n == "discard" || n == "multi" || n == "watch" || n == "quit" ||
         n == "reset";
}

void UnwatchAll(Client& client, storage::Engine& engine) {
  Transaction& t = client.txn;
  for (const auto& w : t.watched) engine.watches().Unwatch(w.db, w.key, t.watch_flag.get());
  t.watched.clear();
  t.watch_flag.reset();
}

void DiscardTransaction(Client& client, storage::Engine& engine) {
  Transaction& t = client.txn;
  t.active = false;
  t.aborted = false;
  t.queued.clear();
  UnwatchAll(client, engine);
}

}  // namespace cairn
