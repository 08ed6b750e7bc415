// MarkService and DentalService, the parts of a record kept as resources of their own, over
// real gRPC on a real PostgreSQL database: the resource methods, the owning record's scope,
// validation field by field, and search of marks by description in Spanish.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/case_record_services.h"
#include "services/dental_service.h"
#include "services/dna_sample_service.h"
#include "services/effect_service.h"
#include "services/mark_service.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "tests/support/bad_request.h"
#include "tests/support/in_process_server.h"
#include "tests/support/postgres_environment.h"
#include "tests/support/test_callers.h"

namespace encuentro::services {
namespace {

using testing::PostgresEnvironment;
using Mark = v1::DistinguishingMark;

class RecordPartsTest : public ::testing::Test {
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
    mark_store_ = std::make_unique<storage::MarkStore>(database_.get());
    records_ = std::make_unique<records::CaseRecords>(record_store_.get(), callers_->scope());
    marks_ = std::make_unique<records::MarkRecords>(mark_store_.get(), record_store_.get(),
                                                    callers_->scope());
    missing_service_ =
        std::make_unique<MissingPersonServiceImpl>(callers_->gatekeeper(), records_.get());
    remains_service_ = std::make_unique<RemainsServiceImpl>(callers_->gatekeeper(), records_.get());
    mark_service_ = std::make_unique<MarkServiceImpl>(callers_->gatekeeper(), marks_.get());
    dental_store_ = std::make_unique<storage::DentalStore>(database_.get());
    dental_ = std::make_unique<records::DentalCharts>(dental_store_.get(), record_store_.get(),
                                                      callers_->scope());
    dental_service_ = std::make_unique<DentalServiceImpl>(callers_->gatekeeper(), dental_.get());
    dna_store_ = std::make_unique<storage::DnaSampleStore>(database_.get());
    dna_ = std::make_unique<records::DnaSamples>(dna_store_.get(), record_store_.get(),
                                                 callers_->scope());
    dna_service_ = std::make_unique<DnaSampleServiceImpl>(callers_->gatekeeper(), dna_.get());
    effect_store_ = std::make_unique<storage::EffectStore>(database_.get());
    effects_ = std::make_unique<records::PersonalEffects>(effect_store_.get(), record_store_.get(),
                                                          callers_->scope());
    effect_service_ = std::make_unique<EffectServiceImpl>(callers_->gatekeeper(), effects_.get());
    server_ = std::make_unique<testing::InProcessServer>(std::vector<grpc::Service*>{
        missing_service_.get(), remains_service_.get(), mark_service_.get(), dental_service_.get(),
        dna_service_.get(), effect_service_.get()});
    dna_stub_ = v1::DnaSampleService::NewStub(server_->channel());
    effect_stub_ = v1::EffectService::NewStub(server_->channel());
    dental_stub_ = v1::DentalService::NewStub(server_->channel());
    missing_ = v1::MissingPersonService::NewStub(server_->channel());
    remains_ = v1::RemainsService::NewStub(server_->channel());
    marks_stub_ = v1::MarkService::NewStub(server_->channel());

    v1::CreateMissingPersonRequest person;
    person.mutable_missing_person()->set_case_folio("FGE-BC-1");
    person.mutable_missing_person()->set_issuing_authority("FGE BC");
    person.mutable_missing_person()->set_given_names("María");
    v1::MissingPerson created_person;
    ASSERT_TRUE(
        missing_->CreateMissingPerson(callers_->Context().get(), person, &created_person).ok());
    person_ = created_person.name();
    v1::CreateRemainsRequest remains;
    remains.mutable_remains()->set_case_folio("PM-1");
    remains.mutable_remains()->set_lab("SEMEFO Tijuana");
    v1::UnidentifiedRemains created_remains;
    ASSERT_TRUE(remains_->CreateRemains(Lab().get(), remains, &created_remains).ok());
    remains_name_ = created_remains.name();
  }

  std::unique_ptr<grpc::ClientContext> Lab() {
    return callers_->Context("luis", "semefo-tij", "forensic_lab");
  }

  static Mark Tattoo() {
    Mark m;
    m.set_kind(Mark::TATTOO);
    m.set_body_region(Mark::FOREARM);
    m.set_body_side(Mark::LEFT);
    m.set_location_detail("cara interna");
    m.set_description("Rosas con el nombre MARÍA");
    m.add_keywords("rosas");
    m.add_keywords("nombre: MARÍA");
    return m;
  }

