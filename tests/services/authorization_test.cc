// Who may call what, end to end over gRPC with real principals in PostgreSQL: every RPC of
// every encuentro.v1 service with every role, without a token, with an expired token and with a
// revoked token; the table lists every RPC and nothing else; and scoping hides other
// organizations' records.
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "anthropology/catalog.h"
#include "audit/audit_log.h"
#include "biometrics/face_pipeline.h"
#include "encuentro/v1/matching.grpc.pb.h"
#include "encuentro/v1/missing_persons.grpc.pb.h"
#include "encuentro/v1/photos.grpc.pb.h"
#include "encuentro/v1/remains.grpc.pb.h"
#include "encuentro/v1/server.grpc.pb.h"
#include "matching/matcher.h"
#include "records/case_records.h"
#include "records/photos.h"
#include "services/admin_service.h"
#include "services/anthropology_service.h"
#include "services/audit_service.h"
#include "services/case_record_services.h"
#include "services/dental_service.h"
#include "services/dna_sample_service.h"
#include "services/effect_service.h"
#include "services/mark_service.h"
#include "services/match_service.h"
#include "services/photo_service.h"
#include "services/server_service.h"
#include "storage/audit_store.h"
#include "storage/database.h"
#include "storage/match_store.h"
#include "storage/measurement_store.h"
#include "storage/migrations.h"
#include "tests/support/bad_request.h"
#include "tests/support/face_pipeline.h"
#include "tests/support/in_process_server.h"
#include "tests/support/postgres_environment.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_callers.h"

