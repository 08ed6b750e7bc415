#include "storage/photo_store.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "records/names.h"
#include "storage/audit_writer.h"
#include "storage/connection_pool.h"
#include "storage/cross_match_enqueue.h"
#include "storage/sql_values.h"

namespace encuentro::storage {
namespace {

using records::Photo;
using records::RecordKind;

const char* OwnerTable(RecordKind kind) {
  return kind == RecordKind::kMissingPerson ? "missing_persons" : "remains";
}
const char* OwnerColumn(RecordKind kind) {
  return kind == RecordKind::kMissingPerson ? "missing_person_id" : "remains_id";
}

constexpr const char* kVerdicts[] = {"pass", "warn", "fail"};
constexpr const char* kSources[] = {"unspecified",     "family",      "id_document",
                                    "social_media",    "post_mortem", "official_record",
                                    "age_progression", "other"};
constexpr const char* kMethods[] = {"unspecified", "forensic_artist", "computed"};

template <typename Enum, size_t N>
Enum FromName(const std::string& name, const char* const (&names)[N]) {
  for (size_t i = 0; i < N; ++i) {
    if (name == names[i]) return static_cast<Enum>(i);
  }
  return static_cast<Enum>(0);
}

records::QualityVerdict VerdictFromName(const std::string& name) {
  return FromName<records::QualityVerdict>(name, kVerdicts);
}

std::string FacesToJson(const std::vector<records::FaceFinding>& faces) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : faces) {
    nlohmann::json quality = nlohmann::json::array();
    for (const auto& q : f.quality) {
      quality.push_back({{"metric", q.metric},
                         {"value", q.value},
                         {"verdict", kVerdicts[static_cast<int>(q.verdict)]}});
    }
    out.push_back({{"box", {f.x, f.y, f.width, f.height}},
                   {"quality", quality},
                   {"overall", kVerdicts[static_cast<int>(f.overall)]}});
  }
  return out.dump();
}

std::vector<records::FaceFinding> FacesFromJson(const std::string& text) {
  std::vector<records::FaceFinding> faces;
  for (const auto& f : nlohmann::json::parse(text)) {
    records::FaceFinding face;
    const auto& box = f.at("box");
    face.x = box.at(0).get<int>();
    face.y = box.at(1).get<int>();
    face.width = box.at(2).get<int>();
    face.height = box.at(3).get<int>();
    for (const auto& q : f.at("quality")) {
      face.quality.push_back({q.at("metric").get<std::string>(), q.at("value").get<double>(),
                              VerdictFromName(q.at("verdict").get<std::string>())});
    }
    face.overall = VerdictFromName(f.at("overall").get<std::string>());
    faces.push_back(std::move(face));
  }
  return faces;
}

constexpr char kPhotoColumns[] =
    "p.id, p.missing_person_id, p.remains_id, p.organization, p.sha256, b.size_bytes, "
    "b.content_type, p.width, p.height, p.capture_date, p.age_at_capture_years, p.source, "
    "p.faces, p.chosen_face, p.synthetic, p.progression_source_id, p.progression_target_age, "
    "p.progression_method, p.progression_author, p.progression_made_date, "
    "(extract(epoch from p.create_time) * 1e6)::bigint, "
    "(extract(epoch from p.delete_time) * 1e6)::bigint, p.delete_reason, "
    "t.descriptor, t.model_id, t.age_years, p.capture_precision, p.mark_id, p.effect_id, "
    "e.embedding, e.model_id";

constexpr char kPhotoFrom[] =
    " FROM photos p JOIN photo_blobs b ON b.sha256 = p.sha256 "
    "LEFT JOIN face_templates t ON t.photo_id = p.id "
    "LEFT JOIN face_embeddings e ON e.photo_id = p.id ";

void WriteSecondEmbedding(pqxx::transaction_base& tx, int64_t photo_id,
                          const SecondFaceEmbedding& embedding, const std::string& model_id) {
  tx.exec_params("INSERT INTO face_embeddings (photo_id, embedding, model_id) VALUES ($1, $2, $3)",
                 photo_id, pqxx::binarystring(embedding.data(), sizeof embedding), model_id);
}

