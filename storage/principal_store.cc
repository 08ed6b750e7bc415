#include "storage/principal_store.h"

#include "absl/strings/str_cat.h"
#include "records/names.h"
#include "storage/audit_writer.h"
#include "storage/connection_pool.h"
#include "storage/sql_values.h"

namespace encuentro::storage {
namespace {

constexpr char kUserColumns[] =
    "SELECT u.id, u.name, o.name, o.kind, u.role, coalesce(u.certificate_subject, '') "
    "FROM users u JOIN organizations o ON o.id = u.organization_id ";

StoredUser ReadUser(const pqxx::row& row) {
  StoredUser user;
  user.id = row[0].as<int64_t>();
  user.name = row[1].as<std::string>();
  user.organization = row[2].as<std::string>();
  auth::ParseOrganizationKind(row[3].as<std::string>(), &user.organization_kind);
  auth::ParseRole(row[4].as<std::string>(), &user.role);
  user.certificate_subject = row[5].as<std::string>();
  return user;
}

constexpr char kTokenColumns[] =
    "SELECT t.id, u.name, (extract(epoch from t.expire_time) * 1e6)::bigint, "
    "(extract(epoch from t.revoke_time) * 1e6)::bigint FROM api_tokens t "
    "JOIN users u ON u.id = t.user_id ";

StoredToken ReadToken(const pqxx::row& row) {
  return {row[0].as<int64_t>(), row[1].as<std::string>(), OptionalMicrosField(row[2]),
          OptionalMicrosField(row[3])};
}

constexpr char kSessionColumns[] =
    "SELECT s.id, u.name, (extract(epoch from s.expire_time) * 1e6)::bigint, "
    "(extract(epoch from s.revoke_time) * 1e6)::bigint, s.token_id FROM web_sessions s "
    "JOIN users u ON u.id = s.user_id ";

const char* KindToSql(records::RecordKind kind) {
  return kind == records::RecordKind::kRemains ? "remains" : "missing_person";
}

absl::StatusOr<std::optional<StoredUser>> FindOneUser(Database& db, const std::string& where,
                                                      const std::string& value) {
  std::optional<StoredUser> user;
  absl::Status status = db.pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    const pqxx::result rows = SqlParams().Add(value).Exec(tx, std::string(kUserColumns) + where);
    if (!rows.empty()) user = ReadUser(rows[0]);
  });
  if (!status.ok()) return status;
  return user;
}

}  // namespace

absl::Status PrincipalStore::InsertOrganization(const std::string& name,
                                                auth::OrganizationKind kind,
                                                const audit::AuditEvent& event) {
  bool taken = false;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    const pqxx::result inserted =
        SqlParams()
            .Add(name)
            .Add(auth::OrganizationKindName(kind))
            .Exec(tx,
                  "INSERT INTO organizations (name, kind) VALUES ($1, $2) "
                  "ON CONFLICT (name) DO NOTHING RETURNING id");
    if (inserted.empty()) {
      taken = true;
      return;
    }
    AppendAuditEntry(*database_, tx, event);
    tx.commit();
  });
  if (!status.ok()) return status;
  if (taken) return absl::AlreadyExistsError(absl::StrCat("organization ", name, " exists"));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<auth::OrganizationKind>> PrincipalStore::FindOrganizationKind(
    const std::string& name) {
  std::optional<auth::OrganizationKind> kind;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    const pqxx::result rows =
        SqlParams().Add(name).Exec(tx, "SELECT kind FROM organizations WHERE name = $1");
    auth::OrganizationKind parsed;
    if (!rows.empty() && auth::ParseOrganizationKind(rows[0][0].as<std::string>(), &parsed)) {
      kind = parsed;
    }
  });
  if (!status.ok()) return status;
  return kind;
}

absl::StatusOr<StoredUser> PrincipalStore::InsertUser(const std::string& name,
                                                      const std::string& organization,
                                                      auth::Role role,
                                                      const std::string& certificate_subject,
                                                      const audit::AuditEvent& event) {
  std::optional<StoredUser> user;
  absl::Status outcome = absl::OkStatus();
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    const pqxx::result org =
        SqlParams().Add(organization).Exec(tx, "SELECT id FROM organizations WHERE name = $1");
    if (org.empty()) {
      outcome = absl::NotFoundError(absl::StrCat("organization ", organization, " not found"));
      return;
    }
    const pqxx::result taken = SqlParams()
                                   .Add(name)
                                   .Add(certificate_subject)
                                   .Exec(tx,
                                         "SELECT 1 FROM users WHERE name = $1 OR "
                                         "($2 <> '' AND certificate_subject = $2)");
    if (!taken.empty()) {
      outcome = absl::AlreadyExistsError(
          absl::StrCat("a user named ", name, " or with that certificate subject exists"));
      return;
    }
    const pqxx::result inserted =
        SqlParams()
            .Add(name)
            .Add(org[0][0].as<int64_t>())
            .Add(auth::RoleName(role))
            .Add(certificate_subject.empty() ? std::nullopt : std::optional(certificate_subject))
            .Exec(tx,
                  "INSERT INTO users (name, organization_id, role, certificate_subject) "
                  "VALUES ($1, $2, $3, $4) RETURNING id");
    AppendAuditEntry(*database_, tx, event);
    user = ReadUser(SqlParams()
                        .Add(inserted[0][0].as<int64_t>())
                        .Exec(tx, std::string(kUserColumns) + "WHERE u.id = $1")
                        .at(0));
    tx.commit();
  });
  if (!status.ok()) return status;
  if (!outcome.ok()) return outcome;
  return *user;
}

