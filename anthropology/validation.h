// Checks a set of measurements against the catalog before it is stored or used: unknown codes,
// units, plausible ranges and combinations that cannot occur on one skeleton.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "anthropology/catalog.h"
#include "anthropology/measurement.h"
#include "common/field_violations.h"

namespace encuentro::anthropology {

struct ValidationOptions {
  // Accept values outside the catalog's plausible range, reporting them as warnings. For a real
  // but exceptional skeleton (pathology, extreme stature) after the analyst has re-measured.
  bool allow_outliers = false;
};

enum class ProblemSeverity { kError, kWarning };

enum class ProblemKind {
  kMissingCode,
  kUnknownCode,
  kNotLinear,  // A known angle: not a distance.
  kDuplicate,
  kWrongUnit,
  kNotPositive,  // Zero, negative, NaN or infinite.
  kOutOfRange,
  kInconsistent,  // Violates a catalog constraint with another measurement.
};

// Stable snake_case name of a kind ("out_of_range"), e.g. for an RPC field violation's reason.
std::string_view ProblemKindName(ProblemKind kind);

// One problem with one measurement: `code` names the field, for the RPC layer's field violations.
struct MeasurementProblem {
  std::string code;
  size_t index = 0;  // Position of the offending measurement in the input set.
  ProblemKind kind = ProblemKind::kUnknownCode;
  ProblemSeverity severity = ProblemSeverity::kError;
  std::string message;  // For the operator; names the code, the value and the rule.
};

struct ValidationReport {
  // Every problem found: those of single measurements in input order, then the violated
  // constraints between pairs.
  std::vector<MeasurementProblem> problems;

  // True when no problem is an error (warnings allowed).
  bool ok() const;
};

// What an analyst states about a set of measurements besides the values, as stored with them.
struct MeasurementSetDetails {
  std::string observer;
  std::string instrument;
  std::string notes;
};

// The details' problems, named by field ("observer", "instrument", "notes"), under the limits
// every stored text has (common/text.h): UTF-8, 200 bytes for observer and instrument, 4000 for
// notes. Dates are checked where they are read, like every date of the API.
std::vector<FieldViolation> ValidateSetDetails(const MeasurementSetDetails& details);

// The catalog check of a set as field violations and warnings, named "measurements[CODE]" (or by
// position when the code is missing) under `prefix`: errors refuse the set; warnings are the
// outliers the caller allowed.
struct MeasurementVerdict {
  std::vector<FieldViolation> errors;
  std::vector<MeasurementProblem> warnings;
  std::vector<std::string> warning_fields;  // the field each warning names, in order
};
MeasurementVerdict JudgeMeasurements(const MeasurementCatalog& catalog,
                                     const MeasurementSet& measurements, bool allow_outliers,
                                     const std::string& prefix);

// Checks every measurement and every catalog constraint whose two codes are present; never stops
// at the first problem. Thread-safe.
ValidationReport ValidateMeasurements(const MeasurementCatalog& catalog,
                                      const MeasurementSet& measurements,
                                      const ValidationOptions& options = {});

}  // namespace encuentro::anthropology
