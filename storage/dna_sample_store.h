// Persistence of DNA samples (tracking only): each change commits with its audit entry and is
// checked against the revision the caller read; counts of samples by record for the review
// queue.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit_event.h"
#include "records/model.h"
#include "records/request_key.h"
#include "storage/database.h"
#include "storage/owning_record.h"

namespace encuentro::storage {

// A record's live samples: profiled, and still on their way (collected or sent).
struct DnaSampleCounts {
  int profiled = 0;
  int pending = 0;
};

// Thread-safe: each call runs in its own transaction on a pooled connection.
class DnaSampleStore {
 public:
  explicit DnaSampleStore(Database* database) : database_(database) {}

  // As MarkStore::InsertMark.
  absl::StatusOr<records::DnaSample> InsertSample(
      const records::DnaSample& sample, const records::RequestKey& key,
      const std::function<absl::Status(const OwningRecord&)>& admit,
      const audit::AuditEvent& event);
  // NOT_FOUND unless the sample exists on that record. Soft-deleted samples are returned.
  absl::StatusOr<records::DnaSample> GetSample(records::RecordKind kind, int64_t owner_id,
                                               int64_t sample_id);
  absl::StatusOr<OwningRecord> GetOwner(records::RecordKind kind, int64_t owner_id);
  absl::StatusOr<records::Page<records::DnaSample>> ListSamples(records::RecordKind kind,
                                                                int64_t owner_id, bool show_deleted,
                                                                int page_size, int64_t after_id);
  // As MarkStore::UpdateMark.
  absl::StatusOr<records::DnaSample> UpdateSample(
      records::RecordKind kind, int64_t owner_id, int64_t sample_id,
      std::optional<int64_t> expected_revision,
      const std::function<absl::Status(const OwningRecord&, records::DnaSample&)>& mutate,
      const audit::AuditEvent& event);
  // Live samples of each of `owner_ids` of `kind` that has any.
  absl::StatusOr<std::unordered_map<int64_t, DnaSampleCounts>> CountSamples(
      records::RecordKind kind, const std::vector<int64_t>& owner_ids);

 private:
  Database* database_;
};

}  // namespace encuentro::storage
