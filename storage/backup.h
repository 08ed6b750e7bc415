// Logical backups of Encuentro's database: pg_dump's custom format out, pg_restore in, with the
// PostgreSQL client programs Debian installs alongside the server. A dump is a consistent
// snapshot (one repeatable-read transaction), so it may be taken while encuentrod serves.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace encuentro::storage {

// Dumps the database `connection` (a libpq string or URL, as its owner) into `file`, written
// under a temporary name, synced and then renamed, so an interrupted dump leaves no file.
// Returns the schema version the dump holds.
absl::StatusOr<int64_t> DumpDatabase(const std::string& connection,
                                     const std::filesystem::path& file);

// Restores `file` into the database `connection`, which must not hold Encuentro's schema yet
// (FAILED_PRECONDITION otherwise: a restore never merges into live data). One transaction:
// a restore that fails leaves the database as it was. Objects belong to the connecting user;
// the application role is created first if the cluster lacks it.
absl::Status RestoreDatabase(const std::string& connection, const std::filesystem::path& file);

}  // namespace encuentro::storage
