#include "biometrics/face_pipeline.h"

#include <dlfcn.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <mutex>
#include <numbers>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "biometrics/descriptor_network.h"
#include "biometrics/face_network.h"

namespace encuentro::biometrics {
namespace {

static_assert(face_network::kDescriptorSize == kDescriptorSize);
static_assert(sizeof(dlib::rgb_pixel) == 3, "RgbImage and dlib::rgb_pixel share a layout");

using DlibImage = dlib::matrix<dlib::rgb_pixel>;

DlibImage ToDlib(const RgbImage& image) {
  DlibImage out;
  if (image.empty()) return out;
  out.set_size(image.height, image.width);
  std::memcpy(&out(0, 0), image.pixels.data(), image.ByteSize());
  return out;
}

RgbImage FromDlib(const DlibImage& image) {
  RgbImage out;
  out.width = static_cast<int>(image.nc());
  out.height = static_cast<int>(image.nr());
  out.pixels.resize(out.ByteSize());
  if (!out.pixels.empty()) std::memcpy(out.pixels.data(), &image(0, 0), out.ByteSize());
  return out;
}

absl::Status CheckImage(const RgbImage& image) {
  if (image.width < 0 || image.height < 0 || image.pixels.size() != image.ByteSize()) {
    return absl::InvalidArgumentError(absl::StrCat("RgbImage of ", image.width, "x", image.height,
                                                   " holds ", image.pixels.size(), " bytes"));
  }
  return absl::OkStatus();
}

dlib::rectangle ToRectangle(const FaceBox& box) {
  return dlib::rectangle(box.x, box.y, box.x + box.width - 1, box.y + box.height - 1);
}

FaceBox ToBox(const dlib::rectangle& r) {
  return {static_cast<int>(r.left()), static_cast<int>(r.top()), static_cast<int>(r.width()),
          static_cast<int>(r.height())};
}

FaceLandmarks ToLandmarks(const dlib::full_object_detection& shape) {
  FaceLandmarks landmarks;
  for (size_t i = 0; i < landmarks.size(); ++i) {
    landmarks[i] = {static_cast<int>(shape.part(i).x()), static_cast<int>(shape.part(i).y())};
  }
  return landmarks;
}

dlib::full_object_detection ToShape(const FaceLandmarks& landmarks) {
  std::vector<dlib::point> parts;
  parts.reserve(landmarks.size());
  dlib::rectangle bounds;
  for (const LandmarkPoint& p : landmarks) {
    parts.emplace_back(p.x, p.y);
    bounds += parts.back();
  }
  return dlib::full_object_detection(bounds, parts);
}

absl::Status ToStatus(const std::exception& e, const char* stage) {
  return absl::InternalError(absl::StrCat("face pipeline failed in ", stage, ": ", e.what()));
}

struct Point2 {
  double x;
  double y;
};

Point2 MeanOf(const FaceLandmarks& l, size_t first, size_t last) {
  Point2 sum{0, 0};
  for (size_t i = first; i <= last; ++i) {
    sum.x += l[i].x;
    sum.y += l[i].y;
  }
  const double n = static_cast<double>(last - first + 1);
  return {sum.x / n, sum.y / n};
}

// Geometry and photometry a quality report needs, from the landmarks and the aligned chip.
QualityInputs MeasureQuality(const FaceBox& box, const FaceLandmarks& landmarks,
                             const DlibImage& chip) {
  QualityInputs in;
  in.face_width_px = box.width;
  // Image-left eye (the subject's right): points 36-41; image-right eye: 42-47.
  const Point2 left_eye = MeanOf(landmarks, 36, 41);
  const Point2 right_eye = MeanOf(landmarks, 42, 47);
  const double dx = right_eye.x - left_eye.x;
  const double dy = right_eye.y - left_eye.y;
  in.interocular_px = std::hypot(dx, dy);
  in.roll_degrees = std::atan2(dy, dx) * 180.0 / std::numbers::pi;
  // Yaw from asymmetry: where the nose tip (30) falls between the jaw ends (0, 16), measured
  // along the eye axis so roll does not leak into it. 0.5 is frontal.
  if (in.interocular_px > 0) {
    const double ux = dx / in.interocular_px;
    const double uy = dy / in.interocular_px;
    const auto along = [&](const LandmarkPoint& p) { return p.x * ux + p.y * uy; };
    const double jaw_left = along(landmarks[0]);
    const double jaw_right = along(landmarks[16]);
    if (jaw_right - jaw_left > 1e-6) {
      const double r = (along(landmarks[30]) - jaw_left) / (jaw_right - jaw_left);
      in.yaw_degrees = std::asin(std::clamp(2 * r - 1, -1.0, 1.0)) * 180.0 / std::numbers::pi;
    }
  }

  // cv::Mat over the chip's pixels; OpenCV only reads them.
  const cv::Mat rgb(static_cast<int>(chip.nr()), static_cast<int>(chip.nc()), CV_8UC3,
                    const_cast<dlib::rgb_pixel*>(&chip(0, 0)));
  cv::Mat grey;
  cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
  cv::Scalar mean;
  cv::Scalar stddev;
  cv::meanStdDev(grey, mean, stddev);
  in.brightness = mean[0];
  in.contrast = stddev[0];
  cv::Mat laplacian;
  cv::Laplacian(grey, laplacian, CV_64F);
  cv::meanStdDev(laplacian, mean, stddev);
  in.sharpness = stddev[0] * stddev[0];
  return in;
}

// What one thread needs to run the pipeline: dlib's detector scans with scratch state and the
// network keeps its activations, so neither may be shared by concurrent calls.
struct Worker {
  dlib::frontal_face_detector detector;
  DescriptorNetwork network;
  MobileFaceNetwork mobile_network;
};

// Hands each caller a Worker of its own, copying the prototype when all are busy; the lock is
// held only to pop, push or copy, never while a worker runs.
class WorkerPool {
 public:
  explicit WorkerPool(std::unique_ptr<Worker> prototype) : prototype_(std::move(prototype)) {}