Photo ReadPhoto(const pqxx::row& row) {
  Photo photo;
  photo.id = row[0].as<int64_t>();
  if (!row[1].is_null()) {
    photo.owner_kind = RecordKind::kMissingPerson;
    photo.owner_id = row[1].as<int64_t>();
  } else {
    photo.owner_kind = RecordKind::kRemains;
    photo.owner_id = row[2].as<int64_t>();
  }
  photo.organization = row[3].as<std::string>();
  photo.sha256 = row[4].as<std::string>();
  photo.size_bytes = row[5].as<int64_t>();
  photo.content_type = row[6].as<std::string>();
  photo.width = row[7].as<int>();
  photo.height = row[8].as<int>();
  photo.capture_date = DateField(row[9]);
  photo.age_at_capture_years = DoubleField(row[10]);
  photo.source = FromName<records::PhotoSource>(row[11].as<std::string>(), kSources);
  photo.faces = FacesFromJson(row[12].as<std::string>());
  photo.chosen_face = row[13].as<int>();
  if (row[14].as<bool>()) {
    records::AgeProgressionInfo progression;
    progression.source_photo_id = row[15].is_null() ? 0 : row[15].as<int64_t>();
    progression.target_age_years = DoubleField(row[16]).value_or(0);
    progression.method = FromName<records::ProgressionMethod>(TextField(row[17]), kMethods);
    progression.author = TextField(row[18]);
    progression.made_date = DateField(row[19]);
    photo.progression = progression;
  }
  photo.create_time = MicrosField(row[20]);
  photo.delete_time = OptionalMicrosField(row[21]);
  photo.delete_reason = TextField(row[22]);
  if (!row[23].is_null()) {
    FaceDescriptor descriptor;
    FloatsField(row[23], descriptor);  // length-checked by the table
    photo.descriptor = descriptor;
    photo.model_id = row[24].as<std::string>();
    photo.template_age_years = DoubleField(row[25]);
  }
  photo.capture_precision = PrecisionFromSql(row[26].as<std::string>());
  if (!row[27].is_null()) {
    photo.depicts =
        records::PhotoSubject{records::PhotoSubject::Kind::kMark, row[27].as<int64_t>()};
  } else if (!row[28].is_null()) {
    photo.depicts =
        records::PhotoSubject{records::PhotoSubject::Kind::kEffect, row[28].as<int64_t>()};
  }
  SecondFaceEmbedding second;
  if (FloatsField(row[29], second)) {
    photo.second_embedding = second;
    photo.second_model_id = row[30].as<std::string>();
  }
  return photo;
}

std::optional<Photo> SelectPhoto(pqxx::transaction_base& tx, RecordKind kind, int64_t owner_id,
                                 int64_t photo_id) {
  pqxx::result rows = SqlParams().Add(photo_id).Add(owner_id).Exec(
      tx, absl::StrCat("SELECT ", kPhotoColumns, kPhotoFrom, "WHERE p.id = $1 AND p.",
                       OwnerColumn(kind), " = $2"));
  if (rows.empty()) return std::nullopt;
  return ReadPhoto(rows[0]);
}

// The photo an earlier upload with `key` made on the record; ALREADY_EXISTS if that upload
// asked for something else.
absl::StatusOr<std::optional<Photo>> EarlierUpload(pqxx::transaction_base& tx, RecordKind kind,
                                                   int64_t owner_id,
                                                   const records::RequestKey& key) {
  const pqxx::result rows = SqlParams().Add(owner_id).Add(key.id).Exec(
      tx, absl::StrCat("SELECT p.id, p.create_request_digest FROM photos p WHERE p.",
                       OwnerColumn(kind), " = $1 AND p.create_request_id = $2"));
  if (rows.empty()) return std::nullopt;
  const int64_t id = rows[0][0].as<int64_t>();
  if (!rows[0][1].is_null() && rows[0][1].as<std::string>() != key.digest) {
    return records::RequestIdReused(key, records::PhotoName(kind, owner_id, id));
  }
  return SelectPhoto(tx, kind, owner_id, id);
}

void BumpOwnerRevision(pqxx::transaction_base& tx, RecordKind kind, int64_t owner_id) {
  SqlParams().Add(owner_id).Exec(
      tx, absl::StrCat("UPDATE ", OwnerTable(kind),
                       " SET revision = revision + 1, update_time = now() WHERE id = $1"));
}

}  // namespace

