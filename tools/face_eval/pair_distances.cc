#include "tools/face_eval/pair_distances.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/status/status.h"
#include "biometrics/image_decoder.h"

namespace encuentro::face_eval {

using biometrics::FaceAnalysis;
using biometrics::FaceBox;
using biometrics::FacePipeline;
using biometrics::RgbImage;

absl::StatusOr<std::vector<PairSpec>> ReadPairs(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot open " + path);
  std::string line;
  if (!std::getline(in, line) || line.rfind("same,image_a,image_b", 0) != 0) {
    return absl::InvalidArgumentError(path + ": expected the header `same,image_a,image_b`");
  }
  std::vector<PairSpec> pairs;
  int number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::stringstream fields(line);
    std::string same;
    PairSpec pair;
    if (!std::getline(fields, same, ',') || !std::getline(fields, pair.a, ',') ||
        !std::getline(fields, pair.b) || (same != "0" && same != "1")) {
      return absl::InvalidArgumentError(path + ":" + std::to_string(number) +
                                        ": expected `0|1,image_a,image_b`");
    }
    pair.same = same == "1";
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

FaceBox CenterBox(const RgbImage& image) {
  const int side = static_cast<int>(std::lround(std::min(image.width, image.height) * 0.43));
  return {(image.width - side) / 2, (image.height - side) / 2, side, side};
}

namespace {

// The face's MobileFaceNet embedding, left empty when it cannot be computed (the dlib
// descriptor's error, if any, is what the result reports).
void AddMobileEmbedding(const FacePipeline& pipeline, const RgbImage& image,
                        const biometrics::FaceLandmarks& landmarks, ImageResult& result) {
  absl::StatusOr<RgbImage> chip = pipeline.ExtractMobileFaceChip(image, landmarks);
  if (!chip.ok()) return;
  absl::StatusOr<biometrics::MobileFaceEmbedding> embedding = pipeline.DescribeMobileFace(*chip);
  if (embedding.ok()) result.mobile_embedding = *embedding;
}

}  // namespace

ImageResult AnalyzeImage(const FacePipeline& pipeline, const std::string& path,
                         bool center_fallback, bool second_model) {
  ImageResult result;
  absl::StatusOr<RgbImage> image = biometrics::DecodeImageFile(path);
  if (!image.ok()) {
    result.error = std::string(image.status().message());
    return result;
  }
  absl::StatusOr<std::vector<FaceAnalysis>> faces = pipeline.Analyze(*image);
  if (!faces.ok()) {
    result.error = std::string(faces.status().message());
    return result;
  }
  const FaceBox center = CenterBox(*image);
  if (std::optional<size_t> best = biometrics::BestOverlappingFace(*faces, center)) {
    result.detected = true;
    result.descriptor = (*faces)[*best].descriptor;
    result.quality = (*faces)[*best].quality;
    if (second_model) AddMobileEmbedding(pipeline, *image, (*faces)[*best].landmarks, result);
    return result;
  }
  if (center_fallback) {
    absl::StatusOr<FaceAnalysis> face = pipeline.AnalyzeRegion(*image, center);
    if (face.ok()) {
      result.descriptor = face->descriptor;
      result.quality = face->quality;
      if (second_model) AddMobileEmbedding(pipeline, *image, face->landmarks, result);
    }
  }
  return result;
}

PairDistances ComputePairDistances(const FacePipeline& pipeline, const std::vector<PairSpec>& pairs,
                                   const PairDistanceOptions& options) {
  PairDistances out;
  std::map<std::string, size_t> index;
  for (const PairSpec& pair : pairs) {
    for (const std::string& name : {pair.a, pair.b}) {
      if (index.emplace(name, out.images.size()).second) out.images.push_back(name);
    }
  }

  const std::filesystem::path root(options.root);
  out.results.resize(out.images.size());
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex progress_mu;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < std::max(1u, options.threads); ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < out.images.size(); i = next++) {
        out.results[i] = AnalyzeImage(pipeline, (root / out.images[i]).string(),
                                      options.center_fallback, options.second_model);
        const size_t finished = ++done;
        if (options.progress) {
          std::lock_guard<std::mutex> lock(progress_mu);
          options.progress(finished, out.images.size());
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  for (const PairSpec& pair : pairs) {
    const size_t a = index[pair.a];
    const size_t b = index[pair.b];
    double distance = std::numeric_limits<double>::infinity();
    if (out.results[a].descriptor && out.results[b].descriptor) {
      distance = DescriptorDistance(*out.results[a].descriptor, *out.results[b].descriptor);
    }
    out.image_a.push_back(a);
    out.image_b.push_back(b);
    out.distances.push_back(distance);
    if (options.second_model) {
      const auto& ea = out.results[a].mobile_embedding;
      const auto& eb = out.results[b].mobile_embedding;
      out.mobile_distances.push_back(ea && eb ? SecondEmbeddingDistance(*ea, *eb)
                                              : std::numeric_limits<double>::infinity());
    }
  }
  return out;
}

}  // namespace encuentro::face_eval