  class Lease {
   public:
    Lease(const WorkerPool* pool, std::unique_ptr<Worker> worker)
        : pool_(pool), worker_(std::move(worker)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (worker_) pool_->Return(std::move(worker_));
    }
    Worker& operator*() const { return *worker_; }
    Worker* operator->() const { return worker_.get(); }

   private:
    const WorkerPool* pool_;
    std::unique_ptr<Worker> worker_;
  };

  Lease Acquire() const {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Worker> worker = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(worker));
    }
    // Copying under the lock keeps the prototype single-reader; it happens once per extra
    // concurrent caller, not per call.
    return Lease(this, std::make_unique<Worker>(*prototype_));
  }

 private:
  void Return(std::unique_ptr<Worker> worker) const {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(worker));
  }

  const std::unique_ptr<Worker> prototype_;  // Never runs; only copied.
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<Worker>> idle_;  // Guarded by mu_.
};

}  // namespace

double BoxOverlap(const FaceBox& a, const FaceBox& b) {
  const double ix = std::max(0, std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x));
  const double iy = std::max(0, std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y));
  const double intersection = ix * iy;
  const double united = static_cast<double>(a.width) * a.height +
                        static_cast<double>(b.width) * b.height - intersection;
  return united > 0 ? intersection / united : 0.0;
}

std::optional<size_t> BestOverlappingFace(const std::vector<FaceAnalysis>& faces,
                                          const FaceBox& box) {
  std::optional<size_t> best;
  double best_overlap = 0;
  for (size_t i = 0; i < faces.size(); ++i) {
    const double overlap = BoxOverlap(faces[i].box, box);
    if (overlap > best_overlap) {
      best_overlap = overlap;
      best = i;
    }
  }
  return best;
}

FaceBox ToFullResolution(const FaceBox& box, double scale) {
  return {static_cast<int>(std::lround(box.x * scale)),
          static_cast<int>(std::lround(box.y * scale)),
          static_cast<int>(std::lround(box.width * scale)),
          static_cast<int>(std::lround(box.height * scale))};
}

FaceBox ToWorkingResolution(const FaceBox& box, double scale) {
  return ToFullResolution(box, 1.0 / scale);
}

class FacePipeline::Impl {
 public:
  Impl(FacePipelineOptions options, FaceModelFiles models, dlib::shape_predictor predictor,
       std::unique_ptr<Worker> prototype)
      : options_(std::move(options)),
        models_(std::move(models)),
        predictor_(std::move(predictor)),
        workers_(std::move(prototype)) {}

