// MissingPersonService and RemainsService over real gRPC, on a real PostgreSQL database.
#include "services/case_record_services.h"

#include <gtest/gtest.h>

#include <atomic>
#include <pqxx/pqxx>
#include <thread>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "tests/support/bad_request.h"
#include "tests/support/in_process_server.h"
#include "tests/support/postgres_environment.h"
#include "tests/support/test_callers.h"

namespace encuentro::services {
namespace {

using testing::PostgresEnvironment;

class CaseRecordServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    owner_ = PostgresEnvironment::Get().CreateDatabase();
    ASSERT_TRUE(storage::ApplyMigrations(owner_, storage::BundledMigrations()).ok());
    // As in production: the application role, not the owner.
    auto database = storage::Database::Open(
        {.connection_string = owner_, .assume_role = "encuentro_app", .pool_size = 4});
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    callers_ = std::make_unique<testing::TestCallers>(database_.get());
    store_ = std::make_unique<storage::CaseRecordStore>(database_.get());
    records_ = std::make_unique<records::CaseRecords>(store_.get(), callers_->scope());
    missing_service_ =
        std::make_unique<MissingPersonServiceImpl>(callers_->gatekeeper(), records_.get());
    remains_service_ = std::make_unique<RemainsServiceImpl>(callers_->gatekeeper(), records_.get());
    server_ = std::make_unique<testing::InProcessServer>(
        std::vector<grpc::Service*>{missing_service_.get(), remains_service_.get()});
    missing_ = v1::MissingPersonService::NewStub(server_->channel());
    remains_ = v1::RemainsService::NewStub(server_->channel());
  }

  static v1::MissingPerson ValidPerson() {
    v1::MissingPerson p;
    p.set_case_folio("FGE-BC-2023-0142");
    p.set_issuing_authority("Fiscalía General del Estado de Baja California");
    p.set_given_names("María Fernanda");
    p.set_family_names("López Ríos");
    p.add_aliases("Fer");
    p.set_sex(v1::FEMALE);
    auto* dob = p.mutable_date_of_birth();
    dob->set_year(1998);
    dob->set_month(4);
    dob->set_day(17);
    auto* seen = p.mutable_last_seen_date();
    seen->set_year(2023);
    seen->set_month(3);
    seen->set_day(2);
    p.mutable_last_seen_place()->set_description("Colonia Libertad, Tijuana");
    p.mutable_last_seen_place()->mutable_location()->set_latitude(32.53);
    p.mutable_last_seen_place()->mutable_location()->set_longitude(-117.02);
    p.mutable_reported_height()->set_cm(162);
    p.mutable_reported_height()->set_precision_cm(3);
    p.set_status(v1::MissingPerson::MISSING);
    return p;
  }

  static v1::UnidentifiedRemains ValidRemains() {
    v1::UnidentifiedRemains r;
    r.set_case_folio("SEMEFO-TIJ-2024-311");
    r.set_lab("SEMEFO Tijuana");
    r.set_responsible_expert("Dra. Cecilia Ortega");
    auto* found = r.mutable_found_date();
    found->set_year(2024);
    found->set_month(1);
    found->set_day(9);
    r.mutable_found_place()->set_description("Predio en Valle de las Palmas");
    r.mutable_post_mortem_interval()->set_min_days(60);
    r.mutable_post_mortem_interval()->set_max_days(240);
    auto* bio = r.mutable_biological_profile();
    bio->mutable_sex()->set_sex(v1::FEMALE);
    bio->mutable_sex()->set_probability(0.92);
    bio->mutable_sex()->mutable_assessment()->set_method("Pelvis (Phenice 1969)");
    bio->mutable_sex()->mutable_assessment()->set_author("C. Ortega");
    bio->mutable_age()->mutable_age_at_death()->set_min_years(20);
    bio->mutable_age()->mutable_age_at_death()->set_max_years(35);
    bio->mutable_age()->mutable_assessment()->set_method("Pubic symphysis (Suchey-Brooks)");
    bio->mutable_age()->mutable_assessment()->set_author("C. Ortega");
    bio->mutable_stature()->set_min_cm(155);
    bio->mutable_stature()->set_max_cm(166);
    bio->mutable_stature()->mutable_assessment()->set_method("Genovés femur");
    bio->mutable_stature()->mutable_assessment()->set_author("C. Ortega");
    r.set_condition(v1::UnidentifiedRemains::SKELETONIZED);
    return r;
  }

