#include "server/backup_command.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/durable_file.h"
#include "common/sha256.h"
#include "common/version.h"
#include "server/data_directory.h"
#include "spdlog/spdlog.h"
#include "storage/backup.h"
#include "storage/embedded_cluster.h"
#include "storage/migrations.h"

namespace encuentro::server {
namespace fs = std::filesystem;
namespace {

constexpr char kManifest[] = "manifest.json";
constexpr char kDump[] = "database.dump";
// The audit key files, as audit::SigningKey names them in the data directory.
const char* const kKeyFiles[] = {"audit-signing.key", "audit-signing.key.pub"};
constexpr int kManifestFormat = 1;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "encuentrod: %s\n", std::string(status.message()).c_str());
  return 1;
}

bool HasEmbeddedCluster(const fs::path& data_dir) {
  return fs::exists(data_dir / "postgresql" / "PG_VERSION");
}

// The database a command works on, and what it took to reach it. Members are destroyed in
// reverse order: the cluster stops before the data directory is released.
struct DatabaseAccess {
  std::unique_ptr<DataDirectoryLock> lock;
  std::unique_ptr<storage::EmbeddedCluster> cluster;
  std::string connection;
};

absl::StatusOr<std::unique_ptr<storage::EmbeddedCluster>> StartCluster(const fs::path& data_dir) {
  storage::EmbeddedClusterOptions options;
  options.data_dir = data_dir;
  return storage::EmbeddedCluster::Start(options);
}

// "DIR/" and "DIR" are one folder: without the separator, so that DIR.partial is its sibling.
fs::path FolderPath(const fs::path& path) {
  fs::path normal = path.lexically_normal();
  return normal.has_filename() ? normal : normal.parent_path();
}

}  // namespace

int RunBackup(const ServerConfig& config) {
  const fs::path target = FolderPath(config.backup_dir);
  std::error_code ec;
  if (fs::exists(target, ec) && !fs::is_empty(target, ec)) {
    return Fail(absl::AlreadyExistsError(
        absl::StrCat(target.string(), " exists and is not empty: back up into a new folder")));
  }
  DatabaseAccess db;
  if (!config.database_url.empty()) {
    db.connection = config.database_url;
  } else {
    if (!HasEmbeddedCluster(config.data_dir)) {
      return Fail(absl::NotFoundError(absl::StrCat("no database in ", config.data_dir.string(),
                                                   ": give the --data-dir the server uses")));
    }
    absl::StatusOr<std::unique_ptr<DataDirectoryLock>> lock =
        DataDirectoryLock::Acquire(config.data_dir);
    if (lock.ok()) {
      db.lock = *std::move(lock);
      absl::StatusOr<std::unique_ptr<storage::EmbeddedCluster>> cluster =
          StartCluster(config.data_dir);
      if (!cluster.ok()) return Fail(cluster.status());
      db.cluster = *std::move(cluster);
      db.connection = db.cluster->SuperuserConnectionString();
    } else if (absl::IsFailedPrecondition(lock.status())) {
      // The server runs: read its cluster through the socket; the dump is one snapshot.
      spdlog::info("backup: encuentrod is running; dumping its database through its socket");
      db.connection = storage::EmbeddedSuperuserConnection(config.data_dir);
    } else {
      return Fail(lock.status());
    }
  }

  const fs::path partial = fs::path(target.string() + ".partial");
  fs::remove_all(partial, ec);
  fs::create_directories(partial, ec);
  if (!ec) fs::permissions(partial, fs::perms::owner_all, ec);
  if (ec) {
    return Fail(absl::PermissionDeniedError(
        absl::StrCat("cannot create ", partial.string(), ": ", ec.message())));
  }
  absl::StatusOr<int64_t> version = storage::DumpDatabase(db.connection, partial / kDump);
  if (!version.ok()) return Fail(version.status());
  std::vector<std::string> files = {kDump};
  for (const char* key : kKeyFiles) {
    if (!fs::exists(config.data_dir / key)) continue;
    if (absl::Status s = CopyFileDurably(config.data_dir / key, partial / key,
                                         fs::perms::owner_read | fs::perms::owner_write);
        !s.ok()) {
      return Fail(s);
    }
    files.push_back(key);
  }
  if (files.size() == 1) {
    spdlog::warn(
        "backup: no audit signing key in {}; checkpoints cannot be signed alike after "
        "a restore",
        config.data_dir.string());
  }
  nlohmann::json manifest = {
      {"format", kManifestFormat},
      {"encuentrod", kVersion},
      {"schema_version", *version},
      {"created_unix_seconds", std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count()},
      {"files", nlohmann::json::object()}};
  uintmax_t total = 0;
  for (const std::string& file : files) {
    absl::StatusOr<std::string> digest = Sha256HexOfFile(partial / file);
    if (!digest.ok()) return Fail(digest.status());
    const uintmax_t bytes = fs::file_size(partial / file);
    total += bytes;
    manifest["files"][file] = {{"bytes", bytes}, {"sha256", *digest}};
  }
  if (absl::Status s = WriteFileDurably(partial / kManifest, manifest.dump(2) + "\n",
                                        fs::perms::owner_read | fs::perms::owner_write);
      !s.ok()) {
    return Fail(s);
  }
  fs::remove(target, ec);  // an empty folder the operator made
  fs::rename(partial, target, ec);
  if (ec)
    return Fail(
        absl::InternalError(absl::StrCat("cannot rename ", partial.string(), ": ", ec.message())));
  if (absl::Status s = SyncParentDirectory(target); !s.ok()) return Fail(s);
  std::printf("backup of schema version %lld written to %s (%.1f MiB)\n",
              static_cast<long long>(*version), target.string().c_str(),
              static_cast<double>(total) / (1 << 20));
  return 0;
}

