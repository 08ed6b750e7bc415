#include "records/measurements.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "anthropology/landmarks.h"
#include "audit/audit_event.h"
#include "common/field_violations.h"
#include "common/text.h"
#include "records/names.h"

namespace encuentro::records {
namespace {

std::string Percent(double fraction) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", 100.0 * fraction);
  return buffer;
}

std::string Fixed(double value, int digits) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

// The first text that fits an assessment's method field (kMaxShortText), else the last one cut
// to fit.
std::string FitText(const std::vector<std::string>& candidates) {
  for (const std::string& text : candidates) {
    if (text.size() <= kMaxShortText) return text;
  }
  return candidates.back().substr(0, kMaxShortText);
}

// How a saved sex estimate names its method: LDA, reference, populations, variables, accuracy;
// shortened (counts instead of lists) where the lists are long.
std::string SexMethodText(const anthropology::SexEstimate& estimate, const std::string& reference) {
  const int n = estimate.female.reference_count + estimate.male.reference_count;
  const std::string accuracy =
      estimate.loo_accuracy ? absl::StrCat(", LOO accuracy ", Percent(*estimate.loo_accuracy)) : "";
  const std::string pops = absl::StrJoin(estimate.populations, " ");
  const std::string vars = absl::StrJoin(estimate.variables, " ");
  const std::string pop_count = absl::StrCat(estimate.populations.size(), " populations");
  const std::string var_count = absl::StrCat(estimate.variables.size(), " variables");
  return FitText({
      absl::StrCat("FORDISC-style LDA, reference ", reference, " (", pops, "), ", vars, ", n=", n,
                   accuracy),
      absl::StrCat("FORDISC-style LDA, reference ", reference, " (", pops, "), ", var_count,
                   ", n=", n, accuracy),
      absl::StrCat("FORDISC-style LDA, reference ", reference, " (", pop_count, "), ", var_count,
                   ", n=", n, accuracy),
  });
}

// The catalog's verdict on `values`: errors refuse the set, allowed outliers become warnings.
absl::StatusOr<std::vector<MeasurementWarning>> Judge(
    const anthropology::MeasurementCatalog& catalog, const anthropology::MeasurementSet& values,
    bool allow_outliers) {
  const anthropology::MeasurementVerdict verdict =
      anthropology::JudgeMeasurements(catalog, values, allow_outliers, "");
  if (!verdict.errors.empty()) return InvalidFields(verdict.errors);
  std::vector<MeasurementWarning> warnings;
  for (size_t i = 0; i < verdict.warnings.size(); ++i) {
    warnings.push_back({verdict.warning_fields[i],
                        std::string(anthropology::ProblemKindName(verdict.warnings[i].kind)),
                        verdict.warnings[i].message});
  }
  return warnings;
}

}  // namespace

MeasurementRecords::MeasurementRecords(storage::MeasurementStore* store, CaseRecords* records,
                                       const anthropology::MeasurementCatalog* catalog,
                                       const anthropology::ReferenceSample* cranio_reference,
                                       std::string cranio_label)
    : store_(store),
      records_(records),
      catalog_(catalog),
      cranio_reference_(cranio_reference),
      cranio_label_(std::move(cranio_label)) {}

absl::StatusOr<RecordedMeasurements> MeasurementRecords::RecordMeasurements(
    const auth::Principal& caller, const MeasurementSetInput& input,
    anthropology::MeasurementSet values, std::string_view audit_method) {
  if (values.empty()) return InvalidFields({{"measurements", "must hold at least one value"}});
  absl::StatusOr<std::vector<MeasurementWarning>> warnings =
      Judge(*catalog_, values, input.allow_outliers);
  if (!warnings.ok()) return warnings.status();
  storage::StoredMeasurementSet set;
  set.measurements = std::move(values);
  return Store(caller, input, std::move(set), *std::move(warnings), audit_method);
}

absl::StatusOr<RecordedMeasurements> MeasurementRecords::ImportLandmarks(
    const auth::Principal& caller, const MeasurementSetInput& input, std::string_view csv,
    std::string_view audit_method) {
  absl::StatusOr<anthropology::LandmarkSet> landmarks =
      anthropology::ParseLandmarkCsv(*catalog_, std::string(csv));
  if (!landmarks.ok()) return InvalidFields({{"csv", std::string(landmarks.status().message())}});
  storage::StoredMeasurementSet set;
  set.origin = anthropology::MeasurementOrigin::kLandmarks;
  set.measurements = anthropology::DeriveChordMeasurements(*catalog_, *landmarks);
  if (set.measurements.empty()) {
    return InvalidFields({{"csv",
                           "no catalog chord has both of its landmarks in the file, so nothing "
                           "can be measured; ListCatalog names each chord's landmarks"}});
  }
  absl::StatusOr<std::vector<MeasurementWarning>> warnings =
      Judge(*catalog_, set.measurements, input.allow_outliers);
  if (!warnings.ok()) return warnings.status();
  set.landmarks = landmarks->points;
  return Store(caller, input, std::move(set), *std::move(warnings), audit_method);
}