absl::StatusOr<std::optional<StoredUser>> PrincipalStore::FindUser(const std::string& name) {
  return FindOneUser(*database_, "WHERE u.name = $1", name);
}

absl::StatusOr<std::optional<StoredUser>> PrincipalStore::FindUserByCertificate(
    const std::string& subject) {
  return FindOneUser(*database_, "WHERE u.certificate_subject = $1", subject);
}

absl::StatusOr<StoredToken> PrincipalStore::InsertToken(
    const std::string& user, const std::string& sha256, const std::string& description,
    std::optional<records::Timestamp> expire_time, const audit::AuditEvent& event) {
  std::optional<StoredToken> token;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    const pqxx::result inserted =
        SqlParams()
            .Add(user)
            .Add(sha256)
            .Add(description)
            .Add(expire_time)
            .Exec(tx,
                  "INSERT INTO api_tokens (user_id, token_sha256, description, expire_time) "
                  "SELECT id, $2, $3, to_timestamp($4) FROM users WHERE name = $1 RETURNING id");
    if (inserted.empty()) return;
    audit::AuditEvent entry = event;
    entry.outcome_json = absl::StrCat(R"({"token_id":)", inserted[0][0].as<int64_t>(), "}");
    AppendAuditEntry(*database_, tx, entry);
    token = ReadToken(SqlParams()
                          .Add(inserted[0][0].as<int64_t>())
                          .Exec(tx, std::string(kTokenColumns) + "WHERE t.id = $1")
                          .at(0));
    tx.commit();
  });
  if (!status.ok()) return status;
  if (!token) return absl::NotFoundError(absl::StrCat("user ", user, " not found"));
  return *token;
}

absl::StatusOr<StoredToken> PrincipalStore::RevokeToken(int64_t id,
                                                        const audit::AuditEvent& event) {
  std::optional<StoredToken> token;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    const pqxx::result updated =
        SqlParams().Add(id).Exec(tx,
                                 "UPDATE api_tokens SET revoke_time = coalesce(revoke_time, now()) "
                                 "WHERE id = $1 RETURNING id");
    if (updated.empty()) return;
    AppendAuditEntry(*database_, tx, event);
    token = ReadToken(
        SqlParams().Add(id).Exec(tx, std::string(kTokenColumns) + "WHERE t.id = $1").at(0));
    tx.commit();
  });
  if (!status.ok()) return status;
  if (!token) return absl::NotFoundError(absl::StrCat("token ", id, " not found"));
  return *token;
}

absl::StatusOr<std::optional<std::pair<StoredToken, StoredUser>>> PrincipalStore::FindToken(
    const std::string& sha256) {
  std::optional<std::pair<StoredToken, StoredUser>> found;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    const pqxx::result token =
        SqlParams().Add(sha256).Exec(tx, std::string(kTokenColumns) + "WHERE t.token_sha256 = $1");
    if (token.empty()) return;
    const pqxx::result user = SqlParams()
                                  .Add(token[0][1].as<std::string>())
                                  .Exec(tx, std::string(kUserColumns) + "WHERE u.name = $1");
    found = std::make_pair(ReadToken(token[0]), ReadUser(user.at(0)));
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<StoredSession> PrincipalStore::InsertSession(const std::string& user,
                                                            std::optional<int64_t> token_id,
                                                            const std::string& sha256,
                                                            records::Timestamp expire_time,
                                                            const audit::AuditEvent& event) {
  std::optional<int64_t> id;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    const pqxx::result inserted =
        SqlParams()
            .Add(user)
            .Add(sha256)
            .Add(token_id)
            .Add(expire_time)
            .Exec(tx,
                  "INSERT INTO web_sessions (user_id, secret_sha256, token_id, expire_time) "
                  "SELECT id, $2, $3, to_timestamp($4) FROM users WHERE name = $1 RETURNING id");
    if (inserted.empty()) return;
    id = inserted[0][0].as<int64_t>();
    audit::AuditEvent entry = event;
    entry.outcome_json = absl::StrCat(R"({"session_id":)", *id, "}");
    AppendAuditEntry(*database_, tx, entry);
    tx.commit();
  });
  if (!status.ok()) return status;
  if (!id) return absl::NotFoundError(absl::StrCat("user ", user, " not found"));
  absl::StatusOr<std::optional<StoredSession>> stored = FindSession(sha256);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return absl::InternalError("a new session vanished");
  return **stored;
}

