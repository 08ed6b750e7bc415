#include "auth/principals.h"

#include <sodium.h>

#include <array>

#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "common/text.h"
#include "records/names.h"

namespace encuentro::auth {
namespace {

audit::AuditEvent AdminEvent(const Principal& caller, const std::string& method,
                             std::vector<std::string> targets) {
  audit::AuditEvent event;
  event.principal = caller;
  event.method = method;
  event.targets = std::move(targets);
  return event;
}

Principal ToPrincipal(const storage::StoredUser& user) {
  return {user.name, user.organization, user.role};
}

}  // namespace

std::string NewApiToken() {
  if (sodium_init() < 0) std::abort();  // no randomness: nothing safe can be issued
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::string hex(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  hex.pop_back();
  return "enc_" + hex;
}

absl::Status Principals::CreateOrganization(const Principal& caller, const std::string& name,
                                            OrganizationKind kind) {
  return store_->InsertOrganization(
      name, kind, AdminEvent(caller, "admin/CreateOrganization", {"organizations/" + name}));
}

absl::StatusOr<storage::StoredUser> Principals::CreateUser(const Principal& caller,
                                                           const std::string& name,
                                                           const std::string& organization,
                                                           Role role,
                                                           const std::string& certificate_subject) {
  absl::StatusOr<std::optional<OrganizationKind>> kind = store_->FindOrganizationKind(organization);
  if (!kind.ok()) return kind.status();
  if (!kind->has_value()) {
    return absl::NotFoundError(absl::StrCat("organization ", organization, " not found"));
  }
  if (RoleOf(**kind) != role) {
    return absl::InvalidArgumentError(absl::StrCat("role: users of a ",
                                                   OrganizationKindName(**kind), " have the role ",
                                                   RoleName(RoleOf(**kind))));
  }
  return store_->InsertUser(
      name, organization, role, certificate_subject,
      AdminEvent(caller, "admin/CreateUser", {"users/" + name, "organizations/" + organization}));
}

absl::StatusOr<IssuedToken> Principals::IssueToken(const Principal& caller, const std::string& user,
                                                   std::chrono::seconds valid_for,
                                                   const std::string& description) {
  IssuedToken issued;
  issued.token = NewApiToken();
  if (valid_for.count() > 0) issued.expire_time = std::chrono::system_clock::now() + valid_for;
  absl::StatusOr<storage::StoredToken> stored =
      store_->InsertToken(user, Sha256Hex(issued.token), description, issued.expire_time,
                          AdminEvent(caller, "admin/IssueToken", {"users/" + user}));
  if (!stored.ok()) return stored.status();
  issued.id = stored->id;
  return issued;
}

absl::Status Principals::RevokeToken(const Principal& caller, int64_t token_id) {
  return store_
      ->RevokeToken(token_id,
                    AdminEvent(caller, "admin/RevokeToken", {absl::StrCat("tokens/", token_id)}))
      .status();
}

absl::Status Principals::LinkCase(const Principal& caller, const std::string& families_collective,
                                  records::RecordKind kind, int64_t record_id,
                                  const std::string& consent) {
  if (!HasVisibleText(consent)) {
    return absl::InvalidArgumentError("consent: say how the family consented");
  }
  return store_->InsertCaseLink(
      families_collective, kind, record_id, consent,
      AdminEvent(caller, "admin/LinkCase",
                 {records::RecordName(kind, record_id), "organizations/" + families_collective}));
}

absl::StatusOr<Principal> Principals::AuthenticateToken(const std::string& token) {
  absl::StatusOr<std::optional<std::pair<storage::StoredToken, storage::StoredUser>>> found =
      store_->FindToken(Sha256Hex(token));
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::UnauthenticatedError("unknown API token");
  const auto& [stored, user] = **found;
  if (stored.revoke_time) {
    return absl::UnauthenticatedError(absl::StrCat("API token ", stored.id, " was revoked"));
  }
  if (stored.expire_time && *stored.expire_time <= std::chrono::system_clock::now()) {
    return absl::UnauthenticatedError(absl::StrCat("API token ", stored.id, " has expired"));
  }
  return ToPrincipal(user);
}

absl::StatusOr<Principal> Principals::AuthenticateCertificate(const std::string& subject) {
  absl::StatusOr<std::optional<storage::StoredUser>> user = store_->FindUserByCertificate(subject);
  if (!user.ok()) return user.status();
  if (!user->has_value()) {
    return absl::UnauthenticatedError(
        absl::StrCat("no user has the client certificate subject '", subject, "'"));
  }
  return ToPrincipal(**user);
}

}  // namespace encuentro::auth
