#include "storage/migrations.h"

#include <map>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/sha256.h"
#include "common/text.h"

namespace encuentro::storage {
namespace {

// Any constant unique to Encuentro; pg_advisory_xact_lock serializes migrators on it.
constexpr int64_t kMigrationLockKey = 0x456e63756e747230;  // "Encuntr0"

std::string FileName(const MigrationSource& m) {
  return absl::StrFormat("%04d_%s.sql", m.version, m.name);
}

constexpr char kCreateTable[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version     bigint PRIMARY KEY,
  name        text NOT NULL,
  checksum    text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
))sql";

}  // namespace

absl::StatusOr<MigrationReport> ApplyMigrations(const std::string& connection_string,
                                                std::span<const MigrationSource> migrations) {
  try {
    pqxx::connection conn(connection_string);
    pqxx::work tx(conn);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
    tx.exec0(kCreateTable);

    std::map<int64_t, std::pair<std::string, std::string>> applied;  // version -> name, checksum
    for (const auto& row : tx.exec("SELECT version, name, checksum FROM schema_migrations")) {
      applied[row[0].as<int64_t>()] = {row[1].as<std::string>(), row[2].as<std::string>()};
    }
    MigrationReport report;
    report.version_before = applied.empty() ? 0 : applied.rbegin()->first;
    const int64_t newest_known = migrations.empty() ? 0 : migrations.back().version;
    if (report.version_before > newest_known) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the database schema is at version ", report.version_before,
          " but this encuentrod only knows up to ", newest_known,
          ": it was migrated by a newer release; run that release or restore a backup"));
    }
    for (const MigrationSource& m : migrations) {
      const std::string checksum = Sha256Hex(m.sql);
      auto it = applied.find(m.version);
      if (it != applied.end()) {
        if (it->second.second != checksum) {
          return absl::FailedPreconditionError(absl::StrCat(
              "migration ", FileName(m), " was edited after it was applied (checksum ",
              it->second.second.substr(0, 12), " in the database, ", checksum.substr(0, 12),
              " in this binary); write a new migration instead of editing an applied one"));
        }
        continue;
      }
      if (m.version < report.version_before) {
        return absl::FailedPreconditionError(
            absl::StrCat("migration ", FileName(m), " is older than the applied version ",
                         report.version_before, " but was never applied"));
      }
      try {
        tx.exec0(m.sql);
      } catch (const pqxx::sql_error& e) {
        return absl::InternalError(
            absl::StrCat("migration ", FileName(m), " failed: ", OneLine(e.what())));
      }
      tx.exec_params0("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1,$2,$3)",
                      m.version, m.name, checksum);
      report.applied.push_back(FileName(m));
    }
    tx.commit();
    report.version_after = std::max(report.version_before, newest_known);
    return report;
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the database: ", OneLine(e.what())));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("migrating: ", OneLine(e.what())));
  }
}

absl::StatusOr<std::vector<std::string>> AnalyzeUnanalyzedTables(
    const std::string& connection_string) {
  try {
    pqxx::connection conn(connection_string);
    pqxx::nontransaction tx(conn);
    std::vector<std::string> tables;
    for (const auto& row :
         tx.exec("SELECT relname FROM pg_stat_user_tables WHERE schemaname = 'public' AND "
                 "last_analyze IS NULL AND last_autoanalyze IS NULL AND n_live_tup > 0 "
                 "ORDER BY relname")) {
      tables.push_back(row[0].as<std::string>());
    }
    for (const std::string& table : tables) tx.exec0("ANALYZE " + tx.quote_name(table));
    return tables;
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot analyze tables: ", e.what()));
  }
}

absl::StatusOr<int64_t> AppliedSchemaVersion(const std::string& connection_string) {
  try {
    pqxx::connection conn(connection_string);
    pqxx::read_transaction tx(conn);
    if (tx.exec1("SELECT to_regclass('schema_migrations') IS NULL")[0].as<bool>()) return 0;
    return tx.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int64_t>();
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the database: ", OneLine(e.what())));
  } catch (const std::exception& e) {
    return absl::InternalError(OneLine(e.what()));
  }
}

}  // namespace encuentro::storage
