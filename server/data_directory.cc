#include "server/data_directory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace encuentro::server {
namespace fs = std::filesystem;

absl::StatusOr<std::unique_ptr<DataDirectoryLock>> DataDirectoryLock::Acquire(
    const fs::path& data_dir) {
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create data directory ", data_dir.string(), ": ", ec.message()));
  }
  struct stat info {};
  if (stat(data_dir.c_str(), &info) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot read data directory ", data_dir.string(), ": ", std::strerror(errno)));
  }
  if (info.st_uid != geteuid()) {
    return absl::PermissionDeniedError(
        absl::StrCat("data directory ", data_dir.string(), " belongs to another user (uid ",
                     info.st_uid, "); run encuentrod as that user or choose another --data-dir"));
  }
  const fs::path lock_path = data_dir / "encuentrod.pid";
  const int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::PermissionDeniedError(absl::StrCat("cannot write in data directory ",
                                                    data_dir.string(), ": ", std::strerror(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buffer[32] = {};
    const ssize_t n = pread(fd, buffer, sizeof buffer - 1, 0);
    close(fd);
    const std::string holder = n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "?";
    return absl::FailedPreconditionError(
        absl::StrCat("data directory ", data_dir.string(), " is in use by another encuentrod (pid ",
                     std::string(holder.substr(0, holder.find('\n'))), ")"));
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    close(fd);
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot write ", lock_path.string(), ": ", std::strerror(errno)));
  }
  return std::unique_ptr<DataDirectoryLock>(new DataDirectoryLock(fd));
}

DataDirectoryLock::~DataDirectoryLock() { close(fd_); }

}  // namespace encuentro::server
