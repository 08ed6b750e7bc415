// SHA-256 digests as lowercase hex, the form stored in the database and shown to users.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace encuentro {

// Thread-safe.
std::string Sha256Hex(std::string_view bytes);

// Streams the file; fails with NOT_FOUND or an I/O error naming the path.
absl::StatusOr<std::string> Sha256HexOfFile(const std::filesystem::path& path);

}  // namespace encuentro
