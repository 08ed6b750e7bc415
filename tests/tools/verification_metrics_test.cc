#include "tools/face_eval/verification_metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace encuentro::face_eval {
namespace {

// Same-person pairs at 0.1-0.4 and different-person pairs at 0.6-0.9, but for one of each on the
// wrong side: in sample, a threshold between 0.4 and 0.6 classifies 8 of 10.
std::vector<ScoredPair> Pairs() {
  return {{true, 0.1},  {false, 0.6}, {true, 0.2},  {false, 0.7}, {true, 0.3},
          {false, 0.8}, {true, 0.4},  {false, 0.9}, {true, 0.75}, {false, 0.35}};
}

TEST(VerificationMetricsTest, InSampleThresholdSeparatesWhatItCan) {
  const BestThreshold best = FindBestThreshold(Pairs());
  EXPECT_DOUBLE_EQ(best.accuracy, 0.8);
  EXPECT_DOUBLE_EQ(AccuracyAt(Pairs(), best.threshold), 0.8);
}

TEST(VerificationMetricsTest, CrossValidationChoosesEachFoldsThresholdOnTheOthers) {
  // Leave one out: each pair is classified at a threshold fitted on the nine others. The two
  // misplaced pairs stay wrong, and so does the same-person pair at 0.4: without it, a threshold
  // below 0.35 makes a single error on the others, so it is chosen, and 0.4 falls outside.
  const CrossValidatedAccuracy loo = CrossValidateAccuracy(Pairs(), 10);
  EXPECT_EQ(loo.folds, 10);
  EXPECT_DOUBLE_EQ(loo.accuracy, 0.7);
  EXPECT_LE(loo.lowest_threshold, loo.highest_threshold);
  // Two folds of five: fold 0 holds the pairs at even positions. Its threshold comes from fold 1
  // alone, whose one misplaced pair (0.35, different) pulls the best split down; out of sample
  // is never better than in sample here.
  const CrossValidatedAccuracy halves = CrossValidateAccuracy(Pairs(), 2);
  EXPECT_EQ(halves.folds, 2);
  EXPECT_LE(halves.accuracy, 0.8);
  // More folds than pairs: one pair per fold.
  EXPECT_EQ(CrossValidateAccuracy(Pairs(), 50).folds, 10);
}

TEST(VerificationMetricsTest, FusedDistanceIsTheWeightedSum) {
  // The first model cannot tell these pairs apart (all at 0.5); the second separates them
  // perfectly. Any weight above zero then ranks every same-person pair first.
  std::vector<TwoModelPair> pairs;
  for (int i = 0; i < 20; ++i) pairs.push_back({i % 2 == 0, 0.5, i % 2 == 0 ? 0.4 : 1.3});
  const std::vector<ScoredPair> fused = FuseDistances(pairs, 0.5);
  EXPECT_FLOAT_EQ(fused[0].distance, 0.5 + 0.5 * 0.4);
  EXPECT_DOUBLE_EQ(RocAuc(fused), 1.0);
  EXPECT_DOUBLE_EQ(RocAuc(FuseDistances(pairs, 0.0)), 0.5);
}

TEST(VerificationMetricsTest, FusionWeightMatchesTheModelsSpreadsBetweenDifferentPeople) {
  // Different people: the first model's distances spread twice as wide as the second's, so the
  // second is weighted 2. Same-person pairs, wherever they fall, and pairs a model could not
  // measure change nothing.
  std::vector<TwoModelPair> pairs;
  for (int i = 0; i < 40; ++i) {
    const double x = (i % 5) * 0.1;
    pairs.push_back({false, 0.8 + 2 * x, 1.2 + x});
  }
  EXPECT_NEAR(ScaleMatchedFusionWeight(pairs), 2.0, 1e-12);
  pairs.push_back({true, 0.1, 3.0});
  pairs.push_back({true, 0.2, 0.1});
  pairs.push_back({false, std::numeric_limits<double>::infinity(), 1.0});
  pairs.push_back({false, 1.0, std::numeric_limits<double>::infinity()});
  pairs.push_back({false, std::nan(""), 1.0});
  EXPECT_NEAR(ScaleMatchedFusionWeight(pairs), 2.0, 1e-12);

  // Nothing to measure a spread on: no second different-person pair, or a model that does not
  // vary.
  EXPECT_EQ(ScaleMatchedFusionWeight({{false, 0.5, 1.0}, {true, 0.3, 0.6}}), 0);
  EXPECT_EQ(ScaleMatchedFusionWeight({{false, 0.5, 1.0}, {false, 0.7, 1.0}}), 0);
  EXPECT_EQ(ScaleMatchedFusionWeight({{false, 0.5, 1.0}, {false, 0.5, 1.2}}), 0);

  // Weight 0 is the first model alone, even where the second measured nothing.
  const std::vector<ScoredPair> first_alone =
      FuseDistances({{true, 0.3, std::numeric_limits<double>::infinity()}}, 0);
  EXPECT_DOUBLE_EQ(first_alone[0].distance, 0.3);
}

TEST(VerificationMetricsTest, CrossValidatedFusionChoosesTheWeightOnTheTrainingFolds) {
  // Same-person pairs at (0.5, 0.4); different-person pairs at (0.7, 1.4) or (0.5, 1.6), where
  // the two models spread alike, but for pair 5 at (0.7, 2.6). Pair i is held out in fold i % 5:
  // fold 0, which holds pair 5 out, weighs the second model 1, and the other folds, which train
  // on it, less (what their training pairs alone give).
  std::vector<TwoModelPair> pairs;
  for (int i = 0; i < 40; ++i) {
    if (i % 2 == 0) {
      pairs.push_back({true, 0.5, 0.4});
    } else {
      pairs.push_back(i % 4 == 1 ? TwoModelPair{false, 0.7, 1.4} : TwoModelPair{false, 0.5, 1.6});
    }
  }
  pairs[5].second = 2.6;
  std::vector<double> fold_weights;
  for (int fold = 1; fold < 5; ++fold) {
    std::vector<TwoModelPair> training;
    for (size_t i = 0; i < pairs.size(); ++i) {
      if (static_cast<int>(i % 5) != fold) training.push_back(pairs[i]);
    }
    fold_weights.push_back(ScaleMatchedFusionWeight(training));
  }
  ASSERT_LT(*std::max_element(fold_weights.begin(), fold_weights.end()), 0.9);

  const CrossValidatedFusion cv = CrossValidateFusion(pairs, 5);
  EXPECT_EQ(cv.folds, 5);
  EXPECT_DOUBLE_EQ(cv.accuracy, 1.0);
  EXPECT_NEAR(cv.highest_weight, 1.0, 1e-9);
  EXPECT_DOUBLE_EQ(cv.lowest_weight, *std::min_element(fold_weights.begin(), fold_weights.end()));
}

}  // namespace
}  // namespace encuentro::face_eval
