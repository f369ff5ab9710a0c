#include "storage/disk_full_fs.h"

#include <chrono>
#include <utility>

namespace cairn::storage {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

rocksdb::IOStatus NoSpace() {
  return rocksdb::IOStatus::NoSpace("No space left on device (injected by CAIRN.FAULT)");
}

// A file whose appends fail while its file system is held full.
class DiskFullFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  DiskFullFile(std::unique_ptr<rocksdb::FSWritableFile> f, const DiskFullFs& fs)
      : FSWritableFileOwnerWrapper(std::move(f)), fs_(fs) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* dbg) override {
    return fs_.Full() ? NoSpace() : target()->Append(data, o, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           const rocksdb::DataVerificationInfo& v,
                           rocksdb::IODebugContext* dbg) override {
    return fs_.Full() ? NoSpace() : target()->Append(data, o, v, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& o,
                                     rocksdb::IODebugContext* dbg) override {
    return fs_.Full() ? NoSpace() : target()->PositionedAppend(data, offset, o, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& o,
                                     const rocksdb::DataVerificationInfo& v,
                                     rocksdb::IODebugContext* dbg) override {
    return fs_.Full() ? NoSpace() : target()->PositionedAppend(data, offset, o, v, dbg);
  }
  rocksdb::IOStatus Allocate(uint64_t offset, uint64_t len, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
    return fs_.Full() ? NoSpace() : target()->Allocate(offset, len, o, dbg);
  }

 private:
  const DiskFullFs& fs_;
};

}  // namespace

DiskFullFs::DiskFullFs(const std::shared_ptr<rocksdb::FileSystem>& base)
    : FileSystemWrapper(base) {}

void DiskFullFs::FullFor(int64_t ms) {
  full_until_ms_.store(ms > 0 ? SteadyMs() + ms : 0, std::memory_order_release);
}

bool DiskFullFs::Full() const {
  const int64_t until = full_until_ms_.load(std::memory_order_acquire);
  return until != 0 && SteadyMs() < until;
}

rocksdb::IOStatus DiskFullFs::Wrap(rocksdb::IOStatus s,
                                   std::unique_ptr<rocksdb::FSWritableFile> file,
                                   std::unique_ptr<rocksdb::FSWritableFile>* r) const {
  if (s.ok()) *r = std::make_unique<DiskFullFile>(std::move(file), *this);
  return s;
}

rocksdb::IOStatus DiskFullFs::NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                              std::unique_ptr<rocksdb::FSWritableFile>* r,
                                              rocksdb::IODebugContext* dbg) {
  if (Full()) return NoSpace();
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus s = target()->NewWritableFile(f, o, &file, dbg);
  return Wrap(std::move(s), std::move(file), r);
}

rocksdb::IOStatus DiskFullFs::ReopenWritableFile(const std::string& f,
                                                 const rocksdb::FileOptions& o,
                                                 std::unique_ptr<rocksdb::FSWritableFile>* r,
                                                 rocksdb::IODebugContext* dbg) {
  if (Full()) return NoSpace();
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus s = target()->ReopenWritableFile(f, o, &file, dbg);
  return Wrap(std::move(s), std::move(file), r);
}

rocksdb::IOStatus DiskFullFs::GetFreeSpace(const std::string& path, const rocksdb::IOOptions& o,
                                           uint64_t* diskfree, rocksdb::IODebugContext* dbg) {
  if (Full()) {
    *diskfree = 0;
    return rocksdb::IOStatus::OK();
  }
  return target()->GetFreeSpace(path, o, diskfree, dbg);
}

rocksdb::IOStatus DiskFullFs::ReuseWritableFile(const std::string& f, const std::string& old,
                                                const rocksdb::FileOptions& o,
                                                std::unique_ptr<rocksdb::FSWritableFile>* r,
                                                rocksdb::IODebugContext* dbg) {
  if (Full()) return NoSpace();
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus s = target()->ReuseWritableFile(f, old, o, &file, dbg);
  return Wrap(std::move(s), std::move(file), r);
}

}  // namespace cairn::storage
