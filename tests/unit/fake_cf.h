// A column family handle with just an ID: enough to build a WriteBatch
// without a database.
#pragma once

#include <rocksdb/comparator.h>
#include <rocksdb/db.h>

#include <cstdint>
#include <string>

namespace cairn::storage {

class FakeCf : public rocksdb::ColumnFamilyHandle {
 public:
  explicit FakeCf(uint32_t id) : id_(id), name_("cf" + std::to_string(id)) {}
  const std::string& GetName() const override { return name_; }
  uint32_t GetID() const override { return id_; }
  rocksdb::Status GetDescriptor(rocksdb::ColumnFamilyDescriptor*) override {
    return rocksdb::Status::NotSupported();
  }
  const rocksdb::Comparator* GetComparator() const override {
    return rocksdb::BytewiseComparator();
  }

 private:
  uint32_t id_;
  std::string name_;
};

}  // namespace cairn::storage
