// The audit log's tamper evidence on real PostgreSQL: appends form one chain even from
// concurrent writers, exports verify offline with the server's public key, and the verifier
// names the first broken link when a database superuser edits, deletes or reorders entries or
// rewrites the chain after a checkpoint. The application role cannot change entries at all.
#include <gtest/gtest.h>

#include <map>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "audit/audit_log.h"
#include "audit/chain.h"
#include "auth/principals.h"
#include "nlohmann/json.hpp"
#include "storage/database.h"
#include "storage/match_store.h"
#include "storage/migrations.h"
#include "tests/support/postgres_environment.h"
#include "tests/support/temp_dir.h"

namespace encuentro::audit {
namespace {

using testing::PostgresEnvironment;

AuditEvent Event(int i) {
  AuditEvent event;
  event.principal = {"ana", "cbp-bc", auth::Role::kCommissionStaff};
  event.method = "MatchService/SearchCandidates";
  event.targets = {"remains/" + std::to_string(i), "missingPersons/" + std::to_string(i + 1)};
  event.purpose = "identification";
  event.legal_basis = "FGE-BC-CI-2024-" + std::to_string(i);
  event.outcome_json = R"({"status":"OK","candidates":[{"score":2.48}]})";
  return event;
}

class AuditChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    owner_ = PostgresEnvironment::Get().CreateDatabase();
    ASSERT_TRUE(storage::ApplyMigrations(owner_, storage::BundledMigrations()).ok());
    auto database = storage::Database::Open(
        {.connection_string = owner_, .assume_role = "encuentro_app", .pool_size = 10});
    ASSERT_TRUE(database.ok());
    database_ = *std::move(database);
    auto key = SigningKey::LoadOrCreate(dir_.path() / "audit.key");
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = std::make_unique<SigningKey>(*key);
    match_store_ = std::make_unique<storage::MatchStore>(database_.get());
    audit_store_ = std::make_unique<storage::AuditStore>(database_.get());
    log_ = std::make_unique<AuditLog>(audit_store_.get(), key_.get(), nullptr);
  }

  void Append(int count, int first = 0) {
    for (int i = first; i < first + count; ++i)
      ASSERT_TRUE(match_store_->AppendAudit(Event(i)).ok());
  }

  std::string Export() {
    std::ostringstream out;
    auto written = log_->Export({}, [&](const std::string& line) {
      out << line << "\n";
      return true;
    });
    EXPECT_TRUE(written.ok()) << written.status();
    return out.str();
  }

  VerificationReport Verify(const std::string& exported) {
    std::istringstream in(exported);
    return VerifyExport(in, key_->public_key_hex());
  }

  // As the database superuser, with the append-only triggers bypassed.
  void Tamper(const std::string& sql) {
    pqxx::connection conn(owner_);
    pqxx::work tx(conn);
    tx.exec0("SET LOCAL session_replication_role = replica");
    tx.exec0(sql);
    tx.commit();
  }

  // Recomputes every hash from `from` on, as an operator covering an edit would.
  void Relink(int from) {
    pqxx::connection conn(owner_);
    pqxx::work tx(conn);
    tx.exec0("SET LOCAL session_replication_role = replica");
    std::string prev =
        tx.exec1("SELECT entry_hash FROM audit_log WHERE position = " + std::to_string(from - 1))[0]
            .c_str();
    for (const auto& row : tx.exec("SELECT position, entry FROM audit_log WHERE position >= " +
                                   std::to_string(from) + " ORDER BY position")) {
      const std::string hash = ChainHash(prev, row[1].c_str());
      tx.exec0("UPDATE audit_log SET prev_hash = " + tx.quote(prev) +
               ", entry_hash = " + tx.quote(hash) + " WHERE position = " + row[0].c_str());
      prev = hash;
    }
    tx.commit();
  }

