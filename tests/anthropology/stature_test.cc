#include "anthropology/stature.h"

#include <gtest/gtest.h>

#include <set>

#include "anthropology/catalog.h"

namespace encuentro::anthropology {
namespace {

// Worked by hand from the published coefficients (bone lengths converted to cm).

TEST(StatureTest, GenovesCorrectedMaleFemur) {
  // 2.262 x 45.0 + 63.89 = 101.79 + 63.89 = 165.68 cm; ± 2 x 3.417 = ± 6.834.
  absl::StatusOr<StatureEstimate> estimate =
      EstimateStature(*FindStatureFormula("genoves1967_dac2004_male_femur"), 450.0);
  ASSERT_TRUE(estimate.ok()) << estimate.status();
  EXPECT_NEAR(estimate->stature_cm, 165.68, 1e-9);
  EXPECT_NEAR(estimate->lower_cm, 158.846, 1e-9);
  EXPECT_NEAR(estimate->upper_cm, 172.514, 1e-9);
  EXPECT_EQ(estimate->standard_error_cm, 3.417);
  EXPECT_NE(estimate->source.find("del Angel"), std::string::npos);
  EXPECT_NE(estimate->formula.find("2.262"), std::string::npos);
}

TEST(StatureTest, GenovesCorrectedFemaleFemur) {
  // 2.588 x 42.0 + 47.25 = 108.696 + 47.25 = 155.946 cm; ± 1 x 3.816.
  absl::StatusOr<StatureEstimate> estimate = EstimateStature(
      *FindStatureFormula("genoves1967_dac2004_female_femur"), 420.0, {.standard_errors = 1});
  ASSERT_TRUE(estimate.ok());
  EXPECT_NEAR(estimate->stature_cm, 155.946, 1e-9);
  EXPECT_NEAR(estimate->lower_cm, 152.130, 1e-9);
  EXPECT_NEAR(estimate->upper_cm, 159.762, 1e-9);
}

TEST(StatureTest, GenovesCorrectedTibia) {
  // Male: 1.958 x 36.0 + 91.26 = 70.488 + 91.26 = 161.748 cm, ± 2 x 2.812.
  absl::StatusOr<StatureEstimate> male =
      EstimateStature(*FindStatureFormula("genoves1967_dac2004_male_tibia"), 360.0);
  ASSERT_TRUE(male.ok());
  EXPECT_NEAR(male->stature_cm, 161.748, 1e-9);
  EXPECT_NEAR(male->upper_cm, 167.372, 1e-9);
  // Female: 2.720 x 33.0 + 61.29 = 89.76 + 61.29 = 151.05 cm.
  absl::StatusOr<StatureEstimate> female =
      EstimateStature(*FindStatureFormula("genoves1967_dac2004_female_tibia"), 330.0);
  ASSERT_TRUE(female.ok());
  EXPECT_NEAR(female->stature_cm, 151.05, 1e-9);
}

TEST(StatureTest, TrotterGleserExamples) {
  struct Example {
    const char* id;
    double length_mm;
    double expected_cm;
  };
  const Example examples[] = {
      {"tg1952_white_male_femur", 450, 2.38 * 45 + 61.41},     // 168.51
      {"tg1952_white_male_humerus", 330, 3.08 * 33 + 70.45},   // 172.09
      {"tg1952_white_female_tibia", 340, 2.90 * 34 + 61.53},   // 160.13
      {"tg1952_white_female_radius", 220, 4.74 * 22 + 54.93},  // 159.21
      {"tg1958_mexican_male_femur", 430, 2.44 * 43 + 58.67},   // 163.59
  };
  const double by_hand[] = {168.51, 172.09, 160.13, 159.21, 163.59};
  for (size_t i = 0; i < std::size(examples); ++i) {
    absl::StatusOr<StatureEstimate> estimate =
        EstimateStature(*FindStatureFormula(examples[i].id), examples[i].length_mm);
    ASSERT_TRUE(estimate.ok()) << examples[i].id;
    EXPECT_NEAR(estimate->stature_cm, by_hand[i], 1e-9) << examples[i].id;
    EXPECT_NEAR(estimate->stature_cm, examples[i].expected_cm, 1e-9) << examples[i].id;
  }
}

TEST(StatureTest, FromAMeasurementSet) {
  const MeasurementSet measurements = {{"GOL", 180}, {"FEM_MAXL", 450}};
  absl::StatusOr<StatureEstimate> estimate =
      EstimateStature("tg1952_white_male_femur", measurements, {.standard_errors = 1});
  ASSERT_TRUE(estimate.ok());
  EXPECT_NEAR(estimate->lower_cm, 168.51 - 3.27, 1e-9);
  EXPECT_EQ(EstimateStature("nope", measurements).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(EstimateStature("tg1952_white_male_tibia", measurements).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(EstimateStature("tg1952_white_male_femur", {{"FEM_MAXL", 45, "cm"}}).ok());
  EXPECT_FALSE(EstimateStature("tg1952_white_male_femur", {{"FEM_MAXL", -450}}).ok());
  EXPECT_FALSE(
      EstimateStature("tg1952_white_male_femur", measurements, {.standard_errors = -1}).ok());
}

TEST(StatureTest, TableIsConsistentWithTheCatalog) {
  std::set<std::string_view> ids;
  for (const StatureFormula& formula : StatureFormulas()) {
    EXPECT_TRUE(ids.insert(formula.id).second) << formula.id;
    EXPECT_NE(MeasurementCatalog::Embedded().FindMeasurement(formula.measurement_code), nullptr)
        << formula.id;
    EXPECT_GT(formula.slope, 0);
    EXPECT_GT(formula.standard_error_cm, 0);
    EXPECT_FALSE(formula.source.empty());
  }
  EXPECT_EQ(StatureFormulasFor("mesoamerican", Sex::kMale).size(), 2u);
  EXPECT_EQ(StatureFormulasFor("us_white", Sex::kFemale).size(), 6u);
}

}  // namespace
}  // namespace encuentro::anthropology
