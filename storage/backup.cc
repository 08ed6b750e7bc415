#include "storage/backup.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/durable_file.h"
#include "common/subprocess.h"
#include "common/text.h"
#include "storage/embedded_cluster.h"
#include "storage/migrations.h"

namespace encuentro::storage {
namespace fs = std::filesystem;
namespace {

// Runs a PostgreSQL client program; its output names what went wrong when it fails.
absl::Status RunPostgresTool(const std::string& program, std::vector<std::string> args) {
  absl::StatusOr<fs::path> bindir = FindPostgresBindir({});
  if (!bindir.ok()) return bindir.status();
  ProcessOptions options;
  options.argv.push_back((*bindir / program).string());
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  absl::StatusOr<ProcessResult> result = RunProcess(options);
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::InternalError(absl::StrCat(program, " failed (exit ", result->exit_code,
                                            "): ", TailLines(result->output, 4)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> DumpDatabase(const std::string& connection, const fs::path& file) {
  absl::StatusOr<int64_t> version = AppliedSchemaVersion(connection);
  if (!version.ok()) return version.status();
  if (*version == 0) {
    return absl::FailedPreconditionError("the database holds no Encuentro schema to back up");
  }
  const fs::path partial = fs::path(file.string() + ".partial");
  std::error_code ec;
  fs::remove(partial, ec);
  // The custom format is compressed and lets pg_restore run in one transaction.
  if (absl::Status s = RunPostgresTool(
          "pg_dump", {"--format=custom", "--no-owner", "--file=" + partial.string(), connection});
      !s.ok()) {
    fs::remove(partial, ec);
    return s;
  }
  // It holds every record: readable by its owner only, whatever the umask.
  fs::permissions(partial, fs::perms::owner_read | fs::perms::owner_write, ec);
  if (absl::Status s = SyncPath(partial); !s.ok()) return s;
  fs::rename(partial, file, ec);
  if (ec)
    return absl::InternalError(
        absl::StrCat("cannot rename ", partial.string(), ": ", ec.message()));
  return *version;
}

absl::Status RestoreDatabase(const std::string& connection, const fs::path& file) {
  absl::StatusOr<int64_t> version = AppliedSchemaVersion(connection);
  if (!version.ok()) return version.status();
  if (*version != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("the target database already holds Encuentro's schema (version ", *version,
                     "): restore into an empty data directory or a new, empty database"));
  }
  try {
    pqxx::connection conn(connection);
    pqxx::work tx(conn);
    // The dump grants privileges to the application role, which lives in the cluster rather than
    // the database; migration 0001 makes it the same way.
    tx.exec0(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'encuentro_app') THEN "
        "CREATE ROLE encuentro_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION; "
        "END IF; END $$");
    tx.exec0("GRANT encuentro_app TO CURRENT_USER");
    tx.commit();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("preparing the restore: ", OneLine(e.what())));
  }
  return RunPostgresTool("pg_restore", {"--single-transaction", "--exit-on-error", "--no-owner",
                                        "--dbname=" + connection, file.string()});
}

}  // namespace encuentro::storage
