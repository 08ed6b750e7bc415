#include "storage/embedded_cluster.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <pqxx/pqxx>

#include "tests/support/temp_dir.h"

namespace encuentro::storage {
namespace {

using testing::TempDir;

std::unique_ptr<EmbeddedCluster> StartIn(const std::filesystem::path& dir) {
  absl::StatusOr<std::unique_ptr<EmbeddedCluster>> cluster =
      EmbeddedCluster::Start({.data_dir = dir});
  EXPECT_TRUE(cluster.ok()) << cluster.status();
  return cluster.ok() ? *std::move(cluster) : nullptr;
}

TEST(EmbeddedCluster, DataSurvivesStopAndStart) {
  TempDir dir("encuentro-ec");
  {
    auto cluster = StartIn(dir.path());
    ASSERT_NE(cluster, nullptr);
    pqxx::connection conn(cluster->SuperuserConnectionString());
    pqxx::work tx(conn);
    tx.exec0("CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)");
    tx.commit();
    ASSERT_TRUE(cluster->Stop().ok());
    EXPECT_FALSE(std::filesystem::exists(cluster->cluster_dir() / "postmaster.pid"));
  }
  auto again = StartIn(dir.path());
  ASSERT_NE(again, nullptr);
  pqxx::connection conn(again->SuperuserConnectionString());
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT x FROM kept")[0].as<int>(), 42);
}

TEST(EmbeddedCluster, ListensOnUnixSocketOnly) {
  TempDir dir("encuentro-ec");
  auto cluster = StartIn(dir.path());
  ASSERT_NE(cluster, nullptr);
  pqxx::connection conn(cluster->SuperuserConnectionString());
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec1("SHOW listen_addresses")[0].as<std::string>(), "");
  EXPECT_EQ(tx.exec1("SHOW unix_socket_directories")[0].as<std::string>(),
            cluster->cluster_dir().string());
}

TEST(EmbeddedCluster, StalePidFileFromACrashIsRecovered) {
  TempDir dir("encuentro-ec");
  std::filesystem::path cluster_dir;
  {
    auto cluster = StartIn(dir.path());
    ASSERT_NE(cluster, nullptr);
    cluster_dir = cluster->cluster_dir();
  }
  // What a power cut leaves: a pid file naming a process that is no postmaster.
  std::ofstream(cluster_dir / "postmaster.pid") << getpid() << "\n" << cluster_dir.string() << "\n";
  auto cluster = StartIn(dir.path());
  ASSERT_NE(cluster, nullptr);
  pqxx::connection conn(cluster->SuperuserConnectionString());
  EXPECT_TRUE(conn.is_open());
}

TEST(EmbeddedCluster, TooLongPathIsRefusedClearly) {
  TempDir dir("encuentro-ec");
  const auto deep = dir.path() / std::string(100, 'd');
  absl::StatusOr<std::unique_ptr<EmbeddedCluster>> cluster =
      EmbeddedCluster::Start({.data_dir = deep});
  ASSERT_EQ(cluster.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(cluster.status().message().find("too long"), absl::string_view::npos);
}

TEST(EmbeddedCluster, ForeignDirectoryIsNotOverwritten) {
  TempDir dir("encuentro-ec");
  std::filesystem::create_directories(dir.path() / "postgresql");
  std::ofstream(dir.path() / "postgresql" / "precious.txt") << "data";
  absl::StatusOr<std::unique_ptr<EmbeddedCluster>> cluster =
      EmbeddedCluster::Start({.data_dir = dir.path()});
  ASSERT_EQ(cluster.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "postgresql" / "precious.txt"));
}

TEST(EmbeddedCluster, MissingBinariesAreReported) {
  TempDir dir("encuentro-ec");
  absl::StatusOr<std::unique_ptr<EmbeddedCluster>> cluster =
      EmbeddedCluster::Start({.data_dir = dir.path(), .pg_bindir = "/nonexistent/bin"});
  ASSERT_EQ(cluster.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace encuentro::storage
