// MatchService's streaming BatchSearch over real gRPC and PostgreSQL: results come back in order
// as they complete, a slow reader gets them all, a failed search does not end the stream, and
// cancelling stops the work.
#include "services/match_service.h"

#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <thread>

#include "matching/face_calibration.h"
#include "records/case_records.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "tests/support/bad_request.h"
#include "tests/support/in_process_server.h"
#include "tests/support/postgres_environment.h"
#include "tests/support/test_callers.h"

namespace encuentro::services {
namespace {

using testing::PostgresEnvironment;

class MatchServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    owner_ = PostgresEnvironment::Get().CreateDatabase();
    ASSERT_TRUE(storage::ApplyMigrations(owner_, storage::BundledMigrations()).ok());
    auto database = storage::Database::Open(
        {.connection_string = owner_, .assume_role = "encuentro_app", .pool_size = 4});
    ASSERT_TRUE(database.ok());
    database_ = *std::move(database);
    callers_ = std::make_unique<testing::TestCallers>(database_.get());
    record_store_ = std::make_unique<storage::CaseRecordStore>(database_.get());
    match_store_ = std::make_unique<storage::MatchStore>(database_.get());
    records_ = std::make_unique<records::CaseRecords>(record_store_.get(), callers_->scope());
    gallery_ = index::FaceGallery::Build({});
    pool_ = std::make_unique<matching::CandidatePool>(gallery_.get());
    sync_ = std::make_unique<matching::MatchingStateSync>(gallery_.get(), pool_.get(),
                                                          match_store_.get());
    records_->set_observer(sync_.get());
    auto calibration = matching::FaceCalibration::LoadFile(ENCUENTRO_TEST_FACE_CALIBRATION);
    ASSERT_TRUE(calibration.ok());
    calibration_ = std::make_unique<matching::FaceCalibration>(*std::move(calibration));
    matcher_ = std::make_unique<matching::Matcher>(
        record_store_.get(), match_store_.get(), gallery_.get(), pool_.get(), records_.get(),
        [this](double d, int m, bool explain) {
          return calibration_->FaceFactor(d, m, "nearest", explain);
        });
    matcher_->set_observer(sync_.get());
    dna_store_ = std::make_unique<storage::DnaSampleStore>(database_.get());
    matcher_->set_dna_samples(dna_store_.get());
    service_ = std::make_unique<MatchServiceImpl>(callers_->gatekeeper(), matcher_.get());
    server_ =
        std::make_unique<testing::InProcessServer>(std::vector<grpc::Service*>{service_.get()});
    stub_ = v1::MatchService::NewStub(server_->channel());

    const auth::Principal caller{"ana", "cbp-bc", auth::Role::kCommissionStaff};
    records::MissingPerson person;
    person.case_folio = "F-1";
    person.issuing_authority = "FGE";
    person.given_names = "Uno";
    ASSERT_TRUE(records_->CreateMissingPerson(caller, person, {}).ok());
    for (int i = 0; i < 5; ++i) {
      records::UnidentifiedRemains remains;
      remains.case_folio = "PM-" + std::to_string(i);
      remains.lab = "SEMEFO";
      auto created = records_->CreateRemains(caller, remains, {});
      ASSERT_TRUE(created.ok());
      remains_.push_back("remains/" + std::to_string(created->meta.id));
    }
  }

  static v1::BatchSearchRequest Request(const std::string& remains, const std::string& tag,
                                        const std::string& legal_basis = "FGE-CI-1") {
    v1::BatchSearchRequest request;
    request.mutable_search()->set_remains(remains);
    request.mutable_search()->set_purpose("identification");
    request.mutable_search()->set_legal_basis(legal_basis);
    request.set_client_tag(tag);
    return request;
  }

  int Searches() {
    pqxx::connection conn(owner_);
    pqxx::read_transaction tx(conn);
    return tx
        .exec1("SELECT count(*) FROM audit_log WHERE method = 'MatchService/SearchCandidates'")[0]
        .as<int>();
  }

  std::string owner_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<testing::TestCallers> callers_;
  std::unique_ptr<storage::CaseRecordStore> record_store_;
  std::unique_ptr<storage::MatchStore> match_store_;
  std::unique_ptr<records::CaseRecords> records_;
  std::unique_ptr<index::FaceGallery> gallery_;
  std::unique_ptr<matching::CandidatePool> pool_;
  std::unique_ptr<matching::MatchingStateSync> sync_;
  std::unique_ptr<matching::FaceCalibration> calibration_;
  std::unique_ptr<matching::Matcher> matcher_;
  std::unique_ptr<storage::DnaSampleStore> dna_store_;
  std::unique_ptr<MatchServiceImpl> service_;
  std::unique_ptr<testing::InProcessServer> server_;
  std::unique_ptr<v1::MatchService::Stub> stub_;
  std::vector<std::string> remains_;
};

