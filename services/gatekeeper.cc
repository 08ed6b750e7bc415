#include "services/gatekeeper.h"

#include <sodium.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace encuentro::services {
namespace {

using auth::Role;

constexpr char kAuthorizationHeader[] = "authorization";
constexpr char kBearer[] = "Bearer ";
// The web console's calls, made in-process on behalf of a logged-in browser.
constexpr char kSession[] = "Session ";

}  // namespace

const std::map<std::string, std::set<Role>>& RpcRoles() {
  const std::set<Role> staff_and_labs = {Role::kCommissionStaff, Role::kForensicLab};
  const std::set<Role> case_readers = {Role::kCommissionStaff, Role::kForensicLab,
                                       Role::kFamilyAuditor};
  const std::set<Role> everyone = {Role::kAdmin, Role::kCommissionStaff, Role::kForensicLab,
                                   Role::kFamilyAuditor};
  static const auto* const kTable = new std::map<std::string, std::set<Role>>{
      {"encuentro.v1.ServerService.GetServerInfo", everyone},
      // Case records: commissions keep missing persons, commissions and labs remains; family
      // auditors read, one by one, the cases linked to them. Listings follow the scope.
      {"encuentro.v1.MissingPersonService.CreateMissingPerson", {Role::kCommissionStaff}},
      {"encuentro.v1.MissingPersonService.GetMissingPerson",
       {Role::kCommissionStaff, Role::kFamilyAuditor}},
      {"encuentro.v1.MissingPersonService.ListMissingPersons", {Role::kCommissionStaff}},
      {"encuentro.v1.MissingPersonService.UpdateMissingPerson", {Role::kCommissionStaff}},
      {"encuentro.v1.MissingPersonService.DeleteMissingPerson", {Role::kCommissionStaff}},
      {"encuentro.v1.RemainsService.CreateRemains", staff_and_labs},
      {"encuentro.v1.RemainsService.GetRemains", case_readers},
      {"encuentro.v1.RemainsService.ListRemains", staff_and_labs},
      {"encuentro.v1.RemainsService.UpdateRemains", staff_and_labs},
      {"encuentro.v1.RemainsService.DeleteRemains", staff_and_labs},
      // Which records' marks: the owning record's scope (auth::CaseScope).
      {"encuentro.v1.MarkService.CreateMark", staff_and_labs},
      {"encuentro.v1.MarkService.GetMark", case_readers},
      {"encuentro.v1.MarkService.ListMarks", case_readers},
      {"encuentro.v1.MarkService.UpdateMark", staff_and_labs},
      {"encuentro.v1.MarkService.DeleteMark", staff_and_labs},
      {"encuentro.v1.MarkService.SearchMarks", case_readers},
      {"encuentro.v1.DentalService.GetDentalChart", case_readers},
      {"encuentro.v1.DentalService.UpdateDentalChart", staff_and_labs},
      {"encuentro.v1.EffectService.CreateEffect", staff_and_labs},
      {"encuentro.v1.EffectService.GetEffect", case_readers},
      {"encuentro.v1.EffectService.ListEffects", case_readers},
      {"encuentro.v1.EffectService.UpdateEffect", staff_and_labs},
      {"encuentro.v1.EffectService.DeleteEffect", staff_and_labs},
      {"encuentro.v1.EffectService.SearchEffects", case_readers},
      {"encuentro.v1.DnaSampleService.CreateDnaSample", staff_and_labs},
      {"encuentro.v1.DnaSampleService.GetDnaSample", case_readers},
      {"encuentro.v1.DnaSampleService.ListDnaSamples", case_readers},
      {"encuentro.v1.DnaSampleService.UpdateDnaSample", staff_and_labs},
      {"encuentro.v1.DnaSampleService.DeleteDnaSample", staff_and_labs},
      // Photo bytes and descriptors go to staff and labs only.
      {"encuentro.v1.PhotoService.AddPhoto", staff_and_labs},
      {"encuentro.v1.PhotoService.GetPhoto", staff_and_labs},
      {"encuentro.v1.PhotoService.ListPhotos", staff_and_labs},
      {"encuentro.v1.PhotoService.DeletePhoto", staff_and_labs},
      {"encuentro.v1.AnthropologyService.ListCatalog", staff_and_labs},
      {"encuentro.v1.AnthropologyService.RecordMeasurements", {Role::kForensicLab}},
      {"encuentro.v1.AnthropologyService.ListMeasurementVersions", staff_and_labs},
      {"encuentro.v1.AnthropologyService.ImportLandmarks", {Role::kForensicLab}},
      {"encuentro.v1.AnthropologyService.EstimateSex", staff_and_labs},
      {"encuentro.v1.AnthropologyService.EstimateStature", staff_and_labs},
      // Searches need a remains record, a purpose and a legal basis: never a bare face.
      {"encuentro.v1.MatchService.SearchCandidates", staff_and_labs},
      {"encuentro.v1.MatchService.BatchSearch", staff_and_labs},
      {"encuentro.v1.MatchService.RecordDecision", staff_and_labs},
      {"encuentro.v1.MatchService.ConfirmIdentification", staff_and_labs},
      {"encuentro.v1.MatchService.ListCandidates", case_readers},
      // The audit log: families audit it, admins keep it signed.
      {"encuentro.v1.AuditService.ListEntries", {Role::kAdmin, Role::kFamilyAuditor}},
      {"encuentro.v1.AuditService.GetCheckpoint", everyone},
      {"encuentro.v1.AuditService.CreateCheckpoint", {Role::kAdmin}},
      {"encuentro.v1.AuditService.ExportEntries", {Role::kAdmin, Role::kFamilyAuditor}},
      {"encuentro.v1.AdminService.CreateOrganization", {Role::kAdmin}},
      {"encuentro.v1.AdminService.CreateUser", {Role::kAdmin}},
      {"encuentro.v1.AdminService.IssueToken", {Role::kAdmin}},
      {"encuentro.v1.AdminService.RevokeToken", {Role::kAdmin}},
      {"encuentro.v1.AdminService.LinkCase", {Role::kCommissionStaff}},
  };
  return *kTable;
}

