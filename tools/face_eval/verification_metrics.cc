#include "tools/face_eval/verification_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "common/face_descriptor.h"

namespace encuentro::face_eval {
namespace {

std::vector<double> Distances(const std::vector<ScoredPair>& pairs, bool same) {
  std::vector<double> out;
  for (const ScoredPair& p : pairs) {
    if (p.same == same) out.push_back(p.distance);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

double AccuracyAt(const std::vector<ScoredPair>& pairs, double threshold) {
  if (pairs.empty()) return 0;
  size_t correct = 0;
  for (const ScoredPair& p : pairs) {
    if ((p.distance < threshold) == p.same) ++correct;
  }
  return static_cast<double>(correct) / static_cast<double>(pairs.size());
}

BestThreshold FindBestThreshold(const std::vector<ScoredPair>& pairs) {
  std::vector<double> distances;
  for (const ScoredPair& p : pairs) distances.push_back(p.distance);
  std::sort(distances.begin(), distances.end());
  distances.erase(std::unique(distances.begin(), distances.end()), distances.end());
  BestThreshold best;
  if (distances.empty()) return best;
  std::vector<double> candidates = {distances.front() - 1e-6, distances.back() + 1e-6};
  for (size_t i = 0; i + 1 < distances.size(); ++i) {
    candidates.push_back((distances[i] + distances[i + 1]) / 2);
  }
  for (double t : candidates) {
    const double accuracy = AccuracyAt(pairs, t);
    // Among equally accurate thresholds prefer the one closest to dlib's 0.6.
    if (accuracy > best.accuracy ||
        (accuracy == best.accuracy && std::abs(t - 0.6) < std::abs(best.threshold - 0.6))) {
      best = {t, accuracy};
    }
  }
  return best;
}

namespace {

// Deals `pairs` into `folds` folds (pair i into fold i % folds) and calls
// score(training, held_out) once per fold; it returns how many held-out pairs it got right. The
// pooled accuracy goes into `result`, with its fold count.
template <typename Pair, typename ScoreFold>
void CrossValidate(const std::vector<Pair>& pairs, int folds, ScoreFold score_fold,
                   CrossValidatedAccuracy& result) {
  result.folds = std::clamp(folds, 2, static_cast<int>(std::max<size_t>(pairs.size(), 2)));
  size_t correct = 0;
  for (int fold = 0; fold < result.folds; ++fold) {
    std::vector<Pair> training;
    std::vector<Pair> held_out;
    for (size_t i = 0; i < pairs.size(); ++i) {
      (static_cast<int>(i % static_cast<size_t>(result.folds)) == fold ? held_out : training)
          .push_back(pairs[i]);
    }
    correct += score_fold(training, held_out);
  }
  if (!pairs.empty()) {
    result.accuracy = static_cast<double>(correct) / static_cast<double>(pairs.size());
  }
}

void Widen(double value, bool first, double& lowest, double& highest) {
  lowest = first ? value : std::min(lowest, value);
  highest = first ? value : std::max(highest, value);
}

size_t CountCorrect(const std::vector<ScoredPair>& pairs, double threshold) {
  size_t correct = 0;
  for (const ScoredPair& p : pairs) correct += (p.distance < threshold) == p.same ? 1 : 0;
  return correct;
}

}  // namespace

CrossValidatedAccuracy CrossValidateAccuracy(const std::vector<ScoredPair>& pairs, int folds) {
  CrossValidatedAccuracy result;
  bool first = true;
  CrossValidate(
      pairs, folds,
      [&](const std::vector<ScoredPair>& training, const std::vector<ScoredPair>& held_out) {
        const double threshold = FindBestThreshold(training).threshold;
        Widen(threshold, first, result.lowest_threshold, result.highest_threshold);
        first = false;
        return CountCorrect(held_out, threshold);
      },
      result);
  return result;
}

std::vector<ScoredPair> FuseDistances(const std::vector<TwoModelPair>& pairs, double weight) {
  std::vector<ScoredPair> fused;
  fused.reserve(pairs.size());
  for (const TwoModelPair& p : pairs) {
    // Weight 0 is the first model alone, also where the second measured nothing (0 * inf).
    fused.push_back({p.same, weight == 0 ? p.first
                                         : FusedDistance(static_cast<float>(p.first),
                                                         static_cast<float>(p.second),
                                                         static_cast<float>(weight))});
  }
  return fused;
}

double ScaleMatchedFusionWeight(const std::vector<TwoModelPair>& pairs) {
  // Welford's running variance, one per model, over the different-person pairs.
  struct Spread {
    double mean = 0, m2 = 0;
    void Add(double x, double n) {
      const double delta = x - mean;
      mean += delta / n;
      m2 += delta * (x - mean);
    }
  } first, second;
  double n = 0;
  for (const TwoModelPair& p : pairs) {
    if (p.same || !std::isfinite(p.first) || !std::isfinite(p.second)) continue;
    ++n;
    first.Add(p.first, n);
    second.Add(p.second, n);
  }
  if (n < 2 || !(second.m2 > 0)) return 0;
  return std::sqrt(first.m2 / second.m2);
}

CrossValidatedFusion CrossValidateFusion(const std::vector<TwoModelPair>& pairs, int folds) {
  CrossValidatedFusion result;
  std::vector<double> chosen;
  bool first = true;
  CrossValidate(
      pairs, folds,
      [&](const std::vector<TwoModelPair>& training, const std::vector<TwoModelPair>& held_out) {
        const double weight = ScaleMatchedFusionWeight(training);
        const BestThreshold best = FindBestThreshold(FuseDistances(training, weight));
        Widen(best.threshold, first, result.lowest_threshold, result.highest_threshold);
        Widen(weight, first, result.lowest_weight, result.highest_weight);
        chosen.push_back(weight);
        first = false;
        return CountCorrect(FuseDistances(held_out, weight), best.threshold);
      },
      result);
  if (!chosen.empty()) {
    std::sort(chosen.begin(), chosen.end());
    result.median_weight = chosen[chosen.size() / 2];
  }
  return result;
}

double RocAuc(const std::vector<ScoredPair>& pairs) {
  const std::vector<double> same = Distances(pairs, true);
  const std::vector<double> different = Distances(pairs, false);
  if (same.empty() || different.empty()) return 0;
  double wins = 0;
  for (double d : same) {
    // Different-person pairs farther than d count 1, equally far count 1/2.
    const auto lower = std::lower_bound(different.begin(), different.end(), d);
    const auto upper = std::upper_bound(different.begin(), different.end(), d);
    wins += static_cast<double>(different.end() - upper) + 0.5 * static_cast<double>(upper - lower);
  }
  return wins / (static_cast<double>(same.size()) * static_cast<double>(different.size()));
}

OperatingPoint TarAtFar(const std::vector<ScoredPair>& pairs, double target_far) {
  const std::vector<double> same = Distances(pairs, true);
  const std::vector<double> different = Distances(pairs, false);
  OperatingPoint point;
  if (same.empty() || different.empty()) return point;
  const size_t allowed =
      static_cast<size_t>(std::floor(target_far * static_cast<double>(different.size()) + 1e-9));
  // Accepting distance < different[allowed] admits exactly the `allowed` closest impostors
  // (fewer when distances tie).
  point.threshold = allowed < different.size() ? different[allowed] : different.back() + 1e-6;
  const auto accepted_different =
      std::lower_bound(different.begin(), different.end(), point.threshold) - different.begin();
  const auto accepted_same =
      std::lower_bound(same.begin(), same.end(), point.threshold) - same.begin();
  point.far = static_cast<double>(accepted_different) / static_cast<double>(different.size());
  point.tar = static_cast<double>(accepted_same) / static_cast<double>(same.size());
  return point;
}

}  // namespace encuentro::face_eval
