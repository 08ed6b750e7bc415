// Making files survive a crash: fsync of a file or directory, and the write-beside-then-rename
// pattern, so that a reader only ever sees a whole file.
#pragma once

#include <filesystem>
#include <string_view>

#include "absl/status/status.h"

namespace encuentro {

// fsync(2) of a file or a directory. DATA_LOSS if the kernel reports the write failed.
absl::Status SyncPath(const std::filesystem::path& path);

// Makes a rename into `path`'s directory durable, by syncing that directory.
absl::Status SyncParentDirectory(const std::filesystem::path& path);

// Writes `contents` to `path` through `path`.tmp with `mode`, synced, renamed and the rename
// synced: after a crash `path` is either the old file or the new one, never a part.
absl::Status WriteFileDurably(const std::filesystem::path& path, std::string_view contents,
                              std::filesystem::perms mode);

// Copies `from` to `to` the same way.
absl::Status CopyFileDurably(const std::filesystem::path& from, const std::filesystem::path& to,
                             std::filesystem::perms mode);

}  // namespace encuentro
