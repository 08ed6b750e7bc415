// A reference sample of measured skeletons of known sex and population, read from the Howells
// CSV layout: the data sex (and later ancestry) estimation is fitted on.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "anthropology/measurement.h"

namespace encuentro::anthropology {

struct ReferenceIndividual {
  std::string id;
  Sex sex = Sex::kFemale;
  std::string population;
  // One value in mm per ReferenceSample::variables(); NaN where not measured.
  std::vector<double> values;
};

// Immutable after parsing; safe to share between threads.
class ReferenceSample {
 public:
  // Layout: header `ID,Sex,PopNum,Population,<code>,<code>...`, then one row per individual;
  // Sex is M or F, a measurement of 0 or an empty field means "not measured". Every problem is
  // reported (up to a limit) with its line number.
  static absl::StatusOr<ReferenceSample> ParseHowellsCsv(std::string_view csv);
  static absl::StatusOr<ReferenceSample> LoadHowellsCsv(const std::string& path);

  const std::vector<std::string>& variables() const { return variables_; }
  const std::vector<ReferenceIndividual>& individuals() const { return individuals_; }
  // Column of `code` in ReferenceIndividual::values, or nullopt.
  std::optional<size_t> VariableIndex(std::string_view code) const;
  // Distinct population names in order of first appearance.
  std::vector<std::string> Populations() const;

 private:
  ReferenceSample() = default;

  std::vector<std::string> variables_;
  std::vector<ReferenceIndividual> individuals_;
};

}  // namespace encuentro::anthropology
