#include "anthropology/lda.h"

#include <fmt/format.h>

#include <cmath>

#include "absl/status/status.h"
#include "anthropology/probability.h"

namespace encuentro::anthropology {
namespace {

// Cholesky factorisation A = L L^T of a symmetric p x p matrix (row-major); fails when A is not
// numerically positive definite, i.e. some variable is (nearly) a linear function of the others.
absl::StatusOr<std::vector<double>> Cholesky(const std::vector<double>& a, int p) {
  std::vector<double> l(a.size(), 0.0);
  for (int j = 0; j < p; ++j) {
    double diagonal = a[j * p + j];
    for (int k = 0; k < j; ++k) diagonal -= l[j * p + k] * l[j * p + k];
    // Relative test: a pivot this small means the variable adds no independent information.
    if (!(diagonal > 1e-10 * std::fabs(a[j * p + j])) || !(a[j * p + j] > 0.0)) {
      return absl::FailedPreconditionError(fmt::format(
          "the pooled covariance matrix is singular: variable #{} is constant or a linear "
          "combination of the others",
          j + 1));
    }
    const double root = std::sqrt(diagonal);
    l[j * p + j] = root;
    for (int i = j + 1; i < p; ++i) {
      double sum = a[i * p + j];
      for (int k = 0; k < j; ++k) sum -= l[i * p + k] * l[j * p + k];
      l[i * p + j] = sum / root;
    }
  }
  return l;
}

// |L^-1 d|^2 = d^T A^-1 d by forward substitution.
double MahalanobisSquared(const std::vector<double>& l, int p, std::span<const double> x,
                          const std::vector<double>& mean) {
  std::vector<double> z(p);
  double sum_squares = 0.0;
  for (int i = 0; i < p; ++i) {
    double value = x[i] - mean[i];
    for (int k = 0; k < i; ++k) value -= l[i * p + k] * z[k];
    z[i] = value / l[i * p + i];
    sum_squares += z[i] * z[i];
  }
  return sum_squares;
}

LdaClassification Score(const std::vector<double>& l, int p, std::span<const double> x,
                        const std::array<std::vector<double>, 2>& means,
                        const std::array<double, 2>& priors) {
  LdaClassification result;
  std::array<double, 2> log_weight{};
  for (int g = 0; g < 2; ++g) {
    const double d2 = MahalanobisSquared(l, p, x, means[g]);
    result.groups[g].mahalanobis_d2 = d2;
    result.groups[g].typicality = ChiSquareSurvival(d2, p);
    log_weight[g] = std::log(priors[g]) - 0.5 * d2;
  }
  // Posteriors from the difference of log weights: stays well defined for a far outlier, where
  // both exp(-D²/2) underflow to zero.
  const double delta = log_weight[1] - log_weight[0];
  result.groups[0].posterior = 1.0 / (1.0 + std::exp(delta));
  result.groups[1].posterior = 1.0 / (1.0 + std::exp(-delta));
  result.predicted_group = result.groups[1].posterior > result.groups[0].posterior ? 1 : 0;
  return result;
}

}  // namespace

absl::StatusOr<TwoGroupLda> TwoGroupLda::Fit(const std::vector<std::vector<double>>& rows,
                                             const std::vector<int>& groups,
                                             std::array<double, 2> priors) {
  if (rows.size() != groups.size()) {
    return absl::InvalidArgumentError("rows and groups differ in length");
  }
  if (rows.empty() || rows.front().empty()) {
    return absl::InvalidArgumentError("LDA needs at least one variable and one row");
  }
  if (!(priors[0] > 0.0) || !(priors[1] > 0.0) || std::fabs(priors[0] + priors[1] - 1.0) > 1e-9) {
    return absl::InvalidArgumentError("priors must be positive and sum to 1");
  }
  TwoGroupLda model;
  const int p = static_cast<int>(rows.front().size());
  model.dimension_ = p;
  model.priors_ = priors;
  for (int g = 0; g < 2; ++g) model.means_[g].assign(p, 0.0);
  for (size_t r = 0; r < rows.size(); ++r) {
    if (static_cast<int>(rows[r].size()) != p) {
      return absl::InvalidArgumentError(
          fmt::format("row {} has {} values, expected {}", r + 1, rows[r].size(), p));
    }
    if (groups[r] != 0 && groups[r] != 1) {
      return absl::InvalidArgumentError(fmt::format("row {} has group {}", r + 1, groups[r]));
    }
    for (double value : rows[r]) {
      if (!std::isfinite(value)) {
        return absl::InvalidArgumentError(fmt::format("row {} has a missing value", r + 1));
      }
    }
    ++model.group_sizes_[groups[r]];
    for (int i = 0; i < p; ++i) model.means_[groups[r]][i] += rows[r][i];
  }
  for (int g = 0; g < 2; ++g) {
    if (model.group_sizes_[g] < 2) {
      return absl::FailedPreconditionError(fmt::format(
          "group {} has {} rows; LDA needs at least 2 per group", g, model.group_sizes_[g]));
    }
    for (double& value : model.means_[g]) value /= model.group_sizes_[g];
  }
  const int n = static_cast<int>(rows.size());
  if (n - 2 < p) {
    return absl::FailedPreconditionError(fmt::format(
        "{} reference rows are too few for {} variables (need at least {})", n, p, p + 2));
  }
  // Second pass over deviations from the means: avoids the cancellation of sum-of-squares forms.
  for (int g = 0; g < 2; ++g) model.scatter_[g].assign(p * p, 0.0);
  std::vector<double> deviation(p);
  for (size_t r = 0; r < rows.size(); ++r) {
    const int g = groups[r];
    for (int i = 0; i < p; ++i) deviation[i] = rows[r][i] - model.means_[g][i];
    for (int i = 0; i < p; ++i) {
      for (int j = 0; j <= i; ++j) model.scatter_[g][i * p + j] += deviation[i] * deviation[j];
    }
  }
  for (int g = 0; g < 2; ++g) {
    for (int i = 0; i < p; ++i) {
      for (int j = 0; j < i; ++j) model.scatter_[g][j * p + i] = model.scatter_[g][i * p + j];
    }
  }
  model.pooled_covariance_.assign(p * p, 0.0);
  for (int k = 0; k < p * p; ++k) {
    model.pooled_covariance_[k] = (model.scatter_[0][k] + model.scatter_[1][k]) / (n - 2);
  }
  absl::StatusOr<std::vector<double>> cholesky = Cholesky(model.pooled_covariance_, p);
  if (!cholesky.ok()) return cholesky.status();
  model.cholesky_ = *std::move(cholesky);
  model.rows_ = rows;
  model.groups_ = groups;
  return model;
}

LdaClassification TwoGroupLda::Classify(std::span<const double> x) const {
  return Score(cholesky_, dimension_, x, means_, priors_);
}

absl::StatusOr<std::vector<LdaClassification>> TwoGroupLda::LeaveOneOut() const {
  const int p = dimension_;
  const int n = static_cast<int>(rows_.size());
  for (int g = 0; g < 2; ++g) {
    if (group_sizes_[g] < 3) {
      return absl::FailedPreconditionError(fmt::format(
          "leave-one-out needs at least 3 rows per group; group {} has {}", g, group_sizes_[g]));
    }
  }
  if (n - 3 < p) {
    return absl::FailedPreconditionError("too few rows for leave-one-out with these variables");
  }
  std::vector<LdaClassification> results;
  results.reserve(n);
  std::vector<double> deviation(p);
  std::vector<double> covariance(p * p);
  for (int r = 0; r < n; ++r) {
    const int g = groups_[r];
    const double size = group_sizes_[g];
    // Removing x from a group of size m with mean u: u' = u - (x - u) / (m - 1) and
    // S' = S - m / (m - 1) (x - u)(x - u)^T.
    for (int i = 0; i < p; ++i) deviation[i] = rows_[r][i] - means_[g][i];
    std::array<std::vector<double>, 2> means = means_;
    for (int i = 0; i < p; ++i) means[g][i] -= deviation[i] / (size - 1.0);
    const double factor = size / (size - 1.0);
    for (int i = 0; i < p; ++i) {
      for (int j = 0; j < p; ++j) {
        const double scatter =
            scatter_[0][i * p + j] + scatter_[1][i * p + j] - factor * deviation[i] * deviation[j];
        covariance[i * p + j] = scatter / (n - 3);
      }
    }
    absl::StatusOr<std::vector<double>> cholesky = Cholesky(covariance, p);
    if (!cholesky.ok()) {
      return absl::FailedPreconditionError(
          fmt::format("leaving out row {}: {}", r + 1, std::string(cholesky.status().message())));
    }
    results.push_back(Score(*cholesky, p, rows_[r], means, priors_));
  }
  return results;
}

std::vector<double> TwoGroupLda::DiscriminantCoefficients() const {
  // w = S^-1 (u1 - u0), solved with the Cholesky factor.
  const int p = dimension_;
  std::vector<double> w(p);
  for (int i = 0; i < p; ++i) {
    double value = means_[1][i] - means_[0][i];
    for (int k = 0; k < i; ++k) value -= cholesky_[i * p + k] * w[k];
    w[i] = value / cholesky_[i * p + i];
  }
  for (int i = p - 1; i >= 0; --i) {
    double value = w[i];
    for (int k = i + 1; k < p; ++k) value -= cholesky_[k * p + i] * w[k];
    w[i] = value / cholesky_[i * p + i];
  }
  return w;
}

double TwoGroupLda::DiscriminantConstant() const {
  // (D²_0 - D²_1) / 2 = w.x - w.(u0 + u1) / 2.
  const std::vector<double> w = DiscriminantCoefficients();
  double constant = 0.0;
  for (int i = 0; i < dimension_; ++i) constant -= w[i] * (means_[0][i] + means_[1][i]) / 2.0;
  return constant;
}

}  // namespace encuentro::anthropology
