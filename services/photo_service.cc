#include "services/photo_service.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/field_violations.h"
#include "records/names.h"
#include "services/gatekeeper.h"
#include "services/page_token.h"
#include "services/record_conversion.h"
#include "services/request_digest.h"
#include "services/rpc_helpers.h"
#include "services/status_conversion.h"

namespace encuentro::services {
namespace {

v1::QualityCheck::Verdict ToProto(records::QualityVerdict verdict) {
  switch (verdict) {
    case records::QualityVerdict::kPass:
      return v1::QualityCheck::PASS;
    case records::QualityVerdict::kWarn:
      return v1::QualityCheck::WARN;
    case records::QualityVerdict::kFail:
      return v1::QualityCheck::FAIL;
  }
  return v1::QualityCheck::VERDICT_UNSPECIFIED;
}

absl::StatusOr<records::PhotoRef> RequirePhotoName(const std::string& name) {
  std::optional<records::PhotoRef> ref = records::ParsePhotoName(name);
  if (!ref) {
    return InvalidFields({{"name", "must be a photo name like missingPersons/1/photos/2"}});
  }
  return *ref;
}

// Reads the whole client stream: metadata first, then chunks, refusing past the size limit
// without buffering more.
absl::StatusOr<records::PhotoUpload> ReadUpload(RequestReader<v1::AddPhotoRequest>* reader,
                                                size_t max_bytes) {
  v1::AddPhotoRequest message;
  if (!reader->Read(&message) && !reader->status().ok()) return reader->status();
  if (!message.has_metadata()) {
    return InvalidFields({{"metadata", "the first message of the stream must carry metadata"}});
  }
  const v1::AddPhotoRequest::Metadata& meta = message.metadata();
  records::PhotoUpload upload;
  std::optional<records::RecordRef> parent = records::ParseRecordName(meta.parent());
  if (!parent) {
    return InvalidFields(
        {{"metadata.parent", "must be a record name like missingPersons/1 or remains/1"}});
  }
  upload.owner_kind = parent->kind;
  upload.owner_id = parent->id;
  const v1::Photo& photo = meta.photo();
  if (photo.has_capture_date()) {
    // A partial date (a year, a month) is checked as its first day; records judge the future.
    std::vector<FieldViolation> bad;
    upload.capture_date = OptionalPartialDateFromProto(
        true, photo.capture_date(), "metadata.photo.capture_date", &bad, &upload.capture_precision);
    if (!bad.empty()) return InvalidFields(bad);
  }
  if (photo.has_age_at_capture_years()) {
    if (!std::isfinite(photo.age_at_capture_years()) || photo.age_at_capture_years() < 0 ||
        photo.age_at_capture_years() > 120) {
      return InvalidFields({{"metadata.photo.age_at_capture_years", "must be between 0 and 120"}});
    }
    upload.age_at_capture_years = photo.age_at_capture_years();
  }
  const int source = static_cast<int>(photo.source());
  if (source < 0 || source > static_cast<int>(records::PhotoSource::kOther)) {
    return InvalidFields({{"metadata.photo.source", "unknown value"}});
  }
  upload.source = static_cast<records::PhotoSource>(source);
  if (photo.has_age_progression()) {
    const v1::AgeProgression& p = photo.age_progression();
    records::AgeProgressionInfo info;
    std::optional<records::PhotoRef> source_photo = records::ParsePhotoName(p.source_photo());
    if (source_photo && source_photo->parent.kind == parent->kind &&
        source_photo->parent.id == parent->id) {
      info.source_photo_id = source_photo->photo_id;
    }
    info.target_age_years = p.target_age_years();
    const int method = static_cast<int>(p.method());
    info.method = method >= 0 && method <= 2 ? static_cast<records::ProgressionMethod>(method)
                                             : records::ProgressionMethod::kUnspecified;
    info.author = p.author();
    if (p.has_made_date()) {
      if (std::optional<std::string> problem =
              DateProblem(p.made_date(), /*may_be_future=*/false)) {
        return InvalidFields({{"metadata.photo.age_progression.made_date", *problem}});
      }
      info.made_date = FromProto(p.made_date());
    }
    upload.progression = info;
  }
  if (!photo.depicts().empty()) {
    // A mark or effect of the same record.
    const std::optional<records::PartRef> mark = records::ParseMarkName(photo.depicts());
    const std::optional<records::PartRef> effect = records::ParseEffectName(photo.depicts());
    const std::optional<records::PartRef>& part = mark ? mark : effect;
    if (!part || part->parent.kind != parent->kind || part->parent.id != parent->id) {
      return InvalidFields(
          {{"metadata.photo.depicts",
            "must name a mark or effect of the parent, like " + meta.parent() + "/marks/1"}});
    }
    upload.depicts = records::PhotoSubject{
        mark ? records::PhotoSubject::Kind::kMark : records::PhotoSubject::Kind::kEffect, part->id};
  }
  if (meta.face_selection_case() == v1::AddPhotoRequest::Metadata::kFaceIndex) {
    upload.selection.index = meta.face_index();
  } else if (meta.face_selection_case() == v1::AddPhotoRequest::Metadata::kFaceBox) {
    // Bounded well below INT_MAX, so that x + width and y + height cannot overflow.
    constexpr int kMaxPixels = 1 << 20;
    const v1::FaceBox& box = meta.face_box();
    if (box.x() < 0 || box.y() < 0 || box.width() <= 0 || box.height() <= 0 ||
        box.x() > kMaxPixels || box.y() > kMaxPixels || box.width() > kMaxPixels ||
        box.height() > kMaxPixels) {
      return InvalidFields(
          {{"metadata.face_box", "x and y from 0, width and height from 1, each at most 1048576"}});
    }
    upload.selection.box = biometrics::FaceBox{box.x(), box.y(), box.width(), box.height()};
  }
  upload.request = RequestKeyOf(meta);
  while (reader->Read(&message)) {
    if (message.has_metadata()) {
      return InvalidFields({{"metadata", "must be sent once, in the first message"}});
    }
    if (upload.bytes.size() + message.chunk().size() > max_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("photo is larger than the limit of ", max_bytes, " bytes"));
    }
    upload.bytes += message.chunk();
  }
  if (!reader->status().ok()) return reader->status();  // a chunk that did not parse
  return upload;
}

}  // namespace