  grpc::Status Create(const v1::MissingPerson& person, v1::MissingPerson* out,
                      const std::string& request_id = "") {
    v1::CreateMissingPersonRequest request;
    *request.mutable_missing_person() = person;
    request.set_request_id(request_id);
    return missing_->CreateMissingPerson(callers_->Context().get(), request, out);
  }

  int AuditRows(const std::string& target) {
    pqxx::connection conn(owner_);
    pqxx::read_transaction tx(conn);
    return tx.exec_params1("SELECT count(*) FROM audit_log WHERE $1 = ANY(targets)", target)[0]
        .as<int>();
  }

  std::string owner_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<testing::TestCallers> callers_;
  std::unique_ptr<storage::CaseRecordStore> store_;
  std::unique_ptr<records::CaseRecords> records_;
  std::unique_ptr<MissingPersonServiceImpl> missing_service_;
  std::unique_ptr<RemainsServiceImpl> remains_service_;
  std::unique_ptr<testing::InProcessServer> server_;
  std::unique_ptr<v1::MissingPersonService::Stub> missing_;
  std::unique_ptr<v1::RemainsService::Stub> remains_;
};

TEST_F(CaseRecordServicesTest, CreateThenGetReturnsEveryField) {
  v1::MissingPerson created;
  ASSERT_TRUE(Create(ValidPerson(), &created).ok());
  EXPECT_TRUE(created.name().starts_with("missingPersons/"));
  EXPECT_EQ(created.organization(), "cbp-bc");
  EXPECT_FALSE(created.etag().empty());
  EXPECT_GT(created.create_time().seconds(), 0);

  v1::GetMissingPersonRequest get;
  get.set_name(created.name());
  v1::MissingPerson fetched;
  ASSERT_TRUE(missing_->GetMissingPerson(callers_->Context().get(), get, &fetched).ok());
  v1::MissingPerson expected = ValidPerson();
  expected.set_name(created.name());
  expected.set_organization("cbp-bc");
  *expected.mutable_create_time() = created.create_time();
  *expected.mutable_update_time() = created.update_time();
  expected.set_etag(created.etag());
  EXPECT_EQ(fetched.DebugString(), expected.DebugString());
  EXPECT_EQ(AuditRows(created.name()), 2);  // the create and the read, for every role
}

// Families often know only the year someone was born, or the month they were last seen.
TEST_F(CaseRecordServicesTest, PartialDatesAreKeptAsPartial) {
  v1::MissingPerson person = ValidPerson();
  person.mutable_date_of_birth()->set_month(0);
  person.mutable_date_of_birth()->set_day(0);
  person.mutable_last_seen_date()->set_day(0);
  person.clear_age_at_disappearance();
  v1::MissingPerson out;
  grpc::Status status = Create(person, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(out.date_of_birth().year(), 1998);
  EXPECT_EQ(out.date_of_birth().month(), 0);
  EXPECT_EQ(out.date_of_birth().day(), 0);
  EXPECT_EQ(out.last_seen_date().month(), 3);
  EXPECT_EQ(out.last_seen_date().day(), 0);
  // A day without a month is no date; filters and other dates need a full one.
  person.mutable_date_of_birth()->set_day(17);
  status = Create(person, &out);
  EXPECT_EQ(testing::BadRequestFields(status),
            std::vector<std::string>{"missing_person.date_of_birth"});
  v1::ListMissingPersonsRequest list;
  list.mutable_last_seen_from()->set_year(2020);
  v1::ListMissingPersonsResponse listed;
  status = missing_->ListMissingPersons(callers_->Context().get(), list, &listed);
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"last_seen_from"});
  EXPECT_NE(status.error_message().find("needs a full date"), std::string::npos)
      << status.error_message();
}

