// PhotoService over real gRPC with the real face pipeline and real PostgreSQL.
#include "services/photo_service.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <limits>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "cli/client.h"
#include "cli/photo_upload.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "records/embedding_backfill.h"
#include "services/case_record_services.h"
#include "storage/database.h"
#include "storage/mark_store.h"
#include "storage/migrations.h"
#include "tests/support/bad_request.h"
#include "tests/support/face_pipeline.h"
#include "tests/support/in_process_server.h"
#include "tests/support/postgres_environment.h"
#include "tests/support/test_callers.h"

namespace encuentro::services {
namespace {

using testing::PostgresEnvironment;

std::string DlibFace(const std::string& name) {
  std::ifstream in(std::string(ENCUENTRO_TEST_DLIB_FACES_DIR) + "/" + name, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  EXPECT_FALSE(bytes.str().empty()) << name;
  return bytes.str();
}

const biometrics::FacePipeline& Pipeline() {
  return testing::SharedFacePipeline(ENCUENTRO_TEST_MODELS_DIR);
}

class PhotoServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    owner_ = PostgresEnvironment::Get().CreateDatabase();
    ASSERT_TRUE(storage::ApplyMigrations(owner_, storage::BundledMigrations()).ok());
    auto database = storage::Database::Open(
        {.connection_string = owner_, .assume_role = "encuentro_app", .pool_size = 4});
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    callers_ = std::make_unique<testing::TestCallers>(database_.get());
    record_store_ = std::make_unique<storage::CaseRecordStore>(database_.get());
    records_ = std::make_unique<records::CaseRecords>(record_store_.get(), callers_->scope());
    photo_store_ = std::make_unique<storage::PhotoStore>(database_.get());
    library_ = std::make_unique<records::PhotoLibrary>(
        photo_store_.get(), callers_->scope(), &Pipeline(),
        records::PhotoLibraryOptions{.max_photo_bytes = 1 << 20});
    missing_service_ =
        std::make_unique<MissingPersonServiceImpl>(callers_->gatekeeper(), records_.get());
    remains_service_ = std::make_unique<RemainsServiceImpl>(callers_->gatekeeper(), records_.get());
    photo_service_ = std::make_unique<PhotoServiceImpl>(callers_->gatekeeper(), library_.get());
    server_ = std::make_unique<testing::InProcessServer>(std::vector<grpc::Service*>{
        missing_service_.get(), remains_service_.get(), photo_service_.get()});
    photos_ = v1::PhotoService::NewStub(server_->channel());
    missing_ = v1::MissingPersonService::NewStub(server_->channel());

    v1::CreateMissingPersonRequest create;
    v1::MissingPerson* p = create.mutable_missing_person();
    p->set_case_folio("FGE-1");
    p->set_issuing_authority("FGE BC");
    p->set_given_names("Roberto");
    p->mutable_date_of_birth()->set_year(1970);
    p->mutable_date_of_birth()->set_month(6);
    p->mutable_date_of_birth()->set_day(1);
    ASSERT_TRUE(missing_->CreateMissingPerson(callers_->Context().get(), create, &person_).ok());
  }

  grpc::Status Upload(const std::string& bytes, v1::Photo* out,
                      std::function<void(v1::AddPhotoRequest::Metadata&)> edit = {}) {
    v1::AddPhotoRequest::Metadata metadata;
    metadata.set_parent(person_.name());
    metadata.mutable_photo()->set_source(v1::Photo::FAMILY);
    if (edit) edit(metadata);
    return cli::UploadPhoto(*photos_, callers_->Context().get(), metadata, bytes, out);
  }

  int Count(const std::string& sql) {
    pqxx::connection conn(owner_);
    pqxx::read_transaction tx(conn);
    return tx.exec1(sql)[0].as<int>();
  }

