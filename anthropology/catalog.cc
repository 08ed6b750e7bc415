#include "anthropology/catalog.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "anthropology/catalog_data.h"

namespace encuentro::anthropology {
namespace {

using nlohmann::json;

struct KindName {
  MeasurementKind kind;
  std::string_view name;
};

constexpr KindName kKindNames[] = {
    {MeasurementKind::kChord, "chord"},
    {MeasurementKind::kBreadth, "breadth"},
    {MeasurementKind::kHeight, "height"},
    {MeasurementKind::kLength, "length"},
    {MeasurementKind::kSubtense, "subtense"},
    {MeasurementKind::kSubtenseFraction, "subtense_fraction"},
    {MeasurementKind::kRadius, "radius"},
    {MeasurementKind::kLongBoneLength, "long_bone_length"},
};

absl::Status CatalogError(std::string_view message) {
  return absl::InvalidArgumentError(fmt::format("measurement catalog: {}", message));
}

template <typename T>
absl::Status Index(const std::vector<T>& items, std::string T::*key, std::string_view what,
                   std::map<std::string, size_t, std::less<>>& index) {
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& value = items[i].*key;
    if (value.empty()) return CatalogError(fmt::format("a {} has an empty key", what));
    if (!index.emplace(value, i).second) {
      return CatalogError(fmt::format("{} '{}' is listed twice", what, value));
    }
  }
  return absl::OkStatus();
}

template <typename T>
const T* Lookup(const std::vector<T>& items,
                const std::map<std::string, size_t, std::less<>>& index, std::string_view key) {
  const auto it = index.find(key);
  return it == index.end() ? nullptr : &items[it->second];
}

}  // namespace

std::string_view MeasurementKindName(MeasurementKind kind) {
  for (const KindName& entry : kKindNames) {
    if (entry.kind == kind) return entry.name;
  }
  return "unknown";
}

