// 3-D cranial landmarks (from a digitizer or a CT/surface scan) and the chord measurements they
// determine.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "anthropology/catalog.h"
#include "anthropology/measurement.h"

namespace encuentro::anthropology {

struct Point3 {
  double x = 0.0;
  double y = 0.0;
  double z = 0.0;
};

struct LandmarkPoint {
  std::string name;  // A catalog landmark name.
  Point3 position;   // mm.
  int line = 0;      // Line of the CSV it came from, for messages.
};

struct LandmarkSet {
  std::vector<LandmarkPoint> points;

  const LandmarkPoint* Find(std::string_view name) const;
};

// Parses `landmark,x,y,z` rows (coordinates in mm). An optional header row `landmark,x,y,z`,
// blank lines and lines starting with '#' are skipped; names are matched case-insensitively
// against the catalog. On any problem (unknown or repeated landmark, wrong field count,
// non-numeric coordinate) returns InvalidArgument listing every problem with its line number.
// Thread-safe.
absl::StatusOr<LandmarkSet> ParseLandmarkCsv(const MeasurementCatalog& catalog,
                                             std::string_view csv);

// One measurement (origin kLandmarks, unit mm) for every catalog chord whose two landmarks are
// both in `landmarks`: their Euclidean distance, in catalog order. Only chords are derived:
// breadths, subtenses and radii need points found with the instrument, not named landmarks.
// For NOL and NLH the chord approximates Howells' definition (see their catalog entries).
// Thread-safe.
MeasurementSet DeriveChordMeasurements(const MeasurementCatalog& catalog,
                                       const LandmarkSet& landmarks);

}  // namespace encuentro::anthropology
