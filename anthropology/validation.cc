#include "anthropology/validation.h"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "common/text.h"

namespace encuentro::anthropology {

std::string_view ProblemKindName(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::kMissingCode:
      return "missing_code";
    case ProblemKind::kUnknownCode:
      return "unknown_code";
    case ProblemKind::kNotLinear:
      return "not_linear";
    case ProblemKind::kDuplicate:
      return "duplicate";
    case ProblemKind::kWrongUnit:
      return "wrong_unit";
    case ProblemKind::kNotPositive:
      return "not_positive";
    case ProblemKind::kOutOfRange:
      return "out_of_range";
    case ProblemKind::kInconsistent:
      return "inconsistent";
  }
  return "unknown";
}

bool ValidationReport::ok() const {
  for (const MeasurementProblem& problem : problems) {
    if (problem.severity == ProblemSeverity::kError) return false;
  }
  return true;
}

ValidationReport ValidateMeasurements(const MeasurementCatalog& catalog,
                                      const MeasurementSet& measurements,
                                      const ValidationOptions& options) {
  ValidationReport report;
  auto add = [&report](size_t index, const std::string& code, ProblemKind kind,
                       ProblemSeverity severity, std::string message) {
    report.problems.push_back({code, index, kind, severity, std::move(message)});
  };
  // Values fit for the cross-measurement constraints: known, in mm, positive, first occurrence.
  std::map<std::string, std::pair<double, size_t>> usable;
  std::map<std::string, size_t> first_seen;

  for (size_t i = 0; i < measurements.size(); ++i) {
    const Measurement& measurement = measurements[i];
    const std::string& code = measurement.code;
    if (code.empty()) {
      add(i, code, ProblemKind::kMissingCode, ProblemSeverity::kError,
          fmt::format("measurement #{} has no code", i + 1));
      continue;
    }
    const MeasurementDefinition* definition = catalog.FindMeasurement(code);
    if (definition == nullptr) {
      if (const NonLinearCode* angle = catalog.FindNonLinear(code)) {
        add(i, code, ProblemKind::kNotLinear, ProblemSeverity::kError,
            fmt::format("{} ({}) is measured in {}, not a distance; only linear measurements in mm "
                        "are accepted",
                        code, angle->name, angle->unit));
      } else {
        add(i, code, ProblemKind::kUnknownCode, ProblemSeverity::kError,
            fmt::format("unknown measurement code '{}'", code));
      }
      continue;
    }
    if (const auto [it, inserted] = first_seen.emplace(code, i); !inserted) {
      add(i, code, ProblemKind::kDuplicate, ProblemSeverity::kError,
          fmt::format("{} is given more than once (first as measurement #{})", code,
                      it->second + 1));
      continue;
    }
    if (measurement.unit != definition->unit) {
      std::string hint;
      if (measurement.unit == "cm") hint = "; multiply centimetres by 10";
      add(i, code, ProblemKind::kWrongUnit, ProblemSeverity::kError,
          fmt::format("{} must be in {}, got unit '{}'{}", code, definition->unit, measurement.unit,
                      hint));
      continue;
    }
    const double value = measurement.value;
    if (!std::isfinite(value) || value <= 0.0) {
      add(i, code, ProblemKind::kNotPositive, ProblemSeverity::kError,
          fmt::format("{} must be a positive length, got {}", code, value));
      continue;
    }
    if (value < definition->plausible_min_mm || value > definition->plausible_max_mm) {
      const ProblemSeverity severity =
          options.allow_outliers ? ProblemSeverity::kWarning : ProblemSeverity::kError;
      add(i, code, ProblemKind::kOutOfRange, severity,
          fmt::format("{} ({}) = {} mm is outside the plausible adult range {}-{} mm{}", code,
                      definition->name, value, definition->plausible_min_mm,
                      definition->plausible_max_mm,
                      options.allow_outliers ? "; accepted as an outlier"
                                             : "; check the unit and re-measure"));
    }
    usable.emplace(code, std::make_pair(value, i));
  }

  // An impossible combination is an error even with allow_outliers: no real skeleton has it.
  for (const MeasurementConstraint& constraint : catalog.constraints()) {
    const auto smaller = usable.find(constraint.smaller);
    const auto larger = usable.find(constraint.larger);
    if (smaller == usable.end() || larger == usable.end()) continue;
    const double excess = smaller->second.first - larger->second.first;
    if (excess <= constraint.tolerance_mm) continue;
    add(smaller->second.second, constraint.smaller, ProblemKind::kInconsistent,
        ProblemSeverity::kError,
        fmt::format("{} = {} mm exceeds {} = {} mm{}, which cannot happen: {}", constraint.smaller,
                    smaller->second.first, constraint.larger, larger->second.first,
                    constraint.tolerance_mm > 0.0
                        ? fmt::format(" by more than {} mm", constraint.tolerance_mm)
                        : std::string(),
                    constraint.why));
  }
  return report;
}

std::vector<FieldViolation> ValidateSetDetails(const MeasurementSetDetails& details) {
  std::vector<FieldViolation> bad;
  const auto check = [&](const char* field, const std::string& text, size_t max) {
    if (!IsValidUtf8(text) || text.size() > max) {
      bad.push_back({field, "must be valid UTF-8 of at most " + std::to_string(max) + " bytes"});
    }
  };
  check("observer", details.observer, kMaxShortText);
  check("instrument", details.instrument, kMaxShortText);
  check("notes", details.notes, kMaxLongText);
  return bad;
}

MeasurementVerdict JudgeMeasurements(const MeasurementCatalog& catalog,
                                     const MeasurementSet& measurements, bool allow_outliers,
                                     const std::string& prefix) {
  const ValidationReport report =
      ValidateMeasurements(catalog, measurements, {.allow_outliers = allow_outliers});
  MeasurementVerdict verdict;
  for (const MeasurementProblem& p : report.problems) {
    const std::string field =
        prefix + "measurements[" + (p.code.empty() ? std::to_string(p.index) : p.code) + "]";
    if (p.severity == ProblemSeverity::kError) {
      verdict.errors.push_back({field, p.message});
    } else {
      verdict.warnings.push_back(p);
      verdict.warning_fields.push_back(field);
    }
  }
  return verdict;
}

}  // namespace encuentro::anthropology