  grpc::Status Create(std::unique_ptr<grpc::ClientContext> context, const std::string& parent,
                      const Mark& mark, Mark* out, const std::string& request_id = "") {
    v1::CreateMarkRequest request;
    request.set_parent(parent);
    *request.mutable_mark() = mark;
    request.set_request_id(request_id);
    return marks_stub_->CreateMark(context.get(), request, out);
  }

  grpc::Status Search(std::unique_ptr<grpc::ClientContext> context,
                      const v1::SearchMarksRequest& request, v1::SearchMarksResponse* out) {
    return marks_stub_->SearchMarks(context.get(), request, out);
  }

  int AuditRows(const std::string& method, const std::string& target) {
    pqxx::connection conn(owner_);
    pqxx::read_transaction tx(conn);
    return tx
        .exec_params1("SELECT count(*) FROM audit_log WHERE method = $1 AND $2 = ANY(targets)",
                      method, target)[0]
        .as<int>();
  }

  std::string owner_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<testing::TestCallers> callers_;
  std::unique_ptr<storage::CaseRecordStore> record_store_;
  std::unique_ptr<storage::MarkStore> mark_store_;
  std::unique_ptr<records::CaseRecords> records_;
  std::unique_ptr<records::MarkRecords> marks_;
  std::unique_ptr<MissingPersonServiceImpl> missing_service_;
  std::unique_ptr<RemainsServiceImpl> remains_service_;
  std::unique_ptr<MarkServiceImpl> mark_service_;
  std::unique_ptr<storage::DentalStore> dental_store_;
  std::unique_ptr<records::DentalCharts> dental_;
  std::unique_ptr<DentalServiceImpl> dental_service_;
  std::unique_ptr<v1::DentalService::Stub> dental_stub_;
  std::unique_ptr<storage::DnaSampleStore> dna_store_;
  std::unique_ptr<records::DnaSamples> dna_;
  std::unique_ptr<DnaSampleServiceImpl> dna_service_;
  std::unique_ptr<v1::DnaSampleService::Stub> dna_stub_;
  std::unique_ptr<storage::EffectStore> effect_store_;
  std::unique_ptr<records::PersonalEffects> effects_;
  std::unique_ptr<EffectServiceImpl> effect_service_;
  std::unique_ptr<v1::EffectService::Stub> effect_stub_;
  std::unique_ptr<testing::InProcessServer> server_;
  std::unique_ptr<v1::MissingPersonService::Stub> missing_;
  std::unique_ptr<v1::RemainsService::Stub> remains_;
  std::unique_ptr<v1::MarkService::Stub> marks_stub_;
  std::string person_;
  std::string remains_name_;
};

TEST_F(RecordPartsTest, StandardMethodsWithEtagsAndAudit) {
  Mark created;
  grpc::Status status = Create(callers_->Context(), person_, Tattoo(), &created, "req-1");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(created.name(), person_ + "/marks/1");
  EXPECT_EQ(created.organization(), "cbp-bc");
  EXPECT_EQ(created.keywords_size(), 2);
  EXPECT_EQ(created.body_side(), Mark::LEFT);
  EXPECT_EQ(AuditRows("MarkService/CreateMark", created.name()), 1);

  // A retry with the same request id returns the same mark; the record shows it.
  Mark retried;
  ASSERT_TRUE(Create(callers_->Context(), person_, Tattoo(), &retried, "req-1").ok());
  EXPECT_EQ(retried.name(), created.name());
  // The same id with another mark is refused, naming the mark it made.
  Mark scar = Tattoo();
  scar.set_kind(Mark::SCAR);
  status = Create(callers_->Context(), person_, scar, &retried, "req-1");
  EXPECT_EQ(status.error_code(), grpc::ALREADY_EXISTS) << status.error_message();
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"request_id"});
  EXPECT_NE(status.error_message().find(created.name()), std::string::npos);
  v1::GetMissingPersonRequest get_person;
  get_person.set_name(person_);
  v1::MissingPerson person;
  ASSERT_TRUE(missing_->GetMissingPerson(callers_->Context().get(), get_person, &person).ok());
  ASSERT_EQ(person.marks_size(), 1);
  EXPECT_EQ(person.marks(0).description(), "Rosas con el nombre MARÍA");

  // Update by mask; a stale etag is refused.
  v1::UpdateMarkRequest update;
  update.mutable_mark()->set_name(created.name());
  update.mutable_mark()->set_etag(created.etag());
  update.mutable_mark()->set_description("Rosa roja con el nombre MARÍA");
  update.mutable_update_mask()->add_paths("description");
  Mark updated;
  status = marks_stub_->UpdateMark(callers_->Context().get(), update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.description(), "Rosa roja con el nombre MARÍA");
  EXPECT_EQ(updated.keywords_size(), 2) << "fields outside the mask stay";
  EXPECT_NE(updated.etag(), created.etag());
  EXPECT_EQ(marks_stub_->UpdateMark(callers_->Context().get(), update, &updated).error_code(),
            grpc::ABORTED);
  update.mutable_update_mask()->set_paths(0, "organization");
  update.mutable_mark()->clear_etag();
  EXPECT_EQ(marks_stub_->UpdateMark(callers_->Context().get(), update, &updated).error_code(),
            grpc::INVALID_ARGUMENT);

  v1::ListMarksRequest list;
  list.set_parent(person_);
  v1::ListMarksResponse listed;
  ASSERT_TRUE(marks_stub_->ListMarks(callers_->Context().get(), list, &listed).ok());
  EXPECT_EQ(listed.marks_size(), 1);

  // Soft delete needs a reason; the record then shows no marks, the mark stays readable.
  v1::DeleteMarkRequest remove;
  remove.set_name(created.name());
  Mark deleted;
  EXPECT_EQ(marks_stub_->DeleteMark(callers_->Context().get(), remove, &deleted).error_code(),
            grpc::INVALID_ARGUMENT);
  remove.set_reason("registrado en la persona equivocada");
  ASSERT_TRUE(marks_stub_->DeleteMark(callers_->Context().get(), remove, &deleted).ok());
  EXPECT_TRUE(deleted.has_delete_time());
  ASSERT_TRUE(missing_->GetMissingPerson(callers_->Context().get(), get_person, &person).ok());
  EXPECT_EQ(person.marks_size(), 0);
  v1::GetMarkRequest get;
  get.set_name(created.name());
  Mark read;
  ASSERT_TRUE(marks_stub_->GetMark(callers_->Context().get(), get, &read).ok());
  EXPECT_TRUE(read.has_delete_time());
  EXPECT_EQ(AuditRows("MarkService/GetMark", created.name()), 1);
  EXPECT_EQ(AuditRows("MarkService/DeleteMark", created.name()), 1);
}

