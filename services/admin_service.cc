#include "services/admin_service.h"

#include "common/field_violations.h"
#include "records/names.h"
#include "services/record_conversion.h"
#include "services/status_conversion.h"

namespace encuentro::services {
namespace {

template <typename Fn>
grpc::Status Serve(Gatekeeper* gate, grpc::ServerContext* context, const char* method, Fn fn) {
  absl::StatusOr<auth::Principal> caller = gate->Admit(*context, method);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ToGrpcStatus(fn(*caller));
}

}  // namespace

grpc::Status AdminServiceImpl::CreateOrganization(grpc::ServerContext* context,
                                                  const v1::CreateOrganizationRequest* request,
                                                  v1::Organization* response) {
  return Serve(gate_, context, "encuentro.v1.AdminService.CreateOrganization",
               [&](const auth::Principal& caller) -> absl::Status {
                 auth::OrganizationKind kind;
                 if (!auth::ParseOrganizationKind(request->organization().kind(), &kind)) {
                   return InvalidFields({{"organization.kind",
                                          "must be search_commission, forensic_lab, "
                                          "families_collective or operator"}});
                 }
                 absl::Status made =
                     principals_->CreateOrganization(caller, request->organization().name(), kind);
                 if (!FieldViolationsOf(made).empty()) {
                   return InvalidFields(WithFieldPrefix(FieldViolationsOf(made), "organization"));
                 }
                 if (!made.ok()) return made;
                 *response = request->organization();
                 return absl::OkStatus();
               });
}

grpc::Status AdminServiceImpl::CreateUser(grpc::ServerContext* context,
                                          const v1::CreateUserRequest* request,
                                          v1::User* response) {
  return Serve(gate_, context, "encuentro.v1.AdminService.CreateUser",
               [&](const auth::Principal& caller) -> absl::Status {
                 const v1::User& user = request->user();
                 auth::Role role;
                 if (!auth::ParseRole(user.role(), &role)) {
                   return InvalidFields({{"user.role",
                                          "must be admin, commission_staff, "
                                          "forensic_lab or family_auditor"}});
                 }
                 absl::StatusOr<storage::StoredUser> made = principals_->CreateUser(
                     caller, user.name(), user.organization(), role, user.certificate_subject());
                 if (!FieldViolationsOf(made.status()).empty()) {
                   return InvalidFields(WithFieldPrefix(FieldViolationsOf(made.status()), "user"));
                 }
                 if (!made.ok()) return made.status();
                 *response = user;
                 return absl::OkStatus();
               });
}

grpc::Status AdminServiceImpl::IssueToken(grpc::ServerContext* context,
                                          const v1::IssueTokenRequest* request,
                                          v1::IssuedToken* response) {
  return Serve(gate_, context, "encuentro.v1.AdminService.IssueToken",
               [&](const auth::Principal& caller) -> absl::Status {
                 if (request->valid_for_days() < 0 || request->valid_for_days() > 3650) {
                   return InvalidFields({{"valid_for_days", "must be between 0 and 3650"}});
                 }
                 absl::StatusOr<auth::IssuedToken> issued = principals_->IssueToken(
                     caller, request->user(), std::chrono::hours(24 * request->valid_for_days()),
                     request->description());
                 if (!issued.ok()) return issued.status();
                 response->set_id(issued->id);
                 response->set_token(issued->token);
                 if (issued->expire_time) {
                   *response->mutable_expire_time() = ToProto(*issued->expire_time);
                 }
                 return absl::OkStatus();
               });
}

grpc::Status AdminServiceImpl::RevokeToken(grpc::ServerContext* context,
                                           const v1::RevokeTokenRequest* request,
                                           v1::RevokeTokenResponse*) {
  return Serve(gate_, context, "encuentro.v1.AdminService.RevokeToken",
               [&](const auth::Principal& caller) {
                 return principals_->RevokeToken(caller, request->id());
               });
}

grpc::Status AdminServiceImpl::LinkCase(grpc::ServerContext* context,
                                        const v1::LinkCaseRequest* request, v1::LinkCaseResponse*) {
  return Serve(
      gate_, context, "encuentro.v1.AdminService.LinkCase",
      [&](const auth::Principal& caller) -> absl::Status {
        std::optional<records::RecordRef> record = records::ParseRecordName(request->record());
        if (!record) {
          return InvalidFields({{"record", "must be a name like missingPersons/1 or remains/1"}});
        }
        return principals_->LinkCase(caller, request->organization(), record->kind, record->id,
                                     request->consent());
      });
}

}  // namespace encuentro::services