absl::StatusOr<RecordedMeasurements> MeasurementRecords::Store(
    const auth::Principal& caller, const MeasurementSetInput& input,
    storage::StoredMeasurementSet set, std::vector<MeasurementWarning> warnings,
    std::string_view audit_method) {
  if (std::vector<FieldViolation> bad = anthropology::ValidateSetDetails(input.details);
      !bad.empty()) {
    return InvalidFields(bad);
  }
  // Scope: only who may read the remains records measurements for them.
  if (absl::StatusOr<UnidentifiedRemains> remains =
          records_->GetRemains(caller, input.remains_id, /*audited_as=*/nullptr);
      !remains.ok()) {
    return remains.status();
  }
  set.remains_id = input.remains_id;
  set.observer = input.details.observer;
  set.instrument = input.details.instrument;
  set.notes = input.details.notes;
  set.measured_date = input.measured_date;
  set.allow_outliers = input.allow_outliers;
  set.organization = caller.organization;
  set.created_by = caller.user;
  audit::AuditEvent event = audit::EventFor(caller, std::string(audit_method));
  event.outcome_json = absl::StrCat("{\"warnings\": ", warnings.size(), "}");
  absl::StatusOr<storage::StoredMeasurementSet> stored = store_->Insert(set, event);
  if (!stored.ok()) return stored.status();
  return RecordedMeasurements{*std::move(stored), std::move(warnings)};
}

absl::StatusOr<std::vector<storage::StoredMeasurementSet>> MeasurementRecords::ListVersions(
    const auth::Principal& caller, int64_t remains_id, int page_size, int64_t before_version,
    const char* audited_as) {
  if (absl::StatusOr<UnidentifiedRemains> remains =
          records_->GetRemains(caller, remains_id, audited_as);
      !remains.ok()) {
    return remains.status();
  }
  return store_->List(remains_id, page_size, before_version);
}

absl::StatusOr<MeasurementRecords::ResolvedValues> MeasurementRecords::Resolve(
    const EstimateInput& input) {
  ResolvedValues resolved;
  if (!input.values.empty()) {
    if (input.version) {
      return InvalidFields({{"measurement_set", "give either measurement_set or measurements"}});
    }
    absl::StatusOr<std::vector<MeasurementWarning>> warnings =
        Judge(*catalog_, input.values, /*allow_outliers=*/false);
    if (!warnings.ok()) return warnings.status();
    resolved.measurements = input.values;
    return resolved;
  }
  absl::StatusOr<storage::StoredMeasurementSet> stored =
      store_->Get(input.remains_id, input.version);
  if (!stored.ok()) {
    if (absl::IsNotFound(stored.status()) && !input.version) {
      return absl::FailedPreconditionError(
          absl::StrCat(RemainsName(input.remains_id),
                       " has no measurements: record some first (RecordMeasurements or "
                       "ImportLandmarks) or pass them in the request"));
    }
    return stored.status();
  }
  resolved.measurements = std::move(stored->measurements);
  resolved.set_name = storage::MeasurementSetName(input.remains_id, stored->version);
  return resolved;
}

absl::StatusOr<UnidentifiedRemains> MeasurementRecords::SaveToProfile(const auth::Principal& caller,
                                                                      const EstimateInput& input,
                                                                      BiologicalProfile profile,
                                                                      const std::string& mask) {
  RecordPatch<UnidentifiedRemains> patch;
  patch.id = input.remains_id;
  patch.values.biological_profile = std::move(profile);
  patch.update_mask = {mask};
  patch.expected_revision = input.expected_revision;
  return records_->UpdateRemains(caller, patch);
}

