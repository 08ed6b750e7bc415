// Versioned schema migrations: SQL files from migrations/, compiled into the binary, applied in
// order and recorded with their checksums in schema_migrations.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace encuentro::storage {

struct MigrationSource {
  int64_t version;
  std::string name;
  std::string sql;
};

// The migrations this binary was built with, ascending by version.
const std::vector<MigrationSource>& BundledMigrations();

struct MigrationReport {
  int64_t version_before = 0;
  int64_t version_after = 0;
  std::vector<std::string> applied;  // "0002_photos", in order
};

// Applies every pending migration in one transaction, serialized against concurrent migrators by
// an advisory lock. Fails with FAILED_PRECONDITION, changing nothing, if an applied migration's
// checksum differs from the binary's copy or the database is newer than the binary.
// `connection_string` must name a role that may create objects and roles (the schema owner).
absl::StatusOr<MigrationReport> ApplyMigrations(const std::string& connection_string,
                                                std::span<const MigrationSource> migrations);

// Gathers planner statistics for tables that have never had any (a fresh database, or one bulk
// loaded since autovacuum last ran): without them PostgreSQL plans the matching queries as if
// the tables were empty, and a search can take ten times longer. Returns the tables analysed.
// `connection_string` must name the schema owner.
absl::StatusOr<std::vector<std::string>> AnalyzeUnanalyzedTables(
    const std::string& connection_string);

// The highest version recorded in schema_migrations; 0 for an empty database.
absl::StatusOr<int64_t> AppliedSchemaVersion(const std::string& connection_string);

}  // namespace encuentro::storage
