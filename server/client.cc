#include "server/client.h"

#include <algorithm>

namespace cairn {

void ClientRegistry::Add(std::shared_ptr<ClientInfo> info) {
  std::lock_guard<std::mutex> lock(mu_);
  clients_.push_back(std::move(info));
}

void ClientRegistry::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it =
      std::find_if(clients_.begin(), clients_.end(), [id](const auto& c) { return c->id == id; });
  if (it != clients_.end()) {
    *it = std::move(clients_.back());
    clients_.pop_back();
  }
}

std::vector<std::shared_ptr<ClientInfo>> ClientRegistry::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  auto out = clients_;
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->id < b->id; });
  return out;
}

size_t ClientRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return clients_.size();
}

}  // namespace cairn
