#include "cluster/cluster_state.h"

#include <algorithm>

namespace cairn::cluster {

void ClusterState::InitMyself(const ClusterOptions& options) {
  auto me = std::make_unique<Node>();
  me->id = RandomNodeId();
  me->flags = kFlagMyself | kFlagMaster;
  me->ip = options.announce_ip;
  me->hostname = options.announce_hostname;
  me->port = options.port;
  me->bus_port = options.bus_port;
  me->link_connected = true;
  myself_ = Add(std::move(me));
}

Node* ClusterState::Find(std::string_view id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second.get();
}

Node* ClusterState::Add(std::unique_ptr<Node> node) {
  Node* raw = node.get();
  std::string id = node->id;
  nodes_[id] = std::move(node);
  if (raw->flags & kFlagMyself) myself_ = raw;
  return raw;
}

void ClusterState::Remove(std::string_view id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end() || it->second.get() == myself_) return;
  Node* n = it->second.get();
  for (size_t j = 0; j < kSlots; ++j) {
    if (owner_[j] == n) owner_[j] = nullptr;
    if (migrating_to_[j] == n) SetOpen(migrating_to_, static_cast<int>(j), nullptr);
    if (importing_from_[j] == n) SetOpen(importing_from_, static_cast<int>(j), nullptr);
  }
  // Reports it made about others go with it.
  for (auto& [other_id, other] : nodes_) {
    auto& r = other->fail_reports;
    r.erase(std::remove_if(r.begin(), r.end(),
                           [&](const FailureReport& f) { return f.reporter == n->id; }),
            r.end());
  }
  nodes_.erase(it);
}

void ClusterState::Rename(Node* node, const std::string& new_id) {
  auto it = nodes_.find(node->id);
  if (it == nodes_.end()) return;
  std::unique_ptr<Node> owned = std::move(it->second);
  nodes_.erase(it);
  owned->id = new_id;
  nodes_[new_id] = std::move(owned);
}

void ClusterState::Assign(int slot, Node* node) {
  Node*& cur = owner_[static_cast<size_t>(slot)];
  if (cur != nullptr) cur->slots.reset(static_cast<size_t>(slot));
  cur = node;
  node->slots.set(static_cast<size_t>(slot));
}

void ClusterState::Unassign(int slot) {
  Node*& cur = owner_[static_cast<size_t>(slot)];
  if (cur != nullptr) cur->slots.reset(static_cast<size_t>(slot));
  cur = nullptr;
}

bool ClusterState::ApplyClaims(Node* sender, const SlotBitmap& claimed) {
  bool changed = false;
  for (int j = 0; j < kSlots; ++j) {
    if (!claimed.test(static_cast<size_t>(j))) continue;
    if (importing_from_[static_cast<size_t>(j)] != nullptr) continue;
    Node* cur = owner_[static_cast<size_t>(j)];
    if (cur == sender) continue;
    if (cur == nullptr || cur->config_epoch < sender->config_epoch) {
      Assign(j, sender);
      changed = true;
    }
  }
  return changed;
}

uint64_t ClusterState::MaxConfigEpoch() const {
  uint64_t max = 0;
  for (const auto& [id, n] : nodes_) max = std::max(max, n->config_epoch);
  return max;
}

bool ClusterState::BumpConfigEpochWithoutConsensus() {
  uint64_t max = std::max(MaxConfigEpoch(), current_epoch_);
  if (myself_->config_epoch != 0 && myself_->config_epoch == max) return false;
  current_epoch_ += 1;
  myself_->config_epoch = current_epoch_;
  return true;
}

void ClusterState::CloseAllSlots() {
  migrating_to_.fill(nullptr);
  importing_from_.fill(nullptr);
  open_slots_ = 0;
}

int ClusterState::Size() const {
  int size = 0;
  for (const auto& [id, n] : nodes_) {
    if (n->is_master() && n->slots.any()) ++size;
  }
  return size;
}

bool ClusterState::UpdateState(const ClusterOptions& options) {
  bool ok = true;
  if (options.require_full_coverage) {
    for (int j = 0; j < kSlots && ok; ++j) {
      Node* n = owner_[static_cast<size_t>(j)];
      if (n == nullptr || n->failed()) ok = false;
    }
  }
  if (ok) {
    int size = 0;
    int reachable = 0;
    for (const auto& [id, n] : nodes_) {
      if (!n->is_master() || n->slots.none()) continue;
      ++size;
      if (!(n->flags & (kFlagFail | kFlagPfail))) ++reachable;
    }
    // A master cut off from the majority stops serving (Redis does the same
    // so a minority partition cannot accept writes).
    if (reachable < size / 2 + 1) ok = false;
  }
  bool changed = ok != ok_;
  ok_ = ok;
  return changed;
}

bool ClusterState::Blacklisted(const std::string& id, int64_t now_ms) {
  for (auto it = blacklist_.begin(); it != blacklist_.end();) {
    it = it->second < now_ms ? blacklist_.erase(it) : std::next(it);
  }
  return blacklist_.count(id) != 0;
}

void ClusterState::Reset(bool hard, const ClusterOptions& options) {
  std::vector<std::string> peers;
  for (const auto& [id, n] : nodes_) {
    if (n.get() != myself_) peers.push_back(id);
  }
  for (const auto& id : peers) Remove(id);
  for (int j = 0; j < kSlots; ++j) Unassign(j);
  CloseAllSlots();
  myself_->flags = kFlagMyself | kFlagMaster;
  myself_->master_id.clear();
  blacklist_.clear();
  if (hard) {
    current_epoch_ = 0;
    last_vote_epoch_ = 0;
    myself_->config_epoch = 0;
    std::unique_ptr<Node> me = std::move(nodes_.begin()->second);
    nodes_.clear();
    me->id = RandomNodeId();
    (void)options;
    myself_ = Add(std::move(me));
  }
}

}  // namespace cairn::cluster