TEST_F(RecordPartsTest, MarksFollowTheScopeOfTheirRecord) {
  Mark out;
  // Another commission may neither add to nor read this commission's missing person.
  EXPECT_EQ(Create(callers_->Context("eva", "cbp-son", "commission_staff"), person_, Tattoo(), &out)
                .error_code(),
            grpc::PERMISSION_DENIED);
  // A lab records marks on its own remains; commissions read them; another lab cannot.
  Mark on_remains;
  ASSERT_TRUE(Create(Lab(), remains_name_, Tattoo(), &on_remains).ok());
  v1::GetMarkRequest get;
  get.set_name(on_remains.name());
  EXPECT_TRUE(marks_stub_->GetMark(callers_->Context().get(), get, &out).ok());
  EXPECT_EQ(
      marks_stub_->GetMark(callers_->Context("rosa", "semefo-son", "forensic_lab").get(), get, &out)
          .error_code(),
      grpc::PERMISSION_DENIED);
  EXPECT_EQ(Create(callers_->Context(), remains_name_, Tattoo(), &out).error_code(),
            grpc::PERMISSION_DENIED)
      << "only the lab that holds the remains changes them";
  // The mark must belong to the record its name says.
  get.set_name(person_ + "/marks/" + on_remains.name().substr(on_remains.name().rfind('/') + 1));
  EXPECT_EQ(marks_stub_->GetMark(callers_->Context().get(), get, &out).error_code(),
            grpc::NOT_FOUND);
  EXPECT_EQ(Create(callers_->Context(), "missingPersons/999", Tattoo(), &out).error_code(),
            grpc::NOT_FOUND);
  // A deleted record takes no new marks.
  v1::DeleteMissingPersonRequest remove;
  remove.set_name(person_);
  remove.set_reason("duplicado");
  v1::MissingPerson removed;
  ASSERT_TRUE(missing_->DeleteMissingPerson(callers_->Context().get(), remove, &removed).ok());
  EXPECT_EQ(Create(callers_->Context(), person_, Tattoo(), &out).error_code(),
            grpc::FAILED_PRECONDITION);
}

