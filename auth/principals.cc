#include "auth/principals.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "audit/audit_event.h"
#include "common/field_violations.h"
#include "common/sha256.h"
#include "common/text.h"
#include "nlohmann/json.hpp"
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

// The names the database accepts (migration 0007): lower-case letters, digits and ".-_" (users
// also "@"), 2 to 63 characters, starting with a letter or digit.
bool IsPrincipalName(std::string_view name, bool user) {
  if (name.size() < 2 || name.size() > 63) return false;
  auto plain = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!plain(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(), [&](char c) {
    return plain(c) || c == '.' || c == '_' || c == '-' || (user && c == '@');
  });
}

Principal ToPrincipal(const storage::StoredUser& user) {
  return {user.name, user.organization, user.role};
}

// UNAUTHENTICATED, saying why, for a revoked or expired token.
absl::Status CheckTokenIsLive(const storage::StoredToken& token) {
  if (token.revoke_time) {
    return absl::UnauthenticatedError(absl::StrCat("API token ", token.id, " was revoked"));
  }
  if (token.expire_time && *token.expire_time <= std::chrono::system_clock::now()) {
    return absl::UnauthenticatedError(absl::StrCat("API token ", token.id, " has expired"));
  }
  return absl::OkStatus();
}

// 256 random bits as hex after `prefix`.
std::string NewSecret(const char* prefix) {
  if (sodium_init() < 0) std::abort();  // no randomness: nothing safe can be issued
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::string hex(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  hex.pop_back();
  return prefix + hex;
}

}  // namespace

std::string NewApiToken() { return NewSecret("enc_"); }

std::string NewSessionSecret() { return NewSecret("ses_"); }

bool IsSessionSecret(std::string_view text) {
  return text.size() == 68 && text.substr(0, 4) == "ses_" &&
         std::all_of(text.begin() + 4, text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

absl::Status Principals::CreateOrganization(const Principal& caller, const std::string& name,
                                            OrganizationKind kind) {
  if (!IsPrincipalName(name, /*user=*/false)) {
    return InvalidFields({{"name",
                           "2 to 63 lower-case letters, digits, '.', '_' or '-', starting with a "
                           "letter or digit"}});
  }
  return store_->InsertOrganization(
      name, kind, AdminEvent(caller, "admin/CreateOrganization", {"organizations/" + name}));
}

absl::StatusOr<storage::StoredUser> Principals::CreateUser(const Principal& caller,
                                                           const std::string& name,
                                                           const std::string& organization,
                                                           Role role,
                                                           const std::string& certificate_subject) {
  if (!IsPrincipalName(name, /*user=*/true)) {
    return InvalidFields(
        {{"name",
          "2 to 63 lower-case letters, digits, '.', '_', '-' or '@', starting with "
          "a letter or digit"}});
  }
  if (!IsValidUtf8(certificate_subject) || certificate_subject.size() > kMaxLongText) {
    return InvalidFields({{"certificate_subject", "must be valid UTF-8 of at most " +
                                                      std::to_string(kMaxLongText) + " bytes"}});
  }
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
  if (!IsValidUtf8(description) || description.size() > kMaxShortText) {
    return InvalidFields({{"description", "must be valid UTF-8 of at most " +
                                              std::to_string(kMaxShortText) + " bytes"}});
  }
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

absl::Status Principals::RecordRefusal(const Principal& caller, std::string_view method,
                                       const absl::Status& refusal) {
  audit::AuditEvent event = audit::EventFor(caller, std::string(method));
  event.outcome_json =
      nlohmann::json({{"status", "PERMISSION_DENIED"}, {"refused", std::string(refusal.message())}})
          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return store_->AppendAudit(event);
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
  if (!IsStatement(consent)) {
    return InvalidFields({{"consent", "say how the family consented (at most " +
                                          std::to_string(kMaxLongText) + " bytes)"}});
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
  if (absl::Status s = CheckTokenIsLive(stored); !s.ok()) return s;
  return ToPrincipal(user);
}

absl::StatusOr<WebSession> Principals::OpenSession(const std::string& token,
                                                   std::chrono::seconds lifetime) {
  absl::StatusOr<std::optional<std::pair<storage::StoredToken, storage::StoredUser>>> found =
      store_->FindToken(Sha256Hex(token));
  if (!found.ok()) return found.status();
  // The same refusals as a call with the token.
  if (!found->has_value()) return absl::UnauthenticatedError("unknown API token");
  const auto& [stored, user] = **found;
  if (absl::Status s = CheckTokenIsLive(stored); !s.ok()) return s;
  records::Timestamp expire_time = std::chrono::system_clock::now() + lifetime;
  if (stored.expire_time) expire_time = std::min(expire_time, *stored.expire_time);
  WebSession session{NewSessionSecret(), ToPrincipal(user), expire_time};
  absl::StatusOr<storage::StoredSession> inserted =
      store_->InsertSession(user.name, stored.id, Sha256Hex(session.secret), expire_time,
                            audit::EventFor(session.principal, "WebConsole/Login"));
  if (!inserted.ok()) return inserted.status();
  return session;
}

absl::StatusOr<Principal> Principals::AuthenticateSession(const std::string& secret) {
  absl::StatusOr<std::optional<storage::StoredSession>> found =
      store_->FindSession(Sha256Hex(secret));
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::UnauthenticatedError("unknown session; log in again");
  const storage::StoredSession& session = **found;
  if (session.revoke_time) {
    return absl::UnauthenticatedError("the session was closed; log in again");
  }
  if (session.expire_time <= std::chrono::system_clock::now()) {
    return absl::UnauthenticatedError("the session has expired; log in again");
  }
  // Revoking or expiring the token that opened it ends the session.
  if (session.token) {
    if (absl::Status s = CheckTokenIsLive(*session.token); !s.ok()) return s;
  }
  return ToPrincipal(session.user);
}

absl::Status Principals::CloseSession(const std::string& secret) {
  absl::StatusOr<std::optional<storage::StoredSession>> found =
      store_->FindSession(Sha256Hex(secret));
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError("no such session");
  return store_->RevokeSession(Sha256Hex(secret),
                               audit::EventFor(ToPrincipal((*found)->user), "WebConsole/Logout"));
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
