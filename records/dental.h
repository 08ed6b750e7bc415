// The dental-chart use cases: read and change the one dental chart of a missing person or a set
// of remains. The chart follows its record's scope, and every access is audited.
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
#include "storage/case_record_store.h"
#include "storage/dental_store.h"

namespace encuentro::records {

// Thread-safe (the stores are).
class DentalCharts {
 public:
  // `records` reads a missing person again after their chart changes, for the observer, and
  // keeps the audit log of reads.
  DentalCharts(storage::DentalStore* store, storage::CaseRecordStore* records,
               const auth::CaseScope* scope,
               std::function<Timestamp()> clock = std::chrono::system_clock::now);

  // A chart never written comes back empty (no teeth examined), at revision 0.
  absl::StatusOr<DentalChart> GetChart(const auth::Principal& caller, RecordKind kind,
                                       int64_t owner_id);
  // Copies the fields named by `update_mask` (source, source_date, notes, teeth, or "*") from
  // `values`; `expected_revision` as for records. INVALID_ARGUMENT with field violations;
  // NOT_FOUND for an unknown record; FAILED_PRECONDITION for a deleted one.
  absl::StatusOr<DentalChart> UpdateChart(const auth::Principal& caller, RecordKind kind,
                                          int64_t owner_id, const DentalChart& values,
                                          const std::vector<std::string>& update_mask,
                                          std::optional<int64_t> expected_revision);

  // Not owned; told when a missing person's chart changes. Set before serving.
  void set_observer(MatchingObserver* observer) { observer_ = observer; }

 private:
  storage::DentalStore* store_;
  storage::CaseRecordStore* records_;
  const auth::CaseScope* scope_;
  std::function<Timestamp()> clock_;
  MatchingObserver* observer_ = nullptr;
};

}  // namespace encuentro::records
