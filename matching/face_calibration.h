// Turns the distance between two face descriptors into evidence: a log10 likelihood ratio
// log10( f_genuine(d) / f_impostor(d) ), where f_genuine and f_impostor are the densities of the
// distance between two photos of the same person and of two different people, estimated from
// labelled pairs (e.g. an LFW fold, or a lab's own AM/PM photos) with one face model.
//
// Estimator ("gaussian-kde-silverman+pav"):
//   1. Gaussian kernel density estimates of both samples on a fixed grid of distances, each with
//      Silverman's rule-of-thumb bandwidth h = 0.9 min(sd, IQR/1.34) n^(-1/5).
//   2. No extrapolation of an empty sample: each density gets one pseudo-observation spread
//      evenly over the data's range, (n f(d) + 1/range) / (n + 1). Where, say, no impostor pair
//      came that close, the impostor density is "below about one in n", not a Gaussian tail
//      that would claim odds of 10^100.
//   3. Tails: beyond the pooled data (each sample's range widened by its bandwidth) both
//      densities would be kernel tails only, so the value is held at the last supported point.
//   4. Bounds: never beyond +-max_abs_log10_lr (default 4), so one face comparison never reads as
//      certainty; and, by default, never beyond what the sample sizes can show: n impostor pairs
//      cannot demonstrate odds above about n to 1 (the idea behind the empirical lower and upper
//      bound, ELUB, of Vergeer et al. 2016), so the upper bound is log10(n_impostor) and the lower
//      -log10(n_genuine).
//   5. Monotone: the LR may not rise with distance. Closer than where the ratio peaks (the edge
//      of the genuine sample) the peak is held, farther than its trough the trough; between them
//      weighted pool-adjacent-violators gives the closest non-increasing sequence, each grid
//      point weighted by the data around it.
// Between grid points the value is interpolated linearly; outside the grid it is the end value.
//
// The JSON file records where the calibration came from (pairs file, counts, face model id, or
// both models' ids and the fusion weight, date, estimator parameters) and the grid table itself;
// the table is what Log10Lr uses, so a reviewer can read every value the server can produce.
//
// Immutable after construction: every method is const and safe to call from many threads.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "matching/evidence.h"

namespace encuentro::matching {

// How Fit estimates the calibration, and what it records about its data.
struct CalibrationOptions {
  // Face model whose descriptors produced the distances (biometrics::kFaceModelId); required.
  // A calibration is valid only for distances from that model.
  std::string model_id;
  // For a calibration of both face models: the second model (biometrics::kMobileFaceModelId)
  // and its weight in FusedDistance, the distance the calibration is then fitted on. Empty for
  // the first model alone.
  std::string second_model_id;
  double second_model_weight = 0;
  // Provenance, recorded verbatim: the pairs file (or distances file) and a free description.
  std::string pairs_file;
  std::string description;
  // How the distances were computed (upsample, jitter, face choice...), recorded verbatim.
  std::map<std::string, std::string> pipeline;
  // Date of the calibration (YYYY-MM-DD); empty: today, UTC.
  std::string date;
  // The grid of distances on which the LR is tabulated.
  double grid_min = 0;
  double grid_max = 1.5;
  double grid_step = 0.01;
  // Bound on |log10 LR|: one face comparison never counts for or against more than this.
  double max_abs_log10_lr = 4;
  // Also bound by the sample sizes (log10 of the number of pairs on the other side).
  bool bound_by_sample_size = true;
  // Traffic light: at least match_log10_lr (LR >= 10 by default, "moderate support" on the
  // ENFSI verbal scale) is a match, at most no_match_log10_lr (LR <= 1/10) a no-match, anything
  // between possible.
  double match_log10_lr = 1;
  double no_match_log10_lr = -1;
  // Fewer finite distances than this in either sample is an error.
  std::size_t min_samples = 20;
};

// One row of the calibration table.
struct CalibrationPoint {
  double distance = 0;
  double log10_lr = 0;         // After tails, monotonicity and bounds: what Log10Lr returns.
  double raw_log10_lr = 0;     // log10 of the density ratio, before any of those.
  double genuine_density = 0;  // Kernel density estimates (per unit distance).
  double impostor_density = 0;
};

class FaceCalibration {
 public:
  // Estimates the calibration from genuine (same-person) and impostor (different-person)
  // distances. Non-finite distances (a face was not found) are left out and counted.
  // InvalidArgument when the options are inconsistent, a sample is too small or has no spread,
  // genuine distances are not the smaller (median), or the data lie outside the grid.
  static absl::StatusOr<FaceCalibration> Fit(const std::vector<double>& genuine,
                                             const std::vector<double>& impostor,
                                             const CalibrationOptions& options);

