#include "anthropology/landmarks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/status/status.h"
#include "anthropology/csv.h"

namespace encuentro::anthropology {
namespace {

constexpr int kMaxReportedErrors = 20;

double Distance(const Point3& a, const Point3& b) {
  return std::sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y) +
                   (a.z - b.z) * (a.z - b.z));
}

}  // namespace

const LandmarkPoint* LandmarkSet::Find(std::string_view name) const {
  for (const LandmarkPoint& point : points) {
    if (point.name == name) return &point;
  }
  return nullptr;
}

absl::StatusOr<LandmarkSet> ParseLandmarkCsv(const MeasurementCatalog& catalog,
                                             std::string_view csv) {
  LandmarkSet set;
  std::vector<std::string> errors;
  std::map<std::string, int> first_line;
  bool first = true;
  absl::StatusOr<std::vector<internal::CsvRecord>> records = internal::ReadCsvRecords(csv);
  if (!records.ok()) return records.status();
  for (const internal::CsvRecord& line : *records) {
    const std::vector<std::string>& fields = line.fields;
    const bool is_first = first;
    first = false;
    if (is_first && fields.size() == 4 && internal::AsciiLower(fields[0]) == "landmark" &&
        internal::AsciiLower(fields[1]) == "x" && internal::AsciiLower(fields[2]) == "y" &&
        internal::AsciiLower(fields[3]) == "z") {
      continue;
    }
    if (fields.size() != 4) {
      errors.push_back(fmt::format("line {}: expected 4 fields (landmark,x,y,z), found {}",
                                   line.number, fields.size()));
      continue;
    }
    const std::string name = internal::AsciiLower(fields[0]);
    bool ok = true;
    if (catalog.FindLandmark(name) == nullptr) {
      errors.push_back(fmt::format("line {}: unknown landmark '{}'", line.number, fields[0]));
      ok = false;
    } else if (const auto [it, inserted] = first_line.emplace(name, line.number); !inserted) {
      errors.push_back(
          fmt::format("line {}: landmark '{}' repeats line {}", line.number, name, it->second));
      ok = false;
    }
    Point3 position;
    double* coordinates[] = {&position.x, &position.y, &position.z};
    for (int axis = 0; axis < 3; ++axis) {
      const std::optional<double> value = internal::ParseNumber(fields[axis + 1]);
      if (!value) {
        errors.push_back(fmt::format("line {}: {} coordinate '{}' is not a number", line.number,
                                     "xyz"[axis], fields[axis + 1]));
        ok = false;
        continue;
      }
      *coordinates[axis] = *value;
    }
    if (ok) set.points.push_back({name, position, line.number});
  }
  if (!errors.empty()) {
    std::string message = "landmark CSV: ";
    const size_t shown = std::min<size_t>(errors.size(), kMaxReportedErrors);
    for (size_t i = 0; i < shown; ++i) message += (i > 0 ? "; " : "") + errors[i];
    if (errors.size() > shown) message += fmt::format("; and {} more", errors.size() - shown);
    return absl::InvalidArgumentError(message);
  }
  if (set.points.empty()) return absl::InvalidArgumentError("landmark CSV: no landmarks");
  return set;
}

MeasurementSet DeriveChordMeasurements(const MeasurementCatalog& catalog,
                                       const LandmarkSet& landmarks) {
  MeasurementSet measurements;
  for (const MeasurementDefinition& definition : catalog.measurements()) {
    if (!definition.landmarks) continue;
    const LandmarkPoint* a = landmarks.Find((*definition.landmarks)[0]);
    const LandmarkPoint* b = landmarks.Find((*definition.landmarks)[1]);
    if (a == nullptr || b == nullptr) continue;
    measurements.push_back(
        {definition.code, Distance(a->position, b->position), "mm", MeasurementOrigin::kLandmarks});
  }
  return measurements;
}

}  // namespace encuentro::anthropology
