// Persistence of distinguishing marks: each change commits with its audit entry and a cross-match
// job for the owning record, and is checked against the revision the caller read. Also the
// full-text search of marks by description (Spanish stemming, accents ignored).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit_event.h"
#include "records/model.h"
#include "records/request_key.h"
#include "storage/database.h"
#include "storage/owning_record.h"

namespace encuentro::storage {

// Marks of one kind of record matching every set member; unset members do not filter.
struct MarkSearch {
  records::RecordKind owner_kind = records::RecordKind::kRemains;
  // Words to find in the description, keywords or location detail, all of them, after Spanish
  // stemming and with accents ignored ("rosas" finds "rosa", "maria" finds "MARÍA").
  std::string text;
  std::vector<records::MarkKind> kinds;
  records::BodyRegion region = records::BodyRegion::kUnspecified;
  records::BodySide side = records::BodySide::kUnspecified;
  // The owning records' organization.
  std::string organization;
  int page_size = 50;
  int64_t after_id = 0;
};

// Thread-safe: each call runs in its own transaction on a pooled connection.
class MarkStore {
 public:
  explicit MarkStore(Database* database) : database_(database) {}

  // Inserts `mark` on its owner, whose row is locked and shown to `admit` first (its error
  // aborts). A request id already used on that owner returns the mark it made, unchanged
  // and without a new audit entry, or ALREADY_EXISTS if it was used for a different request.
  // NOT_FOUND for an unknown owner.
  absl::StatusOr<records::DistinguishingMark> InsertMark(
      const records::DistinguishingMark& mark, const records::RequestKey& key,
      const std::function<absl::Status(const OwningRecord&)>& admit,
      const audit::AuditEvent& event);
  // NOT_FOUND unless the mark exists on that owner. Soft-deleted marks are returned.
  absl::StatusOr<records::DistinguishingMark> GetMark(records::RecordKind kind, int64_t owner_id,
                                                      int64_t mark_id);
  absl::StatusOr<OwningRecord> GetOwner(records::RecordKind kind, int64_t owner_id);
  absl::StatusOr<records::Page<records::DistinguishingMark>> ListMarks(records::RecordKind kind,
                                                                       int64_t owner_id,
                                                                       bool show_deleted,
                                                                       int page_size,
                                                                       int64_t after_id);
  // Locks the mark, lets `mutate` change it (seeing its owner; its error aborts), checks
  // `expected_revision` (ABORTED on mismatch), writes it with the next revision, the audit entry
  // and a cross-match job for the owner, and commits.
  absl::StatusOr<records::DistinguishingMark> UpdateMark(
      records::RecordKind kind, int64_t owner_id, int64_t mark_id,
      std::optional<int64_t> expected_revision,
      const std::function<absl::Status(const OwningRecord&, records::DistinguishingMark&)>& mutate,
      const audit::AuditEvent& event);
  // Live marks of live records, by mark id.
  absl::StatusOr<records::Page<records::DistinguishingMark>> SearchMarks(const MarkSearch& search);

 private:
  Database* database_;
};

}  // namespace encuentro::storage
