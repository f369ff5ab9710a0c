#include "storage/snapshot.h"

#include <fcntl.h>
#include <rocksdb/db.h>
#include <rocksdb/utilities/checkpoint.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "storage/engine.h"

namespace cairn::storage {
namespace {

namespace fs = std::filesystem;

constexpr char kMarkerName[] = "CAIRN";
constexpr char kSnapshotPrefix[] = "snapshot-";
constexpr char kTmpPrefix[] = "tmp-";
constexpr char kLatestName[] = "latest";

Status FromRocksStatus(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNoSpace() || s.subcode() == rocksdb::Status::kNoSpace) {
    return Status::NoSpace(what + ": " + s.ToString());
  }
  return Status::IOError(what + ": " + s.ToString());
}

Status IoError(const std::string& what, const std::error_code& ec) {
  if (ec == std::errc::no_space_on_device) return Status::NoSpace(what + ": " + ec.message());
  return Status::IOError(what + ": " + ec.message());
}

// fsync of a file or a directory: a rename or a new entry survives a power
// loss only once its directory is synced.
Status SyncPath(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("can't open '" + p.string() + "': " + strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IOError("can't fsync '" + p.string() + "': " + strerror(err));
  return Status::Ok();
}

Status CopySynced(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return IoError("can't copy '" + from.string() + "' to '" + to.string() + "'", ec);
  return SyncPath(to);
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// The entries of a directory, without the exceptions a range-for over
// directory_iterator throws on a failed step.
std::vector<fs::directory_entry> ListDir(const fs::path& p, std::error_code& ec) {
  std::vector<fs::directory_entry> out;
  for (fs::directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
    out.push_back(*it);
  }
  return out;
}

// Removes what an interrupted save left: tmp-* entries. Saves of one node
// never overlap, so no tmp- entry belongs to a save still running.
void RemoveLeftovers(const fs::path& root) {
  std::error_code ec;
  std::vector<fs::path> stale;
  for (const auto& e : ListDir(root, ec)) {
    if (StartsWith(e.path().filename().string(), kTmpPrefix)) stale.push_back(e.path());
  }
  for (const auto& p : stale) fs::remove_all(p, ec);
}

// Keeps the newest kKeptCheckpoints snapshot-* directories (names sort by
// time), and always `keep`, the one just written, whatever the clock did.
void Prune(const fs::path& root, const std::string& keep) {
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& e : ListDir(root, ec)) {
    std::string n = e.path().filename().string();
    if (StartsWith(n, kSnapshotPrefix) && n != keep && e.is_directory(ec)) names.push_back(n);
  }
  std::sort(names.rbegin(), names.rend());
  for (size_t i = kKeptCheckpoints - 1; i < names.size(); ++i) fs::remove_all(root / names[i], ec);
}

}  // namespace

Status Engine::CreateCheckpoint(const std::string& target_dir, uint64_t* sequence) {
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status rs = rocksdb::Checkpoint::Create(db_.get(), &raw);
  if (!rs.ok()) return FromRocksStatus(rs, "can't start a checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush = 0 flushes the memtables first, so the checkpoint is
  // mostly hard-linked SSTs; with several column families RocksDB still adds
  // the WAL tail, so the image is one consistent point in time either way.
  rs = checkpoint->CreateCheckpoint(target_dir, 0, sequence);
  if (!rs.ok()) return FromRocksStatus(rs, "checkpoint failed");
  // RocksDB copies only its own files; the marker is what lets a restore
  // (and Engine::Open) recognise the directory as Cairn's.
  Status s =
      CopySynced(fs::path(options_.dir) / "db" / kMarkerName, fs::path(target_dir) / kMarkerName);
  if (!s.ok()) return s;
  return SyncPath(target_dir);
}

Result<CheckpointInfo> SaveCheckpoint(Engine& engine, const std::string& dir, int64_t now_ms) {
  std::error_code ec;
  const fs::path root = fs::absolute(fs::path(dir) / "checkpoints", ec);
  if (ec) return IoError("can't resolve '" + dir + "'", ec);
  fs::create_directories(root, ec);
  if (ec) return IoError("can't create '" + root.string() + "'", ec);
  RemoveLeftovers(root);

  char stamp[32];
  snprintf(stamp, sizeof(stamp), "%013" PRId64, now_ms);
  const fs::path tmp = root / (std::string(kTmpPrefix) + kSnapshotPrefix + stamp);
  uint64_t seq = 0;
  Status s = engine.CreateCheckpoint(tmp.string(), &seq);
  if (!s.ok()) {
    RemoveLeftovers(root);
    return s;
  }
  const std::string name = std::string(kSnapshotPrefix) + stamp + "-" + std::to_string(seq);
  const fs::path final_path = root / name;
  if (fs::exists(final_path, ec)) {
    // Same millisecond and same sequence: the same data is already saved.
    fs::remove_all(tmp, ec);
  } else {
    fs::rename(tmp, final_path, ec);
    if (ec) {
      RemoveLeftovers(root);
      return IoError("can't rename the checkpoint into place", ec);
    }
  }
  // `latest` is replaced by renaming a new symlink over it: atomic, so a
  // reader resolves either the old snapshot or the new one.
  const fs::path link_tmp = root / (std::string(kTmpPrefix) + kLatestName);
  fs::remove(link_tmp, ec);
  fs::create_directory_symlink(name, link_tmp, ec);
  if (!ec) fs::rename(link_tmp, root / kLatestName, ec);
  if (ec) return IoError("can't point '" + (root / kLatestName).string() + "' at " + name, ec);
  s = SyncPath(root);
  if (!s.ok()) return s;
  Prune(root, name);
  return CheckpointInfo{final_path.string(), seq};
}

Status RestoreCheckpoint(const std::string& checkpoint_dir, const std::string& dir) {
  std::error_code ec;
  const fs::path src = fs::canonical(checkpoint_dir, ec);
  if (ec || !fs::is_directory(src, ec)) {
    return Status::InvalidArgument("can't restore from '" + checkpoint_dir + "': not a directory");
  }
  if (!fs::is_regular_file(src / kMarkerName, ec) || !fs::is_regular_file(src / "CURRENT", ec)) {
    return Status::InvalidArgument("can't restore from '" + checkpoint_dir +
                                   "': not a Cairn checkpoint (no CAIRN marker)");
  }
  const fs::path db = fs::path(dir) / "db";
  if (fs::exists(db, ec) && !(fs::is_directory(db, ec) && fs::is_empty(db, ec))) {
    return Status::InvalidArgument("can't restore from '" + checkpoint_dir + "': '" + db.string() +
                                   "' is not empty (restore only into a new data directory)");
  }
  fs::create_directories(dir, ec);
  if (ec) return IoError("can't create '" + dir + "'", ec);
  // Built under a name Engine::Open never reads, renamed when whole.
  const fs::path tmp = fs::path(dir) / "db.restoring";
  fs::remove_all(tmp, ec);
  fs::create_directory(tmp, ec);
  if (ec) return IoError("can't create '" + tmp.string() + "'", ec);
  std::error_code list_ec;
  const std::vector<fs::directory_entry> entries = ListDir(src, list_ec);
  if (list_ec) {
    fs::remove_all(tmp, ec);
    return IoError("can't list '" + checkpoint_dir + "'", list_ec);
  }
  for (const auto& e : entries) {
    const fs::path to = tmp / e.path().filename();
    if (!e.is_regular_file(ec)) {
      fs::remove_all(tmp, ec);
      return Status::InvalidArgument("can't restore from '" + checkpoint_dir +
                                     "': unexpected entry '" + e.path().filename().string() + "'");
    }
    // SSTs are never modified in place, so sharing the inode is safe; the
    // MANIFEST and WAL files are appended to by the new node and are copied.
    Status s;
    std::error_code link_ec;
    if (e.path().extension() == ".sst") fs::create_hard_link(e.path(), to, link_ec);
    if (e.path().extension() != ".sst" || link_ec) {
      s = CopySynced(e.path(), to);
    }
    if (!s.ok()) {
      fs::remove_all(tmp, ec);
      return s;
    }
  }
  Status s = SyncPath(tmp);
  if (!s.ok()) {
    fs::remove_all(tmp, ec);
    return s;
  }
  fs::remove(db, ec);  // an empty directory, if any
  fs::rename(tmp, db, ec);
  if (ec) return IoError("can't move the restored data into '" + db.string() + "'", ec);
  return SyncPath(dir);
}

}  // namespace cairn::storage
