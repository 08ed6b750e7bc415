// Who may use Encuentro: organizations, their users, and the API tokens and client certificates
// that prove a caller is one of them. Tokens are 256 random bits, shown once and stored only as
// SHA-256 digests; they can expire and be revoked.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/principal.h"
#include "storage/principal_store.h"

namespace encuentro::auth {

// "enc_" and 64 hex digits.
std::string NewApiToken();

struct IssuedToken {
  int64_t id = 0;
  std::string token;  // the only time it is seen
  std::optional<records::Timestamp> expire_time;
};

// "ses_" and 64 hex digits: a web console session's secret, the value of its cookie.
std::string NewSessionSecret();
bool IsSessionSecret(std::string_view text);

// An open web console session.
struct WebSession {
  std::string secret;  // the only time it is seen
  Principal principal;
  records::Timestamp expire_time;
};

// Thread-safe (the store is). Administration methods are audited as `caller`.
class Principals {
 public:
  explicit Principals(storage::PrincipalStore* store) : store_(store) {}

  absl::Status CreateOrganization(const Principal& caller, const std::string& name,
                                  OrganizationKind kind);
  // The role must be the one the organization's kind gives (see RoleOf).
  absl::StatusOr<storage::StoredUser> CreateUser(const Principal& caller, const std::string& name,
                                                 const std::string& organization, Role role,
                                                 const std::string& certificate_subject);
  // `valid_for` zero: the token does not expire.
  absl::StatusOr<IssuedToken> IssueToken(const Principal& caller, const std::string& user,
                                         std::chrono::seconds valid_for,
                                         const std::string& description);
  absl::Status RevokeToken(const Principal& caller, int64_t token_id);
  absl::Status LinkCase(const Principal& caller, const std::string& families_collective,
                        records::RecordKind kind, int64_t record_id, const std::string& consent);

  // Records in the audit log that `caller` was refused `method` (PERMISSION_DENIED: a role or a
  // scope it lacks), so that probing is visible to those who audit, not only to the server log.
  absl::Status RecordRefusal(const Principal& caller, std::string_view method,
                             const absl::Status& refusal);

  // UNAUTHENTICATED, saying why, for an unknown, expired or revoked token.
  absl::StatusOr<Principal> AuthenticateToken(const std::string& token);
  // UNAUTHENTICATED when no user has this certificate subject.
  absl::StatusOr<Principal> AuthenticateCertificate(const std::string& subject);

  // Opens a web console session for the holder of `token`. It ends after `lifetime`, when the
  // token expires or is revoked, or on CloseSession, whichever comes first. Audited as
  // "WebConsole/Login"; UNAUTHENTICATED as AuthenticateToken.
  absl::StatusOr<WebSession> OpenSession(const std::string& token, std::chrono::seconds lifetime);
  // UNAUTHENTICATED, saying why, for an unknown, expired or ended session.
  absl::StatusOr<Principal> AuthenticateSession(const std::string& secret);
  // Ends a session (logout); audited as "WebConsole/Logout". NOT_FOUND for an unknown one.
  absl::Status CloseSession(const std::string& secret);

  storage::PrincipalStore* store() { return store_; }

 private:
  storage::PrincipalStore* store_;
};

}  // namespace encuentro::auth
