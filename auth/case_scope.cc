#include "auth/case_scope.h"

#include "absl/strings/str_cat.h"
#include "records/names.h"

namespace encuentro::auth {
namespace {

absl::Status OutOfScope(const Principal& caller, const std::string& what) {
  return absl::PermissionDeniedError(absl::StrCat(
      what, " is outside the scope of ", caller.organization, " (", RoleName(caller.role), ")"));
}

}  // namespace

absl::Status CaseScope::CheckRead(const Principal& caller, records::RecordKind kind, int64_t id,
                                  const std::string& organization) const {
  const std::string name = records::RecordName(kind, id);
  switch (caller.role) {
    case Role::kCommissionStaff:
      if (kind == records::RecordKind::kRemains || organization == caller.organization) {
        return absl::OkStatus();
      }
      return OutOfScope(caller, name);
    case Role::kForensicLab:
      if (kind == records::RecordKind::kRemains && organization == caller.organization) {
        return absl::OkStatus();
      }
      return OutOfScope(caller, name);
    case Role::kFamilyAuditor: {
      if (links_ == nullptr) return OutOfScope(caller, name);
      absl::StatusOr<bool> linked = links_->IsLinked(caller.organization, kind, id);
      if (!linked.ok()) return linked.status();
      return *linked ? absl::OkStatus() : OutOfScope(caller, name);
    }
    case Role::kAdmin:
      break;
  }
  return OutOfScope(caller, name);
}

absl::Status CaseScope::CheckWrite(const Principal& caller, records::RecordKind kind,
                                   const std::string& organization) const {
  const bool own = organization == caller.organization;
  if (caller.role == Role::kCommissionStaff && own) return absl::OkStatus();
  if (caller.role == Role::kForensicLab && own && kind == records::RecordKind::kRemains) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "only ", organization, " may change its ",
      kind == records::RecordKind::kRemains ? "remains records" : "missing-person records"));
}

absl::Status CaseScope::NarrowListing(const Principal& caller, records::RecordKind kind,
                                      records::RecordQuery* query) const {
  if (caller.role == Role::kCommissionStaff) {
    if (kind == records::RecordKind::kMissingPerson) query->organization = caller.organization;
    return absl::OkStatus();
  }
  if (caller.role == Role::kForensicLab && kind == records::RecordKind::kRemains) {
    query->organization = caller.organization;
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("the role ", RoleName(caller.role),
                   " does not list these records; read the linked ones by name"));
}

absl::Status CaseScope::NarrowMarkSearch(const Principal& caller, records::RecordKind kind,
                                         std::string* organization) const {
  if (caller.role == Role::kFamilyAuditor && kind == records::RecordKind::kRemains) {
    organization->clear();
    return absl::OkStatus();
  }
  records::RecordQuery query;
  query.organization = *organization;
  if (absl::Status s = NarrowListing(caller, kind, &query); !s.ok()) return s;
  *organization = query.organization;
  return absl::OkStatus();
}

}  // namespace encuentro::auth
