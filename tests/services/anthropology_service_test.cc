// AnthropologyService over real gRPC, on a real PostgreSQL database: measurement versions,
// validation, landmark imports, and sex and stature estimates saved into the remains record.
#include "services/anthropology_service.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <pqxx/pqxx>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/case_record_services.h"
#include "storage/case_record_store.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "tests/support/bad_request.h"
#include "tests/support/in_process_server.h"
#include "tests/support/postgres_environment.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_callers.h"

namespace encuentro::services {
namespace {

using testing::PostgresEnvironment;

// A small Howells-layout reference: two populations, males larger on GOL, ZYB and BBH, with
// deterministic scatter from co-prime cycles so that the pooled covariance is not singular.
std::string SyntheticReferenceCsv() {
  std::string csv = "ID,Sex,PopNum,Population,GOL,ZYB,BBH,XCB\n";
  int id = 0;
  for (const char* population : {"NORTE", "SUR"}) {
    for (int i = 0; i < 24; ++i) {
      const bool male = i % 2 == 0;
      const int gol = (male ? 186 : 177) + (i * 7) % 11 - 5;
      const int zyb = (male ? 134 : 125) + (i * 5) % 9 - 4;
      const int bbh = (male ? 135 : 129) + (i * 3) % 7 - 3;
      const int xcb = 137 + (i * 4) % 5 - 2;
      csv += std::to_string(++id) + "," + (male ? "M" : "F") + ",1," + population + "," +
             std::to_string(gol) + "," + std::to_string(zyb) + "," + std::to_string(bbh) + "," +
             std::to_string(xcb) + "\n";
    }
  }
  return csv;
}

// The landmarks of tests/anthropology/landmarks_test.cc, whose chords are worked by hand there.
constexpr char kLandmarkCsv[] =
    "landmark,x,y,z\n"
    "glabella,0,0,0\n"
    "opisthocranion,180,0,0\n"
    "euryon_l,90,0,70\n"
    "euryon_r,90,0,-70\n"
    "basion,100,-10,0\n"
    "bregma,100,120,0\n"
    "nasion,28,24,0\n"
    "dacryon_l,25,10,9\n"
    "dacryon_r,31,19,-9\n";

class AnthropologyServiceTest : public ::testing::Test {
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
    measurement_store_ = std::make_unique<storage::MeasurementStore>(database_.get());

    const std::filesystem::path path = temp_.path() / "reference.csv";
    std::ofstream(path) << SyntheticReferenceCsv();
    auto reference = anthropology::ReferenceSample::LoadHowellsCsv(path.string());
    ASSERT_TRUE(reference.ok()) << reference.status();
    reference_.emplace(*std::move(reference));
    StartServer(&*reference_);

    v1::CreateRemainsRequest create;
    create.mutable_remains()->set_case_folio("SEMEFO-TIJ-2024-311");
    create.mutable_remains()->set_lab("SEMEFO Tijuana");
    create.mutable_remains()->set_condition(v1::UnidentifiedRemains::SKELETONIZED);
    ASSERT_TRUE(remains_
                    ->CreateRemains(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(),
                                    create, &remains_record_)
                    .ok());
  }

  // (Re)starts the in-process server, with or without a craniometric reference.
  void StartServer(const anthropology::ReferenceSample* reference) {
    stub_.reset();
    remains_.reset();
    server_.reset();
    remains_service_ = std::make_unique<RemainsServiceImpl>(callers_->gatekeeper(), records_.get());
    measurements_ = std::make_unique<records::MeasurementRecords>(
        measurement_store_.get(), records_.get(), &anthropology::MeasurementCatalog::Embedded(),
        reference, "reference.csv");
    service_ =
        std::make_unique<AnthropologyServiceImpl>(callers_->gatekeeper(), measurements_.get());
    server_ = std::make_unique<testing::InProcessServer>(
        std::vector<grpc::Service*>{remains_service_.get(), service_.get()});
    stub_ = v1::AnthropologyService::NewStub(server_->channel());
    remains_ = v1::RemainsService::NewStub(server_->channel());
  }

  static v1::Measurement Value(const std::string& code, double value,
                               const std::string& unit = "mm") {
    v1::Measurement m;
    m.set_code(code);
    m.set_value(value);
    m.set_unit(unit);
    return m;
  }

