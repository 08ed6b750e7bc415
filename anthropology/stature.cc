#include "anthropology/stature.h"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "absl/status/status.h"

namespace encuentro::anthropology {
namespace {

// Citations. Coefficients below are transcribed from these publications; each row says which.
constexpr std::string_view kGenovesCorrected =
    "Genovés S. 1967. Proportionality of the long bones and their relation to stature among "
    "Mesoamericans. Am J Phys Anthropol 26:67-77; intercepts as corrected by del Angel A, "
    "Cisneros HB. 2004. Technical note: Modification of regression equations used to estimate "
    "stature in Mesoamerican skeletal remains. Am J Phys Anthropol 125:264-265, table 1 "
    "(standard errors of estimate from Genovés 1967)";
constexpr std::string_view kTrotterGleser1952White =
    "Trotter M, Gleser GC. 1952. Estimation of stature from long bones of American Whites and "
    "Negroes. Am J Phys Anthropol 10:463-514 (equations for White individuals, ages 18-30; "
    "subtract 0.06 cm per year over 30)";
constexpr std::string_view kTrotterGleser1952WhiteTibia =
    "Trotter M, Gleser GC. 1952. Estimation of stature from long bones of American Whites and "
    "Negroes. Am J Phys Anthropol 10:463-514 (equations for White individuals, ages 18-30). "
    "Trotter measured the tibia without the medial malleolus (Jantz RL, Hunt DR, Meadows L. "
    "1995. J Forensic Sci 40:758-761), so a DCP 2.0 tibia length overestimates stature here";
constexpr std::string_view kTrotterGleser1958Mexican =
    "Trotter M, Gleser GC. 1958. A re-evaluation of estimation of stature based on measurements "
    "of stature taken during life and of long bones after death. Am J Phys Anthropol 16:79-123 "
    "(equation for Mexican males, Korean War dead)";

// Slopes multiply the bone length in cm; intercepts and standard errors are in cm.
constexpr StatureFormula kFormulas[] = {
    // Genovés (1967) femur. del Angel & Cisneros (2004, table 1) lowered his intercepts 66.379 and
    // 49.742 by 2.5 cm, correcting an inconsistency between cadaver and living stature in his
    // analysis; slopes are theirs (three decimals), standard errors Genovés's.
    {"genoves1967_dac2004_male_femur", "mesoamerican", Sex::kMale, "FEM_MAXL", 2.262, 63.89, 3.417,
     kGenovesCorrected},
    {"genoves1967_dac2004_female_femur", "mesoamerican", Sex::kFemale, "FEM_MAXL", 2.588, 47.25,
     3.816, kGenovesCorrected},
    // Genovés (1967) tibia (condylo-malleolar length), intercepts 93.752 and 63.781 lowered the
    // same way.
    {"genoves1967_dac2004_male_tibia", "mesoamerican", Sex::kMale, "TIB_MAXL", 1.958, 91.26, 2.812,
     kGenovesCorrected},
    {"genoves1967_dac2004_female_tibia", "mesoamerican", Sex::kFemale, "TIB_MAXL", 2.720, 61.29,
     3.513, kGenovesCorrected},

    {"tg1952_white_male_femur", "us_white", Sex::kMale, "FEM_MAXL", 2.38, 61.41, 3.27,
     kTrotterGleser1952White},
    {"tg1952_white_male_tibia", "us_white", Sex::kMale, "TIB_MAXL", 2.52, 78.62, 3.37,
     kTrotterGleser1952WhiteTibia},
    {"tg1952_white_male_fibula", "us_white", Sex::kMale, "FIB_MAXL", 2.68, 71.78, 3.29,
     kTrotterGleser1952White},
    {"tg1952_white_male_humerus", "us_white", Sex::kMale, "HUM_MAXL", 3.08, 70.45, 4.05,
     kTrotterGleser1952White},
    {"tg1952_white_male_radius", "us_white", Sex::kMale, "RAD_MAXL", 3.78, 79.01, 4.32,
     kTrotterGleser1952White},
    {"tg1952_white_male_ulna", "us_white", Sex::kMale, "ULN_MAXL", 3.70, 74.05, 4.32,
     kTrotterGleser1952White},

    {"tg1952_white_female_femur", "us_white", Sex::kFemale, "FEM_MAXL", 2.47, 54.10, 3.72,
     kTrotterGleser1952White},
    {"tg1952_white_female_tibia", "us_white", Sex::kFemale, "TIB_MAXL", 2.90, 61.53, 3.66,
     kTrotterGleser1952WhiteTibia},
    {"tg1952_white_female_fibula", "us_white", Sex::kFemale, "FIB_MAXL", 2.93, 59.61, 3.57,
     kTrotterGleser1952White},
    {"tg1952_white_female_humerus", "us_white", Sex::kFemale, "HUM_MAXL", 3.36, 57.97, 4.45,
     kTrotterGleser1952White},
    {"tg1952_white_female_radius", "us_white", Sex::kFemale, "RAD_MAXL", 4.74, 54.93, 4.24,
     kTrotterGleser1952White},
    {"tg1952_white_female_ulna", "us_white", Sex::kFemale, "ULN_MAXL", 4.27, 57.76, 4.30,
     kTrotterGleser1952White},

    {"tg1958_mexican_male_femur", "mexican", Sex::kMale, "FEM_MAXL", 2.44, 58.67, 2.99,
     kTrotterGleser1958Mexican},
};

}  // namespace

std::span<const StatureFormula> StatureFormulas() { return kFormulas; }

const StatureFormula* FindStatureFormula(std::string_view id) {
  for (const StatureFormula& formula : kFormulas) {
    if (formula.id == id) return &formula;
  }
  return nullptr;
}

std::vector<const StatureFormula*> StatureFormulasFor(std::string_view reference_group, Sex sex) {
  std::vector<const StatureFormula*> formulas;
  for (const StatureFormula& formula : kFormulas) {
    if (formula.reference_group == reference_group && formula.sex == sex) {
      formulas.push_back(&formula);
    }
  }
  return formulas;
}

absl::StatusOr<StatureEstimate> EstimateStature(const StatureFormula& formula,
                                                double bone_length_mm,
                                                const StatureOptions& options) {
  if (!std::isfinite(bone_length_mm) || bone_length_mm <= 0.0) {
    return absl::InvalidArgumentError(
        fmt::format("{} must be a positive length in mm", formula.measurement_code));
  }
  if (!std::isfinite(options.standard_errors) || options.standard_errors < 0.0) {
    return absl::InvalidArgumentError("standard_errors must be a non-negative number");
  }
  StatureEstimate estimate;
  estimate.bone_length_mm = bone_length_mm;
  estimate.stature_cm = formula.slope * (bone_length_mm / 10.0) + formula.intercept_cm;
  estimate.standard_error_cm = formula.standard_error_cm;
  estimate.lower_cm = estimate.stature_cm - options.standard_errors * formula.standard_error_cm;
  estimate.upper_cm = estimate.stature_cm + options.standard_errors * formula.standard_error_cm;
  estimate.formula_id = std::string(formula.id);
  estimate.formula =
      fmt::format("stature (cm) = {} x {} (cm) + {} +/- {} cm", formula.slope,
                  formula.measurement_code, formula.intercept_cm, formula.standard_error_cm);
  estimate.source = std::string(formula.source);
  return estimate;
}

absl::StatusOr<StatureEstimate> EstimateStature(std::string_view formula_id,
                                                const MeasurementSet& measurements,
                                                const StatureOptions& options) {
  const StatureFormula* formula = FindStatureFormula(formula_id);
  if (formula == nullptr) {
    return absl::NotFoundError(fmt::format("unknown stature formula '{}'", formula_id));
  }
  for (const Measurement& measurement : measurements) {
    if (measurement.code != formula->measurement_code) continue;
    if (measurement.unit != "mm") {
      return absl::InvalidArgumentError(
          fmt::format("{} must be in mm, got '{}'", measurement.code, measurement.unit));
    }
    return EstimateStature(*formula, measurement.value, options);
  }
  return absl::FailedPreconditionError(fmt::format("formula {} needs {}, which was not measured",
                                                   formula_id, formula->measurement_code));
}

}  // namespace encuentro::anthropology