TEST_F(CaseRecordServicesTest, EveryBadFieldIsNamed) {
  v1::MissingPerson bad = ValidPerson();
  bad.mutable_last_seen_date()->set_year(2999);  // in the future
  bad.mutable_reported_height()->set_cm(300);    // 3 m
  bad.mutable_last_seen_place()->mutable_location()->set_latitude(91);
  v1::MissingPerson out;
  grpc::Status status = Create(bad, &out);
  ASSERT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(testing::BadRequestFields(status),
            (std::vector<std::string>{"missing_person.last_seen_date",
                                      "missing_person.last_seen_place.location.latitude",
                                      "missing_person.reported_height.cm"}));

  v1::MissingPerson born_late = ValidPerson();
  born_late.mutable_date_of_birth()->set_year(2024);  // after last seen in 2023
  status = Create(born_late, &out);
  ASSERT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(testing::BadRequestFields(status),
            std::vector<std::string>{"missing_person.date_of_birth"});

  v1::MissingPerson nameless = ValidPerson();
  nameless.clear_given_names();
  nameless.clear_family_names();
  nameless.clear_case_folio();
  status = Create(nameless, &out);
  EXPECT_EQ(testing::BadRequestFields(status),
            (std::vector<std::string>{"missing_person.case_folio", "missing_person.given_names"}));
  // Nothing half-written.
  v1::ListMissingPersonsResponse list;
  ASSERT_TRUE(missing_->ListMissingPersons(callers_->Context().get(), {}, &list).ok());
  EXPECT_EQ(list.missing_persons_size(), 0);
}

TEST_F(CaseRecordServicesTest, RemainsValidationNamesInvertedRangesAndProbabilities) {
  v1::UnidentifiedRemains bad = ValidRemains();
  bad.mutable_biological_profile()->mutable_age()->mutable_age_at_death()->set_min_years(50);
  bad.mutable_biological_profile()->mutable_sex()->set_probability(1.4);
  bad.mutable_biological_profile()->mutable_stature()->set_min_cm(180);
  bad.mutable_post_mortem_interval()->set_min_days(500);
  v1::CreateRemainsRequest request;
  *request.mutable_remains() = bad;
  v1::UnidentifiedRemains out;
  grpc::Status status = remains_->CreateRemains(callers_->Context().get(), request, &out);
  ASSERT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(
      testing::BadRequestFields(status),
      (std::vector<std::string>{
          "remains.post_mortem_interval", "remains.biological_profile.sex.probability",
          "remains.biological_profile.age.age_at_death", "remains.biological_profile.stature"}));
}

TEST_F(CaseRecordServicesTest, RetriedCreateReturnsTheSameRecord) {
  v1::MissingPerson first, second;
  ASSERT_TRUE(Create(ValidPerson(), &first, "req-7f3a").ok());
  ASSERT_TRUE(Create(ValidPerson(), &second, "req-7f3a").ok());
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(first.etag(), second.etag());
  v1::MissingPerson third;
  ASSERT_TRUE(Create(ValidPerson(), &third, "req-other").ok());
  EXPECT_NE(third.name(), first.name());
  EXPECT_EQ(AuditRows(first.name()), 1);  // the retry wrote no second entry
}

TEST_F(CaseRecordServicesTest, ReusedRequestIdWithOtherContentIsRefused) {
  // The importer once keyed rows by folio alone: two people with one folio became one record.
  v1::MissingPerson first, second;
  ASSERT_TRUE(Create(ValidPerson(), &first, "folio-FGE-1").ok());
  v1::MissingPerson other = ValidPerson();
  other.set_given_names("Otra Persona");
  grpc::Status status = Create(other, &second, "folio-FGE-1");
  EXPECT_EQ(status.error_code(), grpc::ALREADY_EXISTS) << status.error_message();
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"request_id"});
  EXPECT_NE(status.error_message().find(first.name()), std::string::npos) << status.error_message();
  EXPECT_EQ(AuditRows(first.name()), 1);
  v1::MissingPerson again;
  ASSERT_TRUE(Create(ValidPerson(), &again, "folio-FGE-1").ok());  // the true retry still works
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(again.given_names(), ValidPerson().given_names());

  // The same for remains.
  v1::CreateRemainsRequest request;
  *request.mutable_remains() = ValidRemains();
  request.set_request_id("lab-folio-9");
  v1::UnidentifiedRemains body, changed;
  auto lab = callers_->Context("lab1", "semefo-tij", "forensic_lab");
  ASSERT_TRUE(remains_->CreateRemains(lab.get(), request, &body).ok());
  request.mutable_remains()->set_notes("otro cuerpo");
  lab = callers_->Context("lab1", "semefo-tij", "forensic_lab");
  status = remains_->CreateRemains(lab.get(), request, &changed);
  EXPECT_EQ(status.error_code(), grpc::ALREADY_EXISTS) << status.error_message();
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"request_id"});
}

std::vector<std::string> Names(const google::protobuf::RepeatedPtrField<std::string>& names) {
  return {names.begin(), names.end()};
}