  grpc::Status Record(const std::vector<v1::Measurement>& values,
                      v1::RecordMeasurementsResponse* out, bool allow_outliers = false) {
    v1::RecordMeasurementsRequest request;
    request.set_parent(remains_record_.name());
    for (const auto& v : values) *request.mutable_measurement_set()->add_measurements() = v;
    request.mutable_measurement_set()->set_observer("C. Ortega");
    request.mutable_measurement_set()->set_instrument("spreading caliper");
    request.mutable_measurement_set()->mutable_measured_date()->set_year(2024);
    request.mutable_measurement_set()->mutable_measured_date()->set_month(2);
    request.mutable_measurement_set()->mutable_measured_date()->set_day(1);
    request.set_allow_outliers(allow_outliers);
    return stub_->RecordMeasurements(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(),
                                     request, out);
  }

  std::vector<v1::MeasurementSet> Versions() {
    v1::ListMeasurementVersionsRequest request;
    request.set_parent(remains_record_.name());
    v1::ListMeasurementVersionsResponse response;
    EXPECT_TRUE(
        stub_
            ->ListMeasurementVersions(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(),
                                      request, &response)
            .ok());
    return {response.measurement_sets().begin(), response.measurement_sets().end()};
  }

  v1::UnidentifiedRemains GetRemains() {
    v1::GetRemainsRequest request;
    request.set_name(remains_record_.name());
    v1::UnidentifiedRemains out;
    EXPECT_TRUE(remains_
                    ->GetRemains(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(),
                                 request, &out)
                    .ok());
    return out;
  }

  int AuditRows(const std::string& target) {
    pqxx::connection conn(owner_);
    pqxx::read_transaction tx(conn);
    return tx.exec_params1("SELECT count(*) FROM audit_log WHERE $1 = ANY(targets)", target)[0]
        .as<int>();
  }

