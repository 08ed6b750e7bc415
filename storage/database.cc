#include "storage/database.h"

#include "storage/connection_pool.h"

namespace encuentro::storage {

Database::Database(DatabaseOptions options, std::unique_ptr<ConnectionPool> pool)
    : options_(std::move(options)), pool_(std::move(pool)) {}
Database::~Database() = default;

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options) {
  auto pool = std::make_unique<ConnectionPool>(options.connection_string, options.assume_role,
                                               options.pool_size);
  if (absl::Status s = pool->Run([](pqxx::connection&) {}); !s.ok()) return s;
  return std::unique_ptr<Database>(new Database(options, std::move(pool)));
}

PoolUse Database::pool_use() const { return pool_->use(); }

absl::StatusOr<int64_t> Database::SchemaVersion() {
  int64_t version = 0;
  absl::Status status = pool_->Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    version = tx.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int64_t>();
  });
  if (!status.ok()) return status;
  return version;
}

absl::StatusOr<std::string> Database::DatabaseId() {
  std::string id;
  absl::Status status = pool_->Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    id = tx.exec1("SELECT id::text FROM database_identity")[0].as<std::string>();
  });
  if (!status.ok()) return status;
  return id;
}

}  // namespace encuentro::storage