TEST_F(CaseRecordServicesTest, TextAndRepeatedFieldsAreBoundedHereAndInTheDatabase) {
  v1::MissingPerson many_aliases = ValidPerson();
  for (int i = 0; i < 21; ++i) many_aliases.add_aliases("alias " + std::to_string(i));
  v1::MissingPerson out;
  grpc::Status status = Create(many_aliases, &out);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"missing_person.aliases"});
  // The database holds the same limits, whatever client writes to it.
  ASSERT_TRUE(Create(ValidPerson(), &out).ok());
  pqxx::connection conn(owner_);
  for (const char* sql :
       {"UPDATE missing_persons SET given_names = repeat('x', 201)",
        "UPDATE missing_persons SET last_seen_place = repeat('x', 4001)",
        "UPDATE missing_persons SET aliases = (SELECT jsonb_agg(i) FROM generate_series(1, 21) i)",
        "INSERT INTO case_links (organization_id, record_kind, record_id, consent, linked_by) "
        "VALUES (1, 'missing_person', 1, repeat('x', 4001), 'ana')"}) {
    pqxx::work tx(conn);
    EXPECT_THROW(tx.exec(sql), pqxx::check_violation) << sql;
  }
}

TEST_F(CaseRecordServicesTest, ListingsPageByBytesSoThatHugeOldRowsCannotBreakThem) {
  // Rows an older server let in, of 3 MB each: five would make one 15 MB page, over what a client
  // accepts, and the listing would fail for good.
  v1::CreateRemainsRequest request;
  *request.mutable_remains() = ValidRemains();
  v1::UnidentifiedRemains body;
  for (int i = 0; i < 5; ++i) {
    auto lab = callers_->Context("lab1", "semefo-tij", "forensic_lab");
    ASSERT_TRUE(remains_->CreateRemains(lab.get(), request, &body).ok());
  }
  {
    pqxx::connection conn(owner_);
    pqxx::work tx(conn);
    tx.exec("ALTER TABLE remains DROP CONSTRAINT remains_text_limits");
    tx.exec("UPDATE remains SET notes = repeat('x', 3000000)");
    tx.commit();
  }
  v1::ListRemainsRequest list;
  list.set_page_size(100);
  int seen = 0, pages = 0;
  do {
    v1::ListRemainsResponse page;
    grpc::Status status = remains_->ListRemains(callers_->Context().get(), list, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_LE(page.ByteSizeLong(), 4u << 20);
    seen += page.remains_size();
    ++pages;
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty() && pages < 10);
  EXPECT_EQ(seen, 5);
  EXPECT_GE(pages, 5);
}

TEST_F(CaseRecordServicesTest, RecordsSharingAFolioListEachOtherAsPossibleDuplicates) {
  v1::MissingPerson a, b, c;
  ASSERT_TRUE(Create(ValidPerson(), &a).ok());
  EXPECT_EQ(a.possible_duplicates_size(), 0);
  v1::MissingPerson same_folio = ValidPerson();
  same_folio.set_case_folio(" " + ValidPerson().case_folio() + " ");  // spaces do not hide it
  same_folio.set_given_names("Otra Persona");
  ASSERT_TRUE(Create(same_folio, &b).ok());
  EXPECT_EQ(Names(b.possible_duplicates()), std::vector<std::string>{a.name()});
  v1::MissingPerson other_folio = ValidPerson();
  other_folio.set_case_folio("FGE-OTRO-1");
  ASSERT_TRUE(Create(other_folio, &c).ok());
  EXPECT_EQ(c.possible_duplicates_size(), 0);

  v1::GetMissingPersonRequest get;
  get.set_name(a.name());
  v1::MissingPerson read;
  ASSERT_TRUE(missing_->GetMissingPerson(callers_->Context().get(), get, &read).ok());
  EXPECT_EQ(Names(read.possible_duplicates()), std::vector<std::string>{b.name()});
}

TEST_F(CaseRecordServicesTest, ConcurrentRetriesMakeOneRecord) {
  std::vector<std::string> names(6);
  std::vector<std::thread> threads;
  for (auto& name : names) {
    threads.emplace_back([&] {
      v1::MissingPerson out;
      EXPECT_TRUE(Create(ValidPerson(), &out, "same-request").ok());
      name = out.name();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& name : names) EXPECT_EQ(name, names.front());
}

TEST_F(CaseRecordServicesTest, UpdateWithFieldMaskAndEtag) {
  v1::MissingPerson created;
  ASSERT_TRUE(Create(ValidPerson(), &created).ok());
  v1::UpdateMissingPersonRequest update;
  update.mutable_missing_person()->set_name(created.name());
  update.mutable_missing_person()->set_etag(created.etag());
  update.mutable_missing_person()->set_status(v1::MissingPerson::LOCATED_ALIVE);
  update.mutable_missing_person()->set_given_names("ignored: not in the mask");
  update.mutable_update_mask()->add_paths("status");
  v1::MissingPerson updated;
  grpc::Status status = missing_->UpdateMissingPerson(callers_->Context().get(), update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.status(), v1::MissingPerson::LOCATED_ALIVE);
  EXPECT_EQ(updated.given_names(), "María Fernanda");
  EXPECT_NE(updated.etag(), created.etag());

  // The same stale etag again: someone else's change must not be overwritten.
  v1::MissingPerson stale;
  status = missing_->UpdateMissingPerson(callers_->Context().get(), update, &stale);
  EXPECT_EQ(status.error_code(), grpc::ABORTED) << status.error_message();
  // Another commission with the same stale etag learns only that it may not: not that the
  // record changed.
  status = missing_->UpdateMissingPerson(
      callers_->Context("eva", "cbp-son", "commission_staff").get(), update, &stale);
  EXPECT_EQ(status.error_code(), grpc::PERMISSION_DENIED) << status.error_message();

  update.mutable_missing_person()->set_etag(updated.etag());
  update.mutable_update_mask()->set_paths(0, "create_time");
  status = missing_->UpdateMissingPerson(callers_->Context().get(), update, &stale);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"update_mask"});

  // An update that fails validation changes nothing and writes no audit entry.
  update.mutable_update_mask()->set_paths(0, "reported_height");
  update.mutable_missing_person()->mutable_reported_height()->set_cm(300);
  status = missing_->UpdateMissingPerson(callers_->Context().get(), update, &stale);
  EXPECT_EQ(testing::BadRequestFields(status),
            std::vector<std::string>{"missing_person.reported_height.cm"});
  EXPECT_EQ(AuditRows(created.name()), 2);
}

TEST_F(CaseRecordServicesTest, ConcurrentUpdatesOnOneEtagHaveOneWinner) {
  v1::MissingPerson created;
  ASSERT_TRUE(Create(ValidPerson(), &created).ok());
  std::atomic<int> ok{0}, aborted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      v1::UpdateMissingPersonRequest update;
      update.mutable_missing_person()->set_name(created.name());
      update.mutable_missing_person()->set_etag(created.etag());
      update.mutable_missing_person()->set_given_names("Writer " + std::to_string(i));
      update.mutable_update_mask()->add_paths("given_names");
      v1::MissingPerson out;
      grpc::Status status = missing_->UpdateMissingPerson(callers_->Context().get(), update, &out);
      if (status.ok()) ++ok;
      if (status.error_code() == grpc::ABORTED) ++aborted;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(aborted.load(), 5);
}

TEST_F(CaseRecordServicesTest, SoftDeleteKeepsTheRecord) {
  v1::MissingPerson created;
  ASSERT_TRUE(Create(ValidPerson(), &created).ok());
  v1::DeleteMissingPersonRequest del;
  del.set_name(created.name());
  v1::MissingPerson deleted;
  grpc::Status status = missing_->DeleteMissingPerson(callers_->Context().get(), del, &deleted);
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"reason"});

  del.set_reason("duplicate of a record enrolled by another commission");
  ASSERT_TRUE(missing_->DeleteMissingPerson(callers_->Context().get(), del, &deleted).ok());
  EXPECT_GT(deleted.delete_time().seconds(), 0);
  EXPECT_EQ(deleted.delete_reason(), del.reason());

  v1::ListMissingPersonsResponse list;
  ASSERT_TRUE(missing_->ListMissingPersons(callers_->Context().get(), {}, &list).ok());
  EXPECT_EQ(list.missing_persons_size(), 0);
  v1::ListMissingPersonsRequest with_deleted;
  with_deleted.set_show_deleted(true);
  ASSERT_TRUE(missing_->ListMissingPersons(callers_->Context().get(), with_deleted, &list).ok());
  ASSERT_EQ(list.missing_persons_size(), 1);

  v1::UpdateMissingPersonRequest update;
  update.mutable_missing_person()->set_name(created.name());
  update.mutable_update_mask()->add_paths("status");
  v1::MissingPerson out;
  EXPECT_EQ(missing_->UpdateMissingPerson(callers_->Context().get(), update, &out).error_code(),
            grpc::FAILED_PRECONDITION);
  // The application role cannot delete rows at all.
  pqxx::connection conn(owner_);
  pqxx::work tx(conn);
  tx.exec0("SET ROLE encuentro_app");
  EXPECT_THROW(tx.exec0("DELETE FROM missing_persons"), pqxx::insufficient_privilege);
}