absl::StatusOr<std::optional<StoredSession>> PrincipalStore::FindSession(
    const std::string& sha256) {
  std::optional<StoredSession> found;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    const pqxx::result session = SqlParams().Add(sha256).Exec(
        tx, std::string(kSessionColumns) + "WHERE s.secret_sha256 = $1");
    if (session.empty()) return;
    StoredSession s;
    s.id = session[0][0].as<int64_t>();
    s.expire_time = MicrosField(session[0][2]);
    s.revoke_time = OptionalMicrosField(session[0][3]);
    s.user = ReadUser(SqlParams()
                          .Add(session[0][1].as<std::string>())
                          .Exec(tx, std::string(kUserColumns) + "WHERE u.name = $1")
                          .at(0));
    if (!session[0][4].is_null()) {
      s.token = ReadToken(SqlParams()
                              .Add(session[0][4].as<int64_t>())
                              .Exec(tx, std::string(kTokenColumns) + "WHERE t.id = $1")
                              .at(0));
    }
    found = std::move(s);
  });
  if (!status.ok()) return status;
  return found;
}

absl::Status PrincipalStore::RevokeSession(const std::string& sha256,
                                           const audit::AuditEvent& event) {
  bool revoked = false;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    const pqxx::result updated = SqlParams().Add(sha256).Exec(
        tx,
        "UPDATE web_sessions SET revoke_time = coalesce(revoke_time, clock_timestamp()) "
        "WHERE secret_sha256 = $1 RETURNING id");
    if (updated.empty()) return;
    audit::AuditEvent entry = event;
    entry.outcome_json = absl::StrCat(R"({"session_id":)", updated[0][0].as<int64_t>(), "}");
    AppendAuditEntry(*database_, tx, entry);
    tx.commit();
    revoked = true;
  });
  if (!status.ok()) return status;
  if (!revoked) return absl::NotFoundError("no such session");
  return absl::OkStatus();
}

absl::Status PrincipalStore::InsertCaseLink(const std::string& organization,
                                            records::RecordKind kind, int64_t record_id,
                                            const std::string& consent,
                                            const audit::AuditEvent& event) {
  absl::Status outcome = absl::OkStatus();
  if (kind != records::RecordKind::kMissingPerson) {
    return absl::PermissionDeniedError(
        "a families' collective is linked to a missing person, by the commission that "
        "registered them; remains are reached through that person's candidates");
  }
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    // The record is held until the link commits, so it cannot change hands or vanish meanwhile.
    const pqxx::result owner =
        SqlParams().Add(record_id).Exec(tx,
                                        "SELECT organization FROM missing_persons WHERE id = $1 "
                                        "AND delete_time IS NULL FOR SHARE");
    if (owner.empty()) {
      outcome = absl::NotFoundError(records::RecordName(kind, record_id) + " not found");
      return;
    }
    if (owner[0][0].as<std::string>() != event.principal.organization) {
      outcome = absl::PermissionDeniedError(absl::StrCat("only the commission that registered ",
                                                         records::RecordName(kind, record_id),
                                                         " may link it to a families' collective"));
      return;
    }
    const pqxx::result inserted =
        SqlParams()
            .Add(organization)
            .Add(KindToSql(kind))
            .Add(record_id)
            .Add(consent)
            .Add(event.principal.user)
            .Exec(tx,
                  "INSERT INTO case_links (organization_id, record_kind, record_id, consent, "
                  "linked_by) SELECT id, $2, $3, $4, $5 FROM organizations WHERE name = $1 "
                  "AND kind = 'families_collective' ON CONFLICT DO NOTHING RETURNING id");
    if (inserted.empty()) {
      outcome = absl::FailedPreconditionError(
          absl::StrCat(organization, " is not a families' collective, or is already linked"));
      return;
    }
    AppendAuditEntry(*database_, tx, event);
    tx.commit();
  });
  if (!status.ok()) return status;
  return outcome;
}

absl::StatusOr<bool> PrincipalStore::IsLinked(const std::string& organization,
                                              records::RecordKind kind, int64_t record_id) {
  bool linked = false;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    linked = !SqlParams()
                  .Add(organization)
                  .Add(KindToSql(kind))
                  .Add(record_id)
                  .Exec(tx,
                        "SELECT 1 FROM case_links l JOIN organizations o ON "
                        "o.id = l.organization_id WHERE o.name = $1 AND l.record_kind = $2 AND "
                        "l.record_id = $3")
                  .empty();
  });
  if (!status.ok()) return status;
  return linked;
}

absl::StatusOr<std::vector<std::string>> PrincipalStore::LinkedRecords(
    const std::string& organization) {
  std::vector<std::string> names;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    for (const auto& row :
         SqlParams()
             .Add(organization)
             .Exec(tx,
                   "SELECT l.record_kind, l.record_id FROM case_links l JOIN organizations o ON "
                   "o.id = l.organization_id WHERE o.name = $1 ORDER BY l.id")) {
      names.push_back(records::RecordName(row[0].as<std::string>() == "remains"
                                              ? records::RecordKind::kRemains
                                              : records::RecordKind::kMissingPerson,
                                          row[1].as<int64_t>()));
    }
  });
  if (!status.ok()) return status;
  return names;
}

absl::Status PrincipalStore::AppendAudit(const audit::AuditEvent& event) {
  return AppendAuditEntry(*database_, event);
}

}  // namespace encuentro::storage