  std::string owner_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<testing::TestCallers> callers_;
  std::unique_ptr<storage::CaseRecordStore> record_store_;
  std::unique_ptr<records::CaseRecords> records_;
  std::unique_ptr<storage::PhotoStore> photo_store_;
  std::unique_ptr<records::PhotoLibrary> library_;
  std::unique_ptr<MissingPersonServiceImpl> missing_service_;
  std::unique_ptr<RemainsServiceImpl> remains_service_;
  std::unique_ptr<PhotoServiceImpl> photo_service_;
  std::unique_ptr<testing::InProcessServer> server_;
  std::unique_ptr<v1::PhotoService::Stub> photos_;
  std::unique_ptr<v1::MissingPersonService::Stub> missing_;
  v1::MissingPerson person_;
};

TEST_F(PhotoServiceTest, TemplatesCarryTheSecondModelAndOldOnesAreBackFilled) {
  v1::Photo photo;
  ASSERT_TRUE(Upload(DlibFace("2008_002506.jpg"), &photo).ok());
  const int64_t owner = std::stoll(person_.name().substr(std::string("missingPersons/").size()));
  const int64_t id = std::stoll(photo.name().substr(photo.name().rfind('/') + 1));
  absl::StatusOr<records::Photo> enrolled =
      photo_store_->GetPhoto(records::RecordKind::kMissingPerson, owner, id);
  ASSERT_TRUE(enrolled.ok()) << enrolled.status();
  ASSERT_TRUE(enrolled->second_embedding.has_value());
  EXPECT_EQ(enrolled->second_model_id, Pipeline().models().mobile_face_model_id);
  double norm = 0;
  for (float v : *enrolled->second_embedding) norm += v * v;
  EXPECT_NEAR(norm, 1.0, 1e-4);

  // A template enrolled before the second model: its embedding is missing.
  {
    pqxx::connection conn(owner_);
    pqxx::work tx(conn);
    tx.exec("DELETE FROM face_embeddings");
    tx.commit();
  }
  EXPECT_EQ(*photo_store_->CountTemplatesWithoutSecondEmbedding(), 1);
  records::BackfillOptions options;
  options.working_pixels = library_->options().working_pixels;
  options.threads = 2;
  int64_t reported = 0;
  options.progress = [&](int64_t done, int64_t total) {
    reported = done;
    EXPECT_EQ(total, 1);
  };
  absl::StatusOr<records::BackfillReport> report =
      records::BackfillSecondEmbeddings(*photo_store_, Pipeline(), options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->filled, 1);
  EXPECT_EQ(report->not_found + report->failed, 0);
  EXPECT_EQ(reported, 1);
  // The same face found again, so the same embedding as at enrolment.
  absl::StatusOr<records::Photo> filled =
      photo_store_->GetPhoto(records::RecordKind::kMissingPerson, owner, id);
  ASSERT_TRUE(filled.ok() && filled->second_embedding.has_value());
  EXPECT_LT(SecondEmbeddingDistance(*filled->second_embedding, *enrolled->second_embedding), 1e-5);

  // Nothing left to do: a second run (say, after an interruption) changes nothing.
  EXPECT_EQ(*photo_store_->CountTemplatesWithoutSecondEmbedding(), 0);
  report = records::BackfillSecondEmbeddings(*photo_store_, Pipeline(), options);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->filled, 0);
  EXPECT_EQ(photo_store_->InsertSecondEmbedding(id, *enrolled->second_embedding, "x").code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Count("SELECT count(*) FROM face_embeddings"), 1);
}

