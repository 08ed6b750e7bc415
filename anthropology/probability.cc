#include "anthropology/probability.h"

#include <cmath>
#include <limits>

namespace encuentro::anthropology {
namespace {

constexpr int kMaxIterations = 1000;
constexpr double kEpsilon = 1e-16;

// P(a, x) by its power series; converges fast for x < a + 1 (Numerical Recipes §6.2).
double LowerSeries(double a, double x) {
  double term = 1.0 / a;
  double sum = term;
  for (int n = 1; n < kMaxIterations; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * kEpsilon) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Q(a, x) by its continued fraction, modified Lentz; converges fast for x >= a + 1.
double UpperContinuedFraction(double a, double x) {
  constexpr double kTiny = std::numeric_limits<double>::min() / kEpsilon;
  double b = x + 1.0 - a;
  double c = 1.0 / kTiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < kMaxIterations; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < kEpsilon) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

}  // namespace

double RegularizedGammaQ(double a, double x) {
  if (!(a > 0.0) || !(x >= 0.0) || std::isinf(a)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0.0) return 1.0;
  if (std::isinf(x)) return 0.0;
  if (x < a + 1.0) return 1.0 - LowerSeries(a, x);
  return UpperContinuedFraction(a, x);
}

double ChiSquareSurvival(double x, double degrees_of_freedom) {
  if (x <= 0.0 && degrees_of_freedom > 0.0) return 1.0;
  return RegularizedGammaQ(degrees_of_freedom / 2.0, x / 2.0);
}

}  // namespace encuentro::anthropology
