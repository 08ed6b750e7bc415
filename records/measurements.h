// The anthropology use cases of a set of remains: record measurement sets (typed or derived from
// landmarks), list their versions, and estimate sex and stature from them, optionally saving the
// estimate to the remains' biological profile. The anthropology module judges values and makes
// estimates; this class adds scope (through CaseRecords), storage and the audit entry.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "anthropology/catalog.h"
#include "anthropology/reference_sample.h"
#include "anthropology/sex_estimation.h"
#include "anthropology/stature.h"
#include "anthropology/validation.h"
#include "auth/principal.h"
#include "records/case_records.h"
#include "records/model.h"
#include "storage/measurement_store.h"

namespace encuentro::records {

// What the analyst submits with a set besides its values.
struct MeasurementSetInput {
  int64_t remains_id = 0;
  anthropology::MeasurementSetDetails details;
  std::optional<Date> measured_date;
  // Outliers become warnings rather than errors.
  bool allow_outliers = false;
};

// An outlier the caller allowed, named by field ("measurements[GOL]").
struct MeasurementWarning {
  std::string field;
  std::string reason;
  std::string message;
};

struct RecordedMeasurements {
  storage::StoredMeasurementSet set;
  std::vector<MeasurementWarning> warnings;
};

// The values an estimate works on: `values` when given, else the stored set `version`, else the
// latest stored set.
struct EstimateInput {
  int64_t remains_id = 0;
  anthropology::MeasurementSet values;
  std::optional<int64_t> version;
  // Save the estimate to the remains' biological profile, if its revision is still this one.
  bool save_to_profile = false;
  std::optional<int64_t> expected_revision;
};

struct SexEstimateResult {
  anthropology::SexEstimate estimate;
  std::string method;    // how the profile names it: LDA, reference, populations, variables
  std::string set_name;  // the stored set used; empty for explicit values
  std::optional<UnidentifiedRemains> saved;
};

struct StatureEstimateResult {
  // One per formula whose bone was measured, most precise (smallest SE) first.
  std::vector<std::pair<anthropology::StatureEstimate, const anthropology::StatureFormula*>>
      estimates;
  std::string method;
  std::string set_name;
  std::optional<UnidentifiedRemains> saved;
};

// Thread-safe: the catalog and reference sample are immutable; the store and CaseRecords are
// thread-safe. Every pointer must outlive this object.
class MeasurementRecords {
 public:
  // `cranio_reference` may be null (EstimateSex is then FAILED_PRECONDITION); `cranio_label`
  // names it in saved estimates (e.g. the file's name).
  MeasurementRecords(storage::MeasurementStore* store, CaseRecords* records,
                     const anthropology::MeasurementCatalog* catalog,
                     const anthropology::ReferenceSample* cranio_reference,
                     std::string cranio_label);

  // Field violations are named relative to the set: "measurements[GOL]", "observer", ...
  // `audit_method` is the RPC the audit entry names.
  absl::StatusOr<RecordedMeasurements> RecordMeasurements(const auth::Principal& caller,
                                                          const MeasurementSetInput& input,
                                                          anthropology::MeasurementSet values,
                                                          std::string_view audit_method);
  // Derives the catalog's chord measurements from a landmark CSV (violations name "csv").
  absl::StatusOr<RecordedMeasurements> ImportLandmarks(const auth::Principal& caller,
                                                       const MeasurementSetInput& input,
                                                       std::string_view csv,
                                                       std::string_view audit_method);
  // Newest first, at most `page_size`, versions below `before_version` (0: no bound).
  absl::StatusOr<std::vector<storage::StoredMeasurementSet>> ListVersions(
      const auth::Principal& caller, int64_t remains_id, int page_size, int64_t before_version,
      const char* audited_as);

  absl::StatusOr<SexEstimateResult> EstimateSex(const auth::Principal& caller,
                                                const EstimateInput& input,
                                                const anthropology::SexEstimationOptions& options,
                                                const char* audited_as);
  // `formulas` are those the caller chose (one id, or every formula of a group and sex);
  // `standard_errors` sets the width of the saved range.
  absl::StatusOr<StatureEstimateResult> EstimateStature(
      const auth::Principal& caller, const EstimateInput& input,
      const std::vector<const anthropology::StatureFormula*>& formulas, double standard_errors,
      const char* audited_as);

  const anthropology::MeasurementCatalog& catalog() const { return *catalog_; }

 private:
  struct ResolvedValues {
    anthropology::MeasurementSet measurements;
    std::string set_name;
  };
  absl::StatusOr<ResolvedValues> Resolve(const EstimateInput& input);
  absl::StatusOr<RecordedMeasurements> Store(const auth::Principal& caller,
                                             const MeasurementSetInput& input,
                                             storage::StoredMeasurementSet set,
                                             std::vector<MeasurementWarning> warnings,
                                             std::string_view audit_method);
  absl::StatusOr<UnidentifiedRemains> SaveToProfile(const auth::Principal& caller,
                                                    const EstimateInput& input,
                                                    BiologicalProfile profile,
                                                    const std::string& mask);

  storage::MeasurementStore* store_;
  CaseRecords* records_;
  const anthropology::MeasurementCatalog* catalog_;
  const anthropology::ReferenceSample* cranio_reference_;
  const std::string cranio_label_;
};

}  // namespace encuentro::records