TEST_F(PhotoServiceTest, PhotoTemplateAndRecordUpdateCommitTogether) {
  v1::Photo photo;
  grpc::Status status = Upload(DlibFace("2008_002506.jpg"), &photo, [](auto& m) {
    m.mutable_photo()->mutable_capture_date()->set_year(2000);
    m.mutable_photo()->mutable_capture_date()->set_month(6);
    m.mutable_photo()->mutable_capture_date()->set_day(1);
  });
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(photo.name().starts_with(person_.name() + "/photos/"));
  EXPECT_EQ(photo.content_type(), "image/jpeg");
  ASSERT_GE(photo.faces_size(), 1);
  EXPECT_TRUE(photo.has_template());
  EXPECT_GE(photo.chosen_face(), 0);
  EXPECT_FALSE(photo.faces(0).quality().empty());

  v1::GetMissingPersonRequest get;
  get.set_name(person_.name());
  v1::MissingPerson after;
  ASSERT_TRUE(missing_->GetMissingPerson(callers_->Context().get(), get, &after).ok());
  EXPECT_NE(after.etag(), person_.etag());  // the record's update committed with the photo

  // The template records the age in the photo, from the date of birth: 30 years.
  pqxx::connection conn(owner_);
  pqxx::read_transaction tx(conn);
  EXPECT_NEAR(tx.exec1("SELECT age_years FROM face_templates")[0].as<double>(), 30.0, 0.01);

  v1::GetPhotoRequest full;
  full.set_name(photo.name());
  full.set_view(v1::FULL);
  v1::Photo fetched;
  ASSERT_TRUE(photos_->GetPhoto(callers_->Context().get(), full, &fetched).ok());
  EXPECT_EQ(fetched.content(), DlibFace("2008_002506.jpg"));
  EXPECT_EQ(fetched.face_descriptor_size(), 128);
  EXPECT_EQ(fetched.face_model_id(), Pipeline().models().model_id);
  EXPECT_EQ(fetched.second_face_descriptor_size(), 192);
  EXPECT_EQ(fetched.second_face_model_id(), Pipeline().models().mobile_face_model_id);
  v1::GetPhotoRequest basic;
  basic.set_name(photo.name());
  ASSERT_TRUE(photos_->GetPhoto(callers_->Context().get(), basic, &fetched).ok());
  EXPECT_TRUE(fetched.content().empty());
  EXPECT_EQ(fetched.face_descriptor_size(), 0);
  EXPECT_EQ(fetched.second_face_descriptor_size(), 0);
}

TEST_F(PhotoServiceTest, PhotoWithoutAFaceIsKeptWithoutTemplate) {
  v1::Photo photo;
  ASSERT_TRUE(Upload(DlibFace("dogs.jpg"), &photo).ok());
  EXPECT_EQ(photo.faces_size(), 0);
  EXPECT_FALSE(photo.has_template());
  EXPECT_EQ(photo.chosen_face(), -1);
  EXPECT_EQ(Count("SELECT count(*) FROM photos"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM face_templates"), 0);
}

// A photo of a tattoo (here, one that happens to show a face too) is filed under the mark and
// never analysed for faces: it makes no template.
TEST_F(PhotoServiceTest, PhotoOfAMarkSkipsFaceAnalysis) {
  storage::MarkStore marks(database_.get());
  records::DistinguishingMark mark;
  mark.owner_kind = records::RecordKind::kMissingPerson;
  mark.owner_id = std::stoll(person_.name().substr(std::string("missingPersons/").size()));
  mark.kind = records::MarkKind::kTattoo;
  mark.description = "rosa";
  audit::AuditEvent setup;
  setup.method = "test";
  auto stored = marks.InsertMark(
      mark, {}, [](const storage::OwningRecord&) { return absl::OkStatus(); }, setup);
  ASSERT_TRUE(stored.ok()) << stored.status();
  const std::string mark_name = person_.name() + "/marks/" + std::to_string(stored->meta.id);
  v1::Photo photo;
  grpc::Status status = Upload(DlibFace("2008_002506.jpg"), &photo,
                               [&](auto& m) { m.mutable_photo()->set_depicts(mark_name); });
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(photo.depicts(), mark_name);
  EXPECT_EQ(photo.faces_size(), 0);
  EXPECT_FALSE(photo.has_template());
  EXPECT_EQ(Count("SELECT count(*) FROM face_templates"), 0);
  // Another record's mark, or none at all, is refused.
  status = Upload(DlibFace("dogs.jpg"), &photo,
                  [](auto& m) { m.mutable_photo()->set_depicts("remains/1/marks/1"); });
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"metadata.photo.depicts"});
  status = Upload(DlibFace("dogs.jpg"), &photo,
                  [&](auto& m) { m.mutable_photo()->set_depicts(person_.name() + "/marks/999"); });
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"metadata.photo.depicts"});
}