  testing::TempDir temp_;
  std::string owner_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<testing::TestCallers> callers_;
  std::unique_ptr<storage::CaseRecordStore> record_store_;
  std::unique_ptr<records::CaseRecords> records_;
  std::unique_ptr<storage::MeasurementStore> measurement_store_;
  std::optional<anthropology::ReferenceSample> reference_;
  std::unique_ptr<RemainsServiceImpl> remains_service_;
  std::unique_ptr<records::MeasurementRecords> measurements_;
  std::unique_ptr<AnthropologyServiceImpl> service_;
  std::unique_ptr<testing::InProcessServer> server_;
  std::unique_ptr<v1::AnthropologyService::Stub> stub_;
  std::unique_ptr<v1::RemainsService::Stub> remains_;
  v1::UnidentifiedRemains remains_record_;
};

TEST_F(AnthropologyServiceTest, CatalogListsHowellsLongBonesAndFormulas) {
  v1::ListCatalogResponse catalog;
  ASSERT_TRUE(
      stub_
          ->ListCatalog(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(), {}, &catalog)
          .ok());
  bool gol = false, femur = false;
  for (const auto& m : catalog.measurements()) {
    if (m.code() == "GOL") {
      gol = true;
      EXPECT_EQ(m.kind(), "chord");
      ASSERT_EQ(m.landmarks_size(), 2);
      EXPECT_EQ(m.landmarks(0), "glabella");
    }
    femur |= m.code() == "FEM_MAXL";
  }
  EXPECT_TRUE(gol);
  EXPECT_TRUE(femur);
  EXPECT_GT(catalog.landmarks_size(), 20);
  EXPECT_FALSE(catalog.sources().empty());
  EXPECT_FALSE(catalog.stature_formulas().empty());
}

TEST_F(AnthropologyServiceTest, ReMeasurementAddsAVersionAndKeepsHistory) {
  v1::RecordMeasurementsResponse first, second;
  ASSERT_TRUE(Record({Value("GOL", 180), Value("XCB", 140)}, &first).ok());
  EXPECT_EQ(first.measurement_set().name(), remains_record_.name() + "/measurementSets/1");
  EXPECT_EQ(first.measurement_set().origin(), v1::MEASURED);
  EXPECT_EQ(first.measurement_set().observer(), "C. Ortega");
  EXPECT_EQ(first.measurement_set().created_by(), "lab1");
  EXPECT_EQ(first.measurement_set().measured_date().month(), 2);
  EXPECT_TRUE(first.warnings().empty());
  // A partial set is normal.
  ASSERT_TRUE(Record({Value("GOL", 182)}, &second).ok());
  EXPECT_EQ(second.measurement_set().version(), 2);

  const std::vector<v1::MeasurementSet> versions = Versions();
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].version(), 2);  // Newest first: the default.
  EXPECT_EQ(versions[1].version(), 1);
  ASSERT_EQ(versions[1].measurements_size(), 2);
  EXPECT_EQ(versions[1].measurements(0).code(), "GOL");
  EXPECT_EQ(versions[1].measurements(0).value(), 180);
  EXPECT_EQ(versions[1].measurements(1).code(), "XCB");
  EXPECT_EQ(AuditRows(first.measurement_set().name()), 1);
  {
    // The listing is a read of case data: audited once, under its own method.
    pqxx::connection conn(owner_);
    pqxx::read_transaction tx(conn);
    EXPECT_EQ(
        tx.exec_params1("SELECT count(*) FROM audit_log WHERE method = $1 AND $2 = "
                        "ANY(targets)",
                        "AnthropologyService/ListMeasurementVersions", remains_record_.name())[0]
            .as<int>(),
        1);
  }
  EXPECT_EQ(AuditRows(second.measurement_set().name()), 1);

  // Pages of one.
  v1::ListMeasurementVersionsRequest request;
  request.set_parent(remains_record_.name());
  request.set_page_size(1);
  v1::ListMeasurementVersionsResponse page;
  ASSERT_TRUE(stub_
                  ->ListMeasurementVersions(
                      callers_->Context("lab1", "semefo-tij", "forensic_lab").get(), request, &page)
                  .ok());
  ASSERT_EQ(page.measurement_sets_size(), 1);
  EXPECT_EQ(page.measurement_sets(0).version(), 2);
  request.set_page_token(page.next_page_token());
  ASSERT_TRUE(stub_
                  ->ListMeasurementVersions(
                      callers_->Context("lab1", "semefo-tij", "forensic_lab").get(), request, &page)
                  .ok());
  ASSERT_EQ(page.measurement_sets_size(), 1);
  EXPECT_EQ(page.measurement_sets(0).version(), 1);
  EXPECT_TRUE(page.next_page_token().empty());

  // Estimates use the latest version unless told otherwise.
  v1::EstimateSexRequest sex;
  sex.set_remains(remains_record_.name());
  v1::EstimateSexResponse sex_estimate;
  ASSERT_TRUE(stub_
                  ->EstimateSex(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(), sex,
                                &sex_estimate)
                  .ok());
  EXPECT_EQ(sex_estimate.measurement_set(), second.measurement_set().name());
  sex.set_measurement_set(first.measurement_set().name());
  ASSERT_TRUE(stub_
                  ->EstimateSex(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(), sex,
                                &sex_estimate)
                  .ok());
  EXPECT_EQ(sex_estimate.measurement_set(), first.measurement_set().name());
  sex.set_measurement_set("remains/77/measurementSets/1");
  EXPECT_EQ(testing::BadRequestFields(stub_->EstimateSex(
                callers_->Context("lab1", "semefo-tij", "forensic_lab").get(), sex, &sex_estimate)),
            std::vector<std::string>{"measurement_set"});
  v1::EstimateStatureRequest stature;
  stature.set_remains(remains_record_.name());
  stature.set_formula_id("genoves1967_dac2004_male_femur");
  v1::EstimateStatureResponse response;
  grpc::Status status = stub_->EstimateStature(
      callers_->Context("lab1", "semefo-tij", "forensic_lab").get(), stature, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);  // No femur yet.
}

