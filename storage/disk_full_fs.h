// storage::DiskFullFs: a RocksDB FileSystem that passes every call to the
// real one, except that while it is held "full" every write to any file
// fails with NoSpace, as ENOSPC would make it fail, and the disk reports no
// free space. It lets a test take the full-disk path (CAIRN.FAULT
// DISK-FULL) without filling a disk; reads, syncs and deletes go on
// working, as they do on a full disk.
#pragma once

#include <rocksdb/file_system.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace cairn::storage {

class DiskFullFs : public rocksdb::FileSystemWrapper {
 public:
  explicit DiskFullFs(const std::shared_ptr<rocksdb::FileSystem>& base);
  const char* Name() const override { return "CairnDiskFullFs"; }

  // Writes fail from now until `ms` milliseconds from now (0 ends it).
  void FullFor(int64_t ms);
  bool Full() const;

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* dbg) override;
  // No free space while full (RocksDB's recovery waits for space).
  rocksdb::IOStatus GetFreeSpace(const std::string& path, const rocksdb::IOOptions& o,
                                 uint64_t* diskfree, rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old,
                                      const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* dbg) override;

 private:
  // `file` made by the real file system, wrapped when `s` is ok.
  rocksdb::IOStatus Wrap(rocksdb::IOStatus s, std::unique_ptr<rocksdb::FSWritableFile> file,
                         std::unique_ptr<rocksdb::FSWritableFile>* r) const;
  std::atomic<int64_t> full_until_ms_{0};  // steady clock
};

}  // namespace cairn::storage
