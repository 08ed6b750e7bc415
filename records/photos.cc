#include "records/photos.h"

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "biometrics/image_decoder.h"
#include "common/field_violations.h"
#include "common/sha256.h"
#include "common/text.h"
#include "records/names.h"
#include "records/validation.h"
#include "spdlog/spdlog.h"

namespace encuentro::records {
namespace {

using std::chrono::sys_days;

QualityVerdict ToVerdict(biometrics::Verdict verdict) {
  switch (verdict) {
    case biometrics::Verdict::kPass:
      return QualityVerdict::kPass;
    case biometrics::Verdict::kWarn:
      return QualityVerdict::kWarn;
    case biometrics::Verdict::kFail:
      break;
  }
  return QualityVerdict::kFail;
}

FaceFinding ToFinding(const biometrics::FaceAnalysis& face) {
  FaceFinding finding;
  finding.x = face.box.x;
  finding.y = face.box.y;
  finding.width = face.box.width;
  finding.height = face.box.height;
  const biometrics::QualityReport& q = face.quality;
  auto add = [&](const char* metric, const biometrics::QualityMeasure& m) {
    finding.quality.push_back({metric, m.value, ToVerdict(m.verdict)});
  };
  add("face_width_px", q.face_width_px);
  add("inter_ocular_px", q.interocular_px);
  add("sharpness", q.sharpness);
  add("exposure_mean", q.brightness);
  add("exposure_contrast", q.contrast);
  add("yaw_degrees", q.yaw_degrees);
  add("roll_degrees", q.roll_degrees);
  if (q.detector_score) {
    finding.quality.push_back({"detector_score", *q.detector_score, ToVerdict(q.detector_verdict)});
  }
  finding.overall = ToVerdict(q.Overall());
  return finding;
}

const char* ContentType(biometrics::ImageFormat format) {
  switch (format) {
    case biometrics::ImageFormat::kJpeg:
      return "image/jpeg";
    case biometrics::ImageFormat::kPng:
      return "image/png";
    case biometrics::ImageFormat::kWebp:
      return "image/webp";
  }
  return "application/octet-stream";
}

// The uploader's choice, or else the largest face (the subject of a portrait).
absl::StatusOr<int> ChooseFace(const std::vector<biometrics::FaceAnalysis>& faces,
                               const FaceSelection& selection) {
  if (selection.index) {
    if (*selection.index < 0 || *selection.index >= static_cast<int>(faces.size())) {
      return InvalidFields(
          {{"face_index", absl::StrCat("the photo has ", faces.size(), " face(s); index ",
                                       *selection.index, " does not exist")}});
    }
    return *selection.index;
  }
  if (selection.box) {
    std::optional<size_t> best = biometrics::BestOverlappingFace(faces, *selection.box);
    if (!best) return InvalidFields({{"face_box", "overlaps no detected face"}});
    return static_cast<int>(*best);
  }
  if (faces.empty()) return -1;
  auto largest = std::max_element(faces.begin(), faces.end(), [](const auto& a, const auto& b) {
    return a.box.width * a.box.height < b.box.width * b.box.height;
  });
  return static_cast<int>(largest - faces.begin());
}

}  // namespace

PhotoLibrary::PhotoLibrary(storage::PhotoStore* store, const auth::CaseScope* scope,
                           const biometrics::FacePipeline* pipeline, PhotoLibraryOptions options,
                           std::function<Timestamp()> clock)
    : store_(store),
      scope_(scope),
      pipeline_(pipeline),
      options_(options),
      analysis_slots_(std::make_unique<std::counting_semaphore<>>(
          options.max_concurrent_analyses > 0
              ? options.max_concurrent_analyses
              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())))),
      clock_(std::move(clock)) {}