TEST_F(RecordPartsTest, BadMarksAreRefusedFieldByField) {
  Mark bad;
  bad.set_location_detail(std::string(201, 'x'));
  bad.mutable_implant()->set_serial_number("SN-1");
  Mark out;
  grpc::Status status = Create(callers_->Context(), person_, bad, &out);
  ASSERT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(testing::BadRequestFields(status),
            (std::vector<std::string>{"mark.kind", "mark.location_detail", "mark.description",
                                      "mark.implant"}));
  Mark too_many = Tattoo();
  for (int i = 0; i < 20; ++i) too_many.add_keywords(std::string(1, static_cast<char>('a' + i)));
  status = Create(callers_->Context(), person_, too_many, &out);
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"mark.keywords"});
  Mark blank = Tattoo();
  blank.set_keywords(0, " ");
  status = Create(callers_->Context(), person_, blank, &out);
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"mark.keywords[0]"});
  Mark unknown = Tattoo();
  unknown.set_body_region(static_cast<Mark::BodyRegion>(99));
  status = Create(callers_->Context(), person_, unknown, &out);
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"mark.body_region"});
  v1::CreateMarkRequest raw;
  raw.set_parent("personas/1");
  status = marks_stub_->CreateMark(callers_->Context().get(), raw, &out);
  EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{"parent"});
}

TEST_F(RecordPartsTest, SearchFindsMarksByDescriptionInSpanish) {
  Mark tattoo = Tattoo();
  Mark created;
  ASSERT_TRUE(Create(Lab(), remains_name_, tattoo, &created).ok());
  Mark scar;
  scar.set_kind(Mark::SCAR);
  scar.set_body_region(Mark::ABDOMEN);
  scar.set_description("Cicatriz quirúrgica de apendicectomía");
  ASSERT_TRUE(Create(Lab(), remains_name_, scar, &created).ok());

  v1::SearchMarksRequest request;
  request.set_query("rosa");  // the mark says "Rosas"
  v1::SearchMarksResponse found;
  grpc::Status status = Search(callers_->Context(), request, &found);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(found.marks_size(), 1);
  EXPECT_EQ(found.marks(0).name(), remains_name_ + "/marks/1");
  request.set_query("maria");  // accents ignored
  ASSERT_TRUE(Search(callers_->Context(), request, &found).ok());
  EXPECT_EQ(found.marks_size(), 1);
  request.set_query("apendicectomia");
  ASSERT_TRUE(Search(callers_->Context(), request, &found).ok());
  EXPECT_EQ(found.marks_size(), 1);
  // Kind, region and side narrow it.
  request.set_query("rosa");
  request.set_body_region(Mark::FOREARM);
  request.set_body_side(Mark::LEFT);
  request.add_kinds(Mark::TATTOO);
  ASSERT_TRUE(Search(callers_->Context(), request, &found).ok());
  EXPECT_EQ(found.marks_size(), 1);
  request.set_body_side(Mark::RIGHT);
  ASSERT_TRUE(Search(callers_->Context(), request, &found).ok());
  EXPECT_EQ(found.marks_size(), 0);

  // A families' collective searches the remains' marks, though it cannot open the remains, and
  // the log records what it searched for.
  const auto family = [this] {
    return callers_->Context("lucia", "madres-buscadoras", "family_auditor");
  };
  v1::SearchMarksRequest by_family;
  by_family.set_query("rosas maría");
  ASSERT_TRUE(Search(family(), by_family, &found).ok());
  ASSERT_EQ(found.marks_size(), 1);
  {
    pqxx::connection conn(owner_);
    pqxx::read_transaction tx(conn);
    EXPECT_EQ(tx.exec1("SELECT outcome->>'query' FROM audit_log WHERE method = "
                       "'MarkService/SearchMarks' AND principal = 'lucia'")[0]
                  .as<std::string>(),
              "rosas maría");
  }
  v1::GetRemainsRequest get;
  get.set_name(remains_name_);
  v1::UnidentifiedRemains remains;
  EXPECT_EQ(remains_->GetRemains(family().get(), get, &remains).error_code(),
            grpc::PERMISSION_DENIED);
  // The missing persons' marks are their commission's to search.
  by_family.set_record_kind(v1::SearchMarksRequest::MISSING_PERSONS);
  EXPECT_EQ(Search(family(), by_family, &found).error_code(), grpc::PERMISSION_DENIED);
  // Paging.
  v1::SearchMarksRequest all;
  all.set_page_size(1);
  ASSERT_TRUE(Search(callers_->Context(), all, &found).ok());
  ASSERT_EQ(found.marks_size(), 1);
  ASSERT_FALSE(found.next_page_token().empty());
  all.set_page_token(found.next_page_token());
  ASSERT_TRUE(Search(callers_->Context(), all, &found).ok());
  EXPECT_EQ(found.marks_size(), 1);
  EXPECT_TRUE(found.next_page_token().empty());
}

