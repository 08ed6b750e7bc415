// Per-face quality measurements with pass/warn/fail verdicts, so an examiner can tell a weak
// match caused by a poor photo from a genuine non-match. Verdicts inform; they never drop a face.
#ifndef ENCUENTRO_BIOMETRICS_FACE_QUALITY_H_
#define ENCUENTRO_BIOMETRICS_FACE_QUALITY_H_

#include <optional>

namespace encuentro::biometrics {

enum class Verdict { kPass, kWarn, kFail };

const char* VerdictName(Verdict verdict);

// A measurement is judged "pass" at or beyond `pass`, "warn" at or beyond `warn`, else "fail".
// For lower-is-better measurements (angles) "beyond" means below.
struct Threshold {
  double pass;
  double warn;
};

struct Range {
  double low;
  double high;
};

// Defaults: on LFW fold 1 (news photos, 250x250) about 90% of faces pass each measure, and "fail"
// marks where dlib's descriptor is known to degrade: faces under 40 px are upscaled into the
// 150 px chip, beyond ~45 degrees of yaw the far half of the face is hidden. Sharpness and yaw
// on LFW: median 42 and 14 degrees, 10th/90th percentile 21 and 37 degrees.
struct QualityThresholds {
  Threshold face_width_px = {80, 40};   // Detection box width.
  Threshold interocular_px = {30, 15};  // Distance between the eye centres.
  Threshold sharpness = {20, 8};        // Variance of the Laplacian of the grey chip.
  Threshold contrast = {25, 12};        // Standard deviation of the grey chip.
  Range brightness_pass = {60, 200};    // Mean grey level of the chip.
  Range brightness_warn = {35, 225};
  Threshold abs_yaw_degrees = {25, 45};   // Lower is better; estimated from landmarks.
  Threshold abs_roll_degrees = {20, 40};  // Lower is better; alignment corrects moderate roll.
  Threshold detector_score = {0.5, 0.0};  // HOG SVM margin; detections start at 0.
};

struct QualityMeasure {
  double value = 0;
  Verdict verdict = Verdict::kPass;
};

struct QualityReport {
  QualityMeasure face_width_px;
  QualityMeasure interocular_px;
  QualityMeasure sharpness;
  QualityMeasure brightness;
  QualityMeasure contrast;
  QualityMeasure yaw_degrees;   // Positive: the face turns towards the image's left.
  QualityMeasure roll_degrees;  // Positive: clockwise in the image.
  // Absent when the face was not found by the detector (an explicit region); judged "warn".
  std::optional<double> detector_score;
  Verdict detector_verdict = Verdict::kWarn;

  // The worst of all verdicts.
  Verdict Overall() const;
};

// The raw inputs of a quality report, measured by the pipeline.
struct QualityInputs {
  double face_width_px = 0;
  double interocular_px = 0;
  double sharpness = 0;
  double brightness = 0;
  double contrast = 0;
  double yaw_degrees = 0;
  double roll_degrees = 0;
  std::optional<double> detector_score;
};

// Pure function; thread-safe.
QualityReport JudgeQuality(const QualityInputs& inputs, const QualityThresholds& thresholds);

}  // namespace encuentro::biometrics

#endif  // ENCUENTRO_BIOMETRICS_FACE_QUALITY_H_