absl::StatusOr<bool> PhotoStore::PartIsLive(RecordKind kind, int64_t owner_id,
                                            const records::PhotoSubject& subject) {
  bool live = false;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    const char* table = subject.kind == records::PhotoSubject::Kind::kMark ? "distinguishing_marks"
                                                                           : "personal_effects";
    live = !SqlParams()
                .Add(subject.id)
                .Add(owner_id)
                .Exec(tx, absl::StrCat("SELECT 1 FROM ", table, " WHERE id = $1 AND ",
                                       kind == RecordKind::kMissingPerson ? "missing_person_id"
                                                                          : "remains_id",
                                       " = $2 AND delete_time IS NULL"))
                .empty();
  });
  if (!status.ok()) return status;
  return live;
}

absl::StatusOr<PhotoOwner> PhotoStore::GetOwner(RecordKind kind, int64_t id) {
  std::optional<PhotoOwner> owner;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    const std::string dob = kind == RecordKind::kMissingPerson
                                ? "date_of_birth, date_of_birth_precision"
                                : "NULL::date, 'day'";
    pqxx::result rows = SqlParams().Add(id).Exec(
        tx, absl::StrCat("SELECT delete_time IS NOT NULL, ", dob, ", organization FROM ",
                         OwnerTable(kind), " WHERE id = $1"));
    if (rows.empty()) return;
    owner = PhotoOwner{rows[0][0].as<bool>(), DateField(rows[0][1]), rows[0][3].as<std::string>(),
                       PrecisionFromSql(rows[0][2].as<std::string>())};
  });
  if (!status.ok()) return status;
  if (!owner) return absl::NotFoundError(records::RecordName(kind, id) + " not found");
  return *owner;
}

absl::StatusOr<std::optional<Photo>> PhotoStore::FindByRequestKey(RecordKind kind, int64_t owner_id,
                                                                  const records::RequestKey& key) {
  absl::StatusOr<std::optional<Photo>> photo = std::optional<Photo>();
  if (key.id.empty()) return photo;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    photo = EarlierUpload(tx, kind, owner_id, key);
  });
  if (!status.ok()) return status;
  return photo;
}