  std::vector<DetectedFace> Detect(Worker& worker, const DlibImage& image) const {
    std::vector<std::pair<double, dlib::rectangle>> detections;
    const double scale =
        DetectionScale(static_cast<int>(image.nc()), static_cast<int>(image.nr()), options_);
    const int doublings = static_cast<int>(std::lround(std::log2(scale)));
    if (std::abs(scale - 1) < 0.01) {
      worker.detector(image, detections, options_.detection_threshold);
    } else if (doublings >= 1 && std::abs(scale - std::exp2(doublings)) < 0.01) {
      // Whole doublings through dlib's pyramid, as its own examples detect small faces.
      DlibImage larger = image;
      for (int i = 0; i < doublings; ++i) dlib::pyramid_up(larger);
      worker.detector(larger, detections, options_.detection_threshold);
      const dlib::pyramid_down<2> pyramid;
      for (auto& detection : detections) {
        detection.second = pyramid.rect_down(detection.second, static_cast<unsigned>(doublings));
      }
    } else {
      DlibImage scaled(std::max(1L, std::lround(image.nr() * scale)),
                       std::max(1L, std::lround(image.nc() * scale)));
      dlib::resize_image(image, scaled, dlib::interpolate_bilinear());
      worker.detector(scaled, detections, options_.detection_threshold);
      const double back = static_cast<double>(image.nc()) / static_cast<double>(scaled.nc());
      for (auto& detection : detections) {
        const dlib::rectangle& r = detection.second;
        detection.second = dlib::rectangle(
            std::lround(r.left() * back), std::lround(r.top() * back),
            std::lround((r.right() + 1) * back) - 1, std::lround((r.bottom() + 1) * back) - 1);
      }
    }
    std::vector<DetectedFace> faces;
    faces.reserve(detections.size());
    for (const auto& [score, rect] : detections) faces.push_back({ToBox(rect), score});
    return faces;
  }

  FaceLandmarks FindLandmarks(const DlibImage& image, const FaceBox& box) const {
    return ToLandmarks(predictor_(image, ToRectangle(box)));
  }

  static DlibImage ExtractChip(const DlibImage& image, const FaceLandmarks& landmarks) {
    DlibImage chip;
    dlib::extract_image_chip(
        image,
        dlib::get_face_chip_details(ToShape(landmarks), face_network::kChipSize,
                                    face_network::kChipPadding),
        chip);
    return chip;
  }

  absl::StatusOr<FaceDescriptor> Describe(Worker& worker, const DlibImage& chip) const {
    if (options_.jitter <= 0) return worker.network.Describe(chip);
    dlib::rand rnd;  // Default seed: the same jitter for every call, on every thread.
    FaceDescriptor mean{};
    for (int i = 0; i < options_.jitter; ++i) {
      absl::StatusOr<FaceDescriptor> jittered =
          worker.network.Describe(dlib::jitter_image(chip, rnd));
      if (!jittered.ok()) return jittered.status();
      for (int k = 0; k < kDescriptorSize; ++k) mean[k] += (*jittered)[k];
    }
    for (float& v : mean) v /= static_cast<float>(options_.jitter);
    return mean;
  }

  absl::StatusOr<FaceAnalysis> AnalyzeFace(Worker& worker, const DlibImage& image,
                                           const FaceBox& box, std::optional<double> score,
                                           common::StepDurations* durations = nullptr) const {
    FaceAnalysis face;
    face.box = box;
    std::optional<DlibImage> chip;
    {
      common::StepTimer timer(durations, "face_align");
      face.landmarks = FindLandmarks(image, box);
      chip = ExtractChip(image, face.landmarks);
      QualityInputs inputs = MeasureQuality(box, face.landmarks, *chip);
      inputs.detector_score = score;
      face.quality = JudgeQuality(inputs, options_.quality);
    }
    common::StepTimer timer(durations, "face_descriptor");
    absl::StatusOr<FaceDescriptor> descriptor = Describe(worker, *chip);
    if (!descriptor.ok()) return descriptor.status();
    face.descriptor = *descriptor;
    return face;
  }

  const FacePipelineOptions& options() const { return options_; }
  const FaceModelFiles& models() const { return models_; }
  WorkerPool::Lease AcquireWorker() const { return workers_.Acquire(); }

 private:
  const FacePipelineOptions options_;
  const FaceModelFiles models_;
  const dlib::shape_predictor predictor_;  // Its operator() is const and keeps no state.
  const WorkerPool workers_;
};

double DetectionScale(int width, int height, const FacePipelineOptions& options) {
  constexpr double kDetectorWindow = 80;  // dlib's frontal HOG detector
  const double pixels = static_cast<double>(width) * height;
  const double smallest_face =
      std::max(static_cast<double>(options.smallest_face_pixels),
               options.smallest_face_share * static_cast<double>(std::min(width, height)));
  double scale = std::min(kDetectorWindow / smallest_face, std::exp2(options.upsample));
  if (scale > 1) {
    scale = std::max(1.0, std::min(scale, std::sqrt(options.max_upsampled_pixels / pixels)));
  }
  return std::min(scale, std::sqrt(static_cast<double>(options.max_detection_pixels) / pixels));
}