absl::StatusOr<Photo> PhotoLibrary::AddPhoto(const auth::Principal& caller,
                                             const PhotoUpload& upload,
                                             const std::function<bool()>& cancelled) {
  const Date today(std::chrono::floor<std::chrono::days>(clock_()));
  std::vector<FieldViolation> bad;
  if (upload.capture_date) {
    if (!upload.capture_date->ok()) {
      bad.push_back({"photo.capture_date", "is not a valid calendar date"});
    } else if (*upload.capture_date > today) {
      bad.push_back({"photo.capture_date", "is in the future"});
    }
  }
  if (upload.age_at_capture_years &&
      (*upload.age_at_capture_years < 0 || *upload.age_at_capture_years > kMaxAgeYears)) {
    bad.push_back({"photo.age_at_capture_years", "must be between 0 and 120 years"});
  }
  if (upload.progression) {
    const AgeProgressionInfo& p = *upload.progression;
    if (upload.owner_kind != RecordKind::kMissingPerson) {
      bad.push_back({"photo.age_progression", "only missing persons have age progressions"});
    }
    if (p.target_age_years < 0 || p.target_age_years > kMaxAgeYears) {
      bad.push_back({"photo.age_progression.target_age_years", "must be between 0 and 120"});
    }
    if (p.method == ProgressionMethod::kUnspecified) {
      bad.push_back({"photo.age_progression.method", "is required"});
    }
    if (!IsValidUtf8(p.author) || p.author.find_first_not_of(' ') == std::string::npos) {
      bad.push_back({"photo.age_progression.author", "is required (valid UTF-8)"});
    }
    if (p.source_photo_id <= 0) {
      bad.push_back({"photo.age_progression.source_photo", "must name a photo of this person"});
    }
  }
  if (upload.depicts && (upload.progression || upload.selection.index || upload.selection.box)) {
    bad.push_back({"photo.depicts", "a photo of a mark or effect has no face to choose"});
  }
  if (upload.bytes.empty()) bad.push_back({"chunk", "no photo bytes were sent"});
  if (upload.bytes.size() > options_.max_photo_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("photo is larger than the limit of ", options_.max_photo_bytes, " bytes"));
  }
  if (absl::Status s = ValidateRequestKey(upload.request); !s.ok()) {
    bad.push_back(FieldViolationsOf(s).front());
  }
  if (!bad.empty()) return InvalidFields(bad);

  absl::StatusOr<storage::PhotoOwner> owner = store_->GetOwner(upload.owner_kind, upload.owner_id);
  if (!owner.ok()) return owner.status();
  if (absl::Status s = scope_->CheckWrite(caller, upload.owner_kind, owner->organization);
      !s.ok()) {
    return s;
  }
  if (owner->deleted) {
    return absl::FailedPreconditionError(RecordName(upload.owner_kind, upload.owner_id) +
                                         " is deleted; it takes no new photos");
  }
  if (upload.progression) {
    absl::StatusOr<Photo> source =
        store_->GetPhoto(upload.owner_kind, upload.owner_id, upload.progression->source_photo_id);
    if (!source.ok()) {
      return InvalidFields(
          {{"photo.age_progression.source_photo", "is not a photo of this person"}});
    }
  }
  if (upload.depicts) {
    absl::StatusOr<bool> exists =
        store_->PartIsLive(upload.owner_kind, upload.owner_id, *upload.depicts);
    if (!exists.ok()) return exists.status();
    if (!*exists) {
      return InvalidFields({{"photo.depicts", "is not a live mark or effect of this record"}});
    }
  }
  const std::string sha256 = Sha256Hex(upload.bytes);
  const RequestKey key{upload.request.id, Sha256Hex(upload.request.digest + sha256)};
  // A retry of an upload that already succeeded costs no second pass through the pipeline.
  absl::StatusOr<std::optional<Photo>> earlier =
      store_->FindByRequestKey(upload.owner_kind, upload.owner_id, key);
  if (!earlier.ok()) return earlier.status();
  if (*earlier) return **earlier;

  const auto* data = reinterpret_cast<const std::uint8_t*>(upload.bytes.data());
  const absl::Span<const std::uint8_t> span(data, upload.bytes.size());
  absl::StatusOr<biometrics::ImageHeader> header = biometrics::ReadImageHeader(span);
  if (!header.ok()) return InvalidFields({{"chunk", std::string(header.status().message())}});

  // Decoding and analysis are the costly part: bounded in number, in resolution, and by the
  // caller's patience.
  if (!analysis_slots_->try_acquire()) {
    return absl::ResourceExhaustedError(
        "the server is analysing as many photos as it may at once; retry in a few seconds");
  }
  struct SlotRelease {
    std::counting_semaphore<>* slots;
    ~SlotRelease() { slots->release(); }
  } release{analysis_slots_.get()};
  auto gave_up = [&] { return cancelled && cancelled(); };
  const absl::Status kCancelled =
      absl::CancelledError("the caller gave up (deadline or cancellation); nothing was stored");
  biometrics::DecodeLimits limits;
  limits.max_bytes = options_.max_photo_bytes;
  limits.max_pixels = options_.max_photo_pixels;
  absl::StatusOr<biometrics::WorkingImage> image = [&] {
    common::StepTimer timer(options_.durations, "photo_decode");
    return biometrics::DecodeWorkingImage(span, limits, options_.working_pixels);
  }();
  if (!image.ok()) {
    if (image.status().code() == absl::StatusCode::kResourceExhausted) return image.status();
    return InvalidFields({{"chunk", std::string(image.status().message())}});
  }
  if (gave_up()) return kCancelled;
  // A tattoo or a shirt holds no face worth a template; the pipeline is skipped.
  absl::StatusOr<std::vector<biometrics::FaceAnalysis>> faces =
      upload.depicts ? std::vector<biometrics::FaceAnalysis>{}
                     : pipeline_->Analyze(image->image, cancelled, options_.durations);
  if (!faces.ok()) return faces.status();
  if (gave_up()) return kCancelled;
  // Boxes are kept, and chosen by, the original photo's pixels.
  for (biometrics::FaceAnalysis& face : *faces) {
    face.box = biometrics::ToFullResolution(face.box, image->scale);
  }
  absl::StatusOr<int> chosen = ChooseFace(*faces, upload.selection);
  if (!chosen.ok()) return chosen.status();

  Photo photo;
  photo.owner_kind = upload.owner_kind;
  photo.owner_id = upload.owner_id;
  photo.organization = caller.organization;
  photo.sha256 = sha256;
  photo.size_bytes = static_cast<int64_t>(upload.bytes.size());
  photo.content_type = ContentType(header->format);
  photo.width = image->full_width;
  photo.height = image->full_height;
  photo.capture_date = upload.capture_date;
  photo.capture_precision = upload.capture_precision;
  photo.age_at_capture_years = upload.age_at_capture_years;
  photo.source = upload.progression ? PhotoSource::kAgeProgression : upload.source;
  photo.progression = upload.progression;
  photo.depicts = upload.depicts;
  for (const auto& face : *faces) photo.faces.push_back(ToFinding(face));
  photo.chosen_face = *chosen;
  if (*chosen >= 0) {
    const FaceDescriptor& d = (*faces)[static_cast<size_t>(*chosen)].descriptor;
    photo.descriptor.emplace();
    std::copy(d.begin(), d.end(), photo.descriptor->begin());
    photo.model_id = pipeline_->models().model_id;
    {
      common::StepTimer timer(options_.durations, "face_second_model");
      absl::StatusOr<SecondFaceEmbedding> second = pipeline_->DescribeSecondModel(
          image->image, (*faces)[static_cast<size_t>(*chosen)].landmarks);
      if (second.ok()) {
        photo.second_embedding = *second;
        photo.second_model_id = pipeline_->models().mobile_face_model_id;
      } else {
        // The template still serves with the first model alone, as an older one does.
        spdlog::warn("photo of {}: second face model failed: {}",
                     RecordName(upload.owner_kind, upload.owner_id), second.status().ToString());
      }
    }
    // The age the face shows: a progression's target, a stated age, or the age computed from
    // the person's date of birth; matching prefers templates close to the remains' age.
    if (upload.progression) {
      photo.template_age_years = upload.progression->target_age_years;
    } else if (upload.age_at_capture_years) {
      photo.template_age_years = upload.age_at_capture_years;
    } else if (upload.capture_date && owner->date_of_birth) {
      // Partial dates (a year, a month) count from their middle days.
      photo.template_age_years =
          static_cast<double>((MiddleDay(*upload.capture_date, upload.capture_precision) -
                               MiddleDay(*owner->date_of_birth, owner->date_of_birth_precision))
                                  .count()) /
          365.2425;
    }
  }
  audit::AuditEvent event;
  event.principal = caller;
  event.method = "PhotoService/AddPhoto";
  absl::StatusOr<Photo> stored = store_->InsertPhoto(photo, upload.bytes, key, event);
  // Only after the commit: a rolled-back enrolment must never be findable.
  if (stored.ok() && observer_ != nullptr && stored->descriptor && !stored->delete_time) {
    observer_->TemplateAdded(*stored);
  }
  return stored;
}