TEST_F(PhotoServiceTest, MultiFaceSelectionByIndexOrBox) {
  const std::string group = DlibFace("bald_guys.jpg");
  v1::Photo by_index;
  ASSERT_TRUE(Upload(group, &by_index, [](auto& m) { m.set_face_index(3); }).ok());
  EXPECT_EQ(by_index.faces_size(), 24);
  EXPECT_EQ(by_index.chosen_face(), 3);

  const v1::FaceBox target = by_index.faces(7).box();
  v1::Photo by_box;
  ASSERT_TRUE(Upload(group, &by_box, [&](auto& m) {
                *m.mutable_face_box() = target;
                m.mutable_face_box()->set_x(target.x() + 3);  // an examiner's rough box
              }).ok());
  EXPECT_EQ(by_box.chosen_face(), 7);
  // The bytes are stored once.
  EXPECT_EQ(Count("SELECT count(*) FROM photo_blobs"), 1);

  v1::Photo none;
  grpc::Status status = Upload(group, &none, [](auto& m) { m.set_face_index(24); });
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"metadata.face_index"});
  status = Upload(group, &none, [](auto& m) {
    m.mutable_face_box()->set_x(0);
    m.mutable_face_box()->set_y(0);
    m.mutable_face_box()->set_width(5);
    m.mutable_face_box()->set_height(5);
  });
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"metadata.face_box"});
  // A box whose corner would overflow int is refused before any arithmetic.
  status = Upload(group, &none, [](auto& m) {
    m.mutable_face_box()->set_x(2147483000);
    m.mutable_face_box()->set_y(10);
    m.mutable_face_box()->set_width(2147483000);
    m.mutable_face_box()->set_height(10);
  });
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"metadata.face_box"});
  // Impossible values are named, not stored.
  status = Upload(group, &none, [](auto& m) {
    m.mutable_photo()->set_age_at_capture_years(std::numeric_limits<double>::quiet_NaN());
  });
  EXPECT_EQ(testing::BadRequestFields(status),
            std::vector<std::string>{"metadata.photo.age_at_capture_years"});
  status = Upload(group, &none, [](auto& m) {
    m.mutable_photo()->mutable_capture_date()->set_year(2999);
    m.mutable_photo()->mutable_capture_date()->set_month(1);
    m.mutable_photo()->mutable_capture_date()->set_day(1);
  });
  EXPECT_EQ(testing::BadRequestFields(status),
            std::vector<std::string>{"metadata.photo.capture_date"});
  EXPECT_EQ(Count("SELECT count(*) FROM photos"), 2);
}

TEST_F(PhotoServiceTest, RetriedUploadReturnsTheSamePhoto) {
  v1::Photo first, second;
  auto with_id = [](auto& m) { m.set_request_id("upload-1"); };
  ASSERT_TRUE(Upload(DlibFace("2008_002506.jpg"), &first, with_id).ok());
  ASSERT_TRUE(Upload(DlibFace("2008_002506.jpg"), &second, with_id).ok());
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(Count("SELECT count(*) FROM photos"), 1);

  // The same id with other bytes, or other metadata, is another upload: refused, not merged.
  v1::Photo refused;
  grpc::Status status = Upload(DlibFace("2009_004587.jpg"), &refused, with_id);
  EXPECT_EQ(status.error_code(), grpc::ALREADY_EXISTS) << status.error_message();
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"metadata.request_id"});
  status = Upload(DlibFace("2008_002506.jpg"), &refused, [](auto& m) {
    m.set_request_id("upload-1");
    m.mutable_photo()->mutable_capture_date()->set_year(2001);
  });
  EXPECT_EQ(status.error_code(), grpc::ALREADY_EXISTS) << status.error_message();
  EXPECT_EQ(Count("SELECT count(*) FROM photos"), 1);

  // Request ids are scoped to their record: another person's upload-1 is its own photo.
  v1::CreateMissingPersonRequest create;
  create.mutable_missing_person()->set_case_folio("FGE-2");
  create.mutable_missing_person()->set_issuing_authority("FGE BC");
  create.mutable_missing_person()->set_given_names("Otra");
  v1::MissingPerson other;
  ASSERT_TRUE(missing_->CreateMissingPerson(callers_->Context().get(), create, &other).ok());
  v1::Photo theirs;
  ASSERT_TRUE(Upload(DlibFace("2008_002506.jpg"), &theirs, [&](auto& m) {
                m.set_parent(other.name());
                m.set_request_id("upload-1");
              }).ok());
  EXPECT_NE(theirs.name(), first.name());
  EXPECT_EQ(theirs.name().rfind(other.name(), 0), 0u) << theirs.name();
  EXPECT_EQ(Count("SELECT count(*) FROM photos"), 2);
}

