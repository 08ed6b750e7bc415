#include "anthropology/lda.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

namespace encuentro::anthropology {
namespace {

// Hand-worked example, two variables.
//   group 0: (1,1) (3,3) (2,1) (2,3)  mean (2,2)  deviations (-1,-1) (1,1) (0,-1) (0,1)
//            scatter [[2, 2], [2, 4]]
//   group 1: the same shape moved by (4,2): mean (6,4), same scatter.
//   pooled covariance S = ([[2,2],[2,4]] * 2) / (8 - 2) = [[2/3, 2/3], [2/3, 4/3]]
//   det S = 8/9 - 4/9 = 4/9, S^-1 = 9/4 [[4/3, -2/3], [-2/3, 2/3]] = [[3, -1.5], [-1.5, 1.5]]
// For x = (4,4):
//   x - u0 = (2,2):  D0² = 3*4 - 2*1.5*2*2 + 1.5*4 = 12 - 12 + 6 = 6
//   x - u1 = (-2,0): D1² = 3*4 = 12
//   equal priors: P(0|x) = 1 / (1 + exp(-(12 - 6)/2)) = 1 / (1 + e^-3) = 0.9525741268
//   typicality (chi-square, 2 df): exp(-D²/2): e^-3 = 0.0497870684, e^-6 = 0.0024787522
// Discriminant: w = S^-1 (u1 - u0) = S^-1 (4,2) = (12 - 3, -6 + 3) = (9, -3);
//   c = -w.(u0 + u1)/2 = -(9*4 - 3*3) = -27;  w.x + c at (4,4) = 36 - 12 - 27 = -3 = (6 - 12)/2.
const std::vector<std::vector<double>> kRows = {{1, 1}, {3, 3}, {2, 1}, {2, 3},
                                                {5, 3}, {7, 5}, {6, 3}, {6, 5}};
const std::vector<int> kGroups = {0, 0, 0, 0, 1, 1, 1, 1};

TEST(TwoGroupLdaTest, MatchesHandWorkedExample) {
  absl::StatusOr<TwoGroupLda> model = TwoGroupLda::Fit(kRows, kGroups);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->dimension(), 2);
  EXPECT_EQ(model->group_size(0), 4);
  EXPECT_EQ(model->group_mean(1), (std::vector<double>{6, 4}));
  const std::vector<double>& s = model->pooled_covariance();
  EXPECT_NEAR(s[0], 2.0 / 3, 1e-12);
  EXPECT_NEAR(s[1], 2.0 / 3, 1e-12);
  EXPECT_NEAR(s[3], 4.0 / 3, 1e-12);

  const double x[] = {4, 4};
  const LdaClassification result = model->Classify(x);
  EXPECT_NEAR(result.groups[0].mahalanobis_d2, 6.0, 1e-12);
  EXPECT_NEAR(result.groups[1].mahalanobis_d2, 12.0, 1e-12);
  EXPECT_NEAR(result.groups[0].posterior, 0.9525741268, 1e-9);
  EXPECT_NEAR(result.groups[1].posterior, 0.0474258732, 1e-9);
  EXPECT_NEAR(result.groups[0].typicality, 0.0497870684, 1e-9);
  EXPECT_NEAR(result.groups[1].typicality, 0.0024787522, 1e-9);
  EXPECT_EQ(result.predicted_group, 0);

  const std::vector<double> w = model->DiscriminantCoefficients();
  EXPECT_NEAR(w[0], 9.0, 1e-12);
  EXPECT_NEAR(w[1], -3.0, 1e-12);
  EXPECT_NEAR(model->DiscriminantConstant(), -27.0, 1e-11);
}

TEST(TwoGroupLdaTest, PriorsShiftPosteriors) {
  // log-odds for group 1 = log(0.9/0.1) - 3 = -0.8028; P(1|x) = 1 / (1 + e^0.8028) = 0.3094.
  absl::StatusOr<TwoGroupLda> model = TwoGroupLda::Fit(kRows, kGroups, {0.1, 0.9});
  ASSERT_TRUE(model.ok());
  const double x[] = {4, 4};
  const LdaClassification result = model->Classify(x);
  EXPECT_NEAR(result.groups[1].posterior, 1 / (1 + std::exp(3 - std::log(9.0))), 1e-12);
  EXPECT_NEAR(result.groups[0].posterior + result.groups[1].posterior, 1.0, 1e-15);
}

// Deterministic normal deviates: mt19937 is fully specified, std::normal_distribution is not.
class Normal {
 public:
  explicit Normal(unsigned seed) : engine_(seed) {}
  double operator()() {
    const double u1 = (engine_() + 1.0) / 4294967297.0;
    const double u2 = (engine_() + 1.0) / 4294967297.0;
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
  }

