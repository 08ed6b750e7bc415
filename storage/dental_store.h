// Persistence of dental charts, one per record: each change commits with its audit entry and a
// cross-match job for the owning record, and is checked against the revision the caller read.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "absl/status/statusor.h"
#include "audit/audit_event.h"
#include "records/model.h"
#include "storage/database.h"
#include "storage/owning_record.h"

namespace encuentro::storage {

// Thread-safe: each call runs in its own transaction on a pooled connection.
class DentalStore {
 public:
  explicit DentalStore(Database* database) : database_(database) {}

  // The record's chart, with its owner; a chart never written is empty, at revision 0.
  // NOT_FOUND for an unknown record.
  absl::StatusOr<std::pair<OwningRecord, records::DentalChart>> GetChart(records::RecordKind kind,
                                                                         int64_t owner_id);
  // Locks the record and its chart, lets `mutate` change the chart (seeing its
  // owner; its error aborts), checks `expected_revision` (ABORTED on mismatch), writes it with the
  // next revision, the audit entry and a cross-match job for the record, and commits.
  absl::StatusOr<records::DentalChart> UpdateChart(
      records::RecordKind kind, int64_t owner_id, std::optional<int64_t> expected_revision,
      const std::function<absl::Status(const OwningRecord&, records::DentalChart&)>& mutate,
      const audit::AuditEvent& event);

 private:
  Database* database_;
};

}  // namespace encuentro::storage