TEST_F(AnthropologyServiceTest, EachValidationRuleIsEnforced) {
  v1::RecordMeasurementsResponse out;
  grpc::Status unknown = Record({Value("GOLL", 182)}, &out);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(testing::BadRequestFields(unknown),
            std::vector<std::string>{"measurement_set.measurements[GOLL]"});

  grpc::Status unit = Record({Value("GOL", 18.2, "cm")}, &out);
  EXPECT_EQ(unit.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(testing::BadRequestFields(unit),
            std::vector<std::string>{"measurement_set.measurements[GOL]"});
  EXPECT_NE(unit.error_message().find("centimetres"), std::string::npos) << unit.error_message();

  grpc::Status range = Record({Value("GOL", 260)}, &out);
  EXPECT_EQ(range.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(testing::BadRequestFields(range),
            std::vector<std::string>{"measurement_set.measurements[GOL]"});

  grpc::Status impossible = Record({Value("GOL", 180), Value("NOL", 186)}, &out);
  EXPECT_EQ(impossible.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(testing::BadRequestFields(impossible),
            std::vector<std::string>{"measurement_set.measurements[NOL]"});

  grpc::Status empty = Record({}, &out);
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Versions().empty());  // Nothing refused was stored.

  // The analyst re-measured: an outlier is accepted with a warning.
  ASSERT_TRUE(Record({Value("GOL", 260)}, &out, /*allow_outliers=*/true).ok());
  ASSERT_EQ(out.warnings_size(), 1);
  EXPECT_EQ(out.warnings(0).field(), "measurement_set.measurements[GOL]");
  EXPECT_EQ(out.warnings(0).reason(), "out_of_range");
  EXPECT_TRUE(out.measurement_set().allow_outliers());
  // An impossible combination stays an error even then.
  impossible = Record({Value("GOL", 180), Value("NOL", 186)}, &out, true);
  EXPECT_EQ(impossible.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::RecordMeasurementsRequest bad_parent;
  bad_parent.set_parent("missingPersons/1");
  *bad_parent.mutable_measurement_set()->add_measurements() = Value("GOL", 180);
  grpc::Status parent = stub_->RecordMeasurements(
      callers_->Context("lab1", "semefo-tij", "forensic_lab").get(), bad_parent, &out);
  EXPECT_EQ(testing::BadRequestFields(parent), std::vector<std::string>{"parent"});
  // A measurement cannot have been taken in the future, nor on an impossible day.
  v1::RecordMeasurementsRequest future;
  future.set_parent(remains_record_.name());
  *future.mutable_measurement_set()->add_measurements() = Value("GOL", 180);
  future.mutable_measurement_set()->set_observer("C. Ortega");
  future.mutable_measurement_set()->mutable_measured_date()->set_year(2999);
  future.mutable_measurement_set()->mutable_measured_date()->set_month(1);
  future.mutable_measurement_set()->mutable_measured_date()->set_day(1);
  EXPECT_EQ(testing::BadRequestFields(stub_->RecordMeasurements(
                callers_->Context("lab1", "semefo-tij", "forensic_lab").get(), future, &out)),
            std::vector<std::string>{"measurement_set.measured_date"});
  future.mutable_measurement_set()->mutable_measured_date()->set_year(67534);
  EXPECT_EQ(testing::BadRequestFields(stub_->RecordMeasurements(
                callers_->Context("lab1", "semefo-tij", "forensic_lab").get(), future, &out)),
            std::vector<std::string>{"measurement_set.measured_date"});
  // Observer, instrument and notes have the limits of every stored text.
  v1::RecordMeasurementsRequest wordy = future;
  wordy.mutable_measurement_set()->clear_measured_date();
  wordy.mutable_measurement_set()->set_observer(std::string(201, 'o'));
  wordy.mutable_measurement_set()->set_instrument(std::string(201, 'i'));
  wordy.mutable_measurement_set()->set_notes(std::string(4001, 'n'));
  EXPECT_EQ(testing::BadRequestFields(stub_->RecordMeasurements(
                callers_->Context("lab1", "semefo-tij", "forensic_lab").get(), wordy, &out)),
            (std::vector<std::string>{"measurement_set.observer", "measurement_set.instrument",
                                      "measurement_set.notes"}));

  bad_parent.set_parent("remains/9999");
  EXPECT_EQ(stub_
                ->RecordMeasurements(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(),
                                     bad_parent, &out)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(AnthropologyServiceTest, LandmarkImportReproducesHandComputedChords) {
  v1::ImportLandmarksRequest request;
  request.set_parent(remains_record_.name());
  request.set_csv(kLandmarkCsv);
  request.set_observer("C. Ortega");
  request.set_instrument("MicroScribe G2X");
  v1::ImportLandmarksResponse response;
  grpc::Status status = stub_->ImportLandmarks(
      callers_->Context("lab1", "semefo-tij", "forensic_lab").get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const v1::MeasurementSet& set = response.measurement_set();
  EXPECT_EQ(set.origin(), v1::DERIVED_FROM_LANDMARKS);
  EXPECT_EQ(set.landmarks_size(), 9);
  std::map<std::string, double> chords;
  for (const auto& m : set.measurements()) {
    EXPECT_EQ(m.origin(), v1::DERIVED_FROM_LANDMARKS);
    chords[m.code()] = m.value();
  }
  EXPECT_EQ(chords.size(), 7u);
  EXPECT_DOUBLE_EQ(chords["GOL"], 180.0);
  EXPECT_DOUBLE_EQ(chords["XCB"], 140.0);
  EXPECT_DOUBLE_EQ(chords["BBH"], 130.0);
  EXPECT_DOUBLE_EQ(chords["FRC"], 120.0);  // (72, 96, 0): 72² + 96² = 120².
  EXPECT_DOUBLE_EQ(chords["DKB"], 21.0);   // (6, 9, -18): 36 + 81 + 324 = 21².
  EXPECT_DOUBLE_EQ(chords["BNL"], std::sqrt(6340.0));
  EXPECT_DOUBLE_EQ(chords["NOL"], std::sqrt(152.0 * 152 + 24 * 24));

  // Stored exactly, landmarks included.
  const std::vector<v1::MeasurementSet> versions = Versions();
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_EQ(versions[0].measurements_size(), 7);
  EXPECT_EQ(versions[0].landmarks(8).name(), "dacryon_r");
  EXPECT_EQ(versions[0].landmarks(8).z(), -9);
  EXPECT_EQ(versions[0].instrument(), "MicroScribe G2X");

  request.set_csv("glabella,0,0,0\nglabela,1,2,3\n");
  status = stub_->ImportLandmarks(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(),
                                  request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"csv"});
  EXPECT_NE(status.error_message().find("line 2"), std::string::npos) << status.error_message();

  request.set_csv("glabella,0,0,0\n");  // No chord has both ends.
  status = stub_->ImportLandmarks(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(),
                                  request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Versions().size(), 1u);
}

TEST_F(AnthropologyServiceTest, SexEstimateIsSavedIntoTheBiologicalProfile) {
  v1::RecordMeasurementsResponse recorded;
  ASSERT_TRUE(
      Record({Value("GOL", 190), Value("ZYB", 137), Value("BBH", 137), Value("FEM_MAXL", 450)},
             &recorded)
          .ok());
  v1::EstimateSexRequest request;
  request.set_remains(remains_record_.name());
  v1::EstimateSexResponse estimate;
  grpc::Status status = stub_->EstimateSex(
      callers_->Context("lab1", "semefo-tij", "forensic_lab").get(), request, &estimate);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(estimate.estimated_sex(), v1::MALE);
  EXPECT_NEAR(estimate.male().posterior() + estimate.female().posterior(), 1.0, 1e-12);
  EXPECT_GT(estimate.male().posterior(), 0.9);
  EXPECT_GT(estimate.male().typicality(), 0.0);
  // FEM_MAXL is not in the reference; XCB is not in the case.
  EXPECT_EQ(std::vector<std::string>(estimate.variables().begin(), estimate.variables().end()),
            (std::vector<std::string>{"GOL", "ZYB", "BBH"}));
  EXPECT_EQ(estimate.reference_rows_used(), 48);
  EXPECT_EQ(estimate.loo_total(), 48);
  EXPECT_GT(estimate.loo_accuracy(), 0.5);
  EXPECT_EQ(estimate.measurement_set(), recorded.measurement_set().name());
  EXPECT_FALSE(estimate.has_remains());  // Not saved unless asked.
  EXPECT_FALSE(GetRemains().biological_profile().has_sex());

  // One population only, saved, checked against the etag read.
  request.add_populations("SUR");
  request.set_save_to_profile(true);
  request.set_etag(remains_record_.etag());
  status = stub_->EstimateSex(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(),
                              request, &estimate);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(estimate.reference_rows_used(), 24);
  const v1::UnidentifiedRemains saved = GetRemains();
  EXPECT_NE(saved.etag(), remains_record_.etag());
  EXPECT_EQ(estimate.remains().etag(), saved.etag());
  const auto& sex = saved.biological_profile().sex();
  EXPECT_EQ(sex.sex(), v1::MALE);
  EXPECT_DOUBLE_EQ(sex.probability(), estimate.male().posterior());
  EXPECT_EQ(sex.assessment().author(), "lab1");
  EXPECT_NE(sex.assessment().method().find("LDA"), std::string::npos);
  EXPECT_NE(sex.assessment().method().find("reference.csv"), std::string::npos);
  EXPECT_NE(sex.assessment().method().find("SUR"), std::string::npos);
  EXPECT_EQ(sex.assessment().method(), estimate.method());
  EXPECT_GE(AuditRows(remains_record_.name()), 3);  // create, measurements, profile update

  // The same stale etag is now refused.
  EXPECT_EQ(stub_
                ->EstimateSex(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(),
                              request, &estimate)
                .error_code(),
            grpc::StatusCode::ABORTED);

  // Explicit values instead of the stored set; a clear female.
  v1::EstimateSexRequest explicit_values;
  explicit_values.set_remains(remains_record_.name());
  *explicit_values.add_measurements() = Value("GOL", 172);
  *explicit_values.add_measurements() = Value("ZYB", 122);
  status = stub_->EstimateSex(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(),
                              explicit_values, &estimate);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(estimate.estimated_sex(), v1::FEMALE);
  EXPECT_TRUE(estimate.measurement_set().empty());

  request.clear_populations();
  request.add_populations("ATLANTIS");
  request.clear_etag();
  EXPECT_EQ(stub_
                ->EstimateSex(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(),
                              request, &estimate)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AnthropologyServiceTest, SexEstimateWithoutReferenceSaysHowToConfigureIt) {
  StartServer(nullptr);
  v1::RecordMeasurementsResponse recorded;
  ASSERT_TRUE(Record({Value("GOL", 190)}, &recorded).ok());
  v1::EstimateSexRequest request;
  request.set_remains(remains_record_.name());
  v1::EstimateSexResponse estimate;
  grpc::Status status = stub_->EstimateSex(
      callers_->Context("lab1", "semefo-tij", "forensic_lab").get(), request, &estimate);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("--cranio-reference"), std::string::npos);
}

TEST_F(AnthropologyServiceTest, StatureWorkedExampleIsSavedIntoTheBiologicalProfile) {
  v1::RecordMeasurementsResponse recorded;
  ASSERT_TRUE(Record({Value("FEM_MAXL", 450), Value("TIB_MAXL", 360)}, &recorded).ok());
  // Genovés (1967) as corrected by del Angel & Cisneros (2004), male femur:
  // 2.262 x 45.0 cm + 63.89 = 165.68 cm, SE 3.417 cm; +/- 2 SE = 158.846-172.514 cm.
  v1::EstimateStatureRequest request;
  request.set_remains(remains_record_.name());
  request.set_formula_id("genoves1967_dac2004_male_femur");
  request.set_save_to_profile(true);
  v1::EstimateStatureResponse response;
  grpc::Status status = stub_->EstimateStature(
      callers_->Context("lab1", "semefo-tij", "forensic_lab").get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_NEAR(response.estimate().stature_cm(), 165.68, 1e-9);
  EXPECT_NEAR(response.estimate().min_cm(), 158.846, 1e-9);
  EXPECT_NEAR(response.estimate().max_cm(), 172.514, 1e-9);
  EXPECT_DOUBLE_EQ(response.estimate().standard_error_cm(), 3.417);
  EXPECT_EQ(response.estimate().bone_length_mm(), 450);
  EXPECT_NE(response.estimate().source().find("Genov"), std::string::npos);
  EXPECT_TRUE(response.alternatives().empty());

  const v1::UnidentifiedRemains saved = GetRemains();
  EXPECT_NE(saved.etag(), remains_record_.etag());
  const auto& stature = saved.biological_profile().stature();
  EXPECT_NEAR(stature.min_cm(), 158.846, 1e-9);
  EXPECT_NEAR(stature.max_cm(), 172.514, 1e-9);
  EXPECT_EQ(stature.assessment().author(), "lab1");
  EXPECT_NE(stature.assessment().method().find("genoves1967_dac2004_male_femur"),
            std::string::npos);

  // By group and sex: every measured bone, the smallest SE first (tibia 2.812 < femur 3.417),
  // at +/- 1 SE.
  v1::EstimateStatureRequest by_group;
  by_group.set_remains(remains_record_.name());
  by_group.set_reference_group("mesoamerican");
  by_group.set_sex(v1::MALE);
  by_group.set_standard_errors(1);
  status = stub_->EstimateStature(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(),
                                  by_group, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.estimate().formula_id(), "genoves1967_dac2004_male_tibia");
  EXPECT_NEAR(response.estimate().max_cm() - response.estimate().stature_cm(), 2.812, 1e-9);
  ASSERT_EQ(response.alternatives_size(), 1);
  EXPECT_EQ(response.alternatives(0).formula_id(), "genoves1967_dac2004_male_femur");

  request.set_formula_id("no_such_formula");
  status = stub_->EstimateStature(callers_->Context("lab1", "semefo-tij", "forensic_lab").get(),
                                  request, &response);
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"formula_id"});
}

}  // namespace
}  // namespace encuentro::services
