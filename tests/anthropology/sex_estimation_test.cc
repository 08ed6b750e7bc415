#include "anthropology/sex_estimation.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

namespace encuentro::anthropology {
namespace {

// A synthetic Howells-layout sample: two populations, males about 5% larger on GOL, ZYB and
// BBH; XCB is not measured on the first 10 rows. Deterministic (mt19937 + Box-Muller).
std::string SyntheticSample() {
  std::mt19937 engine(2024);
  auto normal = [&engine] {
    const double u1 = (engine() + 1.0) / 4294967297.0;
    const double u2 = (engine() + 1.0) / 4294967297.0;
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
  };
  std::string csv = "ID,Sex,PopNum,Population,GOL,XCB,ZYB,BBH,NAA\n";
  int id = 0;
  for (const char* population : {"ALPHA", "BETA"}) {
    const double shift = population[0] == 'A' ? 0 : 4;
    for (int i = 0; i < 60; ++i) {
      const bool male = i % 2 == 0;
      const double size = normal();
      const double gol = (male ? 186 : 177) + shift + 4 * size + 3 * normal();
      const double xcb = 137 + 3 * size + 3 * normal();
      const double zyb = (male ? 134 : 125) + 2 * size + 2.5 * normal();
      const double bbh = (male ? 135 : 129) + 2 * size + 3 * normal();
      ++id;
      csv += fmt::format("{},{},1,{},{:.0f},{:.0f},{:.0f},{:.0f},70\n", id, male ? "M" : "F",
                         population, gol, id <= 10 ? 0.0 : xcb, zyb, bbh);
    }
  }
  return csv;
}

const ReferenceSample& Sample() {
  static const ReferenceSample* const sample =
      new ReferenceSample(*ReferenceSample::ParseHowellsCsv(SyntheticSample()));
  return *sample;
}

MeasurementSet Case(double gol, double zyb, double bbh) {
  return {{"GOL", gol}, {"ZYB", zyb}, {"BBH", bbh}, {"FEM_MAXL", 450}};
}

TEST(SexEstimationTest, ClassifiesAClearMale) {
  absl::StatusOr<SexEstimate> estimate = EstimateSex(Sample(), Case(190, 137, 137));
  ASSERT_TRUE(estimate.ok()) << estimate.status();
  EXPECT_EQ(estimate->estimated_sex, Sex::kMale);
  EXPECT_GT(estimate->male.posterior, 0.9);
  EXPECT_NEAR(estimate->male.posterior + estimate->female.posterior, 1.0, 1e-12);
  // FEM_MAXL is not in the sample; XCB is not in the case.
  EXPECT_EQ(estimate->variables, (std::vector<std::string>{"GOL", "ZYB", "BBH"}));
  EXPECT_EQ(estimate->male.reference_count, 60);
  EXPECT_EQ(estimate->female.reference_count, 60);
  EXPECT_EQ(estimate->reference_rows_dropped, 0);
  EXPECT_EQ(estimate->populations, (std::vector<std::string>{"ALPHA", "BETA"}));
  ASSERT_TRUE(estimate->loo_accuracy.has_value());
  EXPECT_EQ(estimate->loo_total, 120);
  EXPECT_GT(*estimate->loo_accuracy, 0.8);
  EXPECT_GT(estimate->male.typicality, 0.05);
}

TEST(SexEstimationTest, ClassifiesAClearFemale) {
  absl::StatusOr<SexEstimate> estimate = EstimateSex(Sample(), Case(174, 123, 127));
  ASSERT_TRUE(estimate.ok()) << estimate.status();
  EXPECT_EQ(estimate->estimated_sex, Sex::kFemale);
  EXPECT_GT(estimate->female.posterior, 0.9);
}

TEST(SexEstimationTest, DropsReferenceRowsMissingAChosenVariable) {
  MeasurementSet measurements = Case(186, 130, 132);
  measurements.push_back({"XCB", 140});
  absl::StatusOr<SexEstimate> estimate = EstimateSex(Sample(), measurements);
  ASSERT_TRUE(estimate.ok()) << estimate.status();
  EXPECT_EQ(estimate->variables.size(), 4u);
  EXPECT_EQ(estimate->reference_rows_dropped, 10);
  EXPECT_EQ(estimate->male.reference_count + estimate->female.reference_count, 110);
}

TEST(SexEstimationTest, HonoursPopulationsVariablesAndPriors) {
  SexEstimationOptions options;
  options.populations = {"BETA"};
  options.variables = {"GOL", "ZYB"};
  options.cross_validate = false;
  absl::StatusOr<SexEstimate> estimate = EstimateSex(Sample(), Case(182, 130, 132), options);
  ASSERT_TRUE(estimate.ok()) << estimate.status();
  EXPECT_EQ(estimate->variables, (std::vector<std::string>{"GOL", "ZYB"}));
  EXPECT_EQ(estimate->male.reference_count, 30);
  EXPECT_FALSE(estimate->loo_accuracy.has_value());

  // A higher prior for males can only raise the male posterior.
  options.prior_male = 0.8;
  absl::StatusOr<SexEstimate> biased = EstimateSex(Sample(), Case(182, 130, 132), options);
  ASSERT_TRUE(biased.ok());
  EXPECT_GT(biased->male.posterior, estimate->male.posterior);
  EXPECT_DOUBLE_EQ(biased->male.mahalanobis_d2, estimate->male.mahalanobis_d2);
}

TEST(SexEstimationTest, TypicalityFlagsAnAtypicalCase) {
  absl::StatusOr<SexEstimate> typical = EstimateSex(Sample(), Case(186, 134, 135));
  absl::StatusOr<SexEstimate> atypical = EstimateSex(Sample(), Case(230, 110, 160));
  ASSERT_TRUE(typical.ok());
  ASSERT_TRUE(atypical.ok());
  EXPECT_LT(atypical->male.typicality, 0.001);
  EXPECT_LT(atypical->female.typicality, 0.001);
  EXPECT_GT(typical->male.typicality, atypical->male.typicality);
  ASSERT_EQ(atypical->warnings.size(), 1u);
  EXPECT_NE(atypical->warnings[0].find("typicality"), std::string::npos);
  EXPECT_TRUE(typical->warnings.empty());
}

TEST(SexEstimationTest, SmallReferencesAreWarnedAboutOrRefused) {
  const std::string small =
      "ID,Sex,PopNum,Population,GOL,ZYB\n"
      "1,M,1,P,186,134\n2,M,1,P,190,131\n3,M,1,P,183,136\n4,M,1,P,188,138\n"
      "5,F,1,P,176,125\n6,F,1,P,179,121\n7,F,1,P,172,126\n8,F,1,P,175,124\n";
  absl::StatusOr<ReferenceSample> sample = ReferenceSample::ParseHowellsCsv(small);
  ASSERT_TRUE(sample.ok());
  absl::StatusOr<SexEstimate> estimate = EstimateSex(*sample, {{"GOL", 185}, {"ZYB", 133}});
  ASSERT_TRUE(estimate.ok()) << estimate.status();
  ASSERT_FALSE(estimate->warnings.empty());
  EXPECT_NE(estimate->warnings.back().find("overconfident"), std::string::npos);

  // Two of each sex are too few.
  absl::StatusOr<ReferenceSample> tiny = ReferenceSample::ParseHowellsCsv(
      "ID,Sex,PopNum,Population,GOL\n1,M,1,P,186\n2,M,1,P,190\n3,F,1,P,176\n4,F,1,P,179\n");
  ASSERT_TRUE(tiny.ok());
  EXPECT_EQ(EstimateSex(*tiny, {{"GOL", 185}}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(SexEstimationTest, Errors) {
  EXPECT_EQ(EstimateSex(Sample(), {{"FEM_MAXL", 450}}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  SexEstimationOptions unknown_population;
  unknown_population.populations = {"GAMMA"};
  EXPECT_FALSE(EstimateSex(Sample(), Case(186, 134, 135), unknown_population).ok());
  SexEstimationOptions unknown_variable;
  unknown_variable.variables = {"ZZZ"};
  EXPECT_FALSE(EstimateSex(Sample(), Case(186, 134, 135), unknown_variable).ok());
  EXPECT_EQ(EstimateSex(Sample(), {{"GOL", 18.6, "cm"}, {"ZYB", 134}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  SexEstimationOptions bad_prior;
  bad_prior.prior_male = 1.0;
  EXPECT_FALSE(EstimateSex(Sample(), Case(186, 134, 135), bad_prior).ok());
  // The angle column holds a constant: its covariance is singular.
  EXPECT_EQ(EstimateSex(Sample(), {{"GOL", 186}, {"NAA", 70}}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace encuentro::anthropology