TEST_F(MatchServiceTest, BatchAnswersEachSearchInOrderAndSurvivesAFailedOne) {
  auto context = callers_->Context();
  auto stream = stub_->BatchSearch(context.get());
  for (size_t i = 0; i < remains_.size(); ++i) {
    ASSERT_TRUE(stream->Write(Request(remains_[i], "t" + std::to_string(i))));
  }
  ASSERT_TRUE(stream->Write(Request(remains_[0], "no-basis", "")));
  ASSERT_TRUE(stream->Write(Request("remains/999999", "unknown")));
  stream->WritesDone();
  std::vector<v1::BatchSearchResult> results;
  for (v1::BatchSearchResult result; stream->Read(&result);) results.push_back(result);
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(results.size(), remains_.size() + 2);
  for (size_t i = 0; i < remains_.size(); ++i) {
    EXPECT_EQ(results[i].client_tag(), "t" + std::to_string(i));
    EXPECT_EQ(results[i].code(), 0);
    EXPECT_EQ(results[i].response().candidates_size(), 1);
  }
  EXPECT_EQ(results[remains_.size()].code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(results[remains_.size() + 1].code(), grpc::NOT_FOUND);
}

TEST_F(MatchServiceTest, EachSearchOfABatchCountsAgainstTheRateLimit) {
  testing::TestCallers limited(database_.get(), {.requests_per_minute = 4});
  MatchServiceImpl service(limited.gatekeeper(), matcher_.get());
  testing::InProcessServer server({&service});
  auto stub = v1::MatchService::NewStub(server.channel());
  auto context = limited.Context("bea", "cbp-bc", "commission_staff");
  auto stream = stub->BatchSearch(context.get());
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(stream->Write(Request(remains_[i % 5], "")));
  stream->WritesDone();
  int answered = 0, limited_out = 0;
  for (v1::BatchSearchResult result; stream->Read(&result);) {
    if (result.code() == grpc::OK) ++answered;
    if (result.code() == grpc::RESOURCE_EXHAUSTED) ++limited_out;
  }
  EXPECT_TRUE(stream->Finish().ok());
  // Four calls a minute: the stream itself, then three searches.
  EXPECT_EQ(answered, 3);
  EXPECT_EQ(limited_out, 5);
}

TEST_F(MatchServiceTest, SlowReaderGetsEveryResult) {
  auto context = callers_->Context();
  auto stream = stub_->BatchSearch(context.get());
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(stream->Write(Request(remains_[i % 5], "")));
  stream->WritesDone();
  int read = 0;
  for (v1::BatchSearchResult result; stream->Read(&result);) {
    ++read;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(read, 30);
}

TEST_F(MatchServiceTest, CancellationStopsTheWork) {
  auto context = callers_->Context();
  auto stream = stub_->BatchSearch(context.get());
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(stream->Write(Request(remains_[i % 5], "")));
  v1::BatchSearchResult result;
  ASSERT_TRUE(stream->Read(&result));
  context->TryCancel();
  while (stream->Read(&result)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::CANCELLED);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the handler notice
  const int done = Searches();
  EXPECT_LT(done, 300);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Searches(), done);  // and nothing more runs afterwards
}

// Closing a case: every missing field is named; only who may change one of the records
// confirms; the pair then leaves the review queue and the person leaves the candidate pool.
TEST_F(MatchServiceTest, ConfirmIdentificationClosesTheCase) {
  v1::ConfirmIdentificationRequest request;
  request.set_remains(remains_[0]);
  request.set_missing_person("missingPersons/1");
  request.add_evidence()->set_reference(" ");
  request.mutable_board_date()->set_year(2999);
  request.mutable_board_date()->set_month(1);
  request.mutable_board_date()->set_day(1);
  v1::Identification out;
  grpc::Status status = stub_->ConfirmIdentification(callers_->Context().get(), request, &out);
  ASSERT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(testing::BadRequestFields(status),
            (std::vector<std::string>{"evidence[0].kind", "board_date"}));
  request.clear_board_date();
  request.mutable_evidence(0)->set_kind(v1::ConfirmingEvidence::DNA_REPORT);
  status = stub_->ConfirmIdentification(callers_->Context().get(), request, &out);
  EXPECT_EQ(testing::BadRequestFields(status),
            (std::vector<std::string>{"evidence[0].reference", "board_reference", "reason"}));

  // The pair's DNA standing: a profiled family reference, a post-mortem sample on its way.
  const auto admit = [](const storage::OwningRecord&) { return absl::OkStatus(); };
  audit::AuditEvent setup;
  setup.method = "test";
  records::DnaSample sample;
  sample.owner_kind = records::RecordKind::kMissingPerson;
  sample.owner_id = 1;
  sample.donor_name = "Rosa";
  sample.relationship = records::KinRelationship::kMother;
  sample.status = records::DnaSampleStatus::kProfiled;
  ASSERT_TRUE(dna_store_->InsertSample(sample, {}, admit, setup).ok());
  sample = {};
  sample.owner_kind = records::RecordKind::kRemains;
  sample.owner_id = std::stoll(remains_[1].substr(8));
  sample.skeletal_element = "femur";
  sample.status = records::DnaSampleStatus::kSent;
  ASSERT_TRUE(dna_store_->InsertSample(sample, {}, admit, setup).ok());

  // A pending lead on the pair and on another pair of the same person.
  v1::RecordDecisionRequest lead;
  lead.set_remains(remains_[1]);
  lead.set_missing_person("missingPersons/1");
  lead.set_decision(v1::PENDING);
  lead.set_reason("cross-match");
  v1::CandidatePair pair;
  // Reasons are bounded: a 10 MB one would break every listing of decisions for good.
  v1::RecordDecisionRequest huge = lead;
  huge.set_reason(std::string(4001, 'x'));
  grpc::Status refused = stub_->RecordDecision(callers_->Context().get(), huge, &pair);
  EXPECT_EQ(refused.error_code(), grpc::INVALID_ARGUMENT) << refused.error_message();
  EXPECT_EQ(testing::BadRequestFields(refused), std::vector<std::string>{"reason"});
  ASSERT_TRUE(stub_->RecordDecision(callers_->Context().get(), lead, &pair).ok());
  EXPECT_EQ(pool_->size(), 1u);
  {
    v1::ListCandidatesRequest pending;
    pending.set_current_decision(v1::PENDING);
    v1::ListCandidatesResponse leads;
    ASSERT_TRUE(stub_->ListCandidates(callers_->Context().get(), pending, &leads).ok());
    ASSERT_EQ(leads.pairs_size(), 1);
    const v1::DnaReadiness& dna = leads.pairs(0).dna();
    EXPECT_EQ(dna.family_references_profiled(), 1);
    EXPECT_EQ(dna.remains_samples_pending(), 1);
    EXPECT_FALSE(dna.comparable());
    EXPECT_TRUE(dna.awaiting_dna());
  }

  request.mutable_evidence(0)->set_reference("GEN-2026-1");
  request.set_board_reference("ACTA-1");
  request.set_reason("perfil genético concordante");
  // Another commission owns neither record.
  EXPECT_EQ(stub_
                ->ConfirmIdentification(
                    callers_->Context("eva", "cbp-son", "commission_staff").get(), request, &out)
                .error_code(),
            grpc::PERMISSION_DENIED);
  status = stub_->ConfirmIdentification(callers_->Context().get(), request, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(out.missing_person(), "missingPersons/1");
  EXPECT_EQ(pool_->size(), 0u) << "identified: no longer a candidate";
  // The families' collective linked to the person sees the case closed.
  callers_->Token("lucia", "madres-buscadoras", "family_auditor");
  const auth::Principal staff{"ana", "cbp-bc", auth::Role::kCommissionStaff};
  ASSERT_TRUE(callers_->principals()
                  ->LinkCase(staff, "madres-buscadoras", records::RecordKind::kMissingPerson, 1,
                             "consentimiento de la madre")
                  .ok());
  const auth::Principal family{"lucia", "madres-buscadoras", auth::Role::kFamilyAuditor};
  absl::StatusOr<records::MissingPerson> seen = records_->GetMissingPerson(family, 1);
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->status, records::MissingPersonStatus::kLocatedDeceased);
  ASSERT_TRUE(seen->identification.has_value());
  EXPECT_EQ(seen->identification->board_reference, "ACTA-1");
  // Once only.
  EXPECT_EQ(stub_->ConfirmIdentification(callers_->Context().get(), request, &out).error_code(),
            grpc::FAILED_PRECONDITION);
  // IDENTIFIED is not a decision one records by hand.
  lead.set_decision(v1::IDENTIFIED);
  EXPECT_EQ(stub_->RecordDecision(callers_->Context().get(), lead, &pair).error_code(),
            grpc::INVALID_ARGUMENT);
  // The other pair's pending lead left the queue; the identified pair is listed as such.
  v1::ListCandidatesRequest queue;
  queue.set_current_decision(v1::PENDING);
  v1::ListCandidatesResponse listed;
  ASSERT_TRUE(stub_->ListCandidates(callers_->Context().get(), queue, &listed).ok());
  EXPECT_EQ(listed.pairs_size(), 0);
  queue.set_current_decision(v1::IDENTIFIED);
  ASSERT_TRUE(stub_->ListCandidates(callers_->Context().get(), queue, &listed).ok());
  ASSERT_EQ(listed.pairs_size(), 1);
  EXPECT_EQ(listed.pairs(0).remains(), remains_[0]);
}

}  // namespace
}  // namespace encuentro::services