absl::StatusOr<SexEstimateResult> MeasurementRecords::EstimateSex(
    const auth::Principal& caller, const EstimateInput& input,
    const anthropology::SexEstimationOptions& options, const char* audited_as) {
  if (cranio_reference_ == nullptr) {
    return absl::FailedPreconditionError(
        "no craniometric reference sample is loaded: start encuentrod with --cranio-reference "
        "FILE (or ENCUENTRO_CRANIO_REFERENCE), a CSV in the Howells layout "
        "(ID,Sex,PopNum,Population,<codes>)");
  }
  // A saved estimate's own audited change records the access.
  absl::StatusOr<UnidentifiedRemains> remains =
      records_->GetRemains(caller, input.remains_id, input.save_to_profile ? nullptr : audited_as);
  if (!remains.ok()) return remains.status();
  absl::StatusOr<ResolvedValues> values = Resolve(input);
  if (!values.ok()) return values.status();
  absl::StatusOr<anthropology::SexEstimate> estimate =
      anthropology::EstimateSex(*cranio_reference_, values->measurements, options);
  if (!estimate.ok()) return estimate.status();
  SexEstimateResult result{*std::move(estimate), "", values->set_name, std::nullopt};
  result.method = SexMethodText(result.estimate, cranio_label_);
  if (input.save_to_profile) {
    const anthropology::SexGroupResult& chosen =
        result.estimate.estimated_sex == anthropology::Sex::kMale ? result.estimate.male
                                                                  : result.estimate.female;
    SexEstimate saved{
        result.estimate.estimated_sex == anthropology::Sex::kMale ? Sex::kMale : Sex::kFemale,
        chosen.posterior,
        {result.method, caller.user}};
    saved.method = SexMethod::kSkeletalMetric;
    // The model's own leave-one-out error is its error rate; without cross-validation the
    // matcher's default for metric methods applies.
    if (result.estimate.loo_accuracy) {
      saved.error_rate = std::clamp(1 - *result.estimate.loo_accuracy, 0.0, 0.5);
    }
    BiologicalProfile profile;
    profile.sex = saved;
    absl::StatusOr<UnidentifiedRemains> updated =
        SaveToProfile(caller, input, std::move(profile), "biological_profile.sex");
    if (!updated.ok()) return updated.status();
    result.saved = *std::move(updated);
  }
  return result;
}

absl::StatusOr<StatureEstimateResult> MeasurementRecords::EstimateStature(
    const auth::Principal& caller, const EstimateInput& input,
    const std::vector<const anthropology::StatureFormula*>& formulas, double standard_errors,
    const char* audited_as) {
  absl::StatusOr<UnidentifiedRemains> remains =
      records_->GetRemains(caller, input.remains_id, input.save_to_profile ? nullptr : audited_as);
  if (!remains.ok()) return remains.status();
  absl::StatusOr<ResolvedValues> values = Resolve(input);
  if (!values.ok()) return values.status();

  StatureEstimateResult result;
  absl::Status last_error = absl::OkStatus();
  for (const anthropology::StatureFormula* formula : formulas) {
    absl::StatusOr<anthropology::StatureEstimate> estimate = anthropology::EstimateStature(
        formula->id, values->measurements, {.standard_errors = standard_errors});
    if (estimate.ok()) {
      result.estimates.emplace_back(*std::move(estimate), formula);
    } else {
      last_error = estimate.status();
    }
  }
  if (result.estimates.empty()) {
    if (formulas.size() == 1) return last_error;
    std::vector<std::string> bones;
    for (const auto* f : formulas) bones.emplace_back(f->measurement_code);
    return absl::FailedPreconditionError(absl::StrCat(
        "none of the bones these formulas need was measured: ", absl::StrJoin(bones, ", ")));
  }
  std::stable_sort(result.estimates.begin(), result.estimates.end(),
                   [](const auto& a, const auto& b) {
                     return a.first.standard_error_cm < b.first.standard_error_cm;
                   });
  const anthropology::StatureEstimate& best = result.estimates[0].first;
  result.method =
      FitText({absl::StrCat(best.formula, " [", best.formula_id, "]; range +/- ",
                            Fixed(standard_errors, 1), " SE"),
               absl::StrCat(best.formula_id, "; range +/- ", Fixed(standard_errors, 1), " SE")});
  result.set_name = values->set_name;
  if (input.save_to_profile) {
    StatureEstimate saved{best.lower_cm, best.upper_cm, {result.method, caller.user}};
    saved.point_cm = best.stature_cm;
    saved.standard_error_cm = best.standard_error_cm;
    saved.formula_id = best.formula_id;
    BiologicalProfile profile;
    profile.stature = saved;
    absl::StatusOr<UnidentifiedRemains> updated =
        SaveToProfile(caller, input, std::move(profile), "biological_profile.stature");
    if (!updated.ok()) return updated.status();
    result.saved = *std::move(updated);
  }
  return result;
}

}  // namespace encuentro::records
