// Summary statistics of a face verification experiment: labelled pairs and their descriptor
// distances in, accuracy, ROC AUC and TAR at fixed FAR out.
#ifndef ENCUENTRO_TOOLS_FACE_EVAL_VERIFICATION_METRICS_H_
#define ENCUENTRO_TOOLS_FACE_EVAL_VERIFICATION_METRICS_H_

#include <vector>

namespace encuentro::face_eval {

struct ScoredPair {
  bool same = false;
  double distance = 0;  // Smaller means more alike; a pair is accepted when distance < threshold.
};

// Fraction of pairs classified correctly at `threshold`.
double AccuracyAt(const std::vector<ScoredPair>& pairs, double threshold);

struct BestThreshold {
  double threshold = 0;
  double accuracy = 0;
};

// The threshold (midpoint between consecutive distinct distances) maximizing accuracy on these
// very pairs: an optimistic, in-sample figure.
BestThreshold FindBestThreshold(const std::vector<ScoredPair>& pairs);

// Accuracy with the threshold chosen out of sample: the pairs are dealt into `folds` folds (pair
// i into fold i % folds), and each fold is classified at the threshold FindBestThreshold picks on
// the other folds. Pairs of one fold may share people with the others (a pairs file does not say
// who is who across pairs); with a single parameter fitted, that leaks little.
struct CrossValidatedAccuracy {
  double accuracy = 0;  // pooled over the folds
  double lowest_threshold = 0;
  double highest_threshold = 0;
  int folds = 0;
};
CrossValidatedAccuracy CrossValidateAccuracy(const std::vector<ScoredPair>& pairs, int folds);

// One pair's distances under two face models.
struct TwoModelPair {
  bool same = false;
  double first = 0;
  double second = 0;
};

// Each pair's fused distance (common/face_descriptor.h's FusedDistance): first + weight * second;
// with weight 0, first alone.
std::vector<ScoredPair> FuseDistances(const std::vector<TwoModelPair>& pairs, double weight);

// The second model's weight in the sum rule: the one that gives both models' distances between
// different people the same spread (the ratio of their standard deviations), as Z-norm scales
// each matcher by its impostor scores. It reads no same-person pair, so it cannot be fitted to
// how those fall; the weight that maximises ROC AUC is not used because AUC is flat over a wide
// range of weights (on LFW fold 1, within 2e-5 from 0.8 to 1.45) and its argmax is noise. 0 (the
// first model alone, for FuseDistances) when fewer than two different-person pairs have finite
// distances under both models, or either model's do not vary.
double ScaleMatchedFusionWeight(const std::vector<TwoModelPair>& pairs);

// CrossValidateAccuracy for the fused distance, with the weight (ScaleMatchedFusionWeight) and
// then the threshold chosen on the training folds, so that neither is fitted on the pairs it
// scores.
struct CrossValidatedFusion : CrossValidatedAccuracy {
  double lowest_weight = 0;
  double highest_weight = 0;
  double median_weight = 0;  // of the folds' choices
};
CrossValidatedFusion CrossValidateFusion(const std::vector<TwoModelPair>& pairs, int folds);

// Area under the ROC curve: the probability that a random same-person pair is closer than a
// random different-person pair (ties count half).
double RocAuc(const std::vector<ScoredPair>& pairs);

struct OperatingPoint {
  double threshold = 0;
  double tar = 0;  // True accept rate at that threshold.
  double far = 0;  // False accept rate actually reached (at most the target).
};

// The largest threshold whose false accept rate does not exceed `target_far`, and its TAR. With
// N different-person pairs, FAR resolves only in steps of 1/N.
OperatingPoint TarAtFar(const std::vector<ScoredPair>& pairs, double target_far);

}  // namespace encuentro::face_eval

#endif  // ENCUENTRO_TOOLS_FACE_EVAL_VERIFICATION_METRICS_H_