  testing::TempDir dir_{"encuentro-audit"};
  std::string owner_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<SigningKey> key_;
  std::unique_ptr<storage::MatchStore> match_store_;
  std::unique_ptr<storage::AuditStore> audit_store_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditChainTest, AnExportVerifiesWithItsCheckpoints) {
  Append(5);
  auto checkpoint = log_->CreateCheckpoint();
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->tree_size, 5);
  EXPECT_EQ(checkpoint->public_key, key_->public_key_hex());
  // Asking again without new entries gives the same checkpoint.
  EXPECT_EQ(log_->CreateCheckpoint()->signature, checkpoint->signature);
  Append(3, 5);
  ASSERT_TRUE(log_->CreateCheckpoint().ok());
  const VerificationReport report = Verify(Export());
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries, 9);  // and the export's own entry
  EXPECT_EQ(report.checkpoints, 2);
  EXPECT_EQ(report.head_hash, audit_store_->Head()->second);
  // The canonical entry carries what the issue asks of a search's entry.
  auto entries = log_->ListEntries({}, {.target = "remains/2"});
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  for (const char* field :
       {"\"principal\":\"ana\"", "\"organization\":\"cbp-bc\"", "\"role\":\"commission_staff\"",
        "\"purpose\":\"identification\"", "\"legal_basis\":\"FGE-BC-CI-2024-2\"", "\"score\":2.48",
        "\"time\":"}) {
    EXPECT_NE((*entries)[0].entry.find(field), std::string::npos) << (*entries)[0].entry;
  }
  // Another key's signature does not pass.
  auto other = SigningKey::LoadOrCreate(dir_.path() / "other.key");
  std::istringstream in(Export());
  const VerificationReport wrong_key = VerifyExport(in, other->public_key_hex());
  EXPECT_FALSE(wrong_key.ok);
  EXPECT_NE(wrong_key.problem.find("not signed by this public key"), std::string::npos);
}

TEST_F(AuditChainTest, TheVerifierNamesAnEditedEntry) {
  Append(6);
  Tamper(
      "UPDATE audit_log SET entry = replace(entry, 'FGE-BC-CI-2024-3', 'NONE') "
      "WHERE position = 4");
  const VerificationReport report = Verify(Export());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.position, 4);
  EXPECT_NE(report.problem.find("altered"), std::string::npos) << report.problem;
}

TEST_F(AuditChainTest, TheVerifierNamesADeletedEntry) {
  Append(6);
  Tamper("DELETE FROM audit_log WHERE position = 3");
  const VerificationReport report = Verify(Export());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.position, 3);
  EXPECT_NE(report.problem.find("entry 3 is missing"), std::string::npos) << report.problem;
}

TEST_F(AuditChainTest, TheVerifierNamesReorderedEntries) {
  Append(6);
  Tamper(
      "UPDATE audit_log SET position = CASE position WHEN 2 THEN -5 ELSE position END "
      "WHERE position IN (2, 5)");
  Tamper("UPDATE audit_log SET position = 2 WHERE position = 5");
  Tamper("UPDATE audit_log SET position = 5 WHERE position = -5");
  const VerificationReport report = Verify(Export());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.position, 2);
  EXPECT_NE(report.problem.find("does not link"), std::string::npos) << report.problem;
}

TEST_F(AuditChainTest, ARewrittenChainFailsItsSignedCheckpoint) {
  Append(4);
  ASSERT_TRUE(log_->CreateCheckpoint().ok());
  Append(2, 4);
  // The operator edits entry 2 and recomputes every later hash: the chain links again, but the
  // checkpoint signed before the edit no longer matches it.
  Tamper("UPDATE audit_log SET entry = replace(entry, 'ana', 'eve') WHERE position = 2");
  {
    pqxx::connection conn(owner_);
    pqxx::work tx(conn);
    tx.exec0("SET LOCAL session_replication_role = replica");
    std::string prev = tx.exec1("SELECT entry_hash FROM audit_log WHERE position = 1")[0].c_str();
    for (int position = 2; position <= 6; ++position) {
      const std::string entry =
          tx.exec1("SELECT entry FROM audit_log WHERE position = " + std::to_string(position))[0]
              .c_str();
      const std::string hash = ChainHash(prev, entry);
      tx.exec0("UPDATE audit_log SET prev_hash = " + tx.quote(prev) + ", entry_hash = " +
               tx.quote(hash) + " WHERE position = " + std::to_string(position));
      prev = hash;
    }
    tx.commit();
  }
  const VerificationReport report = Verify(Export());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.position, 4);
  EXPECT_NE(report.problem.find("signed checkpoint at 4"), std::string::npos) << report.problem;
}