namespace encuentro::services {
namespace {

using testing::PostgresEnvironment;

// Every method of every service in proto/encuentro/v1, by full name ("encuentro.v1.X.Y").
std::vector<const google::protobuf::MethodDescriptor*> AllMethods() {
  std::vector<const google::protobuf::MethodDescriptor*> methods;
  for (const auto& file : std::filesystem::directory_iterator(ENCUENTRO_TEST_PROTO_DIR)) {
    const auto* descriptor = google::protobuf::DescriptorPool::generated_pool()->FindFileByName(
        "encuentro/v1/" + file.path().filename().string());
    EXPECT_NE(descriptor, nullptr) << file.path() << " is not linked into the server";
    if (descriptor == nullptr) continue;
    for (int s = 0; s < descriptor->service_count(); ++s) {
      for (int m = 0; m < descriptor->service(s)->method_count(); ++m) {
        methods.push_back(descriptor->service(s)->method(m));
      }
    }
  }
  return methods;
}

// Calls any method with one request message of `bytes`, whatever its streaming kind; the
// status.
grpc::Status CallRaw(grpc::Channel* channel, const std::string& method, const std::string& token,
                     const std::string& bytes) {
  grpc::GenericStub stub(channel->shared_from_this());
  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::ClientContext> context = testing::TokenContext(token);
  auto call = stub.PrepareCall(context.get(), method, &cq);
  void* tag = nullptr;
  bool ok = false;
  const auto step = [&](void* expected) {
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(tag, expected);
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  step(reinterpret_cast<void*>(1));
  grpc::Slice payload(bytes);
  grpc::ByteBuffer request(&payload, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  step(reinterpret_cast<void*>(2));
  call->WritesDone(reinterpret_cast<void*>(3));
  step(reinterpret_cast<void*>(3));
  grpc::ByteBuffer response;
  for (;;) {
    call->Read(&response, reinterpret_cast<void*>(4));
    if (!step(reinterpret_cast<void*>(4))) break;
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  step(reinterpret_cast<void*>(5));
  return status;
}

grpc::Status CallEmpty(grpc::Channel* channel, const std::string& method,
                       const std::string& token) {
  return CallRaw(channel, method, token, "");
}

std::string Varint(uint64_t value) {
  std::string out;
  for (; value >= 0x80; value >>= 7) out += static_cast<char>((value & 0x7f) | 0x80);
  out += static_cast<char>(value);
  return out;
}

// A request of `type` whose first string field (depth first, through message fields) holds
// invalid UTF-8: its wire bytes, and the field's path as the server must name it. Empty for a
// type without a string field.
struct Utf8Probe {
  std::string bytes;
  std::string path;
};
std::optional<Utf8Probe> ProbeFor(const google::protobuf::Descriptor* type, int depth = 0) {
  using google::protobuf::FieldDescriptor;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    const std::string index = field->is_repeated() ? "[0]" : "";
    std::optional<Utf8Probe> inner;
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      inner = Utf8Probe{"ok \xff", ""};
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE && depth < 4) {
      inner = ProbeFor(field->message_type(), depth + 1);
    }
    if (!inner) continue;
    const std::string tag = Varint((static_cast<uint64_t>(field->number()) << 3) | 2);
    return Utf8Probe{tag + Varint(inner->bytes.size()) + inner->bytes,
                     field->name() + index + (inner->path.empty() ? "" : "." + inner->path)};
  }
  return std::nullopt;
}

const biometrics::FacePipeline& Pipeline() {
  return testing::SharedFacePipeline(ENCUENTRO_TEST_MODELS_DIR);
}

class AuthorizationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    owner_ = PostgresEnvironment::Get().CreateDatabase();
    ASSERT_TRUE(storage::ApplyMigrations(owner_, storage::BundledMigrations()).ok());
    auto database = storage::Database::Open(
        {.connection_string = owner_, .assume_role = "encuentro_app", .pool_size = 8});
    ASSERT_TRUE(database.ok());
    database_ = *std::move(database);
    callers_ = std::make_unique<testing::TestCallers>(database_.get());
    record_store_ = std::make_unique<storage::CaseRecordStore>(database_.get());
    photo_store_ = std::make_unique<storage::PhotoStore>(database_.get());
    measurement_store_ = std::make_unique<storage::MeasurementStore>(database_.get());
    match_store_ = std::make_unique<storage::MatchStore>(database_.get());
    audit_store_ = std::make_unique<storage::AuditStore>(database_.get());
    records_ = std::make_unique<records::CaseRecords>(record_store_.get(), callers_->scope());
    photos_ = std::make_unique<records::PhotoLibrary>(photo_store_.get(), callers_->scope(),
                                                      &Pipeline(), records::PhotoLibraryOptions{});
    gallery_ = index::FaceGallery::Build({});
    pool_ = std::make_unique<matching::CandidatePool>(gallery_.get());
    sync_ = std::make_unique<matching::MatchingStateSync>(gallery_.get(), pool_.get(),
                                                          match_store_.get());
    records_->set_observer(sync_.get());
    matcher_ = std::make_unique<matching::Matcher>(
        record_store_.get(), match_store_.get(), gallery_.get(), pool_.get(), records_.get(),
        [](double, int, bool) { return matching::Factor{}; });
    auto key = audit::SigningKey::LoadOrCreate(dir_.path() / "audit.key");
    ASSERT_TRUE(key.ok());
    key_ = std::make_unique<audit::SigningKey>(*key);
    log_ = std::make_unique<audit::AuditLog>(audit_store_.get(), key_.get(),
                                             callers_->principals()->store());
    Gatekeeper* gate = callers_->gatekeeper();
    ServerFacts facts;
    facts.database_mode = "embedded";
    facts.schema_version = [] { return absl::StatusOr<int64_t>(7); };
    services_.push_back(std::make_unique<ServerServiceImpl>(gate, facts));
    services_.push_back(std::make_unique<MissingPersonServiceImpl>(gate, records_.get()));
    services_.push_back(std::make_unique<RemainsServiceImpl>(gate, records_.get()));
    mark_store_ = std::make_unique<storage::MarkStore>(database_.get());
    marks_ = std::make_unique<records::MarkRecords>(mark_store_.get(), record_store_.get(),
                                                    callers_->scope());
    services_.push_back(std::make_unique<MarkServiceImpl>(gate, marks_.get()));
    dental_store_ = std::make_unique<storage::DentalStore>(database_.get());
    dental_ = std::make_unique<records::DentalCharts>(dental_store_.get(), record_store_.get(),
                                                      callers_->scope());
    services_.push_back(std::make_unique<DentalServiceImpl>(gate, dental_.get()));
    dna_store_ = std::make_unique<storage::DnaSampleStore>(database_.get());
    dna_ = std::make_unique<records::DnaSamples>(dna_store_.get(), record_store_.get(),
                                                 callers_->scope());
    services_.push_back(std::make_unique<DnaSampleServiceImpl>(gate, dna_.get()));
    effect_store_ = std::make_unique<storage::EffectStore>(database_.get());
    effects_ = std::make_unique<records::PersonalEffects>(effect_store_.get(), record_store_.get(),
                                                          callers_->scope());
    services_.push_back(std::make_unique<EffectServiceImpl>(gate, effects_.get()));
    services_.push_back(std::make_unique<PhotoServiceImpl>(gate, photos_.get()));
    measurements_ = std::make_unique<records::MeasurementRecords>(
        measurement_store_.get(), records_.get(), &anthropology::MeasurementCatalog::Embedded(),
        nullptr, "");
    services_.push_back(std::make_unique<AnthropologyServiceImpl>(gate, measurements_.get()));
    services_.push_back(std::make_unique<MatchServiceImpl>(gate, matcher_.get()));
    services_.push_back(std::make_unique<AuditServiceImpl>(gate, log_.get()));
    services_.push_back(std::make_unique<AdminServiceImpl>(gate, callers_->principals()));
    std::vector<grpc::Service*> raw;
    for (auto& s : services_) raw.push_back(s.get());
    server_ = std::make_unique<testing::InProcessServer>(raw);
  }

