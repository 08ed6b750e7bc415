#include "common/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>

namespace encuentro {
namespace fs = std::filesystem;

absl::Status SyncPath(const fs::path& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::InternalError("cannot open " + path.string() + " to sync it");
  const bool synced = fsync(fd) == 0;
  close(fd);
  if (!synced) return absl::DataLossError("fsync failed on " + path.string());
  return absl::OkStatus();
}

absl::Status SyncParentDirectory(const fs::path& path) {
  const fs::path absolute = fs::absolute(path);
  return SyncPath(absolute.has_parent_path() ? absolute.parent_path() : fs::path("/"));
}

absl::Status WriteFileDurably(const fs::path& path, std::string_view contents, fs::perms mode) {
  const fs::path temporary = path.string() + ".tmp";
  unlink(temporary.c_str());  // a leftover would keep its old mode: O_CREAT sets it only when new
  const int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return absl::PermissionDeniedError("cannot write " + temporary.string());
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = write(fd, contents.data() + written, contents.size() - written);
    if (n <= 0) {
      close(fd);
      return absl::ResourceExhaustedError("cannot write " + temporary.string());
    }
    written += static_cast<size_t>(n);
  }
  const bool synced = fsync(fd) == 0;
  close(fd);
  if (!synced) return absl::DataLossError("fsync failed on " + temporary.string());
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec) return absl::InternalError("cannot rename " + temporary.string() + ": " + ec.message());
  return SyncParentDirectory(path);
}

absl::Status CopyFileDurably(const fs::path& from, const fs::path& to, fs::perms mode) {
  const fs::path temporary = to.string() + ".tmp";
  std::error_code ec;
  fs::copy_file(from, temporary, fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::permissions(temporary, mode, ec);
  if (ec) return absl::InternalError("cannot copy " + from.string() + ": " + ec.message());
  if (absl::Status s = SyncPath(temporary); !s.ok()) return s;
  fs::rename(temporary, to, ec);
  if (ec) return absl::InternalError("cannot write " + to.string() + ": " + ec.message());
  return SyncParentDirectory(to);
}

}  // namespace encuentro