TEST_F(PhotoServiceTest, AnalysesAreBoundedInNumberAndStopWhenTheCallerGivesUp) {
  // One analysis slot: a second upload while the first is being analysed is refused, to be
  // retried, rather than queued without bound.
  records::PhotoLibrary library(photo_store_.get(), callers_->scope(), &Pipeline(),
                                {.max_photo_bytes = 1 << 20, .max_concurrent_analyses = 1});
  const auth::Principal ana{"ana", "cbp-bc", auth::Role::kCommissionStaff};
  records::PhotoUpload upload;
  upload.owner_kind = records::RecordKind::kMissingPerson;
  upload.owner_id = std::stoll(person_.name().substr(std::string("missingPersons/").size()));
  upload.source = records::PhotoSource::kFamily;
  upload.bytes = DlibFace("2008_002506.jpg");

  std::promise<void> inside, release;
  std::shared_future<void> released = release.get_future().share();
  std::thread first([&] {
    bool told = false;
    auto result = library.AddPhoto(ana, upload, [&] {
      if (!told) {
        told = true;
        inside.set_value();
        released.wait();
      }
      return false;
    });
    EXPECT_TRUE(result.ok()) << result.status();
  });
  inside.get_future().wait();
  absl::StatusOr<records::Photo> second = library.AddPhoto(ana, upload);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted) << second.status();
  EXPECT_NE(second.status().message().find("retry"), std::string::npos);
  release.set_value();
  first.join();
  EXPECT_EQ(Count("SELECT count(*) FROM photos"), 1);
  ASSERT_TRUE(library.AddPhoto(ana, upload).ok());  // the slot is free again
  EXPECT_EQ(Count("SELECT count(*) FROM photos"), 2);

  // A caller that gave up (its deadline passed) stops the analysis, and nothing is stored.
  absl::StatusOr<records::Photo> abandoned = library.AddPhoto(ana, upload, [] { return true; });
  EXPECT_EQ(abandoned.status().code(), absl::StatusCode::kCancelled) << abandoned.status();
  EXPECT_EQ(Count("SELECT count(*) FROM photos"), 2);

  // Through the RPC: an expired deadline stores nothing either.
  v1::AddPhotoRequest::Metadata metadata;
  metadata.set_parent(person_.name());
  metadata.mutable_photo()->set_source(v1::Photo::FAMILY);
  auto context = callers_->Context();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(150));
  v1::Photo out;
  grpc::Status status =
      cli::UploadPhoto(*photos_, context.get(), metadata, DlibFace("bald_guys.jpg"), &out);
  EXPECT_EQ(status.error_code(), grpc::DEADLINE_EXCEEDED) << status.error_message();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the server notices and stops
  EXPECT_EQ(Count("SELECT count(*) FROM photos"), 2);
}

// A multi-face photo under `import --jobs 4` once timed out at the CLI's 10 s while the server
// stored it: uploads get deadlines proportional to the work, and retries carry the request id.
TEST(PhotoUploadClient, DeadlinesGrowWithTheWorkAndTransientFailuresAreRetried) {
  EXPECT_EQ(cli::UploadTimeout(10, 100 << 10, 1), std::chrono::seconds(15));
  EXPECT_EQ(cli::UploadTimeout(10, 100 << 10, 4), std::chrono::seconds(45));
  EXPECT_EQ(cli::UploadTimeout(10, 20 << 20, 4), std::chrono::seconds(140));
  int calls = 0;
  grpc::Status status = cli::CallWithRetries(
      [&] {
        ++calls;
        return calls < 3 ? grpc::Status(grpc::DEADLINE_EXCEEDED, "slow") : grpc::Status::OK;
      },
      /*idempotent=*/true);
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(calls, 3);
  calls = 0;
  status = cli::CallWithRetries(
      [&] {
        ++calls;
        return grpc::Status(grpc::DEADLINE_EXCEEDED, "slow");
      },
      /*idempotent=*/false);
  EXPECT_EQ(calls, 1);  // without a request id a retry could store twice
  calls = 0;
  status = cli::CallWithRetries(
      [&] {
        ++calls;
        return grpc::Status(grpc::RESOURCE_EXHAUSTED, "photo is larger than the limit");
      },
      true);
  EXPECT_EQ(calls, 1);  // a size limit is not transient
}

