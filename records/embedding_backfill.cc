#include "records/embedding_backfill.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "biometrics/image_decoder.h"
#include "spdlog/spdlog.h"

namespace encuentro::records {
namespace {

enum class Outcome { kFilled, kNotFound, kFailed };

// The chosen face's landmarks, found again: the detected face that overlaps the stored box most,
// else the box itself (as an examiner's box is analysed when no detection covers it).
absl::StatusOr<std::optional<biometrics::FaceLandmarks>> FindChosenFace(
    const biometrics::FacePipeline& pipeline, const biometrics::WorkingImage& image,
    const biometrics::FaceBox& stored) {
  absl::StatusOr<std::vector<biometrics::FaceAnalysis>> faces = pipeline.Analyze(image.image);
  if (!faces.ok()) return faces.status();
  for (biometrics::FaceAnalysis& face : *faces) {
    face.box = biometrics::ToFullResolution(face.box, image.scale);
  }
  if (std::optional<size_t> best = biometrics::BestOverlappingFace(*faces, stored)) {
    return (*faces)[*best].landmarks;
  }
  absl::StatusOr<biometrics::FaceAnalysis> region =
      pipeline.AnalyzeRegion(image.image, biometrics::ToWorkingResolution(stored, image.scale));
  if (!region.ok()) return std::optional<biometrics::FaceLandmarks>();
  return region->landmarks;
}

Outcome Fill(storage::PhotoStore& store, const biometrics::FacePipeline& pipeline,
             const BackfillOptions& options, const Photo& photo) {
  const auto fail = [&](const absl::Status& status) {
    spdlog::warn("backfill: photo {}: {}", photo.id, status.ToString());
    return Outcome::kFailed;
  };
  if (photo.chosen_face < 0 || static_cast<size_t>(photo.chosen_face) >= photo.faces.size()) {
    return fail(absl::DataLossError("its template names no face"));
  }
  const FaceFinding& chosen = photo.faces[static_cast<size_t>(photo.chosen_face)];
  absl::StatusOr<std::string> bytes = store.GetPhotoBytes(photo.sha256);
  if (!bytes.ok()) return fail(bytes.status());
  absl::StatusOr<biometrics::WorkingImage> image = biometrics::DecodeWorkingImage(
      absl::Span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes->data()),
                                     bytes->size()),
      options.limits, options.working_pixels);
  if (!image.ok()) return fail(image.status());
  absl::StatusOr<std::optional<biometrics::FaceLandmarks>> landmarks =
      FindChosenFace(pipeline, *image, {chosen.x, chosen.y, chosen.width, chosen.height});
  if (!landmarks.ok()) return fail(landmarks.status());
  if (!landmarks->has_value()) {
    spdlog::warn("backfill: photo {}: its chosen face is not found again", photo.id);
    return Outcome::kNotFound;
  }
  absl::StatusOr<SecondFaceEmbedding> embedding =
      pipeline.DescribeSecondModel(image->image, **landmarks);
  if (!embedding.ok()) return fail(embedding.status());
  absl::Status stored =
      store.InsertSecondEmbedding(photo.id, *embedding, pipeline.models().mobile_face_model_id);
  // Another run (or replica) filled it meanwhile: what we computed is the same.
  if (absl::IsAlreadyExists(stored)) return Outcome::kFilled;
  if (!stored.ok()) return fail(stored);
  return Outcome::kFilled;
}

}  // namespace

absl::StatusOr<BackfillReport> BackfillSecondEmbeddings(storage::PhotoStore& store,
                                                        const biometrics::FacePipeline& pipeline,
                                                        const BackfillOptions& options) {
  absl::StatusOr<int64_t> total = store.CountTemplatesWithoutSecondEmbedding();
  if (!total.ok()) return total.status();
  BackfillReport report;
  int64_t done = 0;
  int64_t after = 0;  // photo id order: templates that fail are not retried within a run
  std::mutex mu;
  while (true) {
    absl::StatusOr<std::vector<Photo>> batch =
        store.TemplatesWithoutSecondEmbedding(after, std::max(1, options.batch_size));
    if (!batch.ok()) return batch.status();
    if (batch->empty()) break;
    after = batch->back().id;
    std::atomic<size_t> next{0};
    const auto work = [&] {
      for (size_t i = next++; i < batch->size(); i = next++) {
        const Outcome outcome = Fill(store, pipeline, options, (*batch)[i]);
        std::lock_guard lock(mu);
        (outcome == Outcome::kFilled     ? report.filled
         : outcome == Outcome::kNotFound ? report.not_found
                                         : report.failed)++;
        ++done;
        if (options.progress) options.progress(done, std::max(done, *total));
      }
    };
    std::vector<std::thread> helpers;
    const int threads = std::clamp(options.threads, 1, 64);
    for (int t = 1; t < threads; ++t) helpers.emplace_back(work);
    work();
    for (std::thread& helper : helpers) helper.join();
  }
  return report;
}

}  // namespace encuentro::records