TEST_F(CaseRecordServicesTest, ListFiltersAndPages) {
  for (int i = 0; i < 5; ++i) {
    v1::MissingPerson p = ValidPerson();
    p.set_sex(i % 2 == 0 ? v1::FEMALE : v1::MALE);
    p.mutable_last_seen_date()->set_year(2015 + i);
    p.mutable_date_of_birth()->set_year(1990);
    v1::MissingPerson out;
    ASSERT_TRUE(Create(p, &out).ok());
  }
  v1::ListMissingPersonsRequest request;
  request.set_sex(v1::FEMALE);
  request.set_page_size(2);
  v1::ListMissingPersonsResponse page1, page2;
  ASSERT_TRUE(missing_->ListMissingPersons(callers_->Context().get(), request, &page1).ok());
  EXPECT_EQ(page1.missing_persons_size(), 2);
  ASSERT_FALSE(page1.next_page_token().empty());
  request.set_page_token(page1.next_page_token());
  ASSERT_TRUE(missing_->ListMissingPersons(callers_->Context().get(), request, &page2).ok());
  EXPECT_EQ(page2.missing_persons_size(), 1);
  EXPECT_TRUE(page2.next_page_token().empty());

  // A token replayed against other filters is refused.
  request.set_sex(v1::MALE);
  v1::ListMissingPersonsResponse other;
  EXPECT_EQ(missing_->ListMissingPersons(callers_->Context().get(), request, &other).error_code(),
            grpc::INVALID_ARGUMENT);

  v1::ListMissingPersonsRequest by_date;
  by_date.mutable_last_seen_from()->set_year(2017);
  by_date.mutable_last_seen_from()->set_month(1);
  by_date.mutable_last_seen_from()->set_day(1);
  by_date.mutable_last_seen_to()->set_year(2018);
  by_date.mutable_last_seen_to()->set_month(12);
  by_date.mutable_last_seen_to()->set_day(31);
  ASSERT_TRUE(missing_->ListMissingPersons(callers_->Context().get(), by_date, &other).ok());
  EXPECT_EQ(other.missing_persons_size(), 2);
  // Year 67534 would wrap to 1998 in std::chrono::year; February 30 does not exist.
  by_date.mutable_last_seen_from()->set_year(67534);
  by_date.mutable_last_seen_to()->set_month(2);
  by_date.mutable_last_seen_to()->set_day(30);
  const grpc::Status impossible =
      missing_->ListMissingPersons(callers_->Context().get(), by_date, &other);
  EXPECT_EQ(impossible.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_NE(impossible.error_message().find("last_seen_from"), std::string::npos)
      << impossible.error_message();
}

TEST_F(CaseRecordServicesTest, RemainsRoundTripUpdateAndDelete) {
  v1::CreateRemainsRequest create;
  *create.mutable_remains() = ValidRemains();
  v1::UnidentifiedRemains created;
  ASSERT_TRUE(remains_
                  ->CreateRemains(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(),
                                  create, &created)
                  .ok());
  EXPECT_EQ(created.biological_profile().sex().probability(), 0.92);
  EXPECT_EQ(created.condition(), v1::UnidentifiedRemains::SKELETONIZED);
  v1::GetRemainsRequest get;
  get.set_name(created.name());
  v1::UnidentifiedRemains fetched;
  ASSERT_TRUE(remains_->GetRemains(callers_->Context().get(), get, &fetched).ok());
  EXPECT_EQ(fetched.DebugString(), created.DebugString());
  v1::ListRemainsRequest by_sex;
  by_sex.set_sex(v1::FEMALE);
  v1::ListRemainsResponse listed;
  ASSERT_TRUE(remains_->ListRemains(callers_->Context().get(), by_sex, &listed).ok());
  EXPECT_EQ(listed.remains_size(), 1);
  by_sex.set_sex(v1::MALE);
  ASSERT_TRUE(remains_->ListRemains(callers_->Context().get(), by_sex, &listed).ok());
  EXPECT_EQ(listed.remains_size(), 0);

  v1::UpdateRemainsRequest update;
  update.mutable_remains()->set_name(created.name());
  update.mutable_remains()->set_etag(created.etag());
  update.mutable_remains()->mutable_biological_profile()->mutable_stature()->set_min_cm(150);
  update.mutable_remains()->mutable_biological_profile()->mutable_stature()->set_max_cm(160);
  auto* assessment = update.mutable_remains()
                         ->mutable_biological_profile()
                         ->mutable_stature()
                         ->mutable_assessment();
  assessment->set_method("Genovés 1967 corrected, femur");
  assessment->set_author("C. Ortega");
  update.mutable_update_mask()->add_paths("biological_profile.stature");
  v1::UnidentifiedRemains updated;
  // Only the lab that recorded the remains changes them; a commission sees them but may not.
  EXPECT_EQ(remains_->UpdateRemains(callers_->Context().get(), update, &updated).error_code(),
            grpc::PERMISSION_DENIED);
  const auto lab = [&] { return callers_->Context("lab1", "semefo-tij", "forensic_lab"); };
  grpc::Status status = remains_->UpdateRemains(lab().get(), update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.biological_profile().stature().max_cm(), 160);
  EXPECT_EQ(updated.biological_profile().sex().probability(), 0.92);  // untouched

  v1::DeleteRemainsRequest del;
  del.set_name(created.name());
  del.set_reason("entered twice");
  del.set_etag(created.etag());  // stale
  v1::UnidentifiedRemains out;
  EXPECT_EQ(remains_->DeleteRemains(lab().get(), del, &out).error_code(), grpc::ABORTED);
  del.set_etag(updated.etag());
  ASSERT_TRUE(remains_->DeleteRemains(lab().get(), del, &out).ok());
  EXPECT_EQ(out.delete_reason(), "entered twice");
  // Reads are audited too: create, get, the listing that returned it, update, delete.
  EXPECT_EQ(AuditRows(created.name()), 5);
}

TEST_F(CaseRecordServicesTest, CallsWithoutValidTokensAreUnauthenticated) {
  v1::ListMissingPersonsResponse list;
  EXPECT_EQ(missing_->ListMissingPersons(testing::TokenContext("").get(), {}, &list).error_code(),
            grpc::UNAUTHENTICATED);
  EXPECT_EQ(missing_
                ->ListMissingPersons(testing::TokenContext("enc_" + std::string(64, '0')).get(), {},
                                     &list)
                .error_code(),
            grpc::UNAUTHENTICATED);
  // A role without the method in the table is refused.
  EXPECT_EQ(
      missing_->ListMissingPersons(callers_->Context("root", "operator", "admin").get(), {}, &list)
          .error_code(),
      grpc::PERMISSION_DENIED);
}

TEST_F(CaseRecordServicesTest, BadNamesAndUnknownRecords) {
  v1::GetMissingPersonRequest get;
  get.set_name("remains/3");
  v1::MissingPerson out;
  grpc::Status status = missing_->GetMissingPerson(callers_->Context().get(), get, &out);
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"name"});
  get.set_name("missingPersons/999999");
  EXPECT_EQ(missing_->GetMissingPerson(callers_->Context().get(), get, &out).error_code(),
            grpc::NOT_FOUND);
}

TEST_F(CaseRecordServicesTest, InvalidUtf8IsNamedFieldByField) {
  v1::MissingPerson bad = ValidPerson();
  bad.set_given_names(std::string("Mar\xC3\x28", 5));
  bad.add_aliases(std::string("\xff", 1));
  bad.mutable_last_seen_place()->set_description(std::string("rosa \xe9", 6));
  v1::MissingPerson out;
  grpc::Status status = Create(bad, &out);
  ASSERT_EQ(status.error_code(), grpc::INVALID_ARGUMENT) << status.error_message();
  EXPECT_EQ(testing::BadRequestFields(status),
            (std::vector<std::string>{"missing_person.given_names", "missing_person.aliases[1]",
                                      "missing_person.last_seen_place.description"}));
  v1::ListMissingPersonsResponse list;
  ASSERT_TRUE(missing_->ListMissingPersons(callers_->Context().get(), {}, &list).ok());
  EXPECT_EQ(list.missing_persons_size(), 0);
}

}  // namespace
}  // namespace encuentro::services
