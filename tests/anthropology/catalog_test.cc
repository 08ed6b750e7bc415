#include "anthropology/catalog.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "anthropology/catalog_data.h"

namespace encuentro::anthropology {
namespace {

// The 82 measurement columns of Howells' data, in his order.
const char* const kHowellsCodes[] = {
    "GOL", "NOL", "BNL", "BBH", "XCB", "XFB", "ZYB", "AUB", "WCB", "ASB", "BPL", "NPH",
    "NLH", "JUB", "NLB", "MAB", "MDH", "MDB", "OBH", "OBB", "DKB", "NDS", "WNB", "SIS",
    "ZMB", "SSS", "FMB", "NAS", "EKB", "DKS", "IML", "XML", "MLS", "WMH", "SOS", "GLS",
    "STB", "FRC", "FRS", "FRF", "PAC", "PAS", "PAF", "OCC", "OCS", "OCF", "FOL", "NAR",
    "SSR", "PRR", "DKR", "ZOR", "FMR", "EKR", "ZMR", "AVR", "BRR", "VRR", "LAR", "OSR",
    "BAR", "NAA", "PRA", "BAA", "NBA", "BBA", "BRA", "SSA", "NFA", "DKA", "NDA", "SIA",
    "FRA", "PAA", "OCA", "RFA", "RPA", "ROA", "BSA", "SBA", "SLA", "TBA"};

TEST(MeasurementCatalogTest, EmbeddedCatalogLoads) {
  absl::StatusOr<MeasurementCatalog> catalog = MeasurementCatalog::LoadEmbedded();
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->measurements().size(), 67u);
  EXPECT_EQ(&MeasurementCatalog::Embedded(), &MeasurementCatalog::Embedded());
}

TEST(MeasurementCatalogTest, EmbeddedCopyMatchesTheSourceFile) {
  std::ifstream file(ANTHRO_CATALOG_JSON_PATH, std::ios::binary);
  ASSERT_TRUE(file) << ANTHRO_CATALOG_JSON_PATH;
  std::ostringstream text;
  text << file.rdbuf();
  EXPECT_EQ(text.str(), std::string(EmbeddedCatalogJson()));
  absl::StatusOr<MeasurementCatalog> loaded =
      MeasurementCatalog::LoadFile(ANTHRO_CATALOG_JSON_PATH);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
}

TEST(MeasurementCatalogTest, EveryHowellsCodeIsEitherLinearOrAKnownAngle) {
  const MeasurementCatalog& catalog = MeasurementCatalog::Embedded();
  int linear = 0;
  int angles = 0;
  for (const char* code : kHowellsCodes) {
    const bool is_linear = catalog.FindMeasurement(code) != nullptr;
    const bool is_angle = catalog.FindNonLinear(code) != nullptr;
    EXPECT_NE(is_linear, is_angle) << code;
    linear += is_linear ? 1 : 0;
    angles += is_angle ? 1 : 0;
  }
  EXPECT_EQ(linear, 61);  // Chords, breadths, heights, subtenses, fractions and radii.
  EXPECT_EQ(angles, 21);
  for (const NonLinearCode& code : catalog.non_linear()) EXPECT_EQ(code.unit, "deg");
}

TEST(MeasurementCatalogTest, ChordsFromTheDomainReferenceHaveTheirLandmarks) {
  const MeasurementCatalog& catalog = MeasurementCatalog::Embedded();
  const std::pair<const char*, std::array<std::string, 2>> expected[] = {
      {"GOL", {"glabella", "opisthocranion"}}, {"NOL", {"nasion", "opisthocranion"}},
      {"XCB", {"euryon_l", "euryon_r"}},       {"BBH", {"basion", "bregma"}},
      {"BNL", {"basion", "nasion"}},           {"ZYB", {"zygion_l", "zygion_r"}},
      {"BPL", {"basion", "prosthion"}},        {"NPH", {"nasion", "prosthion"}},
      {"FRC", {"nasion", "bregma"}},           {"PAC", {"bregma", "lambda"}},
      {"OCC", {"lambda", "opisthion"}},        {"FOL", {"basion", "opisthion"}},
      {"DKB", {"dacryon_l", "dacryon_r"}},     {"EKB", {"ectoconchion_l", "ectoconchion_r"}},
      {"JUB", {"jugale_l", "jugale_r"}},       {"ASB", {"asterion_l", "asterion_r"}},
  };
  for (const auto& [code, landmarks] : expected) {
    const MeasurementDefinition* definition = catalog.FindMeasurement(code);
    ASSERT_NE(definition, nullptr) << code;
    EXPECT_EQ(definition->kind, MeasurementKind::kChord) << code;
    ASSERT_TRUE(definition->landmarks.has_value()) << code;
    EXPECT_EQ(*definition->landmarks, landmarks) << code;
  }
}

TEST(MeasurementCatalogTest, DefinitionsAreComplete) {
  const MeasurementCatalog& catalog = MeasurementCatalog::Embedded();
  for (const MeasurementDefinition& definition : catalog.measurements()) {
    EXPECT_FALSE(definition.name.empty()) << definition.code;
    EXPECT_FALSE(definition.definition.empty()) << definition.code;
    EXPECT_EQ(definition.unit, "mm") << definition.code;
    EXPECT_LT(definition.plausible_min_mm, definition.plausible_max_mm) << definition.code;
    EXPECT_FALSE(definition.source_ids.empty()) << definition.code;
  }
  for (const Landmark& landmark : catalog.landmarks()) {
    EXPECT_FALSE(landmark.definition.empty()) << landmark.name;
  }
  EXPECT_NE(catalog.FindSource("howells1973"), nullptr);
  EXPECT_NE(catalog.FindSource("dcp2"), nullptr);
  EXPECT_EQ(catalog.FindMeasurement("GOL")->martin_number, "1");
  EXPECT_EQ(catalog.FindMeasurement("NOL")->martin_number, "1d");
  EXPECT_EQ(catalog.FindMeasurement("XCB")->martin_number, "8");
  EXPECT_FALSE(catalog.FindMeasurement("JUB")->martin_number.has_value());
  EXPECT_EQ(catalog.FindMeasurement("FEM_MAXL")->region, "postcranial");
  EXPECT_TRUE(catalog.rules().contains("linear"));
}

TEST(MeasurementCatalogTest, RangesHoldTypicalAdultValues) {
  const MeasurementCatalog& catalog = MeasurementCatalog::Embedded();
  const std::pair<const char*, double> typical[] = {
      {"GOL", 180},      {"XCB", 137},      {"BBH", 132}, {"ZYB", 131}, {"FEM_MAXL", 440},
      {"TIB_MAXL", 360}, {"HUM_MAXL", 320}, {"SIS", 3},   {"BAR", 15}};
  for (const auto& [code, value] : typical) {
    const MeasurementDefinition* definition = catalog.FindMeasurement(code);
    ASSERT_NE(definition, nullptr) << code;
    EXPECT_GE(value, definition->plausible_min_mm) << code;
    EXPECT_LE(value, definition->plausible_max_mm) << code;
  }
  // A length typed in cm must fall out of range.
  EXPECT_LT(18.0, catalog.FindMeasurement("GOL")->plausible_min_mm);
  EXPECT_LT(44.0, catalog.FindMeasurement("FEM_MAXL")->plausible_min_mm);
}

TEST(MeasurementCatalogTest, RejectsBrokenCatalogs) {
  const std::string valid_head = R"({"sources": [{"id": "s", "citation": "c"}], "rules": {},
    "landmarks": [{"name": "a", "abbreviation": "a", "definition": "d"},
                  {"name": "b", "abbreviation": "b", "definition": "d"}],
    "non_linear": [], )";
  auto with = [&](const std::string& measurements, const std::string& constraints = "[]") {
    return MeasurementCatalog::FromJson(valid_head + R"("measurements": )" + measurements +
                                        R"(, "constraints": )" + constraints + "}");
  };
  const std::string chord =
      R"({"code": "AB", "name": "n", "definition": "d", "kind": "chord", "landmarks": ["a", "b"],
          "plausible_range_mm": [1, 2], "sources": ["s"]})";
  EXPECT_TRUE(with("[" + chord + "]").ok());
  EXPECT_FALSE(MeasurementCatalog::FromJson("{not json").ok());
  EXPECT_FALSE(with("[" + chord + "," + chord + "]").ok());  // Duplicate code.
  std::string unknown_landmark = chord;
  unknown_landmark.replace(unknown_landmark.find("\"b\""), 3, "\"c\"");
  EXPECT_FALSE(with("[" + unknown_landmark + "]").ok());
  std::string bad_source = chord;
  bad_source.replace(bad_source.find("[\"s\"]"), 5, "[\"x\"]");
  EXPECT_FALSE(with("[" + bad_source + "]").ok());
  std::string bad_range = chord;
  bad_range.replace(bad_range.find("[1, 2]"), 6, "[2, 1]");
  EXPECT_FALSE(with("[" + bad_range + "]").ok());
  EXPECT_FALSE(with("[" + chord + "]", R"([{"smaller": "AB", "larger": "ZZ", "tolerance_mm": 0,
                                   "why": "w"}])")
                   .ok());
}

}  // namespace
}  // namespace encuentro::anthropology
