#include "biometrics/face_quality.h"

#include <algorithm>
#include <cmath>

namespace encuentro::biometrics {
namespace {

Verdict HigherIsBetter(double value, const Threshold& t) {
  if (value >= t.pass) return Verdict::kPass;
  if (value >= t.warn) return Verdict::kWarn;
  return Verdict::kFail;
}

Verdict LowerIsBetter(double value, const Threshold& t) {
  if (value <= t.pass) return Verdict::kPass;
  if (value <= t.warn) return Verdict::kWarn;
  return Verdict::kFail;
}

Verdict WithinRange(double value, const Range& pass, const Range& warn) {
  if (value >= pass.low && value <= pass.high) return Verdict::kPass;
  if (value >= warn.low && value <= warn.high) return Verdict::kWarn;
  return Verdict::kFail;
}

QualityMeasure Measure(double value, Verdict verdict) { return {value, verdict}; }

}  // namespace

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kWarn:
      return "warn";
    case Verdict::kFail:
      return "fail";
  }
  return "unknown";
}

Verdict QualityReport::Overall() const {
  Verdict worst = detector_verdict;
  for (const QualityMeasure* m : {&face_width_px, &interocular_px, &sharpness, &brightness,
                                  &contrast, &yaw_degrees, &roll_degrees}) {
    worst = std::max(worst, m->verdict);
  }
  return worst;
}

QualityReport JudgeQuality(const QualityInputs& in, const QualityThresholds& t) {
  QualityReport report;
  report.face_width_px =
      Measure(in.face_width_px, HigherIsBetter(in.face_width_px, t.face_width_px));
  report.interocular_px =
      Measure(in.interocular_px, HigherIsBetter(in.interocular_px, t.interocular_px));
  report.sharpness = Measure(in.sharpness, HigherIsBetter(in.sharpness, t.sharpness));
  report.contrast = Measure(in.contrast, HigherIsBetter(in.contrast, t.contrast));
  report.brightness =
      Measure(in.brightness, WithinRange(in.brightness, t.brightness_pass, t.brightness_warn));
  report.yaw_degrees =
      Measure(in.yaw_degrees, LowerIsBetter(std::abs(in.yaw_degrees), t.abs_yaw_degrees));
  report.roll_degrees =
      Measure(in.roll_degrees, LowerIsBetter(std::abs(in.roll_degrees), t.abs_roll_degrees));
  report.detector_score = in.detector_score;
  report.detector_verdict = in.detector_score.has_value()
                                ? HigherIsBetter(*in.detector_score, t.detector_score)
                                : Verdict::kWarn;
  return report;
}

}  // namespace encuentro::biometrics
