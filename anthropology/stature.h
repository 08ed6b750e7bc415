// Living stature from a long-bone maximum length, with published regression formulas and their
// standard errors of estimate.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "anthropology/measurement.h"

namespace encuentro::anthropology {

// stature_cm = slope * (bone length in cm) + intercept_cm, ± standard_error_cm (1 SE).
struct StatureFormula {
  std::string_view id;               // "genoves1967_dac2004_male_femur".
  std::string_view reference_group;  // Who the formula was derived on: "mesoamerican", ...
  Sex sex = Sex::kMale;
  std::string_view measurement_code;  // Catalog code of the bone length: "FEM_MAXL".
  double slope = 0.0;
  double intercept_cm = 0.0;
  double standard_error_cm = 0.0;
  std::string_view source;  // Full citation, including the table.
};

// Every formula the module knows, in a fixed order. Static data: thread-safe.
std::span<const StatureFormula> StatureFormulas();
const StatureFormula* FindStatureFormula(std::string_view id);
// The formulas for a reference group and sex, e.g. ("mesoamerican", kMale).
std::vector<const StatureFormula*> StatureFormulasFor(std::string_view reference_group, Sex sex);

struct StatureOptions {
  // Half-width of the reported range in standard errors. 2 gives roughly a 95% prediction
  // interval (the regression SE is close to the prediction SE for bones near the sample mean),
  // the usual forensic practice; use 1 to reproduce tables that quote ± 1 SE.
  double standard_errors = 2.0;
};

struct StatureEstimate {
  double stature_cm = 0.0;
  double lower_cm = 0.0;
  double upper_cm = 0.0;
  double standard_error_cm = 0.0;
  double bone_length_mm = 0.0;
  std::string formula_id;
  std::string formula;  // "stature (cm) = 2.262 x FEM_MAXL (cm) + 63.89 +/- 3.417 cm".
  std::string source;
};

// `bone_length_mm` must be a positive length in mm.
absl::StatusOr<StatureEstimate> EstimateStature(const StatureFormula& formula,
                                                double bone_length_mm,
                                                const StatureOptions& options = {});

// Takes the bone length the formula needs from `measurements` (which should have passed
// ValidateMeasurements()). NotFound if the formula id is unknown; FailedPrecondition if the
// bone was not measured.
absl::StatusOr<StatureEstimate> EstimateStature(std::string_view formula_id,
                                                const MeasurementSet& measurements,
                                                const StatureOptions& options = {});

}  // namespace encuentro::anthropology