void RunBlasOnCallingThreads() {
  // Looked up at run time: another BLAS may be installed, which has no such setting.
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set(1);
  }
}

absl::StatusOr<std::unique_ptr<FacePipeline>> FacePipeline::Create(
    const FacePipelineOptions& options) {
  if (options.max_detection_pixels < 10'000) {
    return absl::InvalidArgumentError("max_detection_pixels must be at least 10000");
  }
  if (options.smallest_face_pixels < 20 || options.smallest_face_share < 0 ||
      options.smallest_face_share > 0.5) {
    return absl::InvalidArgumentError(
        "smallest_face_pixels must be at least 20 and smallest_face_share within 0..0.5");
  }
  if (options.upsample < 0 || options.upsample > 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("upsample must be 0..3, not ", options.upsample));
  }
  if (options.jitter < 0 || options.jitter > 1000) {
    return absl::InvalidArgumentError(absl::StrCat("jitter must be 0..1000, not ", options.jitter));
  }
  absl::StatusOr<FaceModelFiles> models = LocateFaceModels(options.models_dir);
  if (!models.ok()) return models.status();
  try {
    dlib::shape_predictor predictor;
    dlib::deserialize(models->landmarks.path) >> predictor;
    if (predictor.num_parts() != 68) {
      return absl::DataLossError(absl::StrCat(models->landmarks.path, " has ",
                                              predictor.num_parts(), " landmarks, not 68"));
    }
    // dlib's own reader of its file format; DescriptorNetwork then takes the weights over.
    face_network::Network network;
    dlib::deserialize(models->descriptor_network.path) >> network;
    absl::StatusOr<DescriptorNetwork> runner = DescriptorNetwork::FromDlib(network);
    if (!runner.ok()) {
      return absl::DataLossError(
          absl::StrCat(models->descriptor_network.path, ": ", runner.status().message()));
    }
    absl::StatusOr<MobileFaceNetwork> mobile_network =
        MobileFaceNetwork::Load(models->mobile_face_graph.path, models->mobile_face_weights.path);
    if (!mobile_network.ok()) return mobile_network.status();
    auto prototype = std::make_unique<Worker>(
        Worker{dlib::get_frontal_face_detector(), *std::move(runner), *std::move(mobile_network)});
    auto impl = std::make_unique<Impl>(options, *std::move(models), std::move(predictor),
                                       std::move(prototype));
    return std::unique_ptr<FacePipeline>(new FacePipeline(std::move(impl)));
  } catch (const std::exception& e) {
    return absl::DataLossError(
        absl::StrCat("cannot load the face models from ", options.models_dir, ": ", e.what()));
  }
}

FacePipeline::FacePipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FacePipeline::~FacePipeline() = default;

const FaceModelFiles& FacePipeline::models() const { return impl_->models(); }
const FacePipelineOptions& FacePipeline::options() const { return impl_->options(); }

absl::StatusOr<std::vector<FaceAnalysis>> FacePipeline::Analyze(
    const RgbImage& image, const std::function<bool()>& cancelled,
    common::StepDurations* durations) const {
  if (absl::Status status = CheckImage(image); !status.ok()) return status;
  try {
    const DlibImage dlib_image = ToDlib(image);
    WorkerPool::Lease worker = impl_->AcquireWorker();
    std::vector<DetectedFace> detected_faces;
    {
      common::StepTimer timer(durations, "face_detect");
      detected_faces = impl_->Detect(*worker, dlib_image);
    }
    std::vector<FaceAnalysis> faces;
    for (const DetectedFace& detected : detected_faces) {
      if (cancelled && cancelled()) return absl::CancelledError("face analysis cancelled");
      absl::StatusOr<FaceAnalysis> face =
          impl_->AnalyzeFace(*worker, dlib_image, detected.box, detected.score, durations);
      if (!face.ok()) return face.status();
      faces.push_back(*std::move(face));
    }
    return faces;
  } catch (const std::exception& e) {
    return ToStatus(e, "Analyze");
  }
}

