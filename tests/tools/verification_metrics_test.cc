#include "tools/face_eval/verification_metrics.h"

#include <gtest/gtest.h>

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

TEST(VerificationMetricsTest, FusionWeighsTheSecondModelByWhatItAdds) {
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
  EXPECT_NEAR(ScaleMatchedFusionWeight(pairs), 2.0, 1e-12);

  // Nothing to measure a spread on.
  EXPECT_EQ(ScaleMatchedFusionWeight({{false, 0.5, 1.0}, {true, 0.3, 0.6}}), 0);
  EXPECT_EQ(ScaleMatchedFusionWeight({{false, 0.5, 1.0}, {false, 0.7, 1.0}}), 0);
}

TEST(VerificationMetricsTest, CrossValidatedFusionChoosesTheWeightOnTheTrainingFolds) {
  // Same-person pairs at (0.5, 0.4); different-person pairs at (0.7, 1.4) or (0.5, 1.6), so the
  // two models' spreads between different people are equal in any fold's training pairs: every
  // fold weighs the second model 1 and classifies its held-out pairs right.
  std::vector<TwoModelPair> pairs;
  for (int i = 0; i < 40; ++i) {
    if (i % 2 == 0) {
      pairs.push_back({true, 0.5, 0.4});
    } else {
      pairs.push_back(i % 4 == 1 ? TwoModelPair{false, 0.7, 1.4} : TwoModelPair{false, 0.5, 1.6});
    }
  }
  const CrossValidatedFusion cv = CrossValidateFusion(pairs, 5);
  EXPECT_EQ(cv.folds, 5);
  EXPECT_DOUBLE_EQ(cv.accuracy, 1.0);
  EXPECT_NEAR(cv.lowest_weight, 1.0, 1e-9);
  EXPECT_NEAR(cv.highest_weight, 1.0, 1e-9);
  EXPECT_NEAR(cv.median_weight, 1.0, 1e-9);
}

}  // namespace
}  // namespace encuentro::face_eval
