// The photo use cases: add a photo (or an age progression) to a missing person or remains record
// through the face pipeline, read, list and soft-delete photos. Post-mortem photos often hold no
// usable face; they are kept all the same, marked as having no template.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <semaphore>
#include <string>

#include "absl/status/statusor.h"
#include "auth/case_scope.h"
#include "auth/principal.h"
#include "biometrics/face_pipeline.h"
#include "common/step_durations.h"
#include "records/matching_observer.h"
#include "records/model.h"
#include "records/request_key.h"
#include "storage/photo_store.h"

namespace encuentro::records {

// A face chosen by the uploader: by its index in detector order, or by a box around it.
struct FaceSelection {
  std::optional<int> index;
  std::optional<biometrics::FaceBox> box;
};

struct PhotoUpload {
  RecordKind owner_kind = RecordKind::kMissingPerson;
  int64_t owner_id = 0;
  std::optional<Date> capture_date;
  DatePrecision capture_precision = DatePrecision::kDay;
  std::optional<double> age_at_capture_years;
  PhotoSource source = PhotoSource::kUnspecified;
  std::optional<AgeProgressionInfo> progression;
  // A photo of a mark or an effect of the record: kept without face analysis.
  std::optional<PhotoSubject> depicts;
  FaceSelection selection;
  // Its digest covers the metadata only; the library adds the bytes' SHA-256 to it, so that the
  // same request id with other bytes is a different request.
  RequestKey request;
  std::string bytes;
};

struct PhotoLibraryOptions {
  // Largest upload accepted.
  size_t max_photo_bytes = 20u << 20;
  // Largest image accepted, in pixels (a 100 MP image decodes to 300 MB before it is reduced).
  std::int64_t max_photo_pixels = 100'000'000;
  // Photos are analysed at no more than this many pixels (a JPEG is decoded reduced); the
  // original bytes are stored, and face boxes are given on the original.
  std::int64_t working_pixels = 16'000'000;
  // Photos decoded and analysed at once; an upload beyond that is refused with
  // RESOURCE_EXHAUSTED (retry later) rather than queued without bound. 0: one per CPU.
  int max_concurrent_analyses = 0;
  // Receives "photo_decode" and the face pipeline's stage times; null: not reported. Must outlive
  // the library.
  common::StepDurations* durations = nullptr;
};

// Thread-safe (the store and the pipeline are).
class PhotoLibrary {
 public:
  PhotoLibrary(storage::PhotoStore* store, const auth::CaseScope* scope,
               const biometrics::FacePipeline* pipeline, PhotoLibraryOptions options,
               std::function<Timestamp()> clock = std::chrono::system_clock::now);

  // Validates, decodes, finds faces, chooses one, and stores everything in one transaction.
  // INVALID_ARGUMENT with field violations for bad metadata, undecodable bytes or a selection
  // that matches no face; NOT_FOUND for an unknown record; FAILED_PRECONDITION for a deleted one;
  // RESOURCE_EXHAUSTED while max_concurrent_analyses photos are being analysed. `cancelled`, when
  // given, is asked between stages (the caller gave up, e.g. its deadline passed): once it says
  // yes, the upload ends with CANCELLED and nothing is stored.
  absl::StatusOr<Photo> AddPhoto(const auth::Principal& caller, const PhotoUpload& upload,
                                 const std::function<bool()>& cancelled = {});
  absl::StatusOr<Photo> GetPhoto(const auth::Principal& caller, RecordKind kind, int64_t owner_id,
                                 int64_t photo_id);
  absl::StatusOr<std::string> GetPhotoBytes(const auth::Principal& caller, const Photo& photo);
  absl::StatusOr<Page<Photo>> ListPhotos(const auth::Principal& caller, RecordKind kind,
                                         int64_t owner_id, bool show_deleted, int page_size,
                                         int64_t after_id);
  absl::StatusOr<Photo> DeletePhoto(const auth::Principal& caller, RecordKind kind,
                                    int64_t owner_id, int64_t photo_id, const std::string& reason);

  const PhotoLibraryOptions& options() const { return options_; }
  // Not owned; told of every committed template change. Set before serving.
  void set_observer(MatchingObserver* observer) { observer_ = observer; }

 private:
  // NOT_FOUND for an unknown owner; PERMISSION_DENIED when `caller` may not read (or change) it.
  absl::Status CheckOwner(const auth::Principal& caller, RecordKind kind, int64_t owner_id,
                          bool write) const;
  storage::PhotoStore* store_;
  const auth::CaseScope* scope_;
  const biometrics::FacePipeline* pipeline_;
  PhotoLibraryOptions options_;
  // Free analysis slots (max_concurrent_analyses).
  std::unique_ptr<std::counting_semaphore<>> analysis_slots_;
  std::function<Timestamp()> clock_;
  MatchingObserver* observer_ = nullptr;
};

}  // namespace encuentro::records
