// storage::PrefetchKeys: the keys of a pipeline's next commands, collected
// for Engine::Prefetch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::storage {

// Each key's KeyCache::Hash, whether its command reads storage on the loop
// anyway (a write: only read-only commands hand a read that needs the disk
// to a cold read), so Prefetch may read it from RocksDB ahead of the
// command, and for those the encoded meta key (empty for the others).
struct PrefetchKeys {
  std::vector<uint64_t> hashes;
  std::string keys;            // the meta keys, back to back
  std::vector<uint32_t> ends;  // where each key ends in `keys`
  std::vector<uint8_t> read_ahead;
  size_t size() const { return hashes.size(); }
  std::string_view key(size_t i) const {
    const uint32_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(keys).substr(begin, ends[i] - begin);
  }
  void clear() {
    hashes.clear();
    keys.clear();
    ends.clear();
    read_ahead.clear();
  }
};

}  // namespace cairn::storage