absl::StatusOr<Photo> PhotoStore::InsertPhoto(const Photo& photo, const std::string& bytes,
                                              const records::RequestKey& key,
                                              const audit::AuditEvent& event) {
  std::optional<Photo> result;
  absl::Status outcome = absl::OkStatus();
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    tx.exec_params(
        "INSERT INTO photo_blobs (sha256, content, size_bytes, content_type) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING",
        photo.sha256, pqxx::binarystring(bytes.data(), bytes.size()),
        static_cast<int64_t>(bytes.size()), photo.content_type);
    SqlParams params;
    params.Add(photo.owner_kind == RecordKind::kMissingPerson ? std::optional(photo.owner_id)
                                                              : std::nullopt);
    params.Add(photo.owner_kind == RecordKind::kRemains ? std::optional(photo.owner_id)
                                                        : std::nullopt);
    params.Add(photo.organization);
    params.Add(key.id.empty() ? std::nullopt : std::optional(key.id));
    params.Add(photo.sha256).Add(photo.capture_date).Add(photo.age_at_capture_years);
    params.Add(kSources[static_cast<int>(photo.source)]).Add(photo.width).Add(photo.height);
    params.Add(FacesToJson(photo.faces)).Add(photo.chosen_face).Add(photo.progression.has_value());
    const auto& progression = photo.progression;
    params.Add(progression ? std::optional(progression->source_photo_id) : std::nullopt);
    params.Add(progression ? std::optional(progression->target_age_years) : std::nullopt);
    params.Add(progression
                   ? std::optional<std::string>(kMethods[static_cast<int>(progression->method)])
                   : std::nullopt);
    params.Add(progression ? std::optional(progression->author) : std::nullopt);
    params.Add(progression ? progression->made_date : std::nullopt);
    params.Add(PrecisionToSql(photo.capture_precision));
    const bool mark = photo.depicts && photo.depicts->kind == records::PhotoSubject::Kind::kMark;
    const bool effect =
        photo.depicts && photo.depicts->kind == records::PhotoSubject::Kind::kEffect;
    params.Add(mark ? std::optional(photo.depicts->id) : std::nullopt);
    params.Add(effect ? std::optional(photo.depicts->id) : std::nullopt);
    params.Add(key.id.empty() ? std::nullopt : std::optional(key.digest));
    pqxx::result inserted = params.Exec(
        tx,
        "INSERT INTO photos (missing_person_id, remains_id, organization, create_request_id, "
        "sha256, capture_date, age_at_capture_years, source, width, height, faces, chosen_face, "
        "synthetic, progression_source_id, progression_target_age, progression_method, "
        "progression_author, progression_made_date, capture_precision, mark_id, effect_id, "
        "create_request_digest) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
        "$18, $19, $20, $21, $22) "
        "ON CONFLICT DO NOTHING RETURNING id");
    if (inserted.empty()) {
      // A retried upload: return what the first attempt stored, if it was the same upload.
      absl::StatusOr<std::optional<Photo>> earlier =
          EarlierUpload(tx, photo.owner_kind, photo.owner_id, key);
      if (!earlier.ok()) {
        outcome = earlier.status();
        return;
      }
      result = std::move(earlier->value());
      tx.commit();
      return;
    }
    const int64_t id = inserted[0][0].as<int64_t>();
    if (photo.descriptor) {
      tx.exec_params(
          "INSERT INTO face_templates (photo_id, descriptor, model_id, age_years) "
          "VALUES ($1, $2, $3, $4::double precision)",
          id, pqxx::binarystring(photo.descriptor->data(), sizeof(FaceDescriptor)), photo.model_id,
          photo.template_age_years ? std::to_string(*photo.template_age_years).c_str()
                                   : static_cast<const char*>(nullptr));
      if (photo.second_embedding)
        WriteSecondEmbedding(tx, id, *photo.second_embedding, photo.second_model_id);
    }
    BumpOwnerRevision(tx, photo.owner_kind, photo.owner_id);
    if (photo.descriptor) EnqueueCrossMatch(tx, photo.owner_kind, photo.owner_id, "face added");
    audit::AuditEvent entry = event;
    entry.targets.push_back(records::RecordName(photo.owner_kind, photo.owner_id));
    entry.targets.push_back(records::PhotoName(photo.owner_kind, photo.owner_id, id));
    AppendAuditEntry(*database_, tx, entry);
    result = SelectPhoto(tx, photo.owner_kind, photo.owner_id, id);
    tx.commit();
  });
  if (!status.ok()) return status;
  if (!outcome.ok()) return outcome;
  return *result;
}

absl::StatusOr<Photo> PhotoStore::GetPhoto(RecordKind kind, int64_t owner_id, int64_t photo_id) {
  std::optional<Photo> photo;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    photo = SelectPhoto(tx, kind, owner_id, photo_id);
  });
  if (!status.ok()) return status;
  if (!photo) {
    return absl::NotFoundError(records::PhotoName(kind, owner_id, photo_id) + " not found");
  }
  return *photo;
}

absl::StatusOr<std::string> PhotoStore::GetPhotoBytes(const std::string& sha256) {
  std::optional<std::string> bytes;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    pqxx::result rows = tx.exec_params("SELECT content FROM photo_blobs WHERE sha256 = $1", sha256);
    if (!rows.empty()) bytes = pqxx::binarystring(rows[0][0]).str();
  });
  if (!status.ok()) return status;
  if (!bytes) return absl::NotFoundError("photo bytes " + sha256 + " not found");
  return *bytes;
}

// Live photos with a template and without its second embedding.
constexpr char kWithoutSecondEmbedding[] =
    "WHERE t.photo_id IS NOT NULL AND e.photo_id IS NULL AND p.delete_time IS NULL ";

absl::StatusOr<std::vector<Photo>> PhotoStore::TemplatesWithoutSecondEmbedding(
    int64_t after_photo_id, int limit) {
  std::vector<Photo> photos;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    photos.clear();
    pqxx::result rows =
        SqlParams()
            .Add(after_photo_id)
            .Add(static_cast<int64_t>(limit))
            .Exec(tx, absl::StrCat("SELECT ", kPhotoColumns, kPhotoFrom, kWithoutSecondEmbedding,
                                   "AND p.id > $1 ORDER BY p.id LIMIT $2"));
    for (const auto& row : rows) photos.push_back(ReadPhoto(row));
  });
  if (!status.ok()) return status;
  return photos;
}

