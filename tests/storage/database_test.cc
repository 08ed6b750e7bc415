#include "storage/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

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

}  // namespace
}  // namespace encuentro::storage
