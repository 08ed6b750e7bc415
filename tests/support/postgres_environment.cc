#include "tests/support/postgres_environment.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"

namespace encuentro::testing {
namespace {
PostgresEnvironment* g_environment = nullptr;  // set once in main before tests run
}  // namespace

PostgresEnvironment& PostgresEnvironment::Get() { return *g_environment; }

void PostgresEnvironment::SetUp() {
  g_environment = this;
  dir_ = std::make_unique<TempDir>("encuentro-pg");
  storage::EmbeddedClusterOptions options;
  options.data_dir = dir_->path();
  absl::StatusOr<std::unique_ptr<storage::EmbeddedCluster>> cluster =
      storage::EmbeddedCluster::Start(options);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  cluster_ = *std::move(cluster);
}

void PostgresEnvironment::TearDown() {
  if (cluster_) {
    EXPECT_TRUE(cluster_->Stop().ok());
  }
  cluster_.reset();
  dir_.reset();
}

std::string PostgresEnvironment::CreateDatabase() {
  const std::string name = absl::StrCat("test_", ++databases_);
  pqxx::connection conn(cluster_->SuperuserConnectionString());
  pqxx::nontransaction tx(conn);
  tx.exec0("CREATE DATABASE " + tx.quote_name(name));
  return ConnectionString(name, storage::kEmbeddedSuperuser);
}

std::string PostgresEnvironment::ConnectionString(const std::string& dbname,
                                                  const std::string& role) const {
  return absl::StrCat("host=", storage::QuoteConnectionValue(cluster_->cluster_dir().string()),
                      " port=5432 dbname=", storage::QuoteConnectionValue(dbname),
                      " user=", storage::QuoteConnectionValue(role));
}

}  // namespace encuentro::testing
