#include "anthropology/sex_estimation.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/status/status.h"
#include "anthropology/lda.h"

namespace encuentro::anthropology {
namespace {

// Leave-one-out needs 3 per sex; fewer could not support a covariance estimate anyway.
constexpr int kMinimumPerSex = 3;
// Typicality below this for both sexes marks the case as unlike the reference (FORDISC readers
// commonly treat 0.05 as the cut-off).
constexpr double kAtypical = 0.05;
// A rule of thumb for LDA: with fewer rows per variable the fitted posteriors are overconfident.
constexpr int kRowsPerVariable = 5;

}  // namespace

absl::StatusOr<ReferenceDesign> BuildReferenceDesign(const ReferenceSample& sample,
                                                     const std::vector<std::string>& variables,
                                                     const std::vector<std::string>& populations) {
  if (variables.empty()) return absl::InvalidArgumentError("no variables to fit on");
  ReferenceDesign design;
  for (const std::string& variable : variables) {
    const std::optional<size_t> column = sample.VariableIndex(variable);
    if (!column) {
      return absl::InvalidArgumentError(
          fmt::format("the reference sample has no variable {}", variable));
    }
    design.variables.push_back(variable);
    design.columns.push_back(*column);
  }
  const std::set<std::string> wanted(populations.begin(), populations.end());
  const std::vector<std::string> available = sample.Populations();
  for (const std::string& population : wanted) {
    if (std::find(available.begin(), available.end(), population) == available.end()) {
      return absl::InvalidArgumentError(
          fmt::format("the reference sample has no population '{}'", population));
    }
  }
  const auto& individuals = sample.individuals();
  for (size_t i = 0; i < individuals.size(); ++i) {
    const ReferenceIndividual& individual = individuals[i];
    if (!wanted.empty() && !wanted.contains(individual.population)) continue;
    std::vector<double> row;
    row.reserve(design.columns.size());
    for (size_t column : design.columns) row.push_back(individual.values[column]);
    if (std::any_of(row.begin(), row.end(), [](double v) { return std::isnan(v); })) {
      ++design.dropped_incomplete;
      continue;
    }
    design.rows.push_back(std::move(row));
    design.groups.push_back(static_cast<int>(individual.sex));
    design.individuals.push_back(i);
  }
  if (design.rows.empty()) {
    return absl::FailedPreconditionError(
        "no reference individual of the chosen populations has every chosen variable");
  }
  return design;
}

absl::StatusOr<SexEstimate> EstimateSex(const ReferenceSample& sample,
                                        const MeasurementSet& measurements,
                                        const SexEstimationOptions& options) {
  if (!(options.prior_male > 0.0 && options.prior_male < 1.0)) {
    return absl::InvalidArgumentError("prior_male must lie strictly between 0 and 1");
  }
  for (const Measurement& measurement : measurements) {
    if (measurement.unit != "mm") {
      return absl::InvalidArgumentError(fmt::format("{} is in '{}'; sex estimation takes mm",
                                                    measurement.code, measurement.unit));
    }
  }
  const std::map<std::string, double> case_values = ValuesByCode(measurements);
  const std::set<std::string> requested(options.variables.begin(), options.variables.end());
  for (const std::string& code : requested) {
    if (!sample.VariableIndex(code)) {
      return absl::InvalidArgumentError(
          fmt::format("requested variable {} is not in the reference sample", code));
    }
  }
  // Sample column order keeps results reproducible whatever order the case lists its values in.
  std::vector<std::string> variables;
  std::vector<double> x;
  for (const std::string& code : sample.variables()) {
    if (!requested.empty() && !requested.contains(code)) continue;
    const auto it = case_values.find(code);
    if (it == case_values.end() || !std::isfinite(it->second) || it->second <= 0.0) continue;
    variables.push_back(code);
    x.push_back(it->second);
  }
  if (variables.empty()) {
    return absl::FailedPreconditionError(
        "the case shares no measurement with the reference sample");
  }
  absl::StatusOr<ReferenceDesign> design =
      BuildReferenceDesign(sample, variables, options.populations);
  if (!design.ok()) return design.status();

  std::array<int, 2> counts{};
  for (int group : design->groups) ++counts[group];
  if (counts[0] < kMinimumPerSex || counts[1] < kMinimumPerSex) {
    return absl::FailedPreconditionError(fmt::format(
        "the chosen reference has {} female and {} male individuals with all of {}; at least {} "
        "of each are needed",
        counts[0], counts[1], fmt::join(variables, ","), kMinimumPerSex));
  }
  const std::array<double, 2> priors = {1.0 - options.prior_male, options.prior_male};
  absl::StatusOr<TwoGroupLda> model = TwoGroupLda::Fit(design->rows, design->groups, priors);
  if (!model.ok()) {
    return absl::Status(model.status().code(),
                        fmt::format("sex estimation with {} variables: {}", variables.size(),
                                    std::string(model.status().message())));
  }
  const LdaClassification classification = model->Classify(x);

  SexEstimate estimate;
  estimate.variables = variables;
  if (options.populations.empty()) {
    estimate.populations = sample.Populations();
  } else {
    const std::set<std::string> unique(options.populations.begin(), options.populations.end());
    estimate.populations.assign(unique.begin(), unique.end());
  }
  estimate.reference_rows_dropped = design->dropped_incomplete;
  for (Sex sex : {Sex::kFemale, Sex::kMale}) {
    const int g = static_cast<int>(sex);
    SexGroupResult& result = sex == Sex::kMale ? estimate.male : estimate.female;
    result.sex = sex;
    result.reference_count = model->group_size(g);
    result.posterior = classification.groups[g].posterior;
    result.mahalanobis_d2 = classification.groups[g].mahalanobis_d2;
    result.typicality = classification.groups[g].typicality;
  }
  estimate.estimated_sex = static_cast<Sex>(classification.predicted_group);
  if (options.cross_validate) {
    absl::StatusOr<std::vector<LdaClassification>> loo = model->LeaveOneOut();
    if (!loo.ok()) return loo.status();
    for (size_t r = 0; r < loo->size(); ++r) {
      estimate.loo_correct += (*loo)[r].predicted_group == design->groups[r] ? 1 : 0;
    }
    estimate.loo_total = static_cast<int>(loo->size());
    estimate.loo_accuracy = static_cast<double>(estimate.loo_correct) / estimate.loo_total;
  }

  const int p = static_cast<int>(variables.size());
  if (estimate.female.typicality < kAtypical && estimate.male.typicality < kAtypical) {
    estimate.warnings.push_back(fmt::format(
        "typicality is below {} for both sexes: the individual is unlike either sex of the chosen "
        "reference, which may not represent its population, or a measurement may be wrong",
        kAtypical));
  }
  if (std::min(counts[0], counts[1]) < kRowsPerVariable * p) {
    estimate.warnings.push_back(fmt::format(
        "only {} individuals of the smaller sex for {} variables (fewer than {} per variable): "
        "posteriors tend to be overconfident; prefer fewer variables",
        std::min(counts[0], counts[1]), p, kRowsPerVariable));
  }
  const int considered = static_cast<int>(design->rows.size()) + design->dropped_incomplete;
  if (design->dropped_incomplete * 2 > considered) {
    estimate.warnings.push_back(
        fmt::format("{} of {} reference individuals lack one of the variables and were left out",
                    design->dropped_incomplete, considered));
  }
  return estimate;
}

}  // namespace encuentro::anthropology