v1::Photo ToProto(const records::Photo& photo) {
  v1::Photo out;
  out.set_name(records::PhotoName(photo.owner_kind, photo.owner_id, photo.id));
  if (photo.depicts) {
    out.set_depicts(photo.depicts->kind == records::PhotoSubject::Kind::kMark
                        ? records::MarkName(photo.owner_kind, photo.owner_id, photo.depicts->id)
                        : records::EffectName(photo.owner_kind, photo.owner_id, photo.depicts->id));
  }
  if (photo.capture_date) {
    *out.mutable_capture_date() = services::ToProto(*photo.capture_date, photo.capture_precision);
  }
  if (photo.age_at_capture_years) out.set_age_at_capture_years(*photo.age_at_capture_years);
  out.set_source(static_cast<v1::Photo::Source>(photo.source));
  out.set_sha256(photo.sha256);
  out.set_size_bytes(photo.size_bytes);
  out.set_content_type(photo.content_type);
  out.set_width(photo.width);
  out.set_height(photo.height);
  for (const auto& face : photo.faces) {
    v1::DetectedFace* f = out.add_faces();
    f->mutable_box()->set_x(face.x);
    f->mutable_box()->set_y(face.y);
    f->mutable_box()->set_width(face.width);
    f->mutable_box()->set_height(face.height);
    for (const auto& q : face.quality) {
      v1::QualityCheck* check = f->add_quality();
      check->set_metric(q.metric);
      check->set_value(q.value);
      check->set_verdict(ToProto(q.verdict));
    }
    f->set_overall(ToProto(face.overall));
  }
  out.set_chosen_face(photo.chosen_face);
  out.set_has_template(photo.descriptor.has_value());
  out.set_synthetic(photo.progression.has_value());
  if (photo.progression) {
    const auto& p = *photo.progression;
    v1::AgeProgression* progression = out.mutable_age_progression();
    progression->set_source_photo(
        records::PhotoName(photo.owner_kind, photo.owner_id, p.source_photo_id));
    progression->set_target_age_years(p.target_age_years);
    progression->set_method(static_cast<v1::AgeProgression::Method>(p.method));
    progression->set_author(p.author);
    if (p.made_date) *progression->mutable_made_date() = services::ToProto(*p.made_date);
  }
  *out.mutable_create_time() = services::ToProto(photo.create_time);
  if (photo.delete_time) {
    *out.mutable_delete_time() = services::ToProto(*photo.delete_time);
    out.set_delete_reason(photo.delete_reason);
  }
  return out;
}