TEST_F(RecordPartsTest, DentalChartIsASingletonWithEtagsScopeAndValidation) {
  // Every record has a chart; one never written has no teeth and no etag.
  v1::GetDentalChartRequest get;
  get.set_name(person_ + "/dentalChart");
  v1::DentalChart chart;
  grpc::Status status = dental_stub_->GetDentalChart(callers_->Context().get(), get, &chart);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(chart.teeth_size(), 0);
  EXPECT_TRUE(chart.etag().empty());

  v1::UpdateDentalChartRequest update;
  v1::DentalChart* in = update.mutable_dental_chart();
  in->set_name(person_ + "/dentalChart");
  in->set_source(v1::DentalChart::DENTAL_RECORD);
  in->mutable_source_date()->set_year(2019);
  in->mutable_source_date()->set_month(5);
  in->mutable_source_date()->set_day(2);
  auto* lost = in->add_teeth();
  lost->set_fdi(16);
  lost->set_state(v1::DentalChart::MISSING_ANTE_MORTEM);
  auto* filled = in->add_teeth();
  filled->set_fdi(26);
  filled->set_state(v1::DentalChart::PRESENT);
  auto* filling = filled->add_restorations();
  filling->set_kind(v1::DentalChart::Restoration::FILLING);
  filling->add_surfaces(v1::DentalChart::MESIAL);
  filling->add_surfaces(v1::DentalChart::OCCLUSAL);
  filling->set_material(v1::DentalChart::AMALGAM);
  update.mutable_update_mask()->add_paths("*");
  v1::DentalChart written;
  status = dental_stub_->UpdateDentalChart(callers_->Context().get(), update, &written);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(written.teeth_size(), 2);
  EXPECT_EQ(written.teeth(1).restorations(0).surfaces_size(), 2);
  EXPECT_FALSE(written.etag().empty());
  // The record shows its chart.
  v1::GetMissingPersonRequest get_person;
  get_person.set_name(person_);
  v1::MissingPerson person;
  ASSERT_TRUE(missing_->GetMissingPerson(callers_->Context().get(), get_person, &person).ok());
  EXPECT_EQ(person.dental_chart().teeth_size(), 2);
  // A stale etag is refused; the current one passes.
  in->set_etag("\"7\"");
  EXPECT_EQ(
      dental_stub_->UpdateDentalChart(callers_->Context().get(), update, &written).error_code(),
      grpc::ABORTED);
  in->set_etag(written.etag());
  ASSERT_TRUE(dental_stub_->UpdateDentalChart(callers_->Context().get(), update, &written).ok());

  // Bad teeth are named one by one: not an FDI number, charted twice, a tooth lost after death
  // on a missing person, a filling without a surface.
  v1::UpdateDentalChartRequest bad;
  bad.mutable_dental_chart()->set_name(person_ + "/dentalChart");
  bad.mutable_update_mask()->add_paths("teeth");
  for (int fdi : {19, 11, 11, 21, 22}) {
    auto* t = bad.mutable_dental_chart()->add_teeth();
    t->set_fdi(fdi);
    t->set_state(fdi == 21 ? v1::DentalChart::MISSING_POST_MORTEM : v1::DentalChart::PRESENT);
    if (fdi == 22) t->add_restorations()->set_kind(v1::DentalChart::Restoration::FILLING);
  }
  status = dental_stub_->UpdateDentalChart(callers_->Context().get(), bad, &written);
  ASSERT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(testing::BadRequestFields(status),
            (std::vector<std::string>{"dental_chart.teeth[0].fdi", "dental_chart.teeth[2].fdi",
                                      "dental_chart.teeth[3].state",
                                      "dental_chart.teeth[4].restorations[0].surfaces"}));

  // Scope: another commission may neither read nor write this chart; the lab charts its remains.
  const auto other = [this] { return callers_->Context("eva", "cbp-son", "commission_staff"); };
  EXPECT_EQ(dental_stub_->GetDentalChart(other().get(), get, &chart).error_code(),
            grpc::PERMISSION_DENIED);
  EXPECT_EQ(dental_stub_->UpdateDentalChart(other().get(), update, &written).error_code(),
            grpc::PERMISSION_DENIED);
  v1::UpdateDentalChartRequest pm;
  pm.mutable_dental_chart()->set_name(remains_name_ + "/dentalChart");
  auto* open_socket = pm.mutable_dental_chart()->add_teeth();
  open_socket->set_fdi(11);
  open_socket->set_state(v1::DentalChart::MISSING_POST_MORTEM);
  pm.mutable_update_mask()->add_paths("teeth");
  status = dental_stub_->UpdateDentalChart(Lab().get(), pm, &written);
  EXPECT_TRUE(status.ok()) << status.error_message();
  {
    pqxx::connection conn(owner_);
    pqxx::read_transaction tx(conn);
    EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM audit_log WHERE method = "
                              "'DentalService/UpdateDentalChart' AND $1 = ANY(targets)",
                              person_ + "/dentalChart")[0]
                  .as<int>(),
              2);
  }
  get.set_name("remains/1/dentalChartX");
  EXPECT_EQ(dental_stub_->GetDentalChart(callers_->Context().get(), get, &chart).error_code(),
            grpc::INVALID_ARGUMENT);
}