 private:
  std::mt19937 engine_;
};

void MakeSample(int per_group, int p, std::vector<std::vector<double>>& rows,
                std::vector<int>& groups) {
  Normal normal(7);
  for (int g = 0; g < 2; ++g) {
    for (int i = 0; i < per_group; ++i) {
      std::vector<double> row(p);
      const double shared = normal();  // Correlates the variables, like overall skull size.
      for (int k = 0; k < p; ++k) row[k] = 100 + 8 * g + 3 * shared + 2 * normal() + k;
      rows.push_back(row);
      groups.push_back(g);
    }
  }
}

TEST(TwoGroupLdaTest, LeaveOneOutEqualsExplicitRefits) {
  std::vector<std::vector<double>> rows;
  std::vector<int> groups;
  MakeSample(15, 4, rows, groups);
  absl::StatusOr<TwoGroupLda> model = TwoGroupLda::Fit(rows, groups);
  ASSERT_TRUE(model.ok());
  absl::StatusOr<std::vector<LdaClassification>> loo = model->LeaveOneOut();
  ASSERT_TRUE(loo.ok()) << loo.status();
  ASSERT_EQ(loo->size(), rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    std::vector<std::vector<double>> kept_rows;
    std::vector<int> kept_groups;
    for (size_t k = 0; k < rows.size(); ++k) {
      if (k == r) continue;
      kept_rows.push_back(rows[k]);
      kept_groups.push_back(groups[k]);
    }
    absl::StatusOr<TwoGroupLda> refit = TwoGroupLda::Fit(kept_rows, kept_groups);
    ASSERT_TRUE(refit.ok());
    const LdaClassification expected = refit->Classify(rows[r]);
    for (int g = 0; g < 2; ++g) {
      EXPECT_NEAR((*loo)[r].groups[g].mahalanobis_d2, expected.groups[g].mahalanobis_d2, 1e-9);
      EXPECT_NEAR((*loo)[r].groups[g].posterior, expected.groups[g].posterior, 1e-12);
    }
    EXPECT_EQ((*loo)[r].predicted_group, expected.predicted_group);
  }
}

TEST(TwoGroupLdaTest, TypicalityFallsForAPlantedOutlier) {
  std::vector<std::vector<double>> rows;
  std::vector<int> groups;
  MakeSample(40, 3, rows, groups);
  absl::StatusOr<TwoGroupLda> model = TwoGroupLda::Fit(rows, groups);
  ASSERT_TRUE(model.ok());
  const std::vector<double>& mean = model->group_mean(1);
  const LdaClassification typical = model->Classify(mean);
  EXPECT_GT(typical.groups[1].typicality, 0.99);
  EXPECT_EQ(typical.predicted_group, 1);
  // Every variable 40 units (about 10 SD) above group 1's mean.
  std::vector<double> outlier = mean;
  for (double& v : outlier) v += 40;
  const LdaClassification far = model->Classify(outlier);
  EXPECT_LT(far.groups[0].typicality, 1e-3);
  EXPECT_LT(far.groups[1].typicality, 1e-3);
  EXPECT_LT(far.groups[1].typicality, typical.groups[1].typicality);
  EXPECT_NEAR(far.groups[0].posterior + far.groups[1].posterior, 1.0, 1e-12);
  // Even with both exp(-D²/2) underflowing the posteriors stay defined.
  for (double& v : outlier) v += 1e4;
  const LdaClassification very_far = model->Classify(outlier);
  EXPECT_FALSE(std::isnan(very_far.groups[0].posterior));
  EXPECT_NEAR(very_far.groups[0].posterior + very_far.groups[1].posterior, 1.0, 1e-12);
}

TEST(TwoGroupLdaTest, RejectsDegenerateInput) {
  EXPECT_FALSE(TwoGroupLda::Fit({}, {}).ok());
  EXPECT_FALSE(TwoGroupLda::Fit(kRows, {0, 0, 0, 0, 0, 0, 0, 1}).ok());  // One row in group 1.
  EXPECT_FALSE(TwoGroupLda::Fit(kRows, {0, 0, 0, 0, 1, 1, 1, 2}).ok());
  EXPECT_FALSE(TwoGroupLda::Fit(kRows, kGroups, {0.5, 0.6}).ok());
  // Second variable = 2 x first: singular covariance.
  std::vector<std::vector<double>> collinear;
  for (const auto& row : kRows) collinear.push_back({row[0], 2 * row[0]});
  const absl::StatusOr<TwoGroupLda> singular = TwoGroupLda::Fit(collinear, kGroups);
  EXPECT_EQ(singular.status().code(), absl::StatusCode::kFailedPrecondition);
  std::vector<std::vector<double>> missing = kRows;
  missing[2][1] = NAN;
  EXPECT_FALSE(TwoGroupLda::Fit(missing, kGroups).ok());
}

}  // namespace
}  // namespace encuentro::anthropology