absl::StatusOr<auth::Principal> Gatekeeper::Authenticate(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find(kAuthorizationHeader); it != metadata.end()) {
    const std::string value(it->second.data(), it->second.size());
    if (absl::StartsWith(value, kSession)) {
      // A session is the web console's, which calls in-process with the key: a session secret
      // sent to the network port never reaches what the console does not offer (administration).
      const auto key = metadata.find(kConsoleKeyHeader);
      if (options_.console_key.empty() || key == metadata.end() ||
          key->second.size() != options_.console_key.size() ||
          sodium_memcmp(key->second.data(), options_.console_key.data(),
                        options_.console_key.size()) != 0) {
        return absl::UnauthenticatedError(
            "a web console session is accepted only through the web console");
      }
      return principals_->AuthenticateSession(value.substr(sizeof kSession - 1));
    }
    if (!absl::StartsWith(value, kBearer)) {
      return absl::UnauthenticatedError("the authorization header must be 'Bearer <token>'");
    }
    return principals_->AuthenticateToken(value.substr(sizeof kBearer - 1));
  }
  // Mutual TLS: the certificate was verified against the client CA during the handshake.
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth && auth->IsPeerAuthenticated()) {
    for (const auto& name : auth->FindPropertyValues("x509_common_name")) {
      return principals_->AuthenticateCertificate(std::string(name.data(), name.size()));
    }
  }
  return absl::UnauthenticatedError(
      "no credentials: send 'authorization: Bearer <token>' (encuentro --token) or a client "
      "certificate");
}

bool Gatekeeper::TakeToken(const std::string& user) {
  if (options_.requests_per_minute <= 0) return true;
  const double capacity = options_.requests_per_minute;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(user, Bucket{capacity, now});
  Bucket& bucket = it->second;
  if (!fresh) {
    const double minutes = std::chrono::duration<double>(now - bucket.refilled).count() / 60;
    bucket.tokens = std::min(capacity, bucket.tokens + minutes * capacity);
    bucket.refilled = now;
  }
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

absl::Status Gatekeeper::RecordRefusal(const auth::Principal& caller, std::string_view method,
                                       const absl::Status& status) {
  if (status.code() != absl::StatusCode::kPermissionDenied) return absl::OkStatus();
  return principals_->RecordRefusal(caller, method, status);
}

absl::StatusOr<auth::Principal> Gatekeeper::Admit(const grpc::ServerContextBase& context,
                                                  std::string_view method) {
  absl::StatusOr<auth::Principal> caller = Authenticate(context);
  if (!caller.ok()) return caller.status();
  const auto& table = RpcRoles();
  const auto allowed = table.find(std::string(method));
  if (allowed == table.end() || allowed->second.count(caller->role) == 0) {
    absl::Status refused = absl::PermissionDeniedError(absl::StrCat(
        "the role ", auth::RoleName(caller->role), " may not call ", std::string(method)));
    if (absl::Status s = RecordRefusal(*caller, method, refused); !s.ok()) return s;
    return refused;
  }
  if (absl::Status s = Charge(*caller); !s.ok()) return s;
  return caller;
}

absl::Status Gatekeeper::Charge(const auth::Principal& caller) {
  if (TakeToken(caller.user)) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat("rate limit: at most ",
                                                   options_.requests_per_minute,
                                                   " calls a minute per user; retry later"));
}

}  // namespace encuentro::services