int RunRestore(const ServerConfig& config) {
  const fs::path source = FolderPath(config.backup_dir);
  std::ifstream manifest_file(source / kManifest);
  if (!manifest_file) {
    return Fail(absl::NotFoundError(
        absl::StrCat("no ", kManifest, " in ", source.string(), ": not an encuentrod backup")));
  }
  nlohmann::json manifest = nlohmann::json::parse(manifest_file, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object() || !manifest.contains("files") ||
      !manifest["files"].is_object() || !manifest["files"].contains(kDump) ||
      !manifest.contains("format") || !manifest["format"].is_number_integer() ||
      manifest["format"].get<int>() != kManifestFormat || !manifest.contains("schema_version") ||
      !manifest["schema_version"].is_number_integer()) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        source.string(), "/", kManifest, " is not a backup manifest this version reads")));
  }
  const int64_t backup_version = manifest["schema_version"].get<int64_t>();
  const auto& migrations = storage::BundledMigrations();
  const int64_t binary_version = migrations.empty() ? 0 : migrations.back().version;
  if (backup_version > binary_version) {
    return Fail(absl::FailedPreconditionError(
        absl::StrCat("the backup holds schema version ", backup_version,
                     " but this encuentrod knows only up to ", binary_version,
                     ": restore it with the encuentrod that made it, or a newer one")));
  }
  // Every file must be what the backup wrote, before anything is changed.
  for (const auto& [file, facts] : manifest["files"].items()) {
    if (file.find('/') != std::string::npos || file.find("..") != std::string::npos) {
      return Fail(absl::InvalidArgumentError(absl::StrCat("manifest names a bad file: ", file)));
    }
    absl::StatusOr<std::string> digest = Sha256HexOfFile(source / file);
    if (!digest.ok() || !facts.is_object() || !facts.contains("sha256") ||
        !facts["sha256"].is_string() || *digest != facts["sha256"].get<std::string>()) {
      return Fail(absl::DataLossError(absl::StrCat("backup damaged: ", (source / file).string(),
                                                   " does not match its manifest")));
    }
  }
  const fs::path key = config.data_dir / kKeyFiles[0];
  if (manifest["files"].contains(kKeyFiles[0]) && fs::exists(key)) {
    absl::StatusOr<std::string> here = Sha256HexOfFile(key);
    if (!here.ok() || *here != manifest["files"][kKeyFiles[0]]["sha256"].get<std::string>()) {
      return Fail(absl::FailedPreconditionError(absl::StrCat(
          key.string(), " holds another audit signing key; restore into an empty data directory")));
    }
  }

  DatabaseAccess db;
  if (!config.database_url.empty()) {
    db.connection = config.database_url;
  }
  absl::StatusOr<std::unique_ptr<DataDirectoryLock>> lock =
      DataDirectoryLock::Acquire(config.data_dir);
  if (!lock.ok()) {
    return Fail(absl::FailedPreconditionError(
        absl::StrCat(lock.status().message(), ": stop encuentrod before restoring")));
  }
  db.lock = *std::move(lock);
  if (config.database_url.empty()) {
    absl::StatusOr<std::unique_ptr<storage::EmbeddedCluster>> cluster =
        StartCluster(config.data_dir);
    if (!cluster.ok()) return Fail(cluster.status());
    db.cluster = *std::move(cluster);
    db.connection = db.cluster->SuperuserConnectionString();
  }
  if (absl::Status s = storage::RestoreDatabase(db.connection, source / kDump); !s.ok()) {
    return Fail(s);
  }
  for (const char* file : kKeyFiles) {
    if (!manifest["files"].contains(file)) continue;
    if (absl::Status s = CopyFileDurably(source / file, config.data_dir / file,
                                         fs::perms::owner_read | fs::perms::owner_write);
        !s.ok()) {
      return Fail(s);
    }
  }
  absl::StatusOr<storage::MigrationReport> migrated =
      storage::ApplyMigrations(db.connection, storage::BundledMigrations());
  if (!migrated.ok()) return Fail(migrated.status());
  // Derived state from whatever database was here before; the server rebuilds it at start.
  std::error_code ec;
  fs::remove(GallerySnapshotPath(config), ec);
  std::printf(
      "restored schema version %lld from %s (now at version %lld); start encuentrod, then "
      "check with `encuentro audit export` + `encuentro audit verify` and `encuentrod "
      "check-index`\n",
      static_cast<long long>(backup_version), source.string().c_str(),
      static_cast<long long>(migrated->version_after));
  return 0;
}

}  // namespace encuentro::server
