// Persistence of photos: bytes stored once per SHA-256, the face pipeline's findings, and the
// chosen face's template, committed together with the owning record's new revision and an
// audit entry.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "audit/audit_event.h"
#include "records/model.h"
#include "records/request_key.h"
#include "storage/database.h"

namespace encuentro::storage {

// What a photo's validation needs to know about the record it is added to.
struct PhotoOwner {
  bool deleted = false;
  std::optional<records::Date> date_of_birth;  // missing persons only
  std::string organization;                    // that recorded the owner
  records::DatePrecision date_of_birth_precision = records::DatePrecision::kDay;
};

// Thread-safe: each call runs in its own transaction on a pooled connection.
class PhotoStore {
 public:
  explicit PhotoStore(Database* database) : database_(database) {}

  // NOT_FOUND if the record does not exist.
  absl::StatusOr<PhotoOwner> GetOwner(records::RecordKind kind, int64_t id);
  // Whether `subject` is a live mark or effect of the record.
  absl::StatusOr<bool> PartIsLive(records::RecordKind kind, int64_t owner_id,
                                  const records::PhotoSubject& subject);
  // The photo an earlier upload to this record with this request id made, if any; ALREADY_EXISTS
  // if that upload was a different request (another digest).
  absl::StatusOr<std::optional<records::Photo>> FindByRequestKey(records::RecordKind kind,
                                                                 int64_t owner_id,
                                                                 const records::RequestKey& key);
  // Stores bytes (deduplicated), photo row and template, and bumps the owner's revision, in one
  // transaction with the audit entry. A request id seen before on the record returns that photo
  // instead (or ALREADY_EXISTS, as FindByRequestKey).
  absl::StatusOr<records::Photo> InsertPhoto(const records::Photo& photo, const std::string& bytes,
                                             const records::RequestKey& key,
                                             const audit::AuditEvent& event);
  // NOT_FOUND unless the photo exists under that owner.
  absl::StatusOr<records::Photo> GetPhoto(records::RecordKind kind, int64_t owner_id,
                                          int64_t photo_id);
  absl::StatusOr<std::string> GetPhotoBytes(const std::string& sha256);
  absl::StatusOr<records::Page<records::Photo>> ListPhotos(records::RecordKind kind,
                                                           int64_t owner_id, bool show_deleted,
                                                           int page_size, int64_t after_id);
  // Marks the photo deleted (its template leaves matching) and bumps the owner's revision.
  absl::StatusOr<records::Photo> SoftDeletePhoto(records::RecordKind kind, int64_t owner_id,
                                                 int64_t photo_id, const std::string& reason,
                                                 const audit::AuditEvent& event);

  // Live photos whose template lacks the second model's embedding, after `after_photo_id` in id
  // order, at most `limit`; and how many there are in all. What backfill-embeddings computes.
  absl::StatusOr<std::vector<records::Photo>> TemplatesWithoutSecondEmbedding(
      int64_t after_photo_id, int limit);
  absl::StatusOr<int64_t> CountTemplatesWithoutSecondEmbedding();
  // Stores a template's second-model embedding (announced to matching like a new template) and
  // queues its owner for cross-matching; ALREADY_EXISTS if it has one, NOT_FOUND if the photo has
  // no template.
  absl::Status InsertSecondEmbedding(int64_t photo_id, const SecondFaceEmbedding& embedding,
                                     const std::string& model_id);

  // Records a read of case data in the audit log.
  absl::Status AppendAudit(const audit::AuditEvent& event);

 private:
  Database* database_;
};

}  // namespace encuentro::storage
