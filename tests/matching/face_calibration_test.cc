#include "matching/face_calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace encuentro::matching {
namespace {

constexpr char kModelId[] = "dlib-resnet-v1-128d/face-api-1.7.15+dlib-68-landmarks";

std::vector<double> Normal(double mean, double sd, int n, unsigned seed) {
  std::mt19937 random(seed);
  std::normal_distribution<double> normal(mean, sd);
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(std::max(0.0, normal(random)));
  return out;
}

CalibrationOptions Options() {
  CalibrationOptions options;
  options.model_id = kModelId;
  options.pairs_file = "synthetic/pairs.csv";
  options.date = "2026-01-01";
  options.pipeline = {{"upsample", "1"}};
  return options;
}

// Same-person distances around 0.35, different-person around 0.8, overlapping near 0.58.
FaceCalibration Synthetic(const CalibrationOptions& options = Options()) {
  absl::StatusOr<FaceCalibration> c =
      FaceCalibration::Fit(Normal(0.35, 0.1, 500, 1), Normal(0.8, 0.1, 500, 2), options);
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

TEST(FaceCalibration, CloseIsForDistantIsAgainst) {
  const FaceCalibration c = Synthetic();
  EXPECT_GT(c.Log10Lr(0.2), 1);
  EXPECT_GT(c.Log10Lr(0.4), 1);
  EXPECT_LT(c.Log10Lr(0.75), -1);
  EXPECT_LT(c.Log10Lr(1.0), -1);
  EXPECT_EQ(c.genuine_count(), 500u);
  EXPECT_EQ(c.impostor_count(), 500u);
}

TEST(FaceCalibration, MonotoneNonIncreasing) {
  const FaceCalibration c = Synthetic();
  double previous = c.Log10Lr(-1);
  for (double d = -0.5; d <= 2.0; d += 0.001) {
    const double lr = c.Log10Lr(d);
    EXPECT_LE(lr, previous) << "at distance " << d;
    previous = lr;
  }
}

TEST(FaceCalibration, BoundedBySampleSizeAndCap) {
  const FaceCalibration c = Synthetic();
  // 500 pairs on each side cannot show odds beyond 500 to 1.
  EXPECT_DOUBLE_EQ(c.upper_log10_lr(), std::stod("2.69897"));
  EXPECT_NEAR(c.upper_log10_lr(), std::log10(500.0), 1e-8);
  EXPECT_NEAR(c.lower_log10_lr(), -std::log10(500.0), 1e-8);
  for (double d = 0; d <= 1.5; d += 0.01) {
    EXPECT_LE(c.Log10Lr(d), c.upper_log10_lr());
    EXPECT_GE(c.Log10Lr(d), c.lower_log10_lr());
  }

  CalibrationOptions tight = Options();
  tight.max_abs_log10_lr = 1.5;
  const FaceCalibration capped = Synthetic(tight);
  EXPECT_DOUBLE_EQ(capped.Log10Lr(0.1), 1.5);
  EXPECT_DOUBLE_EQ(capped.Log10Lr(1.2), -1.5);
  EXPECT_NE(capped.FaceFactor(0.1).reason.find("capped at 1.5"), std::string::npos)
      << capped.FaceFactor(0.1).reason;

  CalibrationOptions unbounded = Options();
  unbounded.bound_by_sample_size = false;
  const FaceCalibration only_cap = Synthetic(unbounded);
  EXPECT_DOUBLE_EQ(only_cap.upper_log10_lr(), 4);
  EXPECT_DOUBLE_EQ(only_cap.lower_log10_lr(), -4);
  for (double d = 0; d <= 1.5; d += 0.01) EXPECT_LE(std::abs(only_cap.Log10Lr(d)), 4);
}

TEST(FaceCalibration, TailsHoldTheLastSupportedValue) {
  CalibrationOptions options = Options();
  options.bound_by_sample_size = false;
  options.max_abs_log10_lr = 100;
  const FaceCalibration c = Synthetic(options);
  // Far below the impostors the genuine sample thins out too and the density ratio falls back;
  // the table holds its peak instead.
  const CalibrationPoint& first = c.table().front();
  EXPECT_LT(first.raw_log10_lr, first.log10_lr - 0.5);
  EXPECT_GT(first.log10_lr, 2);
  EXPECT_DOUBLE_EQ(first.log10_lr, c.Log10Lr(0.3));
  EXPECT_DOUBLE_EQ(c.Log10Lr(0.0), c.Log10Lr(0.01));
  EXPECT_DOUBLE_EQ(c.Log10Lr(1.5), c.Log10Lr(1.45));
  // With the pseudo-observations, 500 pairs cannot reach the cap of 100 however far apart.
  EXPECT_LT(c.Log10Lr(0.0), 5);
  EXPECT_GT(c.Log10Lr(1.5), -5);
}

TEST(FaceCalibration, OutsideTheGridAndNonFinite) {
  const FaceCalibration c = Synthetic();
  EXPECT_DOUBLE_EQ(c.Log10Lr(-3), c.table().front().log10_lr);
  EXPECT_DOUBLE_EQ(c.Log10Lr(std::numeric_limits<double>::infinity()), c.table().back().log10_lr);
  EXPECT_EQ(c.Log10Lr(std::nan("")), 0);
}

TEST(FaceCalibration, FaceFactorLightsAndReason) {
  const FaceCalibration c = Synthetic();
  const Factor close = c.FaceFactor(0.3);
  EXPECT_EQ(close.name, "face");
  EXPECT_EQ(close.light, Light::kMatch);
  EXPECT_FALSE(close.excludes);
  EXPECT_NE(close.reason.find("nearest template at distance 0.30: log10 LR +"), std::string::npos)
      << close.reason;
  const Factor far = c.FaceFactor(0.9, "photo 12");
  EXPECT_EQ(far.light, Light::kNoMatch);
  EXPECT_FALSE(far.excludes);  // Never an exclusion, however distant.
  EXPECT_NE(far.reason.find("photo 12 at distance 0.90: log10 LR -"), std::string::npos);
  bool saw_possible = false;
  for (double d = 0.4; d < 0.8; d += 0.005) {
    const Factor f = c.FaceFactor(d);
    if (std::abs(f.log10_lr) < 0.9) {
      EXPECT_EQ(f.light, Light::kPossible) << d;
      saw_possible = true;
    }
  }
  EXPECT_TRUE(saw_possible);
  const Factor none = c.FaceFactor(std::numeric_limits<double>::infinity());
  EXPECT_EQ(none.light, Light::kUnknown);
  EXPECT_EQ(none.log10_lr, 0);
}

TEST(FaceCalibration, NonFiniteDistancesAreLeftOutAndCounted) {
  std::vector<double> genuine = Normal(0.35, 0.1, 100, 3);
  genuine.push_back(std::numeric_limits<double>::infinity());
  absl::StatusOr<FaceCalibration> c =
      FaceCalibration::Fit(genuine, Normal(0.8, 0.1, 100, 4), Options());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->genuine_count(), 100u);
  EXPECT_EQ(nlohmann::json::parse(c->ToJson())["source"]["excluded_pairs"], 1);
}

TEST(FaceCalibration, FitRejectsWhatCannotBeCalibrated) {
  const std::vector<double> ok = Normal(0.35, 0.1, 100, 5);
  const std::vector<double> impostor = Normal(0.8, 0.1, 100, 6);
  CalibrationOptions no_model = Options();
  no_model.model_id.clear();
  EXPECT_EQ(FaceCalibration::Fit(ok, impostor, no_model).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FaceCalibration::Fit({0.3, 0.4}, impostor, Options()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FaceCalibration::Fit(std::vector<double>(50, 0.4), impostor, Options()).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Perfectly separated samples still calibrate: the bounds, not the gap, set the values.
  absl::StatusOr<FaceCalibration> separated =
      FaceCalibration::Fit(Normal(0.2, 0.01, 100, 7), Normal(0.9, 0.01, 100, 8), Options());
  ASSERT_TRUE(separated.ok()) << separated.status();
  EXPECT_DOUBLE_EQ(separated->Log10Lr(0.2), separated->upper_log10_lr());
  EXPECT_DOUBLE_EQ(separated->Log10Lr(0.9), separated->lower_log10_lr());
  CalibrationOptions off_grid = Options();
  off_grid.grid_max = 0.1;
  EXPECT_EQ(FaceCalibration::Fit(Normal(2.2, 0.1, 100, 7), Normal(2.9, 0.1, 100, 8), off_grid)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FaceCalibration::Fit(impostor, ok, Options()).status().code(),
            absl::StatusCode::kInvalidArgument);  // Labels swapped.
  CalibrationOptions bad_grid = Options();
  bad_grid.grid_step = 0;
  EXPECT_FALSE(FaceCalibration::Fit(ok, impostor, bad_grid).ok());
}

TEST(FaceCalibration, JsonRoundTrip) {
  const FaceCalibration c = Synthetic();
  const std::string json = c.ToJson();
  absl::StatusOr<FaceCalibration> loaded = FaceCalibration::FromJson(json);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->ToJson(), json);
  EXPECT_EQ(loaded->model_id(), kModelId);
  EXPECT_EQ(loaded->table().size(), c.table().size());
  EXPECT_DOUBLE_EQ(loaded->upper_log10_lr(), c.upper_log10_lr());
  for (double d = 0; d <= 1.6; d += 0.0037) {
    EXPECT_DOUBLE_EQ(loaded->Log10Lr(d), c.Log10Lr(d)) << d;
  }
  const nlohmann::json parsed = nlohmann::json::parse(json);
  EXPECT_EQ(parsed["source"]["pairs_file"], "synthetic/pairs.csv");
  EXPECT_EQ(parsed["source"]["genuine_pairs"], 500);
  EXPECT_EQ(parsed["date"], "2026-01-01");
  EXPECT_EQ(parsed["estimator"]["method"], "gaussian-kde-silverman+pav");
  EXPECT_EQ(parsed["source"]["pipeline"]["upsample"], "1");
}

TEST(FaceCalibration, ACalibrationOfBothModelsRecordsThePairAndTheWeight) {
  CalibrationOptions options = Options();
  options.second_model_id = "second-model";
  options.second_model_weight = 0.8;
  const FaceCalibration c = Synthetic(options);
  EXPECT_EQ(c.second_model_id(), "second-model");
  EXPECT_DOUBLE_EQ(c.second_model_weight(), 0.8);
  const std::string json = c.ToJson();
  absl::StatusOr<FaceCalibration> loaded = FaceCalibration::FromJson(json);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->ToJson(), json);
  EXPECT_EQ(loaded->model_id(), kModelId);
  EXPECT_EQ(loaded->second_model_id(), "second-model");
  EXPECT_DOUBLE_EQ(loaded->second_model_weight(), 0.8);
  // The first model alone records neither.
  EXPECT_FALSE(nlohmann::json::parse(Synthetic().ToJson()).contains("second_model_id"));
  EXPECT_TRUE(Synthetic().second_model_id().empty());

  options.second_model_weight = 0;
  EXPECT_EQ(FaceCalibration::Fit(Normal(0.35, 0.1, 500, 1), Normal(0.8, 0.1, 500, 2), options)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  nlohmann::json edited = nlohmann::json::parse(json);
  edited["second_model_weight"] = -1;
  EXPECT_EQ(FaceCalibration::FromJson(edited.dump()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

std::string Message(const std::string& json) {
  const absl::Status status = FaceCalibration::FromJson(json).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << json.substr(0, 80);
  return std::string(status.message());
}

TEST(FaceCalibration, MalformedJsonIsNamed) {
  const nlohmann::json good = nlohmann::json::parse(Synthetic().ToJson());
  EXPECT_NE(Message("{not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(Message("[1, 2]").find("object"), std::string::npos);

  nlohmann::json j = good;
  j.erase("model_id");
  EXPECT_NE(Message(j.dump()).find("`model_id`"), std::string::npos);

  j = good;
  j["format"] = "something-else";
  EXPECT_NE(Message(j.dump()).find("`format`"), std::string::npos);

  j = good;
  j["estimator"]["genuine_bandwidth"] = "wide";
  EXPECT_NE(Message(j.dump()).find("`estimator.genuine_bandwidth`"), std::string::npos);

  j = good;
  j["table"][100][1] = 1.0;  // A rise in the middle of the against side.
  EXPECT_NE(Message(j.dump()).find("table[100]"), std::string::npos);

  j = good;
  j["table"][0][1] = 3.5;  // Beyond the recorded bound.
  EXPECT_NE(Message(j.dump()).find("table[0]"), std::string::npos);

  j = good;
  j["table"][3] = {0.01, 0, 0, 0};
  EXPECT_NE(Message(j.dump()).find("table[3]"), std::string::npos);

  j = good;
  j["upper_log10_lr"] = 5;
  EXPECT_NE(Message(j.dump()).find("upper_log10_lr"), std::string::npos);

  EXPECT_EQ(FaceCalibration::LoadFile("/nonexistent/calibration.json").status().code(),
            absl::StatusCode::kNotFound);
}

// The default calibration shipped with Encuentro (LFW View 2 fold 1, tools/face_calibrate).
TEST(FaceCalibration, ShippedLfwCalibration) {
  absl::StatusOr<FaceCalibration> c = FaceCalibration::LoadFile(ENCUENTRO_TEST_FACE_CALIBRATION);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->model_id(), kModelId);
  EXPECT_GE(c->genuine_count(), 290u);
  EXPECT_GE(c->impostor_count(), 290u);
  EXPECT_GT(c->Log10Lr(0.4), 0);
  EXPECT_LT(c->Log10Lr(0.75), 0);
  EXPECT_LE(c->upper_log10_lr(), 4);
  EXPECT_GE(c->lower_log10_lr(), -4);
  EXPECT_EQ(c->FaceFactor(0.3).light, Light::kMatch);
  EXPECT_EQ(c->FaceFactor(0.9).light, Light::kNoMatch);
}

}  // namespace
}  // namespace encuentro::matching

namespace encuentro::matching {
namespace {

TEST(FaceCalibration, TheClosestOfManyComparisonsCountsLess) {
  absl::StatusOr<FaceCalibration> c = FaceCalibration::LoadFile(ENCUENTRO_TEST_FACE_CALIBRATION);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->MinimumCorrection(0.4, 1), 0);
  // Near distances: almost every impostor lies farther, so the correction is about -log10(m).
  const double tail = c->ImpostorTail(0.4);
  EXPECT_GT(tail, 0.99);
  EXPECT_NEAR(c->MinimumCorrection(0.4, 6), -std::log10(6.0) - 5 * std::log10(tail), 1e-12);
  // It never raises the LR, and more comparisons never count for more.
  double previous = c->FaceFactor(0.45, 1, "t").log10_lr;
  for (int m : {2, 4, 8, 16}) {
    const double lr = c->FaceFactor(0.45, m, "t").log10_lr;
    EXPECT_LE(lr, previous) << m;
    previous = lr;
  }
  EXPECT_LE(c->MinimumCorrection(1.2, 16), 0);
  EXPECT_NE(c->FaceFactor(0.45, 4, "t").reason.find("closest of 4"), std::string::npos);
}

}  // namespace
}  // namespace encuentro::matching