absl::StatusOr<MeasurementCatalog> MeasurementCatalog::FromJson(std::string_view text) {
  MeasurementCatalog catalog;
  // nlohmann::json reports type mismatches by throwing; they stay inside this function.
  try {
    const json root = json::parse(text.begin(), text.end());
    for (const json& item : root.at("sources")) {
      catalog.sources_.push_back(
          {item.at("id").get<std::string>(), item.at("citation").get<std::string>()});
    }
    for (const auto& [key, value] : root.at("rules").items()) {
      catalog.rules_[key] = value.get<std::string>();
    }
    for (const json& item : root.at("landmarks")) {
      catalog.landmarks_.push_back({item.at("name").get<std::string>(),
                                    item.at("abbreviation").get<std::string>(),
                                    item.at("definition").get<std::string>()});
    }
    for (const json& item : root.at("measurements")) {
      MeasurementDefinition definition;
      definition.code = item.at("code").get<std::string>();
      definition.name = item.at("name").get<std::string>();
      definition.definition = item.at("definition").get<std::string>();
      const std::string kind = item.at("kind").get<std::string>();
      bool known_kind = false;
      for (const KindName& entry : kKindNames) {
        if (entry.name == kind) {
          definition.kind = entry.kind;
          known_kind = true;
        }
      }
      if (!known_kind) {
        return CatalogError(fmt::format("{} has unknown kind '{}'", definition.code, kind));
      }
      definition.region = item.value("region", std::string("cranium"));
      if (item.contains("landmarks")) {
        const auto ends = item.at("landmarks").get<std::vector<std::string>>();
        if (ends.size() != 2) {
          return CatalogError(fmt::format("{} must name exactly two landmarks", definition.code));
        }
        definition.landmarks = std::array<std::string, 2>{ends[0], ends[1]};
      }
      definition.unit = item.value("unit", std::string("mm"));
      const auto range = item.at("plausible_range_mm").get<std::vector<double>>();
      if (range.size() != 2 || !(range[0] >= 0.0) || !(range[0] < range[1])) {
        return CatalogError(fmt::format("{} has an invalid plausible range", definition.code));
      }
      definition.plausible_min_mm = range[0];
      definition.plausible_max_mm = range[1];
      if (item.contains("martin")) definition.martin_number = item.at("martin").get<std::string>();
      definition.source_ids = item.at("sources").get<std::vector<std::string>>();
      catalog.measurements_.push_back(std::move(definition));
    }
    for (const json& item : root.at("non_linear")) {
      catalog.non_linear_.push_back({item.at("code").get<std::string>(),
                                     item.at("name").get<std::string>(),
                                     item.at("unit").get<std::string>()});
    }
    for (const json& item : root.at("constraints")) {
      catalog.constraints_.push_back(
          {item.at("smaller").get<std::string>(), item.at("larger").get<std::string>(),
           item.at("tolerance_mm").get<double>(), item.at("why").get<std::string>()});
    }
  } catch (const json::exception& error) {
    return CatalogError(error.what());
  }

  for (absl::Status status :
       {Index(catalog.measurements_, &MeasurementDefinition::code, "measurement",
              catalog.measurement_index_),
        Index(catalog.landmarks_, &Landmark::name, "landmark", catalog.landmark_index_),
        Index(catalog.non_linear_, &NonLinearCode::code, "non-linear code",
              catalog.non_linear_index_),
        Index(catalog.sources_, &Source::id, "source", catalog.source_index_)}) {
    if (!status.ok()) return status;
  }
  // Cross-references must resolve, so that users of the catalog never meet a dangling name.
  for (const MeasurementDefinition& definition : catalog.measurements_) {
    if (catalog.FindNonLinear(definition.code) != nullptr) {
      return CatalogError(fmt::format("{} is both linear and non-linear", definition.code));
    }
    if (definition.unit != "mm") {
      return CatalogError(fmt::format("{} must be in mm", definition.code));
    }
    if ((definition.kind == MeasurementKind::kChord) != definition.landmarks.has_value()) {
      return CatalogError(
          fmt::format("{}: exactly the chords must name their landmarks", definition.code));
    }
    if (definition.landmarks) {
      for (const std::string& landmark : *definition.landmarks) {
        if (catalog.FindLandmark(landmark) == nullptr) {
          return CatalogError(
              fmt::format("{} names unknown landmark '{}'", definition.code, landmark));
        }
      }
      if ((*definition.landmarks)[0] == (*definition.landmarks)[1]) {
        return CatalogError(fmt::format("{} joins a landmark to itself", definition.code));
      }
    }
    if (definition.source_ids.empty()) {
      return CatalogError(fmt::format("{} cites no source", definition.code));
    }
    for (const std::string& source : definition.source_ids) {
      if (catalog.FindSource(source) == nullptr) {
        return CatalogError(fmt::format("{} cites unknown source '{}'", definition.code, source));
      }
    }
  }
  for (const MeasurementConstraint& constraint : catalog.constraints_) {
    if (catalog.FindMeasurement(constraint.smaller) == nullptr ||
        catalog.FindMeasurement(constraint.larger) == nullptr ||
        constraint.smaller == constraint.larger || !(constraint.tolerance_mm >= 0.0)) {
      return CatalogError(
          fmt::format("invalid constraint {} <= {}", constraint.smaller, constraint.larger));
    }
  }
  return catalog;
}

absl::StatusOr<MeasurementCatalog> MeasurementCatalog::LoadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(fmt::format("cannot open catalog {}", path));
  std::ostringstream text;
  text << file.rdbuf();
  return FromJson(text.str());
}

absl::StatusOr<MeasurementCatalog> MeasurementCatalog::LoadEmbedded() {
  return FromJson(EmbeddedCatalogJson());
}

const MeasurementCatalog& MeasurementCatalog::Embedded() {
  // Parsed once, then read-only: thread-safe by the rules for function-local statics. Never
  // destroyed, so that it outlives every static that might still use it at exit.
  static const MeasurementCatalog* const catalog = [] {
    absl::StatusOr<MeasurementCatalog> loaded = LoadEmbedded();
    if (!loaded.ok()) {
      const auto message = loaded.status().message();
      fmt::print(stderr, "embedded measurement catalog is invalid: {}\n",
                 std::string(message.data(), message.size()));
      std::abort();
    }
    return new MeasurementCatalog(*std::move(loaded));
  }();
  return *catalog;
}

const MeasurementDefinition* MeasurementCatalog::FindMeasurement(std::string_view code) const {
  return Lookup(measurements_, measurement_index_, code);
}

const Landmark* MeasurementCatalog::FindLandmark(std::string_view name) const {
  return Lookup(landmarks_, landmark_index_, name);
}

const NonLinearCode* MeasurementCatalog::FindNonLinear(std::string_view code) const {
  return Lookup(non_linear_, non_linear_index_, code);
}

const Source* MeasurementCatalog::FindSource(std::string_view id) const {
  return Lookup(sources_, source_index_, id);
}

}  // namespace encuentro::anthropology
