// The catalog of measurements and landmarks Encuentro accepts: Howells' linear craniometrics and
// long-bone lengths, their definitions, plausible ranges and consistency constraints.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace encuentro::anthropology {

struct Landmark {
  std::string name;          // "glabella", "euryon_l".
  std::string abbreviation;  // "g", "eu".
  std::string definition;
};

enum class MeasurementKind {
  kChord,             // Straight distance between two named landmarks.
  kBreadth,           // Maximum or minimum breadth, ends found by the caliper, not landmarks.
  kHeight,            // Height perpendicular to a reference line or plane.
  kLength,            // Other direct length.
  kSubtense,          // Perpendicular distance from a point to a chord.
  kSubtenseFraction,  // Distance along a chord to the foot of a subtense.
  kRadius,            // Perpendicular distance from the transmeatal axis to a landmark.
  kLongBoneLength,    // Maximum length of a long bone.
};

std::string_view MeasurementKindName(MeasurementKind kind);

struct MeasurementDefinition {
  std::string code;  // "GOL".
  std::string name;  // "Glabello-occipital length".
  std::string definition;
  MeasurementKind kind = MeasurementKind::kChord;
  std::string region;  // "cranium" or "postcranial".
  // The chord's two end landmarks; set exactly when kind is kChord.
  std::optional<std::array<std::string, 2>> landmarks;
  std::string unit;  // Always "mm" in this catalog.
  double plausible_min_mm = 0.0;
  double plausible_max_mm = 0.0;
  std::optional<std::string> martin_number;  // "1", "1d", "51a"; absent where uncertain.
  std::vector<std::string> source_ids;       // Keys into MeasurementCatalog::sources().
};

// A code that is known (e.g. a Howells angle) but deliberately not accepted: not a distance.
struct NonLinearCode {
  std::string code;
  std::string name;
  std::string unit;
};

// `smaller` must not exceed `larger` by more than `tolerance_mm`: one lies within the other.
struct MeasurementConstraint {
  std::string smaller;
  std::string larger;
  double tolerance_mm = 0.0;
  std::string why;
};

struct Source {
  std::string id;
  std::string citation;
};

// Immutable after construction, so one instance may be shared by any number of threads.
class MeasurementCatalog {
 public:
  // Parses and checks a catalog in the format of anthropology/data/catalog.json.
  static absl::StatusOr<MeasurementCatalog> FromJson(std::string_view json);
  static absl::StatusOr<MeasurementCatalog> LoadFile(const std::string& path);
  // The catalog built into the binary. Its parse is checked by the tests, so a failure here is a
  // build defect: Embedded() aborts on it, LoadEmbedded() returns it.
  static absl::StatusOr<MeasurementCatalog> LoadEmbedded();
  static const MeasurementCatalog& Embedded();

  // nullptr when absent. Codes are case-sensitive ("GOL"); landmark names are lower-case.
  const MeasurementDefinition* FindMeasurement(std::string_view code) const;
  const Landmark* FindLandmark(std::string_view name) const;
  const NonLinearCode* FindNonLinear(std::string_view code) const;
  const Source* FindSource(std::string_view id) const;

  const std::vector<MeasurementDefinition>& measurements() const { return measurements_; }
  const std::vector<Landmark>& landmarks() const { return landmarks_; }
  const std::vector<NonLinearCode>& non_linear() const { return non_linear_; }
  const std::vector<MeasurementConstraint>& constraints() const { return constraints_; }
  const std::vector<Source>& sources() const { return sources_; }
  // The catalog's own statements of how codes, ranges and Martin numbers were chosen.
  const std::map<std::string, std::string>& rules() const { return rules_; }

 private:
  MeasurementCatalog() = default;

  std::vector<MeasurementDefinition> measurements_;
  std::vector<Landmark> landmarks_;
  std::vector<NonLinearCode> non_linear_;
  std::vector<MeasurementConstraint> constraints_;
  std::vector<Source> sources_;
  std::map<std::string, std::string> rules_;
  std::map<std::string, size_t, std::less<>> measurement_index_;
  std::map<std::string, size_t, std::less<>> landmark_index_;
  std::map<std::string, size_t, std::less<>> non_linear_index_;
  std::map<std::string, size_t, std::less<>> source_index_;
};

}  // namespace encuentro::anthropology
