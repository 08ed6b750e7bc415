// The reads matching needs from PostgreSQL: the gallery's templates, who owns a template, the
// remains' own templates, and the missing persons a set of remains could be on attributes alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit_event.h"
#include "matching/decision.h"
#include "records/model.h"
#include "storage/database.h"

namespace encuentro::storage {

// A face template and what matching needs to know about it.
struct StoredTemplate {
  int64_t photo_id = 0;
  int64_t owner_id = 0;  // missing person or remains id
  FaceDescriptor descriptor{};
  // The second model's embedding of the same face, when the template has one.
  std::optional<SecondFaceEmbedding> second_embedding;
  std::string second_model_id;
  std::optional<double> age_years;
  bool synthetic = false;       // an age progression
  bool failed_quality = false;  // the chosen face failed its quality checks
};

// Which remains the reverse filter admits for one missing person (see SelectRemainsCandidates):
// only those the date and a sex estimate by soft tissue or DNA do not rule out. No cap.
struct RemainsFilter {
  std::optional<records::Date> last_seen_date;
  double date_margin_days = 30;
  std::optional<records::Sex> person_sex;
};

using matching::Decision;
using matching::DecisionRecord;

// The stamp GalleryWatermark gives when the live templates are exactly `photo_ids`, of which
// `second_embeddings` carry the second model's embedding: what a gallery in memory compares with
// the database's before it is saved as a snapshot.
std::string GalleryWatermarkOf(const std::vector<int64_t>& photo_ids, size_t second_embeddings);

// Thread-safe: each call runs on a pooled connection.
class MatchStore {
 public:
  explicit MatchStore(Database* database) : database_(database) {}

  // Every live template of a live missing person (the gallery's contents).
  absl::StatusOr<std::vector<StoredTemplate>> LoadGalleryTemplates();
  // The live templates of one set of remains.
  absl::StatusOr<std::vector<StoredTemplate>> RemainsTemplates(int64_t remains_id);
  // Every live missing person (status missing or located deceased, not deleted), by id, with
  // what the evidence compares (id, organization, status, sex, birth date, age at
  // disappearance, last sighting and place, reported height) and nothing else.
  // With `ids`, only those of them that are live.
  absl::StatusOr<std::vector<records::MissingPerson>> LoadCandidateProfiles(
      const std::vector<int64_t>* ids = nullptr);
  // Every live remains record the filter admits, by id; uses the found_date index.
  absl::StatusOr<std::vector<int64_t>> SelectRemainsCandidates(const RemainsFilter& filter);
  // How many live missing persons (status missing or located deceased) there are.
  absl::StatusOr<int64_t> CountLivePersons();
  // The make-up of the live missing persons: sex, reported heights, ages when last seen.
  absl::StatusOr<records::RegistryCounts> RegistryCounts();
  // The live templates of many remains records (owner_id says whose), by photo id.
  absl::StatusOr<std::vector<StoredTemplate>> RemainsTemplatesOf(
      const std::vector<int64_t>& remains_ids);
  // The live templates of one live missing person.
  absl::StatusOr<std::vector<StoredTemplate>> PersonTemplates(int64_t missing_person_id);
  // Photo ids of every template a missing person ever had (live or not).
  absl::StatusOr<std::vector<int64_t>> PersonTemplatePhotoIds(int64_t missing_person_id);
  // Appends a decision (the pair's new current state) with its audit entry, in one transaction.
  // NOT_FOUND if either record does not exist.
  absl::StatusOr<DecisionRecord> InsertDecision(const DecisionRecord& decision,
                                                const audit::AuditEvent& event);
  // Records a confirmed identification in one transaction: the identification, the pair's
  // "identified" decision, the person's status (located deceased) and both records' revisions,
  // and the audit entry. NOT_FOUND if either record does not exist; FAILED_PRECONDITION if one
  // is deleted or either was identified before.
  absl::StatusOr<records::Identification> InsertIdentification(
      const records::Identification& identification, const DecisionRecord& decision,
      const audit::AuditEvent& event);
  // Every decision about pairs of one remains record (or of one missing person), oldest first.
  absl::StatusOr<std::vector<DecisionRecord>> ListDecisions(records::RecordKind kind, int64_t id);
  // Pairs whose current (latest) decision is `decision` and has an id above `after_decision_id`,
  // at most `limit` of them in the order their current decisions were made; returns each such
  // pair's whole history, by decision id. Pairs of an identified record are left out (they left
  // the queue), except when asking for identified pairs.
  absl::StatusOr<std::vector<DecisionRecord>> ListDecisionsByCurrent(Decision decision,
                                                                     int64_t after_decision_id,
                                                                     int limit);
  // Records a search in the audit log.
  absl::Status AppendAudit(const audit::AuditEvent& event);
  // A stamp of the gallery's database state: changes whenever a template is added or removed.
  absl::StatusOr<std::string> GalleryWatermark();
  // The distinct model ids of the stored second-model embeddings.
  absl::StatusOr<std::vector<std::string>> SecondEmbeddingModels();

 private:
  Database* database_;
};

}  // namespace encuentro::storage
