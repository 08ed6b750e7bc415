// Persistence of missing persons and unidentified remains: each change commits together with its
// audit entry, and updates are checked against the revision the caller read.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "audit/audit_event.h"
#include "records/model.h"
#include "records/request_key.h"
#include "storage/database.h"

namespace encuentro::storage {

// Thread-safe: each call runs in its own transaction on a pooled connection.
class CaseRecordStore {
 public:
  explicit CaseRecordStore(Database* database) : database_(database) {}

  // Inserts `person` for `person.meta.organization`. A request id already used by that
  // organization returns the record it made, unchanged and without a new audit entry, or
  // ALREADY_EXISTS if it was used for a different request (another digest).
  absl::StatusOr<records::MissingPerson> InsertMissingPerson(const records::MissingPerson& person,
                                                             const records::RequestKey& key,
                                                             const audit::AuditEvent& event);
  // NOT_FOUND if absent. Soft-deleted records are returned (with delete_time set).
  absl::StatusOr<records::MissingPerson> GetMissingPerson(int64_t id);
  // Several at once, in id order; absent ids are left out.
  absl::StatusOr<std::vector<records::MissingPerson>> GetMissingPersons(
      const std::vector<int64_t>& ids);
  absl::StatusOr<records::Page<records::MissingPerson>> ListMissingPersons(
      const records::RecordQuery& query);
  // Locks the row, lets `mutate` change the record (its error aborts the transaction; it checks
  // the caller's scope first), checks `expected_revision` (ABORTED on mismatch), writes it with
  // the next revision and the audit entry, and commits.
  absl::StatusOr<records::MissingPerson> UpdateMissingPerson(
      int64_t id, std::optional<int64_t> expected_revision,
      const std::function<absl::Status(records::MissingPerson&)>& mutate,
      const audit::AuditEvent& event);

  absl::StatusOr<records::UnidentifiedRemains> InsertRemains(
      const records::UnidentifiedRemains& remains, const records::RequestKey& key,
      const audit::AuditEvent& event);
  absl::StatusOr<records::UnidentifiedRemains> GetRemains(int64_t id);
  // Several at once, in id order; absent ids are left out.
  absl::StatusOr<std::vector<records::UnidentifiedRemains>> GetRemainsMany(
      const std::vector<int64_t>& ids);
  absl::StatusOr<records::Page<records::UnidentifiedRemains>> ListRemains(
      const records::RecordQuery& query);
  absl::StatusOr<records::UnidentifiedRemains> UpdateRemains(
      int64_t id, std::optional<int64_t> expected_revision,
      const std::function<absl::Status(records::UnidentifiedRemains&)>& mutate,
      const audit::AuditEvent& event);

  // Records a read of case data in the audit log.
  absl::Status AppendAudit(const audit::AuditEvent& event);

 private:
  Database* database_;
};

}  // namespace encuentro::storage
