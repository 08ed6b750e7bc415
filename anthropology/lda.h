// Two-group linear discriminant analysis with a pooled covariance matrix, as FORDISC uses it:
// Mahalanobis distances, posterior and typicality probabilities, leave-one-out validation.
#pragma once

#include <array>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace encuentro::anthropology {

struct LdaGroupScore {
  double mahalanobis_d2 = 0.0;  // Squared distance to the group mean, pooled covariance metric.
  double posterior = 0.0;       // P(group | x) under the model's priors; the two sum to 1.
  // P(a member of the group lies at least this far from its mean): the chi-square tail of
  // mahalanobis_d2 with p degrees of freedom. Low for both groups = x resembles neither.
  double typicality = 0.0;
};

struct LdaClassification {
  std::array<LdaGroupScore, 2> groups;
  int predicted_group = 0;  // The group with the larger posterior (0 on an exact tie).
};

// A fitted model. Immutable after Fit(), so Classify() and LeaveOneOut() may run concurrently.
class TwoGroupLda {
 public:
  // `rows` are complete observations of p variables, `groups` their group (0 or 1). Each group
  // needs at least 2 rows, and the pooled covariance (n - 2 degrees of freedom) must be positive
  // definite: collinear or constant variables are rejected.
  static absl::StatusOr<TwoGroupLda> Fit(const std::vector<std::vector<double>>& rows,
                                         const std::vector<int>& groups,
                                         std::array<double, 2> priors = {0.5, 0.5});

  // `x` must have dimension() values.
  LdaClassification Classify(std::span<const double> x) const;

  // For each training row, in order, its classification by the model refit without that row.
  // Exact (rank-one downdate of the group's scatter matrix), O(n p^3). Needs 3 rows per group.
  absl::StatusOr<std::vector<LdaClassification>> LeaveOneOut() const;

  int dimension() const { return dimension_; }
  int group_size(int group) const { return group_sizes_[group]; }
  const std::vector<double>& group_mean(int group) const { return means_[group]; }
  // Pooled within-group covariance, row-major p x p.
  const std::vector<double>& pooled_covariance() const { return pooled_covariance_; }
  // Coefficients w and constant c of the linear discriminant function
  // w.x + c = (D²_0 - D²_1) / 2: positive values favour group 1 (before priors).
  std::vector<double> DiscriminantCoefficients() const;
  double DiscriminantConstant() const;

 private:
  TwoGroupLda() = default;

  int dimension_ = 0;
  std::array<int, 2> group_sizes_{};
  std::array<double, 2> priors_{};
  std::array<std::vector<double>, 2> means_;
  std::array<std::vector<double>, 2> scatter_;  // Sums of squared deviations, row-major.
  std::vector<double> pooled_covariance_;
  std::vector<double> cholesky_;  // Lower factor of pooled_covariance_, row-major.
  std::vector<std::vector<double>> rows_;
  std::vector<int> groups_;
};

}  // namespace encuentro::anthropology