TEST_F(PhotoServiceTest, AgeProgressionJoinsWithItsTargetAge) {
  v1::Photo source;
  ASSERT_TRUE(Upload(DlibFace("2008_002506.jpg"), &source).ok());
  v1::Photo progressed;
  grpc::Status status = Upload(DlibFace("2009_004587.jpg"), &progressed, [&](auto& m) {
    v1::AgeProgression* p = m.mutable_photo()->mutable_age_progression();
    p->set_source_photo(source.name());
    p->set_target_age_years(55);
    p->set_method(v1::AgeProgression::FORENSIC_ARTIST);
    p->set_author("Lic. Sofía Ruiz");
  });
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(progressed.synthetic());
  EXPECT_EQ(progressed.source(), v1::Photo::AGE_PROGRESSION);
  EXPECT_EQ(progressed.age_progression().source_photo(), source.name());
  pqxx::connection conn(owner_);
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec_params1("SELECT t.age_years FROM face_templates t JOIN photos p ON "
                            "p.id = t.photo_id WHERE p.synthetic")[0]
                .as<double>(),
            55.0);

  v1::Photo bad;
  status = Upload(DlibFace("2009_004587.jpg"), &bad, [&](auto& m) {
    v1::AgeProgression* p = m.mutable_photo()->mutable_age_progression();
    p->set_source_photo("missingPersons/999/photos/1");
    p->set_target_age_years(200);
  });
  EXPECT_EQ(testing::BadRequestFields(status),
            (std::vector<std::string>{"metadata.photo.age_progression.target_age_years",
                                      "metadata.photo.age_progression.method",
                                      "metadata.photo.age_progression.author",
                                      "metadata.photo.age_progression.source_photo"}));
}

TEST_F(PhotoServiceTest, BadBytesAndLimits) {
  v1::Photo out;
  grpc::Status status = Upload("definitely not an image", &out);
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"chunk"});
  std::string truncated = DlibFace("2008_002506.jpg");
  truncated.resize(truncated.size() / 2);
  EXPECT_EQ(testing::BadRequestFields(Upload(truncated, &out)), std::vector<std::string>{"chunk"});
  // Over the 1 MiB limit this test configured.
  EXPECT_EQ(Upload(std::string(2 << 20, 'x'), &out).error_code(), grpc::RESOURCE_EXHAUSTED);
  status = Upload(DlibFace("2008_002506.jpg"), &out,
                  [](auto& m) { m.set_parent("missingPersons/424242"); });
  EXPECT_EQ(status.error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(Count("SELECT count(*) FROM photos"), 0);
}

TEST_F(PhotoServiceTest, ListAndSoftDelete) {
  v1::Photo a, b;
  ASSERT_TRUE(Upload(DlibFace("2008_002506.jpg"), &a).ok());
  ASSERT_TRUE(Upload(DlibFace("dogs.jpg"), &b).ok());
  v1::DeletePhotoRequest del;
  del.set_name(b.name());
  v1::Photo deleted;
  EXPECT_EQ(photos_->DeletePhoto(callers_->Context().get(), del, &deleted).error_code(),
            grpc::INVALID_ARGUMENT);  // a reason is required
  del.set_reason("not this person");
  ASSERT_TRUE(photos_->DeletePhoto(callers_->Context().get(), del, &deleted).ok());
  EXPECT_EQ(deleted.delete_reason(), "not this person");

  v1::ListPhotosRequest list;
  list.set_parent(person_.name());
  v1::ListPhotosResponse response;
  ASSERT_TRUE(photos_->ListPhotos(callers_->Context().get(), list, &response).ok());
  ASSERT_EQ(response.photos_size(), 1);
  EXPECT_EQ(response.photos(0).name(), a.name());
  list.set_show_deleted(true);
  ASSERT_TRUE(photos_->ListPhotos(callers_->Context().get(), list, &response).ok());
  EXPECT_EQ(response.photos_size(), 2);

  v1::DeleteMissingPersonRequest remove;
  remove.set_name(person_.name());
  remove.set_reason("duplicate");
  v1::MissingPerson removed;
  ASSERT_TRUE(missing_->DeleteMissingPerson(callers_->Context().get(), remove, &removed).ok());
  v1::Photo late;
  EXPECT_EQ(Upload(DlibFace("2008_002506.jpg"), &late).error_code(), grpc::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace encuentro::services
