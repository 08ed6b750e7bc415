// The few probability functions the module needs (chi-square tails for typicality), written here
// because Debian offers no small, well-known C++ library for them.
#pragma once

namespace encuentro::anthropology {

// Regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a), for a > 0, x >= 0.
// Returns NaN outside that domain. Accurate to about 1e-14 relative.
double RegularizedGammaQ(double a, double x);

// P(X >= x) for X chi-square distributed with `degrees_of_freedom` > 0.
double ChiSquareSurvival(double x, double degrees_of_freedom);

}  // namespace encuentro::anthropology
