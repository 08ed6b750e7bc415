// The distinguishing-mark use cases: record, read, list, change and soft-delete the marks of a
// missing person or a set of remains, and search marks by description. A mark follows its record:
// whoever may read (change) the record may read (change) its marks, and every access is audited.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/case_scope.h"
#include "auth/principal.h"
#include "records/matching_observer.h"
#include "records/model.h"
#include "records/names.h"
#include "records/request_key.h"
#include "storage/case_record_store.h"
#include "storage/mark_store.h"

namespace encuentro::records {

// Thread-safe (the stores are).
class MarkRecords {
 public:
  // `records` reads a missing person again after its marks change, for the observer, and keeps
  // the audit log of reads.
  MarkRecords(storage::MarkStore* store, storage::CaseRecordStore* records,
              const auth::CaseScope* scope,
              std::function<Timestamp()> clock = std::chrono::system_clock::now);

  // `mark.owner_kind` and `owner_id` say where. INVALID_ARGUMENT with field violations;
  // NOT_FOUND for an unknown record; FAILED_PRECONDITION for a deleted one.
  absl::StatusOr<DistinguishingMark> CreateMark(const auth::Principal& caller,
                                                DistinguishingMark mark, const RequestKey& key);
  absl::StatusOr<DistinguishingMark> GetMark(const auth::Principal& caller, const PartRef& ref);
  absl::StatusOr<Page<DistinguishingMark>> ListMarks(const auth::Principal& caller, RecordKind kind,
                                                     int64_t owner_id, bool show_deleted,
                                                     int page_size, int64_t after_id);
  // Copies the fields named by `update_mask` from `values`; `expected_revision` as for records.
  absl::StatusOr<DistinguishingMark> UpdateMark(const auth::Principal& caller, const PartRef& ref,
                                                const DistinguishingMark& values,
                                                const std::vector<std::string>& update_mask,
                                                std::optional<int64_t> expected_revision);
  absl::StatusOr<DistinguishingMark> DeleteMark(const auth::Principal& caller, const PartRef& ref,
                                                const std::string& reason,
                                                std::optional<int64_t> expected_revision);
  // `search.organization` is narrowed to what `caller` may search (auth::CaseScope).
  absl::StatusOr<Page<DistinguishingMark>> SearchMarks(const auth::Principal& caller,
                                                       storage::MarkSearch search);

  // Not owned; told when a missing person's marks change. Set before serving.
  void set_observer(MatchingObserver* observer) { observer_ = observer; }

 private:
  // Tells the observer after a missing person's marks changed.
  void Committed(const DistinguishingMark& mark);

  storage::MarkStore* store_;
  storage::CaseRecordStore* records_;
  const auth::CaseScope* scope_;
  std::function<Timestamp()> clock_;
  MatchingObserver* observer_ = nullptr;
};

}  // namespace encuentro::records
