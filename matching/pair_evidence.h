// The evidence on one (remains, missing person) pair as a whole: its factors combined into one
// likelihood ratio and a prior weight, the posterior under a prior, and the order candidates are
// ranked in. Shared by the matcher and the evaluation tool, so that what is measured is what runs.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "matching/evidence.h"
#include "matching/population.h"
#include "records/model.h"

namespace encuentro::matching {

// The evidence on one pair, the same whichever side is searched.
struct PairEvidence {
  std::vector<Factor> factors;  // "face" first, when there is face evidence
  // Sum of the factors' log10 likelihood ratios (prior factors, i.e. place, left out).
  double log10_lr = 0;
  // Sum of the prior factors' log10 weights.
  double log10_prior_weight = 0;
  bool excluded = false;
  // The face comparison the evidence rests on, if any.
  std::optional<double> face_distance;
  int64_t remains_photo_id = 0;
  int64_t person_photo_id = 0;
  // For ordering ties: the attribute factors' unbounded sum.
  double unbounded_attribute_log10_lr = 0;
};

// The face factor (if any) and every attribute factor of the pair, summed into `out` (whose
// factor vector's capacity is reused). `explain` as in CompareAttributes.
void CombineEvidence(std::optional<Factor> face, std::optional<double> face_distance,
                     const records::MissingPerson& person, const RemainsEvidence& remains,
                     bool explain, PairEvidence* out);

// P(same | evidence) from a log10 likelihood ratio and a prior probability (odds form).
double PosteriorProbability(double log10_lr, double prior_probability);

// What a pair is ranked by, small enough to keep for every candidate of a search.
struct RankKey {
  int64_t id = 0;  // the candidate's
  bool excluded = false;
  double log10_score = 0;    // log10 LR plus the prior weight
  double face_distance = 0;  // +inf without face evidence
  double unbounded_attribute_log10_lr = 0;
};
RankKey RankKeyOf(const PairEvidence& evidence, int64_t id);

// Best first: not excluded, then by posterior (log10 LR plus the prior weight), then by the
// evidence itself (face distance, then the unbounded attribute evidence), then by id.
bool RanksBefore(const RankKey& a, const RankKey& b);

}  // namespace encuentro::matching
