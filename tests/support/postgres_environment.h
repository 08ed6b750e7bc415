// One throwaway PostgreSQL cluster per test binary, started by the product's own
// EmbeddedCluster in a temporary directory. Tests get a fresh database each, never a mock.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "storage/embedded_cluster.h"
#include "tests/support/temp_dir.h"

namespace encuentro::testing {

// Register once per binary (see tests/support/postgres_main.cc). Thread-safe after SetUp.
class PostgresEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;

  // The environment registered by postgres_main.cc.
  static PostgresEnvironment& Get();

  // Creates an empty database with a unique name; returns the superuser connection string to it.
  std::string CreateDatabase();
  // Connection string to database `dbname` as `role`.
  std::string ConnectionString(const std::string& dbname, const std::string& role) const;

  storage::EmbeddedCluster& cluster() { return *cluster_; }

 private:
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<storage::EmbeddedCluster> cluster_;
  int databases_ = 0;
};

}  // namespace encuentro::testing
