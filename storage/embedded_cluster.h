// A private PostgreSQL cluster that encuentrod runs under its data directory: initdb on first
// use, then pg_ctl start/stop, reachable only through a unix socket inside that directory.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace encuentro::storage {

struct EmbeddedClusterOptions {
  // The cluster lives in `<data_dir>/postgresql`; its server log in `<data_dir>/log`.
  std::filesystem::path data_dir;
  // Where initdb/pg_ctl live. Empty: the newest /usr/lib/postgresql/<version>/bin.
  std::filesystem::path pg_bindir;
  // Database created for Encuentro on first start.
  std::string database = "encuentro";
  // pg_ctl's wait for start-up and shutdown.
  int timeout_seconds = 60;
};

// Not thread-safe: one owner starts it, hands out connection strings, and stops it.
// The destructor stops a cluster that is still running.
class EmbeddedCluster {
 public:
  // Creates the cluster if the directory holds none, recovers from a previous crash (an orphaned
  // postmaster or a stale pid file), and starts it. As root, runs PostgreSQL as the `postgres`
  // system user, which then owns the cluster directory.
  static absl::StatusOr<std::unique_ptr<EmbeddedCluster>> Start(EmbeddedClusterOptions options);

  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;
  ~EmbeddedCluster();

  // Fast shutdown (in-flight transactions roll back) and waits until the postmaster exits.
  absl::Status Stop();

  // libpq connection string for the cluster's superuser, who owns the schema and runs migrations.
  std::string SuperuserConnectionString() const;
  // libpq connection string for `role` over the socket; roles log in by trust on the socket only.
  std::string ConnectionString(const std::string& role) const;

  const std::filesystem::path& cluster_dir() const { return cluster_dir_; }
  bool running() const { return running_; }

 private:
  struct Tools;
  EmbeddedCluster(EmbeddedClusterOptions options, std::unique_ptr<Tools> tools);

  absl::Status InitIfNeeded();
  absl::Status RecoverFromCrash();
  absl::Status StartServer();
  absl::Status CreateDatabaseIfNeeded();

  EmbeddedClusterOptions options_;
  std::unique_ptr<Tools> tools_;
  std::filesystem::path cluster_dir_;
  bool running_ = false;
};

// The PostgreSQL programs' directory: `configured` if given (it must hold initdb), else the
// newest /usr/lib/postgresql/<version>/bin. NOT_FOUND, saying what to install, when there is none.
absl::StatusOr<std::filesystem::path> FindPostgresBindir(const std::filesystem::path& configured);

// The superuser connection string of the embedded cluster under `data_dir`, whether this process
// runs it or another encuentrod does (a backup reads a running server's cluster this way).
std::string EmbeddedSuperuserConnection(const std::filesystem::path& data_dir,
                                        const std::string& database = "encuentro");

// The superuser name initdb gives the embedded cluster.
inline constexpr char kEmbeddedSuperuser[] = "encuentro";

// Quotes a value for a libpq keyword=value connection string.
std::string QuoteConnectionValue(const std::string& value);

}  // namespace encuentro::storage