TEST_F(AuditChainTest, ARewriteWithItsCheckpointsDeletedFailsAgainstWhatTheReaderPinned) {
  Append(4);
  ASSERT_TRUE(log_->CreateCheckpoint().ok());
  const VerificationReport seen = Verify(Export());
  ASSERT_TRUE(seen.ok) << seen.problem;
  // Entry 2 edited, the chain relinked and every checkpoint deleted: alone, the export verifies.
  Tamper("UPDATE audit_log SET entry = replace(entry, 'ana', 'eve') WHERE position = 2");
  Relink(2);
  Tamper("DELETE FROM audit_checkpoints");
  const std::string rewritten = Export();
  EXPECT_TRUE(Verify(rewritten).ok);
  // Against the size and head the reader saw before, it does not.
  std::istringstream in(rewritten);
  const VerificationReport pinned =
      VerifyExport(in, key_->public_key_hex(), {.size = seen.entries, .head = seen.head_hash});
  EXPECT_FALSE(pinned.ok);
  EXPECT_NE(pinned.problem.find("not the one you saw before"), std::string::npos) << pinned.problem;
  // A chain cut below what was seen fails too.
  std::istringstream again(rewritten);
  const VerificationReport longer =
      VerifyExport(again, key_->public_key_hex(), {.size = seen.entries + 100});
  EXPECT_FALSE(longer.ok);
  EXPECT_NE(longer.problem.find("entries were removed"), std::string::npos) << longer.problem;
}

TEST_F(AuditChainTest, ATruncatedTailIsCaughtByTheCheckpointsTheExportCarries) {
  Append(5);
  ASSERT_TRUE(log_->CreateCheckpoint().ok());
  Tamper("DELETE FROM audit_log WHERE position > 3");
  // The export (whose own entry now links after entry 3) carries the checkpoint signed at 5.
  const VerificationReport report = Verify(Export());
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.problem.find("entries were removed"), std::string::npos) << report.problem;
}

TEST_F(AuditChainTest, AnEditedTargetsColumnHidesNothingAndReadsAreAudited) {
  Append(3);  // entry i+1 names remains/i and missingPersons/i+1
  Tamper("UPDATE audit_log SET targets = '{}' WHERE position = 2");
  auto entries = log_->ListEntries({}, {.target = "remains/1"});
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].position, 2);
  // The list itself, and any export, are entries of their own.
  pqxx::connection conn(owner_);
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM audit_log WHERE method = 'AuditService/ListEntries'")[0]
                .as<int>(),
            1);
}

TEST_F(AuditChainTest, TheApplicationRoleCannotChangeEntriesOrCheckpoints) {
  Append(2);
  ASSERT_TRUE(log_->CreateCheckpoint().ok());
  for (const char* sql :
       {"UPDATE audit_log SET purpose = 'x'", "DELETE FROM audit_log",
        "UPDATE audit_checkpoints SET head_hash = 'x'", "DELETE FROM audit_checkpoints"}) {
    pqxx::connection conn(owner_);
    pqxx::work tx(conn);
    tx.exec0("SET ROLE encuentro_app");
    EXPECT_THROW(tx.exec0(sql), pqxx::insufficient_privilege) << sql;
  }
  // Even the owner meets the triggers, and a forged link is refused by the database.
  pqxx::connection conn(owner_);
  {
    pqxx::work tx(conn);
    EXPECT_THROW(tx.exec0("DELETE FROM audit_log WHERE position = 1"), pqxx::sql_error);
  }
  {
    pqxx::work tx(conn);
    EXPECT_THROW(tx.exec0("INSERT INTO audit_log (principal, organization, role, method, "
                          "position, entry, prev_hash, entry_hash) VALUES ('x', 'x', 'admin', "
                          "'x', 3, '{}', repeat('0', 64), repeat('0', 64))"),
                 pqxx::sql_error);
  }
}