TEST_F(RecordPartsTest, DnaSamplesAreTrackedOnBothSides) {
  // A family reference sample names its donor and their relationship.
  v1::CreateDnaSampleRequest reference;
  reference.set_parent(person_);
  reference.mutable_dna_sample()->set_lab("Laboratorio de Genética FGE");
  v1::DnaSample out;
  grpc::Status status = dna_stub_->CreateDnaSample(callers_->Context().get(), reference, &out);
  EXPECT_EQ(testing::BadRequestFields(status),
            (std::vector<std::string>{"dna_sample.donor_name", "dna_sample.relationship"}));
  reference.mutable_dna_sample()->set_donor_name("Rosa López");
  reference.mutable_dna_sample()->set_relationship(v1::DnaSample::MOTHER);
  reference.mutable_dna_sample()->set_kit_id("KIT-0042");
  status = dna_stub_->CreateDnaSample(callers_->Context().get(), reference, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(out.name(), person_ + "/dnaSamples/1");
  EXPECT_EQ(out.status(), v1::DnaSample::COLLECTED);

  // A post-mortem sample names the element; only the lab holding the remains records it.
  v1::CreateDnaSampleRequest post_mortem;
  post_mortem.set_parent(remains_name_);
  post_mortem.mutable_dna_sample()->set_donor_name("?");
  status = dna_stub_->CreateDnaSample(Lab().get(), post_mortem, &out);
  EXPECT_EQ(testing::BadRequestFields(status),
            (std::vector<std::string>{"dna_sample.skeletal_element", "dna_sample.donor_name"}));
  post_mortem.mutable_dna_sample()->clear_donor_name();
  post_mortem.mutable_dna_sample()->set_skeletal_element("petrous");
  EXPECT_EQ(dna_stub_->CreateDnaSample(callers_->Context().get(), post_mortem, &out).error_code(),
            grpc::PERMISSION_DENIED);
  ASSERT_TRUE(dna_stub_->CreateDnaSample(Lab().get(), post_mortem, &out).ok());

  // Results arrive: the status changes, with an etag; another lab cannot touch it.
  v1::UpdateDnaSampleRequest update;
  update.mutable_dna_sample()->set_name(out.name());
  update.mutable_dna_sample()->set_etag(out.etag());
  update.mutable_dna_sample()->set_status(v1::DnaSample::PROFILED);
  update.mutable_update_mask()->add_paths("status");
  EXPECT_EQ(dna_stub_
                ->UpdateDnaSample(callers_->Context("rosa", "semefo-son", "forensic_lab").get(),
                                  update, &out)
                .error_code(),
            grpc::PERMISSION_DENIED);
  status = dna_stub_->UpdateDnaSample(Lab().get(), update, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(out.status(), v1::DnaSample::PROFILED);
  EXPECT_EQ(dna_stub_->UpdateDnaSample(Lab().get(), update, &out).error_code(), grpc::ABORTED);

  v1::ListDnaSamplesRequest list;
  list.set_parent(person_);
  v1::ListDnaSamplesResponse listed;
  ASSERT_TRUE(dna_stub_->ListDnaSamples(callers_->Context().get(), list, &listed).ok());
  ASSERT_EQ(listed.dna_samples_size(), 1);
  EXPECT_EQ(listed.dna_samples(0).donor_name(), "Rosa López");
  v1::DeleteDnaSampleRequest remove;
  remove.set_name(person_ + "/dnaSamples/1");
  remove.set_reason("muestra contaminada");
  ASSERT_TRUE(dna_stub_->DeleteDnaSample(callers_->Context().get(), remove, &out).ok());
  ASSERT_TRUE(dna_stub_->ListDnaSamples(callers_->Context().get(), list, &listed).ok());
  EXPECT_EQ(listed.dna_samples_size(), 0);
}

TEST_F(RecordPartsTest, EffectsAreSearchedAndDocumentsStayWithStaff) {
  v1::CreateEffectRequest shirt;
  shirt.set_parent(remains_name_);
  shirt.mutable_effect()->set_category(v1::PersonalEffect::CLOTHING);
  shirt.mutable_effect()->set_description("Camisa de fútbol");
  shirt.mutable_effect()->set_colour("rojiblanca");
  shirt.mutable_effect()->set_brand("Chivas");
  v1::PersonalEffect out;
  grpc::Status status = effect_stub_->CreateEffect(Lab().get(), shirt, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  v1::CreateEffectRequest document;
  document.set_parent(remains_name_);
  document.mutable_effect()->set_category(v1::PersonalEffect::DOCUMENT);
  document.mutable_effect()->set_description("Credencial para votar a nombre de J. P.");
  ASSERT_TRUE(effect_stub_->CreateEffect(Lab().get(), document, &out).ok());
  const std::string document_name = out.name();
  v1::CreateEffectRequest bad;
  bad.set_parent(remains_name_);
  status = effect_stub_->CreateEffect(Lab().get(), bad, &out);
  EXPECT_EQ(testing::BadRequestFields(status),
            (std::vector<std::string>{"effect.category", "effect.description"}));

  // Staff find the shirt in Spanish ("camisas" for "Camisa"), and the document.
  v1::SearchEffectsRequest search;
  search.set_query("camisas chivas");
  v1::SearchEffectsResponse found;
  ASSERT_TRUE(effect_stub_->SearchEffects(callers_->Context().get(), search, &found).ok());
  ASSERT_EQ(found.effects_size(), 1);
  search.set_query("credencial");
  ASSERT_TRUE(effect_stub_->SearchEffects(callers_->Context().get(), search, &found).ok());
  EXPECT_EQ(found.effects_size(), 1);
  // A families' collective finds the shirt but never the document.
  const auto family = [this] {
    return callers_->Context("lucia", "madres-buscadoras", "family_auditor");
  };
  ASSERT_TRUE(effect_stub_->SearchEffects(family().get(), search, &found).ok());
  EXPECT_EQ(found.effects_size(), 0);
  search.set_query("");
  ASSERT_TRUE(effect_stub_->SearchEffects(family().get(), search, &found).ok());
  ASSERT_EQ(found.effects_size(), 1);
  EXPECT_EQ(found.effects(0).category(), v1::PersonalEffect::CLOTHING);
  v1::GetEffectRequest get;
  get.set_name(document_name);
  EXPECT_TRUE(effect_stub_->GetEffect(callers_->Context().get(), get, &out).ok());
  // The record shows both to staff.
  v1::GetRemainsRequest get_remains;
  get_remains.set_name(remains_name_);
  v1::UnidentifiedRemains remains;
  ASSERT_TRUE(remains_->GetRemains(callers_->Context().get(), get_remains, &remains).ok());
  EXPECT_EQ(remains.effects_size(), 2);
}

}  // namespace
}  // namespace encuentro::services
