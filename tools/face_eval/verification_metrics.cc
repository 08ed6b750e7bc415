#include "tools/face_eval/verification_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

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

CrossValidatedAccuracy CrossValidateAccuracy(const std::vector<ScoredPair>& pairs, int folds) {
  CrossValidatedAccuracy result;
  result.folds = std::clamp(folds, 2, static_cast<int>(std::max<size_t>(pairs.size(), 2)));
  size_t correct = 0;
  bool first = true;
  for (int fold = 0; fold < result.folds; ++fold) {
    std::vector<ScoredPair> training;
    std::vector<ScoredPair> held_out;
    for (size_t i = 0; i < pairs.size(); ++i) {
      (static_cast<int>(i % static_cast<size_t>(result.folds)) == fold ? held_out : training)
          .push_back(pairs[i]);
    }
    const double threshold = FindBestThreshold(training).threshold;
    for (const ScoredPair& p : held_out) {
      if ((p.distance < threshold) == p.same) ++correct;
    }
    result.lowest_threshold = first ? threshold : std::min(result.lowest_threshold, threshold);
    result.highest_threshold = first ? threshold : std::max(result.highest_threshold, threshold);
    first = false;
  }
  if (!pairs.empty()) {
    result.accuracy = static_cast<double>(correct) / static_cast<double>(pairs.size());
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