TEST_F(AuditChainTest, EightConcurrentWritersMakeOneChain) {
  constexpr int kWriters = 8;
  constexpr int kEach = 1250;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  const auto started = std::chrono::steady_clock::now();
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        if (!match_store_->AppendAudit(Event(w * kEach + i)).ok()) ++failures;
      }
    });
  }
  for (auto& t : writers) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("[ figures  ] %d appends from %d writers in %.2f s (%.0f appends/s)\n",
              kWriters * kEach, kWriters, seconds, kWriters * kEach / seconds);
  EXPECT_EQ(failures.load(), 0);
  ASSERT_TRUE(log_->CreateCheckpoint().ok());
  const VerificationReport report = Verify(Export());
  EXPECT_TRUE(report.ok) << report.problem << " at " << report.position;
  EXPECT_EQ(report.entries, kWriters * kEach + 1);  // and the export's own entry
}

TEST_F(AuditChainTest, EntriesWrittenBeforeTheChainAreChainedByTheMigration) {
  const std::string owner = PostgresEnvironment::Get().CreateDatabase();
  const auto& all = storage::BundledMigrations();
  std::vector<storage::MigrationSource> before_chain;
  for (const auto& m : all) {
    if (m.version < 6) before_chain.push_back(m);
  }
  ASSERT_TRUE(storage::ApplyMigrations(owner, before_chain).ok());
  {
    pqxx::connection conn(owner);
    pqxx::work tx(conn);
    for (int i = 0; i < 3; ++i) {
      tx.exec0(
          "INSERT INTO audit_log (principal, organization, role, method, targets, outcome) "
          "VALUES ('ana', 'cbp', 'admin', 'Old/Method', ARRAY['remains/" +
          std::to_string(i) + "'], '{\"status\": \"OK\"}')");
    }
    tx.commit();
  }
  ASSERT_TRUE(storage::ApplyMigrations(owner, all).ok());
  auto database = storage::Database::Open(
      {.connection_string = owner, .assume_role = "encuentro_app", .pool_size = 2});
  ASSERT_TRUE(database.ok());
  storage::MatchStore store(database->get());
  ASSERT_TRUE(store.AppendAudit(Event(9)).ok());  // new entries continue the chain
  storage::AuditStore audit_store(database->get());
  AuditLog log(&audit_store, key_.get(), nullptr);
  std::ostringstream out;
  ASSERT_TRUE(log.Export({},
                         [&](const std::string& line) {
                           out << line << "\n";
                           return true;
                         })
                  .ok());
  const VerificationReport report = Verify(out.str());
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries, 5);  // and the export's own entry
}

TEST_F(AuditChainTest, AFamilyAuditorSeesItsLinkedCaseRedactedAndVerifiesTheWholeChain) {
  storage::PrincipalStore principals_store(database_.get());
  auth::Principals principals(&principals_store);
  const auth::Principal setup{"root", "operator", auth::Role::kAdmin};
  ASSERT_TRUE(
      principals
          .CreateOrganization(setup, "colectivo-x", auth::OrganizationKind::kFamiliesCollective)
          .ok());
  {
    // The linked case exists, registered by the linking organization.
    pqxx::connection conn(owner_);
    pqxx::work tx(conn);
    tx.exec0(
        "INSERT INTO missing_persons (id, organization, case_folio, issuing_authority, sex, "
        "status) VALUES (2, 'operator', 'F-2', 'FGE', 'female', 'missing')");
    tx.commit();
  }
  ASSERT_TRUE(principals
                  .LinkCase(setup, "colectivo-x", records::RecordKind::kMissingPerson, 2,
                            "signed consent of the mother")
                  .ok());
  Append(4);  // entry i names remains/i and missingPersons/i+1
  AuditLog log(audit_store_.get(), key_.get(), &principals_store);
  const auth::Principal family{"fam1", "colectivo-x", auth::Role::kFamilyAuditor};
  EXPECT_EQ(log.ListEntries(family, {.target = "missingPersons/3"}).status().code(),
            absl::StatusCode::kPermissionDenied);
  auto entries = log.ListEntries(family, {.target = "missingPersons/2"});
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_FALSE(entries->empty());
  for (const auto& e : *entries) {
    EXPECT_NE(e.entry.find("\"redacted\":true"), std::string::npos) << e.entry;
    EXPECT_EQ(e.entry.find("remains/"), std::string::npos) << e.entry;  // others' records
  }
  std::ostringstream out;
  ASSERT_TRUE(log.Export(family,
                         [&](const std::string& line) {
                           out << line << "\n";
                           return true;
                         })
                  .ok());
  const VerificationReport report = Verify(out.str());
  EXPECT_TRUE(report.ok) << report.problem;
  // Every entry is redacted in a family's export; those of their case carry exactly the view
  // `audit list` gives them, and no other.
  EXPECT_EQ(report.redacted, report.entries);
  std::map<int64_t, std::string> listed;
  for (const auto& e : *entries) listed[e.position] = e.entry;
  int views = 0;
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json parsed = nlohmann::json::parse(line);
    if (!parsed.contains("view")) continue;
    ++views;
    const int64_t position = parsed["position"].get<int64_t>();
    // The family's own read of the list came after it, and names their case too.
    if (!listed.count(position)) continue;
    EXPECT_EQ(parsed["view"].get<std::string>(), listed[position]);
  }
  EXPECT_EQ(views, static_cast<int>(entries->size()) + 1);
}