  testing::TempDir dir_{"encuentro-authz"};
  std::string owner_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<testing::TestCallers> callers_;
  std::unique_ptr<storage::CaseRecordStore> record_store_;
  std::unique_ptr<storage::PhotoStore> photo_store_;
  std::unique_ptr<storage::MeasurementStore> measurement_store_;
  std::unique_ptr<records::MeasurementRecords> measurements_;
  std::unique_ptr<storage::MatchStore> match_store_;
  std::unique_ptr<storage::AuditStore> audit_store_;
  std::unique_ptr<records::CaseRecords> records_;
  std::unique_ptr<records::PhotoLibrary> photos_;
  std::unique_ptr<storage::MarkStore> mark_store_;
  std::unique_ptr<records::MarkRecords> marks_;
  std::unique_ptr<storage::DentalStore> dental_store_;
  std::unique_ptr<records::DentalCharts> dental_;
  std::unique_ptr<storage::DnaSampleStore> dna_store_;
  std::unique_ptr<records::DnaSamples> dna_;
  std::unique_ptr<storage::EffectStore> effect_store_;
  std::unique_ptr<records::PersonalEffects> effects_;
  std::unique_ptr<index::FaceGallery> gallery_;
  std::unique_ptr<matching::CandidatePool> pool_;
  std::unique_ptr<matching::MatchingStateSync> sync_;
  std::unique_ptr<matching::Matcher> matcher_;
  std::unique_ptr<audit::SigningKey> key_;
  std::unique_ptr<audit::AuditLog> log_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<testing::InProcessServer> server_;
};

TEST(RpcRolesTable, ListsEveryRpcAndNothingElse) {
  std::set<std::string> methods;
  for (const auto* method : AllMethods()) {
    methods.insert(method->full_name());
    EXPECT_EQ(RpcRoles().count(method->full_name()), 1u)
        << method->full_name() << " is not in RpcRoles(): it is refused to everyone";
  }
  for (const auto& [name, roles] : RpcRoles()) {
    EXPECT_EQ(methods.count(name), 1u) << name << " is in RpcRoles() but is no RPC";
    EXPECT_FALSE(roles.empty()) << name;
  }
  EXPECT_GE(methods.size(), 34u);
}

TEST_F(AuthorizationTest, EveryRpcWithEveryRoleAndEveryBadCredential) {
  struct Caller {
    std::string label;
    std::string token;
    std::optional<auth::Role> role;  // none: bad credentials
  };
  std::vector<Caller> callers = {
      {"admin", callers_->Token("root", "operator", "admin"), auth::Role::kAdmin},
      {"commission_staff", callers_->Token("ana", "cbp-bc", "commission_staff"),
       auth::Role::kCommissionStaff},
      {"forensic_lab", callers_->Token("lab1", "semefo-tij", "forensic_lab"),
       auth::Role::kForensicLab},
      {"family_auditor", callers_->Token("fam1", "colectivo-x", "family_auditor"),
       auth::Role::kFamilyAuditor},
      {"no token", "", std::nullopt},
      {"unknown token", "enc_" + std::string(64, 'f'), std::nullopt},
  };
  const auth::Principal setup{"test-setup", "operator", auth::Role::kAdmin};
  auto expiring = callers_->principals()->IssueToken(setup, "ana", std::chrono::seconds(1), "x");
  auto revoked = callers_->principals()->IssueToken(setup, "ana", std::chrono::seconds(0), "x");
  ASSERT_TRUE(expiring.ok() && revoked.ok());
  ASSERT_TRUE(callers_->principals()->RevokeToken(setup, revoked->id).ok());
  {
    // Revocation is final, even for a role that can write the column.
    pqxx::connection conn(owner_);
    pqxx::work tx(conn);
    tx.exec0("SET ROLE encuentro_app");
    EXPECT_THROW(tx.exec0("UPDATE api_tokens SET revoke_time = NULL WHERE id = " +
                          std::to_string(revoked->id)),
                 pqxx::sql_error);
  }
  ASSERT_TRUE(callers_->principals()->RevokeToken(setup, revoked->id).ok());  // idempotent
  callers.push_back({"revoked token", revoked->token, std::nullopt});
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  callers.push_back({"expired token", expiring->token, std::nullopt});

  int checked = 0;
  for (const auto* method : AllMethods()) {
    const std::string path =
        "/" + method->service()->full_name() + "/" + std::string(method->name());
    const auto& allowed = RpcRoles().at(method->full_name());
    for (const Caller& caller : callers) {
      const grpc::Status status = CallEmpty(server_->channel().get(), path, caller.token);
      const std::string where = method->full_name() + " as " + caller.label + ": " +
                                std::to_string(status.error_code()) + " " + status.error_message();
      if (!caller.role) {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << where;
      } else if (allowed.count(*caller.role) == 0) {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << where;
      } else {
        // Admitted: whatever the empty request then earns, it is not an access refusal.
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << where;
        EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << where;
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 34 * 8);
}

// Invalid UTF-8 in a string field of any request, whatever the method's streaming kind, is
// INVALID_ARGUMENT naming the field.
TEST_F(AuthorizationTest, EveryRpcNamesAStringFieldHoldingInvalidUtf8) {
  const std::map<auth::Role, std::string> tokens = {
      {auth::Role::kAdmin, callers_->Token("root", "operator", "admin")},
      {auth::Role::kCommissionStaff, callers_->Token("ana", "cbp-bc", "commission_staff")},
      {auth::Role::kForensicLab, callers_->Token("lab1", "semefo-tij", "forensic_lab")},
      {auth::Role::kFamilyAuditor, callers_->Token("fam1", "colectivo-x", "family_auditor")},
  };
  int probed = 0;
  for (const auto* method : AllMethods()) {
    const std::optional<Utf8Probe> probe = ProbeFor(method->input_type());
    if (!probe) continue;
    const std::string path =
        "/" + method->service()->full_name() + "/" + std::string(method->name());
    // A caller the method admits: a streaming method reads its requests after admission.
    const auth::Role role = *RpcRoles().at(method->full_name()).begin();
    const grpc::Status status =
        CallRaw(server_->channel().get(), path, tokens.at(role), probe->bytes);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << method->full_name() << ": " << status.error_message();
    EXPECT_EQ(testing::BadRequestFields(status), std::vector<std::string>{probe->path})
        << method->full_name() << ": " << status.error_message();
    ++probed;
  }
  // Every method but those whose request has no string (GetCheckpoint, CreateCheckpoint, ...).
  EXPECT_GE(probed, 45);
}

TEST_F(AuthorizationTest, ScopingHidesOtherOrganizationsRecords) {
  auto missing = v1::MissingPersonService::NewStub(server_->channel());
  auto remains = v1::RemainsService::NewStub(server_->channel());
  auto matching = v1::MatchService::NewStub(server_->channel());
  auto photos = v1::PhotoService::NewStub(server_->channel());
  const auto staff = [&] { return callers_->Context("ana", "cbp-bc", "commission_staff"); };
  const auto other_staff = [&] { return callers_->Context("beto", "cbp-son", "commission_staff"); };
  const auto lab = [&] { return callers_->Context("lab1", "semefo-tij", "forensic_lab"); };
  const auto other_lab = [&] { return callers_->Context("lab2", "semefo-mxl", "forensic_lab"); };
  const auto family = [&] { return callers_->Context("fam1", "colectivo-x", "family_auditor"); };

  v1::CreateMissingPersonRequest create_person;
  create_person.mutable_missing_person()->set_case_folio("F-1");
  create_person.mutable_missing_person()->set_issuing_authority("FGE");
  create_person.mutable_missing_person()->set_given_names("Rosa");
  v1::MissingPerson person;
  ASSERT_TRUE(missing->CreateMissingPerson(staff().get(), create_person, &person).ok());
  v1::CreateRemainsRequest create_remains;
  create_remains.mutable_remains()->set_case_folio("PM-1");
  create_remains.mutable_remains()->set_lab("SEMEFO");
  create_remains.mutable_remains()->set_condition(v1::UnidentifiedRemains::SKELETONIZED);
  v1::UnidentifiedRemains found;
  grpc::Status made = remains->CreateRemains(lab().get(), create_remains, &found);
  ASSERT_TRUE(made.ok()) << made.error_message();

  // Another commission neither reads nor lists the person; another lab not the remains.
  v1::GetMissingPersonRequest get_person;
  get_person.set_name(person.name());
  v1::MissingPerson seen;
  EXPECT_TRUE(missing->GetMissingPerson(staff().get(), get_person, &seen).ok());
  EXPECT_EQ(missing->GetMissingPerson(other_staff().get(), get_person, &seen).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  {
    // The refused attempt is in the audit log, not only in the server's log.
    pqxx::connection conn(owner_);
    pqxx::read_transaction tx(conn);
    EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM audit_log WHERE principal = 'beto' AND "
                              "method = 'encuentro.v1.MissingPersonService.GetMissingPerson' AND "
                              "outcome->>'status' = 'PERMISSION_DENIED'")[0]
                  .as<int>(),
              1);
  }
  v1::ListMissingPersonsResponse listed;
  ASSERT_TRUE(missing->ListMissingPersons(other_staff().get(), {}, &listed).ok());
  EXPECT_EQ(listed.missing_persons_size(), 0);
  ASSERT_TRUE(missing->ListMissingPersons(staff().get(), {}, &listed).ok());
  EXPECT_EQ(listed.missing_persons_size(), 1);
  v1::GetRemainsRequest get_remains;
  get_remains.set_name(found.name());
  v1::UnidentifiedRemains seen_remains;
  EXPECT_TRUE(remains->GetRemains(other_staff().get(), get_remains, &seen_remains).ok());
  EXPECT_EQ(remains->GetRemains(other_lab().get(), get_remains, &seen_remains).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Refusals by scope in the methods that take no record of their own kind are audited too.
  v1::ListPhotosRequest lab_photos;
  lab_photos.set_parent(found.name());
  v1::ListPhotosResponse photo_list;
  EXPECT_EQ(photos->ListPhotos(other_lab().get(), lab_photos, &photo_list).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::RecordDecisionRequest decide;
  decide.set_remains(found.name());
  decide.set_missing_person(person.name());
  decide.set_decision(v1::EXCLUDED);
  decide.set_reason("not the same person");
  v1::CandidatePair decided;
  EXPECT_EQ(matching->RecordDecision(other_lab().get(), decide, &decided).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  {
    pqxx::connection conn(owner_);
    pqxx::read_transaction tx(conn);
    for (const char* method :
         {"encuentro.v1.PhotoService.ListPhotos", "encuentro.v1.MatchService.RecordDecision"}) {
      EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM audit_log WHERE principal = 'lab2' AND "
                                "method = $1 AND outcome->>'status' = 'PERMISSION_DENIED'",
                                method)[0]
                    .as<int>(),
                1)
          << method;
    }
  }
  v1::ListRemainsResponse lab_list;
  ASSERT_TRUE(remains->ListRemains(other_lab().get(), {}, &lab_list).ok());
  EXPECT_EQ(lab_list.remains_size(), 0);
  // Searches follow the remains' scope: the recording lab and commissions, not another lab.
  v1::SearchCandidatesRequest search;
  search.set_remains(found.name());
  search.set_purpose("identification");
  search.set_legal_basis("FGE-CI-1");
  v1::SearchCandidatesResponse result;
  EXPECT_TRUE(matching->SearchCandidates(lab().get(), search, &result).ok());
  EXPECT_EQ(matching->SearchCandidates(other_lab().get(), search, &result).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Everyone is searched, but a person outside the searcher's scope is a reference only: the
  // record's name, its commission and the scores, no personal data.
  ASSERT_EQ(result.candidates_size(), 1);
  const v1::Candidate& reference = result.candidates(0);
  EXPECT_EQ(reference.missing_person(), person.name());
  EXPECT_TRUE(reference.reference_only());
  EXPECT_EQ(reference.organization(), "cbp-bc");
  EXPECT_EQ(reference.display_name(), "");
  EXPECT_EQ(reference.case_folio(), "");
  for (const v1::EvidenceFactor& f : reference.factors()) {
    EXPECT_EQ(f.reason(), "") << f.name();
    EXPECT_EQ(f.photos_size(), 0) << f.name();
  }
  // The only candidate is a match (a prior of 1 in 1): it went to its owner's review queue as a
  // pending lead, whose reason the searcher does not see.
  EXPECT_EQ(reference.light(), v1::EvidenceFactor::MATCH);
  EXPECT_EQ(reference.decision().decision(), v1::PENDING);
  EXPECT_EQ(reference.decision().reason(), "");
  v1::ListCandidatesRequest pending;
  pending.set_current_decision(v1::PENDING);
  v1::ListCandidatesResponse queue;
  ASSERT_TRUE(matching->ListCandidates(staff().get(), pending, &queue).ok());
  ASSERT_EQ(queue.pairs_size(), 1);
  EXPECT_FALSE(queue.pairs(0).reference_only());
  EXPECT_NE(queue.pairs(0).current().reason().find("surfaced by a search of " + found.name() +
                                                   " by semefo-tij"),
            std::string::npos)
      << queue.pairs(0).current().reason();
  ASSERT_TRUE(matching->ListCandidates(other_staff().get(), pending, &queue).ok());
  ASSERT_EQ(queue.pairs_size(), 1);
  EXPECT_TRUE(queue.pairs(0).reference_only());
  EXPECT_EQ(queue.pairs(0).person_organization(), "cbp-bc");
  EXPECT_EQ(queue.pairs(0).current().reason(), "");
  // The owning commission searching sees its person whole.
  ASSERT_TRUE(matching->SearchCandidates(staff().get(), search, &result).ok());
  ASSERT_EQ(result.candidates_size(), 1);
  EXPECT_FALSE(result.candidates(0).reference_only());
  EXPECT_EQ(result.candidates(0).display_name(), "Rosa ");

  // A families' collective sees the person only once staff link the case, and never photos.
  EXPECT_EQ(missing->GetMissingPerson(family().get(), get_person, &seen).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto admin = v1::AdminService::NewStub(server_->channel());
  v1::LinkCaseRequest link;
  link.set_organization("colectivo-x");
  link.set_record(person.name());
  link.set_consent("signed consent of the mother, 2026-11-02");
  v1::LinkCaseResponse linked;
  // Only the commission that registered the person links it, and only a record that exists.
  EXPECT_EQ(admin->LinkCase(other_staff().get(), link, &linked).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::LinkCaseRequest to_remains = link;
  to_remains.set_record(found.name());
  EXPECT_EQ(admin->LinkCase(staff().get(), to_remains, &linked).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::LinkCaseRequest to_nobody = link;
  to_nobody.set_record("missingPersons/999999");
  EXPECT_EQ(admin->LinkCase(staff().get(), to_nobody, &linked).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(missing->GetMissingPerson(family().get(), get_person, &seen).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A consent is a statement of bounded size, like every text kept in an append-only table.
  v1::LinkCaseRequest huge = link;
  huge.set_consent(std::string(4001, 'x'));
  grpc::Status refused = admin->LinkCase(staff().get(), huge, &linked);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused.error_message();
  EXPECT_EQ(testing::BadRequestFields(refused), std::vector<std::string>{"consent"});
  grpc::Status linking = admin->LinkCase(staff().get(), link, &linked);
  ASSERT_TRUE(linking.ok()) << linking.error_message();
  EXPECT_TRUE(missing->GetMissingPerson(family().get(), get_person, &seen).ok());
  v1::ListPhotosRequest list_photos;
  list_photos.set_parent(person.name());
  v1::ListPhotosResponse no_photos;
  EXPECT_EQ(photos->ListPhotos(family().get(), list_photos, &no_photos).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AuthorizationTest, CallsBeyondTheRateLimitAreResourceExhausted) {
  testing::TestCallers limited(database_.get(), {.requests_per_minute = 3});
  ServerFacts facts;
  facts.schema_version = [] { return absl::StatusOr<int64_t>(7); };
  ServerServiceImpl info(limited.gatekeeper(), facts);
  testing::InProcessServer server({&info});
  auto stub = v1::ServerService::NewStub(server.channel());
  const std::string token = limited.Token("ana", "cbp-bc", "commission_staff");
  v1::ServerInfo out;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(stub->GetServerInfo(testing::TokenContext(token).get(), {}, &out).ok()) << i;
  }
  const grpc::Status limited_status =
      stub->GetServerInfo(testing::TokenContext(token).get(), {}, &out);
  EXPECT_EQ(limited_status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // The limit is per user: another caller is unaffected.
  EXPECT_TRUE(
      stub->GetServerInfo(limited.Context("lab1", "semefo-tij", "forensic_lab").get(), {}, &out)
          .ok());
}

}  // namespace
}  // namespace encuentro::services
