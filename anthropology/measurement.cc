#include "anthropology/measurement.h"

namespace encuentro::anthropology {

std::string_view SexName(Sex sex) { return sex == Sex::kMale ? "male" : "female"; }

std::map<std::string, double> ValuesByCode(const MeasurementSet& measurements) {
  std::map<std::string, double> values;
  for (const Measurement& measurement : measurements) values[measurement.code] = measurement.value;
  return values;
}

}  // namespace encuentro::anthropology
