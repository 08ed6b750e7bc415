#include "matching/pair_evidence.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace encuentro::matching {

PairEvidence CombineEvidence(std::optional<Factor> face, std::optional<double> face_distance,
                             const records::MissingPerson& person,
                             const records::UnidentifiedRemains& remains,
                             const PopulationStatistics& population, records::Date today,
                             const EvidenceOptions& options, bool explain) {
  PairEvidence evidence;
  if (face) {
    evidence.factors.push_back(std::move(*face));
    evidence.face_distance = face_distance;
  }
  for (Factor& f : CompareAttributes(person, remains, population, today, options, explain)) {
    if (!f.prior) evidence.unbounded_attribute_log10_lr += f.OrderingLog10Lr();
    evidence.factors.push_back(std::move(f));
  }
  for (const Factor& f : evidence.factors) {
    (f.prior ? evidence.log10_prior_weight : evidence.log10_lr) += f.log10_lr;
    evidence.excluded = evidence.excluded || f.excludes;
  }
  return evidence;
}

double PosteriorProbability(double log10_lr, double prior_probability) {
  const double prior = std::clamp(prior_probability, 1e-12, 1 - 1e-12);
  const double log10_odds = log10_lr + std::log10(prior / (1 - prior));
  if (log10_odds > 12) return 1;
  const double odds = std::pow(10.0, log10_odds);
  return odds / (1 + odds);
}

bool RanksBefore(const PairEvidence& a, int64_t a_id, const PairEvidence& b, int64_t b_id) {
  if (a.excluded != b.excluded) return !a.excluded;
  const double a_score = a.log10_lr + a.log10_prior_weight;
  const double b_score = b.log10_lr + b.log10_prior_weight;
  if (a_score != b_score) return a_score > b_score;
  const double a_face = a.face_distance.value_or(std::numeric_limits<double>::infinity());
  const double b_face = b.face_distance.value_or(std::numeric_limits<double>::infinity());
  if (a_face != b_face) return a_face < b_face;
  if (a.unbounded_attribute_log10_lr != b.unbounded_attribute_log10_lr) {
    return a.unbounded_attribute_log10_lr > b.unbounded_attribute_log10_lr;
  }
  return a_id < b_id;
}

}  // namespace encuentro::matching