  // Parses what ToJson wrote. InvalidArgument names the field at fault; a table that is not
  // monotone or exceeds its bounds is rejected, so a hand-edited file cannot break the rules.
  static absl::StatusOr<FaceCalibration> FromJson(const std::string& json);
  // FromJson on a file's contents; NotFound when it cannot be read. Errors name the path.
  static absl::StatusOr<FaceCalibration> LoadFile(const std::string& path);

  std::string ToJson() const;

  // log10 LR for a descriptor distance, within [lower_log10_lr(), upper_log10_lr()]. Distances
  // outside the grid take the end values (+inf: the largest distance's value); NaN gives 0.
  double Log10Lr(double distance) const;

  // The "face" factor for a candidate whose closest template lies at `distance`. `subject` names
  // what was compared, for the reason ("nearest template"). A non-finite distance gives an
  // uninformative factor (light unknown). Face evidence never excludes: facial similarity is an
  // investigative lead, never an identification.
  Factor FaceFactor(double distance, std::string_view subject = "nearest template") const;

  // The face factor when `distance` is the smallest of `comparisons` comparisons (each template
  // of the remains against each of the candidate's). The table is fitted on single comparisons;
  // the smallest of m impostor distances runs lower than one, with density
  // m f_i(d) (1 - F_i(d))^(m-1). So the log10 LR gains
  // MinimumCorrection(d, m) = -log10 m - (m-1) log10(1 - F_i(d)), applied only where it lowers
  // the LR: a candidate never gains from having more photos.
  // Without `explain` the reason is left empty (the value is the same).
  Factor FaceFactor(double distance, int comparisons, std::string_view subject,
                    bool explain = true) const;
  double MinimumCorrection(double distance, int comparisons) const;
  // 1 - F_i(d): the share of single impostor comparisons farther than `distance`, from the
  // table's impostor density.
  double ImpostorTail(double distance) const;

  const std::string& model_id() const { return model_id_; }
  // Set for a calibration of fused distances (CalibrationOptions::second_model_id).
  const std::string& second_model_id() const { return second_model_id_; }
  double second_model_weight() const { return second_model_weight_; }
  double upper_log10_lr() const { return upper_; }
  double lower_log10_lr() const { return lower_; }
  double max_abs_log10_lr() const { return max_abs_; }
  double match_log10_lr() const { return match_log10_lr_; }
  double no_match_log10_lr() const { return no_match_log10_lr_; }
  std::size_t genuine_count() const { return genuine_count_; }
  std::size_t impostor_count() const { return impostor_count_; }
  const std::vector<CalibrationPoint>& table() const { return table_; }

 private:
  FaceCalibration() = default;
  // Derives what the table implies (the impostor distribution function); ends both factories.
  void Finish();

  std::string model_id_;
  std::string second_model_id_;
  double second_model_weight_ = 0;
  std::string pairs_file_;
  std::string description_;
  std::map<std::string, std::string> pipeline_;
  std::string date_;
  std::size_t genuine_count_ = 0;
  std::size_t impostor_count_ = 0;
  std::size_t excluded_count_ = 0;
  double genuine_bandwidth_ = 0;
  double impostor_bandwidth_ = 0;
  double supported_min_ = 0;
  double supported_max_ = 0;
  bool bound_by_sample_size_ = true;
  double max_abs_ = 4;
  double upper_ = 4;
  double lower_ = -4;
  double match_log10_lr_ = 1;
  double no_match_log10_lr_ = -1;
  std::vector<CalibrationPoint> table_;
  std::vector<double> impostor_cdf_;  // F_i at each table row
};

}  // namespace encuentro::matching
