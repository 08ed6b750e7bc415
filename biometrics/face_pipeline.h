// Finds faces in a photo and turns each into a 128-d descriptor with landmarks and a quality
// report: dlib's HOG detector, 68-point shape predictor and face-recognition ResNet.
#ifndef ENCUENTRO_BIOMETRICS_FACE_PIPELINE_H_
#define ENCUENTRO_BIOMETRICS_FACE_PIPELINE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "biometrics/face_quality.h"
#include "biometrics/mobile_face_network.h"
#include "biometrics/model_files.h"
#include "biometrics/rgb_image.h"
#include "common/face_descriptor.h"
#include "common/step_durations.h"

namespace encuentro::biometrics {

// Euclidean distance under which dlib's model calls two faces the same person (99.38% on LFW).
inline constexpr float kSamePersonDistance = 0.6f;

// Pixel rectangle; may extend past the image border for faces cut by it.
struct FaceBox {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
};

// Intersection over union, in [0, 1].
double BoxOverlap(const FaceBox& a, const FaceBox& b);

struct LandmarkPoint {
  int x = 0;
  int y = 0;
};

// The iBUG 300-W 68-point layout: 0-16 jaw, 17-26 brows, 27-35 nose, 36-47 eyes, 48-67 mouth.
using FaceLandmarks = std::array<LandmarkPoint, 68>;

struct DetectedFace {
  FaceBox box;
  double score = 0;  // HOG SVM margin; larger is more face-like.
};

struct FaceAnalysis {
  FaceBox box;
  FaceLandmarks landmarks;
  QualityReport quality;
  FaceDescriptor descriptor;
};

// A box found in a working image (image_decoder.h's WorkingImage, `scale` full-resolution pixels
// per working pixel) on the full-resolution photo, and back.
FaceBox ToFullResolution(const FaceBox& box, double scale);
FaceBox ToWorkingResolution(const FaceBox& box, double scale);

// Index of the face whose box overlaps `box` most, if any overlaps it at all; for callers that
// know where the face of interest is (e.g. a box drawn by an examiner).
std::optional<std::size_t> BestOverlappingFace(const std::vector<FaceAnalysis>& faces,
                                               const FaceBox& box);

// Makes OpenBLAS (Debian's default BLAS, through which the descriptor network multiplies) run each
// call on its calling thread, for the whole process. Left alone, it spreads every call over all
// cores: one descriptor burns about 1.8 cores for no gain, and concurrent callers fight over them.
// The pipeline's concurrency is its callers, each with a network of its own. Programs that run the
// pipeline call this once at start-up, before their threads do.
void RunBlasOnCallingThreads();

struct FacePipelineOptions {
  // Folder holding the two model files (see model_files.h).
  std::string models_dir;
  // The detector scans the photo at the scale that brings the smallest face worth finding to its
  // 80x80 px window: the larger of smallest_face_pixels and smallest_face_share of the photo's
  // shorter side. Small photos are enlarged (faces of 40 px need 2x), large ones reduced (in a
  // 12 MP photo a face under 4% of its height, 120 px, is a bystander), so that the pixels
  // scanned, and HOG's cost with them, stay near 5 MP whatever the photo's size. Landmarks and
  // descriptors always use the photo itself.
  int smallest_face_pixels = 40;
  double smallest_face_share = 0.04;
  // The most the photo is enlarged for detection: 2^upsample times. The detector's window is
  // 80x80 px, so without enlarging it misses faces under ~80 px (e.g. most of LFW's 250x250
  // crops). 0..3.
  int upsample = 1;
  // Enlarging stops short of this many pixels scanned (a 12 MP photo doubled would take seconds
  // and ~600 MB).
  std::int64_t max_upsampled_pixels = 16'000'000;
  // And no photo is scanned at more than this many pixels.
  std::int64_t max_detection_pixels = 6'000'000;
  // Added to the detector's threshold; negative finds more (and more false) faces.
  double detection_threshold = 0.0;
  // 0: one descriptor from the aligned chip. N > 0: the mean over N randomly jittered copies of
  // the chip (dlib's num_jitters), ~N times slower, slightly more robust. Deterministic: the
  // jitter uses a fixed seed per face. 0..1000.
  int jitter = 0;
  QualityThresholds quality;
};

// The factor a photo of `width` x `height` is scaled by before the detector scans it (see
// FacePipelineOptions): above 1 enlarges, below 1 reduces.
double DetectionScale(int width, int height, const FacePipelineOptions& options);

// Thread-safe: all methods are const and may be called from many threads at once. Each call
// borrows a private detector and network from an internal pool (growing it when all are busy),
// so concurrent calls never wait on each other during detection or inference. Results are
// bit-for-bit reproducible.
class FacePipeline {
 public:
  // Verifies and loads the models (~1 s). See LocateFaceModels for the errors.
  static absl::StatusOr<std::unique_ptr<FacePipeline>> Create(const FacePipelineOptions& options);

  ~FacePipeline();
  FacePipeline(const FacePipeline&) = delete;
  FacePipeline& operator=(const FacePipeline&) = delete;

  // Every face the detector finds, in detector order (highest score first), each fully analysed.
  // No face is an empty vector, not an error. `cancelled`, when given, is asked after detection
  // and before each face; once it says yes the call ends with CANCELLED. `durations`, when
  // given, receives "face_detect" once per photo, and "face_align" (landmarks, chip, quality)
  // and "face_descriptor" once per face.
  absl::StatusOr<std::vector<FaceAnalysis>> Analyze(
      const RgbImage& image, const std::function<bool()>& cancelled = {},
      common::StepDurations* durations = nullptr) const;

  // Analyses the face inside `box` without running the detector (quality.detector_score is then
  // absent). For callers that located the face by other means.
  absl::StatusOr<FaceAnalysis> AnalyzeRegion(const RgbImage& image, const FaceBox& box) const;

  // The individual stages, for tools and benchmarks. Each call copies `image` into dlib's
  // format; Analyze does that once per photo.
  absl::StatusOr<std::vector<DetectedFace>> Detect(const RgbImage& image) const;
  absl::StatusOr<FaceLandmarks> FindLandmarks(const RgbImage& image, const FaceBox& box) const;
  // The aligned 150x150 chip the network sees.
  absl::StatusOr<RgbImage> ExtractChip(const RgbImage& image, const FaceLandmarks& landmarks) const;
  // `chip` must be 150x150 (from ExtractChip).
  absl::StatusOr<FaceDescriptor> Describe(const RgbImage& chip) const;
  // The second model's 112x112 chip (ArcFace's five-point alignment) and its unit-length
  // embedding; see mobile_face_network.h.
  absl::StatusOr<RgbImage> ExtractMobileFaceChip(const RgbImage& image,
                                                 const FaceLandmarks& landmarks) const;
  absl::StatusOr<MobileFaceEmbedding> DescribeMobileFace(const RgbImage& chip) const;
  // Both at once for the face at `landmarks` (from Analyze on the same `image`): the second
  // model's embedding, whose model id is models().mobile_face_model_id.
  absl::StatusOr<SecondFaceEmbedding> DescribeSecondModel(const RgbImage& image,
                                                          const FaceLandmarks& landmarks) const;

  const FaceModelFiles& models() const;
  const FacePipelineOptions& options() const;

 private:
  class Impl;
  explicit FacePipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace encuentro::biometrics

#endif  // ENCUENTRO_BIOMETRICS_FACE_PIPELINE_H_
