#include "records/dental.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/field_violations.h"
#include "records/field_mask.h"
#include "records/names.h"
#include "records/validation.h"

namespace encuentro::records {

DentalCharts::DentalCharts(storage::DentalStore* store, storage::CaseRecordStore* records,
                           const auth::CaseScope* scope, std::function<Timestamp()> clock)
    : store_(store), records_(records), scope_(scope), clock_(std::move(clock)) {}

absl::StatusOr<DentalChart> DentalCharts::GetChart(const auth::Principal& caller, RecordKind kind,
                                                   int64_t owner_id) {
  auto found = store_->GetChart(kind, owner_id);
  if (!found.ok()) return found.status();
  if (absl::Status s = scope_->CheckRead(caller, kind, owner_id, found->first.organization);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = records_->AppendAudit(audit::EventFor(caller, "DentalService/GetDentalChart",
                                                             {DentalChartName(kind, owner_id)}));
      !s.ok()) {
    return s;
  }
  return std::move(found->second);
}

absl::StatusOr<DentalChart> DentalCharts::UpdateChart(const auth::Principal& caller,
                                                      RecordKind kind, int64_t owner_id,
                                                      const DentalChart& values,
                                                      const std::vector<std::string>& update_mask,
                                                      std::optional<int64_t> expected_revision) {
  const Date today(std::chrono::floor<std::chrono::days>(clock_()));
  absl::StatusOr<DentalChart> updated = store_->UpdateChart(
      kind, owner_id, expected_revision,
      [&](const storage::OwningRecord& owner, DentalChart& chart) -> absl::Status {
        if (absl::Status s = scope_->CheckWrite(caller, kind, owner.organization); !s.ok()) {
          return s;
        }
        if (owner.deleted) {
          return absl::FailedPreconditionError(
              absl::StrCat(RecordName(kind, owner_id), " is deleted and can no longer change"));
        }
        if (absl::Status s = ApplyUpdateMask(values, update_mask, chart); !s.ok()) return s;
        // Validated in the caller's order, so that violations name the teeth as sent.
        if (absl::Status s = InvalidFields(ValidateDentalChart(chart, kind, today)); !s.ok()) {
          return s;
        }
        std::sort(chart.teeth.begin(), chart.teeth.end(),
                  [](const Tooth& a, const Tooth& b) { return a.fdi < b.fdi; });
        return absl::OkStatus();
      },
      audit::EventFor(caller, "DentalService/UpdateDentalChart"));
  if (updated.ok() && observer_ != nullptr && kind == RecordKind::kMissingPerson) {
    absl::StatusOr<MissingPerson> person = records_->GetMissingPerson(owner_id);
    if (person.ok()) observer_->MissingPersonCommitted(*person);
  }
  return updated;
}

}  // namespace encuentro::records
