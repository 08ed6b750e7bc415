// Sex estimation from measurements, FORDISC-style: two-group LDA fitted on the reference
// populations the analyst chooses, using the variables the case and the reference share.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "anthropology/measurement.h"
#include "anthropology/reference_sample.h"

namespace encuentro::anthropology {

struct SexEstimationOptions {
  // Reference populations to fit on; empty = every population in the sample.
  std::vector<std::string> populations;
  // Variables to consider; empty = all. Only those the case has and the sample holds are used.
  std::vector<std::string> variables;
  // Prior probability that the individual is male; 0.5 (FORDISC's default) unless the context
  // (e.g. a grave known to hold mostly men) justifies another value.
  double prior_male = 0.5;
  // Also report the leave-one-out accuracy of the fitted model on its reference rows.
  bool cross_validate = true;
};

struct SexGroupResult {
  Sex sex = Sex::kFemale;
  int reference_count = 0;  // Reference rows of this sex used in the fit.
  double posterior = 0.0;
  double mahalanobis_d2 = 0.0;
  double typicality = 0.0;  // Chi-square tail of mahalanobis_d2, p = variables.size().
};

struct SexEstimate {
  Sex estimated_sex = Sex::kFemale;  // Larger posterior; callers apply their own threshold.
  SexGroupResult female;
  SexGroupResult male;
  std::vector<std::string> variables;    // Used, in reference-sample column order.
  std::vector<std::string> populations;  // Reference populations used.
  int reference_rows_dropped = 0;        // Rows of those populations lacking one of the variables.
  // Leave-one-out cross-validation of this model on its reference rows (cross_validate only).
  std::optional<double> loo_accuracy;
  int loo_correct = 0;
  int loo_total = 0;
  // Reasons to read the result with caution, for the analyst's report: the case is atypical of
  // both sexes, the reference is small for the number of variables, many rows were dropped.
  std::vector<std::string> warnings;
};

// The reference rows an LDA is fitted on: selected populations, complete in every variable.
struct ReferenceDesign {
  std::vector<std::string> variables;
  std::vector<size_t> columns;            // Of each variable in the sample.
  std::vector<std::vector<double>> rows;  // Values, one row per used individual.
  std::vector<int> groups;                // static_cast<int>(Sex) per row.
  std::vector<size_t> individuals;        // Index into sample.individuals() per row.
  int dropped_incomplete = 0;
};

// Fails when a requested variable or population is absent from the sample, or nothing is left.
absl::StatusOr<ReferenceDesign> BuildReferenceDesign(const ReferenceSample& sample,
                                                     const std::vector<std::string>& variables,
                                                     const std::vector<std::string>& populations);

// `measurements` should have passed ValidateMeasurements() (values in mm); codes the sample lacks
// are ignored. Needs at least 3 reference rows of each sex complete in the variables used.
// Thread-safe: reads only its arguments.
absl::StatusOr<SexEstimate> EstimateSex(const ReferenceSample& sample,
                                        const MeasurementSet& measurements,
                                        const SexEstimationOptions& options = {});

}  // namespace encuentro::anthropology
