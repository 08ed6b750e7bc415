// Who else the remains could be: how common each sex, age and stature is among the people in the
// registry. These figures are the denominators of the attribute likelihood ratios, taken from the
// registry itself once it is large enough, else from documented defaults (matching/README.md).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "matching/dental_evidence.h"
#include "matching/mark_evidence.h"
#include "records/model.h"

namespace encuentro::matching {

using records::kTabulatedAgeYears;

// One sex's living stature in the population, Gaussian.
struct StatureDistribution {
  double mean_cm = 0;
  double sd_cm = 0;
};

// Immutable value; safe to share between threads.
struct PopulationStatistics {
  // Share of men among the people a set of remains could be.
  double male_fraction = 0.75;
  StatureDistribution female{152, 6};
  StatureDistribution male{164, 7};
  // Probability of each whole year of age at death, 0..kTabulatedAgeYears-1; sums to 1.
  std::array<double, kTabulatedAgeYears> age_density{};
  // Where each figure came from, for the reasons reviewers read: "registry (n = 1080)" or
  // "default (...)".
  std::string sex_source;
  std::string stature_source;
  std::string age_source;
  // How common recorded marks are (the registry's counts shrunk towards prior shares).
  MarkFrequencies marks;
  // How common each dental feature at each tooth is among charted people, likewise.
  DentalFrequencies dental;
};

// The defaults and their sources (see matching/README.md).
PopulationStatistics DefaultPopulation();

// When to trust the registry's own figures over the defaults.
struct PopulationOptions {
  // Fewest people of known sex before the registry's sex ratio is used.
  int64_t min_for_sex_ratio = 100;
  // Fewest reported heights of one sex before that sex's registry stature is used.
  int64_t min_for_stature = 50;
  // Fewest known ages before the registry's age distribution is used.
  int64_t min_for_ages = 200;
  // Reported heights run high and include reporting noise (see EvidenceOptions): subtracted from
  // the registry's mean and variance to estimate true stature.
  double height_overstatement_cm = 2.5;
  double height_reporting_sd_cm = 4;
  // Gaussian kernel smoothing the registry's ages (years), and mixing weight of a flat floor so
  // that no age is impossible for an unrelated person.
  double age_smoothing_years = 3;
  double age_floor_weight = 0.02;
};

PopulationStatistics PopulationFromRegistry(const records::RegistryCounts& counts,
                                            const PopulationOptions& options = {});

}  // namespace encuentro::matching
