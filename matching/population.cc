#include "matching/population.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace encuentro::matching {
namespace {

// Normalizes `weights` into a density with a flat floor of total mass `floor_weight`.
std::array<double, kTabulatedAgeYears> Normalize(
    const std::array<double, kTabulatedAgeYears>& weights, double floor_weight) {
  double total = 0;
  for (double w : weights) total += w;
  std::array<double, kTabulatedAgeYears> density{};
  for (int a = 0; a < kTabulatedAgeYears; ++a) {
    density[a] = (1 - floor_weight) * (total > 0 ? weights[a] / total : 0) +
                 floor_weight / kTabulatedAgeYears;
  }
  return density;
}

}  // namespace

PopulationStatistics DefaultPopulation() {
  PopulationStatistics p;
  p.male_fraction = 0.75;
  p.sex_source =
      "default: 3 in 4 people reported missing in Mexico are men (RNPDNO public figures)";
  p.female = {152, 6};
  p.male = {164, 7};
  p.stature_source =
      "default: adult height in Mexico, women 152 +/- 6 cm, men 164 +/- 7 cm (ENSANUT)";
  // Most people reported missing are young adults: ages 15-44 three times as common per year as
  // 0-14 and 45-69, older ages rarer still. An assumption, replaced by the registry's own ages.
  std::array<double, kTabulatedAgeYears> weights{};
  for (int a = 0; a < kTabulatedAgeYears; ++a) {
    weights[a] = a < 15 ? 1 : a < 45 ? 3 : a < 70 ? 1 : 0.3;
  }
  p.age_density = Normalize(weights, 0.0);
  p.age_source = "default: ages 15-44 three times as common as 0-14 and 45-69 (assumed)";
  return p;
}

PopulationStatistics PopulationFromRegistry(const records::RegistryCounts& counts,
                                            const PopulationOptions& options) {
  PopulationStatistics p = DefaultPopulation();
  p.marks = MarkFrequencies(counts);
  p.dental = DentalFrequencies(counts);
  const int64_t known_sex = counts.female + counts.male;
  if (known_sex >= options.min_for_sex_ratio) {
    p.male_fraction = static_cast<double>(counts.male) / static_cast<double>(known_sex);
    // Never certain: one sex absent from a small registry is not proof that it cannot occur.
    p.male_fraction = std::clamp(p.male_fraction, 0.02, 0.98);
    p.sex_source = absl::StrFormat("registry: %.0f%% men of %d people of known sex",
                                   100 * p.male_fraction, known_sex);
  }
  // Reported heights overstate by a mean amount and add reporting noise; true stature's spread is
  // what is left once that noise is taken out (never below 3 cm).
  const auto true_stature = [&](double mean, double sd) {
    const double variance =
        sd * sd - options.height_reporting_sd_cm * options.height_reporting_sd_cm;
    return StatureDistribution{mean - options.height_overstatement_cm,
                               std::sqrt(std::max(9.0, variance))};
  };
  std::string stature_parts;
  if (counts.female_heights >= options.min_for_stature) {
    p.female = true_stature(counts.female_height_mean, counts.female_height_sd);
    stature_parts += absl::StrFormat("women %.0f +/- %.0f cm (n = %d)", p.female.mean_cm,
                                     p.female.sd_cm, counts.female_heights);
  }
  if (counts.male_heights >= options.min_for_stature) {
    p.male = true_stature(counts.male_height_mean, counts.male_height_sd);
    stature_parts +=
        absl::StrFormat("%smen %.0f +/- %.0f cm (n = %d)", stature_parts.empty() ? "" : ", ",
                        p.male.mean_cm, p.male.sd_cm, counts.male_heights);
  }
  if (!stature_parts.empty()) {
    p.stature_source = "registry: " + stature_parts +
                       (counts.female_heights < options.min_for_stature ||
                                counts.male_heights < options.min_for_stature
                            ? "; the other sex from the defaults"
                            : "");
  }
  int64_t known_ages = 0;
  for (int64_t n : counts.ages) known_ages += n;
  if (known_ages >= options.min_for_ages) {
    std::array<double, kTabulatedAgeYears> smoothed{};
    const double h = options.age_smoothing_years;
    for (int from = 0; from < kTabulatedAgeYears; ++from) {
      if (counts.ages[from] == 0) continue;
      for (int to = 0; to < kTabulatedAgeYears; ++to) {
        const double z = (to - from) / h;
        smoothed[to] += static_cast<double>(counts.ages[from]) * std::exp(-0.5 * z * z);
      }
    }
    p.age_density = Normalize(smoothed, options.age_floor_weight);
    p.age_source =
        absl::StrFormat("registry: ages of %d people, smoothed over %.0f years", known_ages, h);
  }
  return p;
}

}  // namespace encuentro::matching
