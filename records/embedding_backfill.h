// Gives the face templates enrolled before the second face model its embedding, computed again
// from the stored photo: the face is found anew and the one over the stored chosen box is
// described. Resumable by construction: each embedding commits on its own, and a run picks up
// the templates still without one.
#pragma once

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "biometrics/face_pipeline.h"
#include "biometrics/image_decoder.h"
#include "storage/photo_store.h"

namespace encuentro::records {

struct BackfillOptions {
  // How photos are decoded, as encuentrod enrols them (PhotoLibraryOptions): the same working
  // resolution finds the same faces.
  biometrics::DecodeLimits limits;
  int64_t working_pixels = 16'000'000;
  int threads = 1;      // photos analysed at once (each on one core)
  int batch_size = 64;  // templates read from the database at a time
  // Called after each template with how many are done and how many there were; may be empty.
  std::function<void(int64_t done, int64_t total)> progress;
};

struct BackfillReport {
  int64_t filled = 0;
  // The stored face could not be found again in its photo (nothing stored; reported by id).
  int64_t not_found = 0;
  // Photos that failed to decode or analyse, or whose embedding could not be stored.
  int64_t failed = 0;
};

// Runs until no template lacks the embedding (or only those that failed this run do). An error
// reading the database ends the run; per-photo problems are counted and logged.
absl::StatusOr<BackfillReport> BackfillSecondEmbeddings(storage::PhotoStore& store,
                                                        const biometrics::FacePipeline& pipeline,
                                                        const BackfillOptions& options);

}  // namespace encuentro::records