absl::Status PhotoLibrary::CheckOwner(const auth::Principal& caller, RecordKind kind,
                                      int64_t owner_id, bool write) const {
  absl::StatusOr<storage::PhotoOwner> owner = store_->GetOwner(kind, owner_id);
  if (!owner.ok()) return owner.status();
  return write ? scope_->CheckWrite(caller, kind, owner->organization)
               : scope_->CheckRead(caller, kind, owner_id, owner->organization);
}

absl::StatusOr<Photo> PhotoLibrary::GetPhoto(const auth::Principal& caller, RecordKind kind,
                                             int64_t owner_id, int64_t photo_id) {
  if (absl::Status s = CheckOwner(caller, kind, owner_id, /*write=*/false); !s.ok()) return s;
  absl::StatusOr<Photo> photo = store_->GetPhoto(kind, owner_id, photo_id);
  if (!photo.ok()) return photo;
  audit::AuditEvent event;
  event.principal = caller;
  event.method = "PhotoService/GetPhoto";
  event.targets = {RecordName(kind, owner_id), PhotoName(kind, owner_id, photo_id)};
  if (absl::Status s = store_->AppendAudit(event); !s.ok()) return s;
  return photo;
}

absl::StatusOr<std::string> PhotoLibrary::GetPhotoBytes(const auth::Principal&,
                                                        const Photo& photo) {
  return store_->GetPhotoBytes(photo.sha256);
}

