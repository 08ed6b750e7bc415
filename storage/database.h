// The application's way into PostgreSQL: a bounded pool of connections that act as the
// least-privileged application role. Later storage classes borrow connections from it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/step_durations.h"

namespace encuentro::storage {

class ConnectionPool;

// How busy a connection pool is.
struct PoolUse {
  int in_use = 0;  // lent to calls
  int open = 0;    // lent or idle
  int max = 0;
};

struct DatabaseOptions {
  // libpq connection string or URL.
  std::string connection_string;
  // When set, every connection runs `SET ROLE` to it (used when one URL serves both the schema
  // owner and the application). Empty: the connection's own user is the application role.
  std::string assume_role;
  int pool_size = 8;
};

// Thread-safe.
class Database {
 public:
  // Connects once eagerly so that a wrong URL fails at start-up, not at the first RPC.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const DatabaseOptions& options);
  ~Database();

  // The schema version recorded by migrations.
  absl::StatusOr<int64_t> SchemaVersion();
  // The id this database was given when it was created (migration 0017): clients that keep
  // state about a server check it, so that state is never applied to another database.
  absl::StatusOr<std::string> DatabaseId();

  ConnectionPool& pool() { return *pool_; }
  // How busy the connection pool is, for metrics.
  PoolUse pool_use() const;
  // What it was opened with: a component that needs a connection of its own (a listener) uses
  // the same address and role.
  const DatabaseOptions& options() const { return options_; }

  // Where storage reports the time of steps that monitoring watches ("audit_append"); null (the
  // default): not reported. `durations` must outlive the database or be unset first.
  void set_step_durations(common::StepDurations* durations) { step_durations_ = durations; }
  common::StepDurations* step_durations() const { return step_durations_; }

 private:
  Database(DatabaseOptions options, std::unique_ptr<ConnectionPool> pool);
  const DatabaseOptions options_;
  std::unique_ptr<ConnectionPool> pool_;
  std::atomic<common::StepDurations*> step_durations_ = nullptr;
};

}  // namespace encuentro::storage
