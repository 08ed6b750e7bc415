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
