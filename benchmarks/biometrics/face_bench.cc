// Per-stage timings of the face pipeline on real photos: decode, detect (per megapixel),
// landmarks, chip, descriptor (per face), whole photo, and whole photos of 0.25 to 12 MP. Run after
// building encuentro_face_models.
//
// Counters: ms_per_face and ms_per_MP are inverted rates over wall time (UseRealTime: dlib's
// BLAS calls run on OpenBLAS threads too). Google Benchmark prints them with an "s" suffix; the
// numbers are milliseconds.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "biometrics/face_pipeline.h"
#include "biometrics/image_decoder.h"

namespace encuentro::biometrics {
namespace {

const std::string kDlibFaces = ENCUENTRO_BENCH_DLIB_FACES_DIR;
const std::string kChipsDir = ENCUENTRO_BENCH_CHIPS_DIR;

std::vector<std::uint8_t> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

RgbImage Decode(const std::string& path) {
  absl::StatusOr<RgbImage> image = DecodeImageFile(path);
  if (!image.ok()) std::abort();
  return *std::move(image);
}

// One pipeline per upsampling factor, made on first use. Multi-threaded benchmarks call this from
// each thread at once, so the making is under a lock (unguarded, two threads raced and crashed).
const FacePipeline& Pipeline(int upsample) {
  static std::mutex mu;
  static std::unique_ptr<FacePipeline> pipelines[4];
  std::lock_guard<std::mutex> lock(mu);
  if (!pipelines[upsample]) {
    FacePipelineOptions options;
    options.models_dir = ENCUENTRO_BENCH_MODELS_DIR;
    options.upsample = upsample;
    RunBlasOnCallingThreads();  // as encuentrod runs it
    absl::StatusOr<std::unique_ptr<FacePipeline>> created = FacePipeline::Create(options);
    if (!created.ok()) std::abort();
    pipelines[upsample] = *std::move(created);
  }
  return *pipelines[upsample];
}

benchmark::Counter PerUnitMs(double units) {
  // Inverted rate: seconds per unit; scaled to milliseconds.
  return benchmark::Counter(units / 1000.0,
                            benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

double MegaPixels(const RgbImage& image) {
  return static_cast<double>(image.width) * image.height / 1e6;
}

void BM_Decode(benchmark::State& state, const std::string& name) {
  const std::vector<std::uint8_t> bytes = ReadBytes(kDlibFaces + "/" + name);
  RgbImage image;
  for (auto _ : state) {
    absl::StatusOr<RgbImage> decoded = DecodeImage(bytes);
    benchmark::DoNotOptimize(decoded);
    image = *decoded;
  }
  state.counters["ms_per_MP"] =
      PerUnitMs(MegaPixels(image) * static_cast<double>(state.iterations()));
}
BENCHMARK_CAPTURE(BM_Decode, bald_guys_3MP_jpeg, std::string("bald_guys.jpg"))
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_Detect(benchmark::State& state, const std::string& name) {
  const int upsample = static_cast<int>(state.range(0));
  const FacePipeline& pipeline = Pipeline(upsample);
  const RgbImage image = Decode(kDlibFaces + "/" + name);
  size_t faces = 0;
  for (auto _ : state) {
    absl::StatusOr<std::vector<DetectedFace>> detected = pipeline.Detect(image);
    faces = detected->size();
  }
  // Per megapixel actually scanned (4x per doubling).
  const double scanned = MegaPixels(image) * (upsample == 0 ? 1 : 4 * upsample);
  state.counters["faces"] = static_cast<double>(faces);
  state.counters["ms_per_MP"] = PerUnitMs(scanned * static_cast<double>(state.iterations()));
}
BENCHMARK_CAPTURE(BM_Detect, bald_guys_3MP, std::string("bald_guys.jpg"))
    ->Arg(0)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Detect, photo_500x375, std::string("2008_002079.jpg"))
    ->Arg(0)
    ->Arg(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// One face of bald_guys.jpg with the surrounding region (three box widths square), so that the
// per-face stages are not dominated by copying the whole 3 MP photo into dlib's format.
struct FaceCrop {
  RgbImage image;
  FaceBox box;
  FaceLandmarks landmarks;
};

const std::vector<FaceCrop>& BaldGuysFaces() {
  static const std::vector<FaceCrop>* crops = [] {
    const RgbImage photo = Decode(kDlibFaces + "/bald_guys.jpg");
    auto* out = new std::vector<FaceCrop>;
    absl::StatusOr<std::vector<FaceAnalysis>> faces = Pipeline(1).Analyze(photo);
    if (!faces.ok()) std::abort();
    for (const FaceAnalysis& face : *faces) {
      const int x0 = std::max(0, face.box.x - face.box.width);
      const int y0 = std::max(0, face.box.y - face.box.height);
      const int x1 = std::min(photo.width, face.box.x + 2 * face.box.width);
      const int y1 = std::min(photo.height, face.box.y + 2 * face.box.height);
      FaceCrop crop;
      crop.image.width = x1 - x0;
      crop.image.height = y1 - y0;
      crop.image.pixels.resize(crop.image.ByteSize());
      for (int y = y0; y < y1; ++y) {
        std::copy_n(&photo.pixels[(static_cast<size_t>(y) * photo.width + x0) * 3],
                    static_cast<size_t>(crop.image.width) * 3,
                    &crop.image.pixels[static_cast<size_t>(y - y0) * crop.image.width * 3]);
      }
      crop.box = {face.box.x - x0, face.box.y - y0, face.box.width, face.box.height};
      crop.landmarks = face.landmarks;
      for (LandmarkPoint& p : crop.landmarks) {
        p.x -= x0;
        p.y -= y0;
      }
      out->push_back(std::move(crop));
    }
    return out;
  }();
  return *crops;
}

void BM_Landmarks(benchmark::State& state) {
  const std::vector<FaceCrop>& faces = BaldGuysFaces();
  for (auto _ : state) {
    for (const FaceCrop& face : faces) {
      benchmark::DoNotOptimize(Pipeline(1).FindLandmarks(face.image, face.box));
    }
  }
  state.counters["ms_per_face"] = PerUnitMs(static_cast<double>(faces.size() * state.iterations()));
}
BENCHMARK(BM_Landmarks)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_Chip(benchmark::State& state) {
  const std::vector<FaceCrop>& faces = BaldGuysFaces();
  for (auto _ : state) {
    for (const FaceCrop& face : faces) {
      benchmark::DoNotOptimize(Pipeline(1).ExtractChip(face.image, face.landmarks));
    }
  }
  state.counters["ms_per_face"] = PerUnitMs(static_cast<double>(faces.size() * state.iterations()));
}
BENCHMARK(BM_Chip)->UseRealTime()->Unit(benchmark::kMillisecond);

// The five chips of tests/biometrics/data, which tools/face_model/compare_face_api.sh also feeds
// to face-api.js for the side-by-side.
void BM_Descriptor(benchmark::State& state) {
  std::vector<RgbImage> chips;
  for (int i = 0; i < 5; ++i)
    chips.push_back(Decode(kChipsDir + "/chip_" + std::to_string(i) + ".png"));
  const FacePipeline& pipeline = Pipeline(1);
  for (auto _ : state) {
    for (const RgbImage& chip : chips) benchmark::DoNotOptimize(pipeline.Describe(chip));
  }
  state.counters["ms_per_face"] = PerUnitMs(static_cast<double>(chips.size() * state.iterations()));
}
BENCHMARK(BM_Descriptor)->UseRealTime()->Unit(benchmark::kMillisecond);
// Many callers at once: each thread borrows its own network from the pool.
BENCHMARK(BM_Descriptor)->Threads(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// The second model, MobileFaceNet, on its 112x112 chips of the same five faces.
void BM_MobileFaceEmbedding(benchmark::State& state) {
  std::vector<RgbImage> chips;
  for (int i = 0; i < 5; ++i)
    chips.push_back(Decode(kChipsDir + "/mobile_chip_" + std::to_string(i) + ".png"));
  const FacePipeline& pipeline = Pipeline(1);
  for (auto _ : state) {
    for (const RgbImage& chip : chips) benchmark::DoNotOptimize(pipeline.DescribeMobileFace(chip));
  }
  state.counters["ms_per_face"] = PerUnitMs(static_cast<double>(chips.size() * state.iterations()));
}
BENCHMARK(BM_MobileFaceEmbedding)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MobileFaceEmbedding)->Threads(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_WholePhoto(benchmark::State& state, const std::string& name) {
  const int upsample = static_cast<int>(state.range(0));
  const RgbImage image = Decode(kDlibFaces + "/" + name);
  const FacePipeline& pipeline = Pipeline(upsample);
  size_t faces = 0;
  for (auto _ : state) faces = pipeline.Analyze(image)->size();
  state.counters["faces"] = static_cast<double>(faces);
  state.counters["ms_per_face"] = PerUnitMs(static_cast<double>(faces * state.iterations()));
}
BENCHMARK_CAPTURE(BM_WholePhoto, bald_guys_3MP, std::string("bald_guys.jpg"))
    ->Arg(0)
    ->Arg(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_WholePhoto, tom_cruise_0_45MP, std::string("Tom_Cruise_avp_2014_4.jpg"))
    ->Arg(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// A whole phone photo as the server takes it: bald_guys.jpg (24 faces) resized to 0.25, 1, 3 and
// 12 MP and stored as JPEG, then decoded (at the server's 16 MP working limit), detected at the
// scale the pipeline chooses, and every face found landmarked, checked and described.
void BM_PhotoOfSize(benchmark::State& state) {
  const double megapixels = static_cast<double>(state.range(0)) / 100;
  const RgbImage original = Decode(kDlibFaces + "/bald_guys.jpg");
  const double factor =
      std::sqrt(megapixels * 1e6 /
                (static_cast<double>(original.width) * static_cast<double>(original.height)));
  const cv::Mat source(original.height, original.width, CV_8UC3,
                       const_cast<std::uint8_t*>(original.pixels.data()));
  cv::Mat resized, bgr;
  cv::resize(source, resized, cv::Size(), factor, factor,
             factor < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::cvtColor(resized, bgr, cv::COLOR_RGB2BGR);
  std::vector<std::uint8_t> jpeg;
  if (!cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, 90})) std::abort();
  const FacePipeline& pipeline = Pipeline(1);
  size_t faces = 0;
  for (auto _ : state) {
    absl::StatusOr<WorkingImage> image = DecodeWorkingImage(jpeg, DecodeLimits{}, 16'000'000);
    if (!image.ok()) std::abort();
    faces = pipeline.Analyze(image->image)->size();
  }
  state.counters["MP"] = static_cast<double>(resized.cols) * resized.rows / 1e6;
  state.counters["faces"] = static_cast<double>(faces);
  state.counters["detection_scale"] =
      DetectionScale(resized.cols, resized.rows, pipeline.options());
}
BENCHMARK(BM_PhotoOfSize)
    ->Arg(25)
    ->Arg(100)
    ->Arg(300)
    ->Arg(1200)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace encuentro::biometrics

BENCHMARK_MAIN();
