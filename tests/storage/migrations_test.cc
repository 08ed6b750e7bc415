#include "storage/migrations.h"

#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "tests/support/postgres_environment.h"

namespace encuentro::storage {
namespace {

using testing::PostgresEnvironment;

bool TableExists(const std::string& conninfo, const std::string& table) {
  pqxx::connection conn(conninfo);
  pqxx::read_transaction tx(conn);
  return !tx.exec_params1("SELECT to_regclass($1) IS NULL", table)[0].as<bool>();
}

TEST(Migrations, AppliesBundledMigrationsOnce) {
  const std::string db = PostgresEnvironment::Get().CreateDatabase();
  const auto& bundled = BundledMigrations();
  ASSERT_FALSE(bundled.empty());

  absl::StatusOr<MigrationReport> first = ApplyMigrations(db, bundled);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->version_before, 0);
  EXPECT_EQ(first->version_after, bundled.back().version);
  EXPECT_EQ(first->applied.size(), bundled.size());
  EXPECT_EQ(first->applied.front(), "0001_foundation.sql");

  absl::StatusOr<MigrationReport> second = ApplyMigrations(db, bundled);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->applied.empty());
  EXPECT_EQ(second->version_before, bundled.back().version);

  absl::StatusOr<int64_t> version = AppliedSchemaVersion(db);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, bundled.back().version);
}

// Migration 0010 moves the missing persons' free-text marks into the marks table, searchable.
TEST(Migrations, FreeTextMarksMoveIntoTheMarksTable) {
  const std::string db = PostgresEnvironment::Get().CreateDatabase();
  const auto& bundled = BundledMigrations();
  std::vector<MigrationSource> before;
  for (const MigrationSource& m : bundled) {
    if (m.version < 10) before.push_back(m);
  }
  ASSERT_TRUE(ApplyMigrations(db, before).ok());
  {
    pqxx::connection conn(db);
    pqxx::work tx(conn);
    tx.exec0(
        "INSERT INTO missing_persons (organization, case_folio, issuing_authority, given_names, "
        "sex, status, distinguishing_marks) VALUES ('cbp-bc', 'F-1', 'FGE', 'Ana', 'female', "
        "'missing', '[{\"kind\": \"tattoo\", \"body_location\": \"antebrazo izquierdo\", "
        "\"description\": \"Rosas con el nombre MARÍA\"}, {\"kind\": \"unspecified\", "
        "\"body_location\": \"\", \"description\": \"lunar\"}]')");
    tx.commit();
  }
  ASSERT_TRUE(ApplyMigrations(db, bundled).ok());
  pqxx::connection conn(db);
  pqxx::read_transaction tx(conn);
  pqxx::result rows = tx.exec(
      "SELECT kind, body_region, location_detail, description FROM distinguishing_marks "
      "ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0].as<std::string>(), "tattoo");
  EXPECT_EQ(rows[0][1].as<std::string>(), "unspecified");
  EXPECT_EQ(rows[0][2].as<std::string>(), "antebrazo izquierdo");
  EXPECT_EQ(rows[1][0].as<std::string>(), "other");
  // Spanish stemming with accents ignored: "rosa" and "maria" find "Rosas ... MARÍA".
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM distinguishing_marks WHERE search_document @@ "
                     "plainto_tsquery('spanish', unaccent('rosa maria'))")[0]
                .as<int>(),
            1);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                     "'missing_persons' AND column_name = 'distinguishing_marks'")[0]
                .as<int>(),
            0);
}

TEST(Migrations, EmptyDatabaseIsVersionZero) {
  const std::string db = PostgresEnvironment::Get().CreateDatabase();
  absl::StatusOr<int64_t> version = AppliedSchemaVersion(db);
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, 0);
}

TEST(Migrations, EditedAppliedMigrationStopsStartUp) {
  const std::string db = PostgresEnvironment::Get().CreateDatabase();
  const std::vector<MigrationSource> original = {{1, "things", "CREATE TABLE things (x int);"}};
  ASSERT_TRUE(ApplyMigrations(db, original).ok());
  const std::vector<MigrationSource> edited = {{1, "things", "CREATE TABLE things (x bigint);"}};
  absl::StatusOr<MigrationReport> report = ApplyMigrations(db, edited);
  ASSERT_EQ(report.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(report.status().message().find("0001_things.sql was edited"), absl::string_view::npos)
      << report.status();
}

TEST(Migrations, DatabaseNewerThanBinaryStopsStartUp) {
  const std::string db = PostgresEnvironment::Get().CreateDatabase();
  const std::vector<MigrationSource> newer = {{1, "a", "CREATE TABLE a (x int);"},
                                              {2, "b", "CREATE TABLE b (x int);"}};
  ASSERT_TRUE(ApplyMigrations(db, newer).ok());
  const std::vector<MigrationSource> older(newer.begin(), newer.begin() + 1);
  absl::StatusOr<MigrationReport> report = ApplyMigrations(db, older);
  ASSERT_EQ(report.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(report.status().message().find("newer release"), absl::string_view::npos)
      << report.status();
}

TEST(Migrations, FailingMigrationLeavesNothingHalfWritten) {
  const std::string db = PostgresEnvironment::Get().CreateDatabase();
  const std::vector<MigrationSource> broken = {{1, "good", "CREATE TABLE good (x int);"},
                                               {2, "bad", "CREATE TABLE bad (x no_such_type);"}};
  absl::StatusOr<MigrationReport> report = ApplyMigrations(db, broken);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("0002_bad.sql failed"), absl::string_view::npos)
      << report.status();
  EXPECT_FALSE(TableExists(db, "good"));
  absl::StatusOr<int64_t> version = AppliedSchemaVersion(db);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 0);
}

TEST(Migrations, ConcurrentMigratorsApplyEachMigrationOnce) {
  const std::string db = PostgresEnvironment::Get().CreateDatabase();
  std::vector<absl::StatusOr<MigrationReport>> reports(4, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (auto& report : reports) {
    threads.emplace_back([&] { report = ApplyMigrations(db, BundledMigrations()); });
  }
  for (auto& t : threads) t.join();
  size_t applied = 0;
  for (const auto& report : reports) {
    ASSERT_TRUE(report.ok()) << report.status();
    applied += report->applied.size();
  }
  EXPECT_EQ(applied, BundledMigrations().size());
}

TEST(Migrations, ApplicationRoleHasLeastPrivilege) {
  const std::string db = PostgresEnvironment::Get().CreateDatabase();
  ASSERT_TRUE(ApplyMigrations(db, BundledMigrations()).ok());
  const std::string dbname = db.substr(db.find("dbname='") + 8);
  pqxx::connection app(PostgresEnvironment::Get().ConnectionString(
      dbname.substr(0, dbname.find('\'')), "encuentro_app"));
  {
    pqxx::read_transaction tx(app);
    EXPECT_GE(tx.exec1("SELECT max(version) FROM schema_migrations")[0].as<int64_t>(), 1);
  }
  {
    pqxx::work tx(app);
    EXPECT_THROW(tx.exec0("CREATE TABLE sneaky (x int)"), pqxx::insufficient_privilege);
  }
  {
    pqxx::work tx(app);
    EXPECT_THROW(tx.exec0("DELETE FROM schema_migrations"), pqxx::insufficient_privilege);
  }
  {
    pqxx::work tx(app);
    EXPECT_THROW(tx.exec0("UPDATE schema_migrations SET checksum = 'x'"),
                 pqxx::insufficient_privilege);
  }
}

}  // namespace
}  // namespace encuentro::storage
