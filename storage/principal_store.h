// Organizations, users, API tokens (by digest) and the case links of families' collectives.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit_event.h"
#include "auth/principal.h"
#include "records/model.h"
#include "storage/database.h"

namespace encuentro::storage {

struct StoredUser {
  int64_t id = 0;
  std::string name;
  std::string organization;
  auth::OrganizationKind organization_kind = auth::OrganizationKind::kOperator;
  auth::Role role = auth::Role::kAdmin;
  std::string certificate_subject;
};

struct StoredToken {
  int64_t id = 0;
  std::string user;
  std::optional<records::Timestamp> expire_time;
  std::optional<records::Timestamp> revoke_time;
};

// A web console session and the state of what it rests on: its user, and the token that opened
// it (revoking or expiring the token ends the session too).
struct StoredSession {
  int64_t id = 0;
  StoredUser user;
  records::Timestamp expire_time;
  std::optional<records::Timestamp> revoke_time;
  std::optional<StoredToken> token;  // none for a client-certificate login
};

// Thread-safe: each call runs on a pooled connection. Every write is audited in its transaction.
class PrincipalStore {
 public:
  explicit PrincipalStore(Database* database) : database_(database) {}

  // ALREADY_EXISTS if the name is taken.
  absl::Status InsertOrganization(const std::string& name, auth::OrganizationKind kind,
                                  const audit::AuditEvent& event);
  absl::StatusOr<std::optional<auth::OrganizationKind>> FindOrganizationKind(
      const std::string& name);
  // NOT_FOUND for an unknown organization; ALREADY_EXISTS if the name or subject is taken.
  absl::StatusOr<StoredUser> InsertUser(const std::string& name, const std::string& organization,
                                        auth::Role role, const std::string& certificate_subject,
                                        const audit::AuditEvent& event);
  absl::StatusOr<std::optional<StoredUser>> FindUser(const std::string& name);
  absl::StatusOr<std::optional<StoredUser>> FindUserByCertificate(const std::string& subject);
  // NOT_FOUND for an unknown user.
  absl::StatusOr<StoredToken> InsertToken(const std::string& user, const std::string& sha256,
                                          const std::string& description,
                                          std::optional<records::Timestamp> expire_time,
                                          const audit::AuditEvent& event);
  // NOT_FOUND for an unknown token id; revoking twice keeps the first time.
  absl::StatusOr<StoredToken> RevokeToken(int64_t id, const audit::AuditEvent& event);
  // The token with this digest and its user; nullopt if none.
  absl::StatusOr<std::optional<std::pair<StoredToken, StoredUser>>> FindToken(
      const std::string& sha256);

  // NOT_FOUND for an unknown user. `token_id` is the token that logged in, if one did.
  absl::StatusOr<StoredSession> InsertSession(const std::string& user,
                                              std::optional<int64_t> token_id,
                                              const std::string& sha256,
                                              records::Timestamp expire_time,
                                              const audit::AuditEvent& event);
  // The session with this digest; nullopt if none.
  absl::StatusOr<std::optional<StoredSession>> FindSession(const std::string& sha256);
  // Ends a session (revoking twice keeps the first time); NOT_FOUND for an unknown digest.
  absl::Status RevokeSession(const std::string& sha256, const audit::AuditEvent& event);

  // Links a families' collective to a case that `event.principal`'s organization registered.
  // NOT_FOUND for a record that does not exist (or is deleted); PERMISSION_DENIED for another
  // organization's record, or for remains (collectives follow the missing persons their
  // commission registered); FAILED_PRECONDITION when `organization` is not a collective or is
  // already linked.
  absl::Status InsertCaseLink(const std::string& organization, records::RecordKind kind,
                              int64_t record_id, const std::string& consent,
                              const audit::AuditEvent& event);
  absl::StatusOr<bool> IsLinked(const std::string& organization, records::RecordKind kind,
                                int64_t record_id);
  // Resource names ("missingPersons/3") of every case linked to `organization`.
  absl::StatusOr<std::vector<std::string>> LinkedRecords(const std::string& organization);
  // Appends `event` to the audit chain on its own (e.g. a refused call).
  absl::Status AppendAudit(const audit::AuditEvent& event);

 private:
  Database* database_;
};

}  // namespace encuentro::storage
