#include "matching/pair_evidence.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace encuentro::matching {

void CombineEvidence(std::optional<Factor> face, std::optional<double> face_distance,
                     const records::MissingPerson& person, const RemainsEvidence& remains,
                     bool explain, PairEvidence* out) {
  out->factors.clear();
  out->log10_lr = 0;
  out->log10_prior_weight = 0;
  out->excluded = false;
  out->face_distance.reset();
  out->remains_photo_id = 0;
  out->person_photo_id = 0;
  out->unbounded_attribute_log10_lr = 0;
  if (face) {
    out->factors.push_back(std::move(*face));
    out->face_distance = face_distance;
  }
  remains.Compare(person, explain, &out->factors);
  for (const Factor& f : out->factors) {
    (f.prior ? out->log10_prior_weight : out->log10_lr) += f.log10_lr;
    out->excluded = out->excluded || f.excludes;
    if (!f.prior && f.name != "face") out->unbounded_attribute_log10_lr += f.OrderingLog10Lr();
  }
}

double PosteriorProbability(double log10_lr, double prior_probability) {
  const double prior = std::clamp(prior_probability, 1e-12, 1 - 1e-12);
  const double log10_odds = log10_lr + std::log10(prior / (1 - prior));
  if (log10_odds > 12) return 1;
  const double odds = std::pow(10.0, log10_odds);
  return odds / (1 + odds);
}

RankKey RankKeyOf(const PairEvidence& evidence, int64_t id) {
  return {id, evidence.excluded, evidence.log10_lr + evidence.log10_prior_weight,
          evidence.face_distance.value_or(std::numeric_limits<double>::infinity()),
          evidence.unbounded_attribute_log10_lr};
}

bool RanksBefore(const RankKey& a, const RankKey& b) {
  if (a.excluded != b.excluded) return !a.excluded;
  if (a.log10_score != b.log10_score) return a.log10_score > b.log10_score;
  if (a.face_distance != b.face_distance) return a.face_distance < b.face_distance;
  if (a.unbounded_attribute_log10_lr != b.unbounded_attribute_log10_lr) {
    return a.unbounded_attribute_log10_lr > b.unbounded_attribute_log10_lr;
  }
  return a.id < b.id;
}

}  // namespace encuentro::matching
