#include "storage/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "storage/connection_pool.h"
#include "storage/migrations.h"
#include "tests/support/postgres_environment.h"

namespace encuentro::storage {
namespace {

using testing::PostgresEnvironment;

TEST(Database, OpensAsApplicationRoleAndReadsSchemaVersion) {
  const std::string db = PostgresEnvironment::Get().CreateDatabase();
  ASSERT_TRUE(ApplyMigrations(db, BundledMigrations()).ok());
  // The single-URL mode of an external database: connect as owner, act as encuentro_app.
  absl::StatusOr<std::unique_ptr<Database>> database =
      Database::Open({.connection_string = db, .assume_role = "encuentro_app", .pool_size = 2});
  ASSERT_TRUE(database.ok()) << database.status();
  absl::StatusOr<int64_t> version = (*database)->SchemaVersion();
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, BundledMigrations().back().version);
}

TEST(Database, UnreachableServerIsUnavailable) {
  absl::StatusOr<std::unique_ptr<Database>> database =
      Database::Open({.connection_string = "host=/nonexistent port=5432 dbname=x user=y"});
  ASSERT_EQ(database.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(std::string(database.status().message()).find('\n'), std::string::npos);
}

TEST(Database, PoolServesManyThreadsWithFewConnections) {
  const std::string db = PostgresEnvironment::Get().CreateDatabase();
  ASSERT_TRUE(ApplyMigrations(db, BundledMigrations()).ok());
  absl::StatusOr<std::unique_ptr<Database>> database =
      Database::Open({.connection_string = db, .pool_size = 2});
  ASSERT_TRUE(database.ok());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) ok += (*database)->SchemaVersion().ok() ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 200);
}

// A session the database ends (a restart, a failover) mid-query or mid-commit is UNAVAILABLE, so
// that clients retry, and the pool carries on with a fresh connection.
TEST(Database, SessionsEndedByTheServerAreUnavailableAndReplaced) {
  const std::string db = PostgresEnvironment::Get().CreateDatabase();
  ASSERT_TRUE(ApplyMigrations(db, BundledMigrations()).ok());
  absl::StatusOr<std::unique_ptr<Database>> database =
      Database::Open({.connection_string = db, .pool_size = 1});
  ASSERT_TRUE(database.ok());
  pqxx::connection admin(db);
  const auto end_session = [&admin](int pid) {
    pqxx::nontransaction tx(admin);
    tx.exec("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
    while (!tx.exec("SELECT 1 FROM pg_stat_activity WHERE pid = " + std::to_string(pid)).empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  };
  // Ended while a query runs.
  absl::Status status = (*database)->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    std::thread ender([&end_session, pid = conn.backendpid()] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      end_session(pid);
    });
    struct Joiner {
      std::thread& thread;
      ~Joiner() { thread.join(); }
    } joiner{ender};
    tx.exec("SELECT pg_sleep(10)");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  // Ended between the work and its COMMIT: the outcome is in doubt.
  status = (*database)->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    tx.exec("SELECT 1");
    end_session(conn.backendpid());
    tx.commit();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_TRUE((*database)->SchemaVersion().ok());
}

}  // namespace
}  // namespace encuentro::storage