absl::StatusOr<FaceAnalysis> FacePipeline::AnalyzeRegion(const RgbImage& image,
                                                         const FaceBox& box) const {
  if (absl::Status status = CheckImage(image); !status.ok()) return status;
  if (box.width <= 0 || box.height <= 0) return absl::InvalidArgumentError("empty face box");
  try {
    const DlibImage dlib_image = ToDlib(image);
    WorkerPool::Lease worker = impl_->AcquireWorker();
    return impl_->AnalyzeFace(*worker, dlib_image, box, std::nullopt);
  } catch (const std::exception& e) {
    return ToStatus(e, "AnalyzeRegion");
  }
}

absl::StatusOr<std::vector<DetectedFace>> FacePipeline::Detect(const RgbImage& image) const {
  if (absl::Status status = CheckImage(image); !status.ok()) return status;
  try {
    WorkerPool::Lease worker = impl_->AcquireWorker();
    return impl_->Detect(*worker, ToDlib(image));
  } catch (const std::exception& e) {
    return ToStatus(e, "Detect");
  }
}

absl::StatusOr<FaceLandmarks> FacePipeline::FindLandmarks(const RgbImage& image,
                                                          const FaceBox& box) const {
  if (absl::Status status = CheckImage(image); !status.ok()) return status;
  if (box.width <= 0 || box.height <= 0) return absl::InvalidArgumentError("empty face box");
  try {
    return impl_->FindLandmarks(ToDlib(image), box);
  } catch (const std::exception& e) {
    return ToStatus(e, "FindLandmarks");
  }
}

absl::StatusOr<RgbImage> FacePipeline::ExtractChip(const RgbImage& image,
                                                   const FaceLandmarks& landmarks) const {
  if (absl::Status status = CheckImage(image); !status.ok()) return status;
  try {
    return FromDlib(Impl::ExtractChip(ToDlib(image), landmarks));
  } catch (const std::exception& e) {
    return ToStatus(e, "ExtractChip");
  }
}

absl::StatusOr<FaceDescriptor> FacePipeline::Describe(const RgbImage& chip) const {
  if (absl::Status status = CheckImage(chip); !status.ok()) return status;
  try {
    WorkerPool::Lease worker = impl_->AcquireWorker();
    return impl_->Describe(*worker, ToDlib(chip));
  } catch (const std::exception& e) {
    return ToStatus(e, "Describe");
  }
}

absl::StatusOr<RgbImage> FacePipeline::ExtractMobileFaceChip(const RgbImage& image,
                                                             const FaceLandmarks& landmarks) const {
  if (absl::Status status = CheckImage(image); !status.ok()) return status;
  try {
    // Only the face's surroundings are copied into dlib's layout, not the whole photo: the chip
    // reaches about half the face's width beyond its landmarks.
    int left = image.width, top = image.height, right = 0, bottom = 0;
    for (const LandmarkPoint& p : landmarks) {
      left = std::min(left, p.x);
      top = std::min(top, p.y);
      right = std::max(right, p.x);
      bottom = std::max(bottom, p.y);
    }
    const int margin = std::max(right - left, bottom - top) + 8;
    left = std::clamp(left - margin, 0, image.width);
    top = std::clamp(top - margin, 0, image.height);
    right = std::clamp(right + margin, left, image.width);
    bottom = std::clamp(bottom + margin, top, image.height);
    DlibImage region(bottom - top, right - left);
    for (int y = top; y < bottom && right > left; ++y) {
      std::memcpy(&region(y - top, 0),
                  &image.pixels[(static_cast<size_t>(y) * image.width + left) * 3],
                  static_cast<size_t>(right - left) * 3);
    }
    FaceLandmarks shifted = landmarks;
    for (LandmarkPoint& p : shifted) p = {p.x - left, p.y - top};
    return FromDlib(AlignForMobileFaceNet(region, ToShape(shifted)));
  } catch (const std::exception& e) {
    return ToStatus(e, "ExtractMobileFaceChip");
  }
}

absl::StatusOr<SecondFaceEmbedding> FacePipeline::DescribeSecondModel(
    const RgbImage& image, const FaceLandmarks& landmarks) const {
  absl::StatusOr<RgbImage> chip = ExtractMobileFaceChip(image, landmarks);
  if (!chip.ok()) return chip.status();
  return DescribeMobileFace(*chip);
}

absl::StatusOr<MobileFaceEmbedding> FacePipeline::DescribeMobileFace(const RgbImage& chip) const {
  if (absl::Status status = CheckImage(chip); !status.ok()) return status;
  try {
    WorkerPool::Lease worker = impl_->AcquireWorker();
    return worker->mobile_network.Describe(ToDlib(chip));
  } catch (const std::exception& e) {
    return ToStatus(e, "DescribeMobileFace");
  }
}

}  // namespace encuentro::biometrics