grpc::Status PhotoServiceImpl::Upload(grpc::ServerContext* context,
                                      RequestReader<v1::AddPhotoRequest>* reader,
                                      v1::Photo* response) {
  return Serve(gate_, *context, "encuentro.v1.PhotoService.AddPhoto",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::PhotoUpload> upload =
                     ReadUpload(reader, photos_->options().max_photo_bytes);
                 if (!upload.ok()) return upload.status();
                 // A client that gave up (its deadline passed) is not made to wait for, or pay
                 // for, the rest.
                 absl::StatusOr<records::Photo> photo = photos_->AddPhoto(
                     caller, *upload, [context] { return context->IsCancelled(); });
                 if (!photo.ok()) {
                   std::vector<FieldViolation> violations = FieldViolationsOf(photo.status());
                   if (violations.empty()) return photo.status();
                   // The domain names fields relative to the upload's metadata, except the
                   // stream's own.
                   for (FieldViolation& v : violations) {
                     if (v.field != "chunk") v.field = "metadata." + v.field;
                   }
                   return FieldError(photo.status().code(), violations);
                 }
                 *response = ToProto(*photo);
                 return absl::OkStatus();
               });
}

grpc::Status PhotoServiceImpl::GetPhoto(grpc::ServerContext* context,
                                        const v1::GetPhotoRequest* request, v1::Photo* response) {
  return Serve(gate_, *context, "encuentro.v1.PhotoService.GetPhoto",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::PhotoRef> ref = RequirePhotoName(request->name());
                 if (!ref.ok()) return ref.status();
                 absl::StatusOr<records::Photo> photo =
                     photos_->GetPhoto(caller, ref->parent.kind, ref->parent.id, ref->photo_id);
                 if (!photo.ok()) return photo.status();
                 *response = ToProto(*photo);
                 if (request->view() == v1::FULL) {
                   absl::StatusOr<std::string> bytes = photos_->GetPhotoBytes(caller, *photo);
                   if (!bytes.ok()) return bytes.status();
                   response->set_content(*std::move(bytes));
                   if (photo->descriptor) {
                     response->mutable_face_descriptor()->Add(photo->descriptor->begin(),
                                                              photo->descriptor->end());
                     response->set_face_model_id(photo->model_id);
                   }
                   if (photo->second_embedding) {
                     response->mutable_second_face_descriptor()->Add(
                         photo->second_embedding->begin(), photo->second_embedding->end());
                     response->set_second_face_model_id(photo->second_model_id);
                   }
                 }
                 return absl::OkStatus();
               });
}

grpc::Status PhotoServiceImpl::ListPhotos(grpc::ServerContext* context,
                                          const v1::ListPhotosRequest* request,
                                          v1::ListPhotosResponse* response) {
  return Serve(
      gate_, *context, "encuentro.v1.PhotoService.ListPhotos",
      [&](const auth::Principal& caller) -> absl::Status {
        std::optional<records::RecordRef> parent = records::ParseRecordName(request->parent());
        if (!parent) {
          return InvalidFields({{"parent", "must be a record name like missingPersons/1"}});
        }
        const std::string fingerprint =
            absl::StrCat(request->parent(), "|", request->show_deleted() ? 1 : 0);
        absl::StatusOr<int> size =
            EffectivePageSize(request->page_size(), kDefaultPageSize, kMaxListPageSize);
        if (!size.ok()) return size.status();
        absl::StatusOr<int64_t> after = DecodePageToken(request->page_token(), fingerprint);
        if (!after.ok()) return after.status();
        absl::StatusOr<records::Page<records::Photo>> page = photos_->ListPhotos(
            caller, parent->kind, parent->id, request->show_deleted(), *size, *after);
        if (!page.ok()) return page.status();
        const int64_t next_after_id = AppendWithinBytes(*page, response->mutable_photos(),
                                                        [](const auto& p) { return ToProto(p); });
        if (next_after_id != 0) {
          response->set_next_page_token(EncodePageToken(next_after_id, fingerprint));
        }
        return absl::OkStatus();
      });
}

grpc::Status PhotoServiceImpl::DeletePhoto(grpc::ServerContext* context,
                                           const v1::DeletePhotoRequest* request,
                                           v1::Photo* response) {
  return Serve(gate_, *context, "encuentro.v1.PhotoService.DeletePhoto",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::PhotoRef> ref = RequirePhotoName(request->name());
                 if (!ref.ok()) return ref.status();
                 absl::StatusOr<records::Photo> photo = photos_->DeletePhoto(
                     caller, ref->parent.kind, ref->parent.id, ref->photo_id, request->reason());
                 if (!photo.ok()) return photo.status();
                 *response = ToProto(*photo);
                 return absl::OkStatus();
               });
}

}  // namespace encuentro::services
