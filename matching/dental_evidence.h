// Evidence from dental charts, WinID-style: tooth by tooth, the ante-mortem chart (the missing
// person's) against the post-mortem one (the remains'), counting matching features, differences
// later treatment explains, and differences nothing explains. A tooth lost in life but present
// on the remains excludes. The LR comes from how rare the matching features are in the
// registry. Model, defaults and sources: matching/README.md ("Dental").
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "records/model.h"

namespace encuentro::matching {

// The features whose frequency by tooth the LR uses: lost in life, or a kind of treatment.
enum class ToothFeature {
  kMissingAnteMortem,
  kFilling,
  kCrown,
  kRootCanal,
  kBridge,
  kImplant,
  kProsthesis
};
inline constexpr int kToothFeatures = 7;

// How common each feature at each tooth is among the registry's people with a dental chart.
// Immutable once built; safe to share.
class DentalFrequencies {
 public:
  // Without registry counts: the documented prior shares alone.
  DentalFrequencies() = default;
  explicit DentalFrequencies(const records::RegistryCounts& counts);

  // Share of charted people with `feature` at tooth `fdi`, shrunk towards a prior share worth
  // kPriorCharts charts.
  double Share(int fdi, ToothFeature feature) const;
  int64_t charts() const { return charts_; }

  static constexpr double kPriorCharts = 50;

 private:
  int64_t charts_ = 0;
  // By fdi (0..88) and feature.
  std::array<std::array<int64_t, kToothFeatures>, 89> counts_{};
};

// The dental model's assumptions; defaults in matching/README.md.
struct DentalEvidenceOptions {
  // A feature charted on both sides is still a charting mistake this often.
  double charting_error = 0.02;
  // LR of one difference nothing explains (a filling gone, a tooth unerupted again...): a
  // charting mistake (about 5%) against how often two people's charts differ so (about 50%).
  double unexplained_lr = 0.1;
  // This many unexplained differences exclude the pair, as a tooth lost in life but present on
  // the remains does.
  int exclusion_unexplained = 4;
  double max_abs_log10_lr = 6;
};

struct DentalComparison {
  // False when no tooth was examined on both sides.
  bool compared = false;
  bool excludes = false;
  // Unbounded.
  double log10_lr = 0;
  int teeth_compared = 0;
  int matching = 0;     // distinctive features on both sides
  int explainable = 0;  // later treatment, later loss, later eruption
  int unexplained = 0;
  std::string reason;
};

DentalComparison CompareDental(const records::DentalChart& ante_mortem,
                               const records::DentalChart& post_mortem,
                               const DentalFrequencies& frequencies,
                               const DentalEvidenceOptions& options, bool explain);

}  // namespace encuentro::matching
