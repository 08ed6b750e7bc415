// Exclusive ownership of encuentrod's data directory for the life of the process, so that two
// servers never run one embedded PostgreSQL cluster.
#pragma once

#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"

namespace encuentro::server {

// Not copyable; the lock is released when the object is destroyed or the process dies (a crashed
// server leaves nothing to clean up by hand).
class DataDirectoryLock {
 public:
  // Creates the directory if needed. FAILED_PRECONDITION if another encuentrod holds it,
  // PERMISSION_DENIED if it belongs to another user or cannot be written.
  static absl::StatusOr<std::unique_ptr<DataDirectoryLock>> Acquire(
      const std::filesystem::path& data_dir);
  ~DataDirectoryLock();
  DataDirectoryLock(const DataDirectoryLock&) = delete;
  DataDirectoryLock& operator=(const DataDirectoryLock&) = delete;

 private:
  explicit DataDirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace encuentro::server
