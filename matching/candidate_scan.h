// The scan at the heart of a search: one set of remains scored against every person in the
// candidate pool, with the same pair scoring the reverse direction and the explanations use. Kept
// apart from the database so that it can be measured on its own (benchmarks/matching).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "index/face_gallery.h"
#include "matching/candidate_pool.h"
#include "matching/evidence.h"
#include "matching/pair_evidence.h"
#include "records/model.h"

namespace encuentro::matching {

// Turns the smallest distance of `comparisons` face comparisons into the "face" factor (see
// FaceCalibration::FaceFactor); its reason is written only when `explain` is set.
using FaceFactorFn = std::function<Factor(double distance, int comparisons, bool explain)>;

// The face evidence of both face models together: the weighted sum of their distances
// (FusedDistance, the second model's weighted by `second_weight`), turned into the "face" factor
// by a calibration fitted on exactly that distance.
struct FusedFace {
  FaceFactorFn factor;
  float second_weight = 0;
};

// Scores one (remains, missing person) pair from both sides' templates: the face comparison
// chosen among every usable pairing, photographs and age progressions weighed apart, plus every
// attribute factor. With `fused`, a pairing whose usable comparisons all have both models'
// descriptors is scored by the fused distance and its calibration; any other (a template not yet
// back-filled) by the first model's distance and calibration alone, so that one minimum never
// mixes the two scales. Immutable; safe to share between threads.
class PairScorer {
 public:
  // `age_preference_window` and `synthetic_weight` as in MatchOptions.
  PairScorer(FaceFactorFn face_factor, double age_preference_window, double synthetic_weight,
             std::optional<FusedFace> fused = std::nullopt);

  // The factors, score and exclusion of the pair, into `out` (its capacity reused).
  void Score(const records::MissingPerson& person, const RemainsEvidence& remains,
             std::span<const index::TemplateView> remains_templates,
             std::span<const index::TemplateView> person_templates, bool explain,
             PairEvidence* out) const;

 private:
  FaceFactorFn face_factor_;
  std::optional<FusedFace> fused_;
  double age_preference_window_;
  double synthetic_weight_;
};

// Every person in `pool` scored against the remains, unexplained, from the pool's copies of
// their templates: the rank keys of those no hard rule excludes (of all, with
// `include_excluded`), in no particular order. A pool of 4,096 people or more is split over
// `threads` threads (1 to 16).
std::vector<RankKey> ScanCandidates(const CandidatePool& pool, const PairScorer& scorer,
                                    const RemainsEvidence& remains,
                                    std::span<const index::TemplateView> probes,
                                    bool include_excluded, int threads);

}  // namespace encuentro::matching