absl::StatusOr<int64_t> PhotoStore::CountTemplatesWithoutSecondEmbedding() {
  int64_t count = 0;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    count = tx.exec1(absl::StrCat("SELECT count(*)", kPhotoFrom, kWithoutSecondEmbedding))[0]
                .as<int64_t>();
  });
  if (!status.ok()) return status;
  return count;
}

absl::Status PhotoStore::InsertSecondEmbedding(int64_t photo_id,
                                               const SecondFaceEmbedding& embedding,
                                               const std::string& model_id) {
  std::optional<absl::Status> outcome;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    pqxx::result owner = tx.exec_params(
        "SELECT p.missing_person_id, p.remains_id FROM face_templates t JOIN photos p ON "
        "p.id = t.photo_id WHERE t.photo_id = $1",
        photo_id);
    if (owner.empty()) {
      outcome = absl::NotFoundError(absl::StrCat("photo ", photo_id, " has no face template"));
      return;
    }
    // Another run (or replica) may be filling the same template: the first one wins.
    pqxx::result inserted = tx.exec_params(
        "INSERT INTO face_embeddings (photo_id, embedding, model_id) VALUES ($1, $2, $3) "
        "ON CONFLICT (photo_id) DO NOTHING RETURNING photo_id",
        photo_id, pqxx::binarystring(embedding.data(), sizeof embedding), model_id);
    if (inserted.empty()) {
      outcome = absl::AlreadyExistsError(
          absl::StrCat("the template of photo ", photo_id, " has its second embedding"));
      return;
    }
    // The pair's evidence may change (both models fused): its owner is matched again.
    if (!owner[0][0].is_null()) {
      EnqueueCrossMatch(tx, RecordKind::kMissingPerson, owner[0][0].as<int64_t>(),
                        "second face model added");
    } else {
      EnqueueCrossMatch(tx, RecordKind::kRemains, owner[0][1].as<int64_t>(),
                        "second face model added");
    }
    tx.commit();
  });
  if (!status.ok()) return status;
  return outcome.value_or(absl::OkStatus());
}

absl::StatusOr<records::Page<Photo>> PhotoStore::ListPhotos(RecordKind kind, int64_t owner_id,
                                                            bool show_deleted, int page_size,
                                                            int64_t after_id) {
  records::Page<Photo> page;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    pqxx::result rows = SqlParams().Add(owner_id).Add(after_id).Exec(
        tx, absl::StrCat("SELECT ", kPhotoColumns, kPhotoFrom, "WHERE p.", OwnerColumn(kind),
                         " = $1 AND p.id > $2", show_deleted ? "" : " AND p.delete_time IS NULL",
                         " ORDER BY p.id LIMIT ", page_size + 1));
    for (const auto& row : rows) {
      if (static_cast<int>(page.records.size()) == page_size) {
        page.next_after_id = page.records.back().id;
        break;
      }
      page.records.push_back(ReadPhoto(row));
    }
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<Photo> PhotoStore::SoftDeletePhoto(RecordKind kind, int64_t owner_id,
                                                  int64_t photo_id, const std::string& reason,
                                                  const audit::AuditEvent& event) {
  std::optional<Photo> result;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    pqxx::result updated = SqlParams().Add(photo_id).Add(owner_id).Add(reason).Exec(
        tx, absl::StrCat("UPDATE photos SET delete_time = now(), delete_reason = $3 WHERE id = $1 "
                         "AND ",
                         OwnerColumn(kind), " = $2 AND delete_time IS NULL RETURNING id"));
    if (!updated.empty()) {
      BumpOwnerRevision(tx, kind, owner_id);
      audit::AuditEvent entry = event;
      entry.targets.push_back(records::RecordName(kind, owner_id));
      entry.targets.push_back(records::PhotoName(kind, owner_id, photo_id));
      AppendAuditEntry(*database_, tx, entry);
    }
    result = SelectPhoto(tx, kind, owner_id, photo_id);
    tx.commit();
  });
  if (!status.ok()) return status;
  if (!result) {
    return absl::NotFoundError(records::PhotoName(kind, owner_id, photo_id) + " not found");
  }
  return *result;
}

absl::Status PhotoStore::AppendAudit(const audit::AuditEvent& event) {
  return AppendAuditEntry(*database_, event);
}

}  // namespace encuentro::storage
