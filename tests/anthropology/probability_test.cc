#include "anthropology/probability.h"

#include <gtest/gtest.h>

#include <cmath>

namespace encuentro::anthropology {
namespace {

TEST(ProbabilityTest, ClosedForms) {
  for (double x : {0.01, 0.5, 1.0, 2.5, 10.0, 40.0}) {
    EXPECT_NEAR(RegularizedGammaQ(1.0, x), std::exp(-x), 1e-14) << x;  // Exponential tail.
    EXPECT_NEAR(RegularizedGammaQ(0.5, x), std::erfc(std::sqrt(x)), 1e-13) << x;
    // Chi-square with 2 degrees of freedom: P(X >= x) = exp(-x / 2).
    EXPECT_NEAR(ChiSquareSurvival(x, 2), std::exp(-x / 2), 1e-14) << x;
    // With 4: exp(-x/2) (1 + x/2).
    EXPECT_NEAR(ChiSquareSurvival(x, 4), std::exp(-x / 2) * (1 + x / 2), 1e-13) << x;
  }
}

TEST(ProbabilityTest, TabulatedCriticalValues) {
  // 95th percentiles from standard chi-square tables.
  EXPECT_NEAR(ChiSquareSurvival(3.841458820694124, 1), 0.05, 1e-12);
  EXPECT_NEAR(ChiSquareSurvival(11.070497693516351, 5), 0.05, 1e-12);
  EXPECT_NEAR(ChiSquareSurvival(18.307038053275146, 10), 0.05, 1e-12);
  EXPECT_NEAR(ChiSquareSurvival(33.92443847, 22), 0.05, 1e-5);
  EXPECT_NEAR(ChiSquareSurvival(6.634896601021214, 1), 0.01, 1e-12);
}

TEST(ProbabilityTest, EdgesAndDomain) {
  EXPECT_EQ(ChiSquareSurvival(0.0, 3), 1.0);
  EXPECT_EQ(RegularizedGammaQ(2.0, INFINITY), 0.0);
  EXPECT_LT(ChiSquareSurvival(1000.0, 3), 1e-200);
  EXPECT_TRUE(std::isnan(RegularizedGammaQ(0.0, 1.0)));
  EXPECT_TRUE(std::isnan(RegularizedGammaQ(1.0, -1.0)));
  EXPECT_TRUE(std::isnan(RegularizedGammaQ(1.0, NAN)));
  // Continuity where the algorithm switches from the series to the continued fraction (x = a+1).
  EXPECT_NEAR(RegularizedGammaQ(3.0, 4.0 - 1e-9), RegularizedGammaQ(3.0, 4.0 + 1e-9), 1e-8);
}

}  // namespace
}  // namespace encuentro::anthropology