TEST(AuditVerifier, NumbersThatAreNotIntegersAreRefusedNotConverted) {
  // Found by audit_export_fuzzer: a position of 1.3e41 made the conversion undefined behaviour.
  std::istringstream in(R"({"position":1.33333e+41,"entry":"{}","prev_hash":"x","hash":"y"})");
  const VerificationReport report = VerifyExport(in, std::string(64, '0'));
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.problem.find("lacks position"), std::string::npos) << report.problem;
  // Found by it too: a "redacted" that is not a boolean escaped as an exception.
  std::istringstream wrong_type(
      R"({"position":1,"redacted":"yes","entry":"{}","prev_hash":"x","hash":"y"})");
  const VerificationReport typed = VerifyExport(wrong_type, std::string(64, '0'));
  EXPECT_FALSE(typed.ok);
}

TEST(AuditVerifier, RedactedEntriesStillLink) {
  const std::string e1 = R"({"v":1,"method":"a"})";
  const std::string e2 = R"({"v":1,"method":"b"})";
  const std::string e3 = R"({"v":1,"method":"c"})";
  const std::string h1 = ChainHash(GenesisHash(), e1);
  const std::string h2 = ChainHash(h1, e2);
  const std::string h3 = ChainHash(h2, e3);
  testing::TempDir dir("encuentro-verifier");
  auto key = SigningKey::LoadOrCreate(dir.path() / "k");
  ASSERT_TRUE(key.ok());
  const std::string checkpoint = ExportCheckpointLine(key->Sign(3, h3, "2026-11-25T00:00:00Z"));
  std::istringstream good(ExportEntryLine(1, e1, GenesisHash(), h1) + "\n" +
                          ExportRedactedLine(2, h1, h2) + "\n" + ExportEntryLine(3, e3, h2, h3) +
                          "\n" + checkpoint + "\n");
  const VerificationReport ok = VerifyExport(good, key->public_key_hex());
  EXPECT_TRUE(ok.ok) << ok.problem;
  EXPECT_EQ(ok.redacted, 1);
  // A redacted entry whose hash was swapped breaks the next link.
  std::istringstream bad(ExportEntryLine(1, e1, GenesisHash(), h1) + "\n" +
                         ExportRedactedLine(2, h1, std::string(64, 'a')) + "\n" +
                         ExportEntryLine(3, e3, h2, h3) + "\n");
  const VerificationReport broken = VerifyExport(bad, key->public_key_hex());
  EXPECT_FALSE(broken.ok);
  EXPECT_EQ(broken.position, 3);
  EXPECT_EQ(SigningKey::LoadOrCreate(dir.path() / "k")->public_key_hex(), key->public_key_hex());
}

}  // namespace
}  // namespace encuentro::audit
