// Values measured on one set of remains: the common input of validation, sex estimation and
// stature estimation.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace encuentro::anthropology {

enum class Sex { kFemale = 0, kMale = 1 };

// "female" or "male".
std::string_view SexName(Sex sex);

// How a value was obtained: a caliper/osteometric board reading, or computed from 3-D landmarks.
enum class MeasurementOrigin { kDirect, kLandmarks };

struct Measurement {
  std::string code;  // A catalog code: "GOL", "FEM_MAXL".
  double value = 0.0;
  std::string unit = "mm";
  MeasurementOrigin origin = MeasurementOrigin::kDirect;
};

using MeasurementSet = std::vector<Measurement>;

// Values in mm by code. Meant for a set that passed ValidateMeasurements(); should a code repeat
// anyway, the last value wins.
std::map<std::string, double> ValuesByCode(const MeasurementSet& measurements);

}  // namespace encuentro::anthropology