absl::StatusOr<Page<Photo>> PhotoLibrary::ListPhotos(const auth::Principal& caller, RecordKind kind,
                                                     int64_t owner_id, bool show_deleted,
                                                     int page_size, int64_t after_id) {
  if (absl::Status s = CheckOwner(caller, kind, owner_id, /*write=*/false); !s.ok()) return s;
  absl::StatusOr<Page<Photo>> page =
      store_->ListPhotos(kind, owner_id, show_deleted, page_size, after_id);
  if (!page.ok()) return page;
  audit::AuditEvent event;
  event.principal = caller;
  event.method = "PhotoService/ListPhotos";
  event.targets = {RecordName(kind, owner_id)};
  if (absl::Status s = store_->AppendAudit(event); !s.ok()) return s;
  return page;
}

absl::StatusOr<Photo> PhotoLibrary::DeletePhoto(const auth::Principal& caller, RecordKind kind,
                                                int64_t owner_id, int64_t photo_id,
                                                const std::string& reason) {
  if (absl::Status s = ValidateWithdrawalReason(reason, "the photo"); !s.ok()) return s;
  if (absl::Status s = CheckOwner(caller, kind, owner_id, /*write=*/true); !s.ok()) return s;
  audit::AuditEvent event;
  event.principal = caller;
  event.method = "PhotoService/DeletePhoto";
  absl::StatusOr<Photo> deleted = store_->SoftDeletePhoto(kind, owner_id, photo_id, reason, event);
  if (deleted.ok() && observer_ != nullptr) observer_->TemplateRemoved(kind, owner_id, photo_id);
  return deleted;
}

}  // namespace encuentro::records
