// Calibration regression: the combined likelihood ratio on a fixed simulated registry must stay
// well calibrated and discriminating. A change to a factor's model that breaks calibration fails
// here before it reaches a family.
#include <gtest/gtest.h>

#include "matching/face_calibration.h"
#include "tools/evidence_eval/simulation.h"

namespace encuentro::evaluation {
namespace {

TEST(EvidenceSimulation, CombinedLikelihoodRatioStaysCalibrated) {
  auto calibration = matching::FaceCalibration::LoadFile(ENCUENTRO_TEST_FACE_CALIBRATION);
  ASSERT_TRUE(calibration.ok()) << calibration.status();
  SimulationOptions options;
  options.registry_size = 300;
  options.remains_with_face = 60;
  options.remains_not_in_registry = 40;
  options.remains_faceless = 40;
  options.seed = 7;
  const SimulationResult r = Simulate(options, *calibration);
  ASSERT_EQ(r.genuine_log10_lr.size(), 100u);
  const double cllr = Cllr(r.genuine_log10_lr, r.impostor_log10_lr);
  const double cllr_min = CllrMin(r.genuine_log10_lr, r.impostor_log10_lr);
  // Measured 0.133 / 0.117 at 1,080 people (tools/evidence_eval); bounds leave room for noise.
  EXPECT_LT(cllr, 0.3);
  EXPECT_LE(cllr_min, cllr + 1e-9);
  EXPECT_LT(cllr - cllr_min, 0.1) << "calibration loss";
  // No true person is excluded by the evidence the simulator's errors produce.
  for (const RemainsOutcome& o : r.remains) {
    if (o.kind != RemainsKind::kNotInRegistry) {
      EXPECT_GT(o.true_rank, 0);
    }
  }
}

// Faceless remains on which the examiner found a tattoo: the marks evidence must lift the true
// person, keep the combined LR calibrated, and never exclude the true person on marks.
TEST(EvidenceSimulation, MarksLiftFacelessRemainsWithATattoo) {
  auto calibration = matching::FaceCalibration::LoadFile(ENCUENTRO_TEST_FACE_CALIBRATION);
  ASSERT_TRUE(calibration.ok()) << calibration.status();
  SimulationOptions options;
  options.registry_size = 300;
  options.remains_with_face = 0;
  options.remains_not_in_registry = 40;
  options.remains_faceless = 400;
  options.seed = 11;
  options.use_am_pm_data = true;
  const SimulationResult with = Simulate(options, *calibration);
  options.use_am_pm_data = false;
  const SimulationResult without = Simulate(options, *calibration);
  ASSERT_EQ(with.remains.size(), without.remains.size());
  int tattooed = 0, first_with = 0, first_without = 0;
  for (size_t i = 0; i < with.remains.size(); ++i) {
    if (with.remains[i].kind != RemainsKind::kFaceless) continue;
    EXPECT_GT(with.remains[i].true_rank, 0) << "the true person excluded";
    if (with.remains[i].tattoos_recorded == 0) continue;
    ++tattooed;
    first_with += with.remains[i].true_rank == 1;
    first_without += without.remains[i].true_rank == 1;
  }
  ASSERT_GE(tattooed, 20);
  // Measured at 1,080 people (tools/evidence_eval --compare-marks): rank-1 46% -> 66%.
  EXPECT_GE(first_with, first_without + tattooed / 10);
  const double cllr = Cllr(with.genuine_log10_lr, with.impostor_log10_lr);
  EXPECT_LT(cllr - CllrMin(with.genuine_log10_lr, with.impostor_log10_lr), 0.1)
      << "calibration loss";
}

TEST(EvidenceSimulation, CllrOfKnownValues) {
  // LR 1 everywhere is uninformative: Cllr 1.
  EXPECT_NEAR(Cllr({0, 0}, {0, 0, 0}), 1.0, 1e-12);
  // LR 10 for same, 1/10 for different: log2(1.1) = 0.1375.
  EXPECT_NEAR(Cllr({1}, {-1}), std::log2(1.1), 1e-12);
  // Perfectly separated scores recalibrate to near 0.
  EXPECT_LT(CllrMin({5, 6}, {-1, 0}), 1e-6);
}

}  // namespace
}  // namespace encuentro::evaluation
