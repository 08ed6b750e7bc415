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
    pool_ = std::make_unique<matching::CandidatePool>();
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
    service_ = std::make_unique<MatchServiceImpl>(callers_->gatekeeper(), matcher_.get());
    server_ =
        std::make_unique<testing::InProcessServer>(std::vector<grpc::Service*>{service_.get()});
    stub_ = v1::MatchService::NewStub(server_->channel());

    const auth::Principal caller{"ana", "cbp-bc", auth::Role::kCommissionStaff};
    records::MissingPerson person;
    person.case_folio = "F-1";
    person.issuing_authority = "FGE";
    person.given_names = "Uno";
    ASSERT_TRUE(records_->CreateMissingPerson(caller, person, "").ok());
    for (int i = 0; i < 5; ++i) {
      records::UnidentifiedRemains remains;
      remains.case_folio = "PM-" + std::to_string(i);
      remains.lab = "SEMEFO";
      auto created = records_->CreateRemains(caller, remains, "");
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

}  // namespace
}  // namespace encuentro::services
