// Ranks the missing persons who could be a given set of unidentified remains: face evidence from
// the gallery plus attribute evidence, summed as log10 likelihood ratios, each candidate with
// the factors behind its place. Every search is tied to a purpose and legal basis and audited.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/case_scope.h"
#include "auth/principal.h"
#include "index/face_gallery.h"
#include "matching/evidence.h"
#include "records/template_observer.h"
#include "storage/case_record_store.h"
#include "storage/match_store.h"

namespace encuentro::matching {

// The purposes a search may state (issue: purpose limitation).
const std::vector<std::string>& SearchPurposes();

struct MatchOptions {
  // Gallery neighbours fetched per remains template.
  int face_neighbors = 50;
  // Among one person's templates within this distance of their best, the one closest in age to
  // the remains' estimated age at death is used: recognition degrades with the age gap.
  double age_preference_window = 0.05;
  // Most candidates the attribute filter (SQL) admits.
  int attribute_candidates = 200;
  // Most remains records the reverse filter admits for one person (cross-matching).
  int reverse_candidates = 2000;
  EvidenceOptions evidence;
};

struct SearchQuery {
  int64_t remains_id = 0;
  int top_n = 20;
  bool include_excluded = false;
  std::string purpose;
  std::string legal_basis;
};

struct RankedCandidate {
  records::MissingPerson person;
  // The reviewers' latest decision on this pair, if any.
  std::optional<storage::DecisionRecord> decision;
  double score = 0;
  bool excluded = false;
  std::vector<Factor> factors;  // "face" first, when there is face evidence
  // For the face factor: the remains photo and the person's photo that were compared.
  int64_t remains_photo_id = 0;
  int64_t person_photo_id = 0;
};

struct SearchResult {
  std::vector<RankedCandidate> candidates;
  int remains_templates = 0;
  size_t gallery_templates = 0;
};

// A set of remains a missing person could be: the reverse direction, used by cross-matching.
struct RankedRemains {
  records::UnidentifiedRemains remains;
  double score = 0;
  std::vector<Factor> factors;
  int64_t remains_photo_id = 0;
  int64_t person_photo_id = 0;
};

// A candidate pair's decisions: the current one (the latest) and all of them, oldest first.
struct PairDecisions {
  int64_t remains_id = 0;
  int64_t missing_person_id = 0;
  std::vector<storage::DecisionRecord> history;
};

// One comparison of a remains template with a missing person's template.
struct FaceComparison {
  double distance = 0;
  int64_t remains_photo_id = 0;
  int64_t person_photo_id = 0;
  // Years between the person's age in their photo and the remains' estimated age, when known.
  std::optional<double> age_gap;
};

// Turns a face distance into the "face" factor (see FaceCalibration).
using FaceFactorFn = std::function<Factor(double distance)>;

// Thread-safe (its stores and the gallery are).
class Matcher {
 public:
  // `scope` decides whose remains and persons a caller may search and review.
  Matcher(storage::CaseRecordStore* records, storage::MatchStore* store,
          const index::FaceGallery* gallery, const auth::CaseScope* scope, FaceFactorFn face_factor,
          MatchOptions options = {});

  // INVALID_ARGUMENT for a missing purpose or legal basis; NOT_FOUND for unknown remains;
  // FAILED_PRECONDITION for deleted ones. Deterministic: ties are broken by person id.
  absl::StatusOr<SearchResult> SearchCandidates(const auth::Principal& caller,
                                                const SearchQuery& query);

  // SearchCandidates without validation or audit, for callers that audit their own runs
  // (cross-matching). `remains` must be live.
  absl::StatusOr<SearchResult> Rank(const records::UnidentifiedRemains& remains, int top_n,
                                    bool include_excluded) const;
  // The reverse direction: the live remains `person` could be, best first (ties by id), scored
  // exactly as SearchCandidates scores pairs; excluded pairs are left out. Candidates come from
  // indexed SQL filters (dates, confident sex), at most `reverse_candidates` of them, and their
  // faces are compared with all of the person's templates directly. Not audited.
  absl::StatusOr<std::vector<RankedRemains>> RankRemainsFor(const records::MissingPerson& person,
                                                            int top_n) const;

  // A reviewer marks a pair pending, excluded, possible or sent for DNA confirmation, with a
  // reason. Decisions are never overwritten: the new one becomes current, the old ones stay.
  absl::StatusOr<PairDecisions> RecordDecision(const auth::Principal& caller, int64_t remains_id,
                                               int64_t missing_person_id,
                                               storage::Decision decision,
                                               const std::string& reason);
  // The pairs with decisions of one remains record or one missing person, by pair; with
  // `current`, only those whose latest decision it is.
  absl::StatusOr<std::vector<PairDecisions>> ListCandidates(
      const auth::Principal& caller, records::RecordKind kind, int64_t id,
      std::optional<storage::Decision> current = std::nullopt);
  // Pairs across all records whose current decision is `decision` (e.g. the pending leads raised
  // by cross-matching), in the order those decisions were made, starting after the pair whose
  // current decision id is `after_decision_id`; at most `limit`.
  absl::StatusOr<std::vector<PairDecisions>> ListPairsByDecision(const auth::Principal& caller,
                                                                 storage::Decision decision,
                                                                 int64_t after_decision_id,
                                                                 int limit);

 private:
  struct PairEvidence {
    std::vector<Factor> factors;
    double score = 0;
    bool excluded = false;
    int64_t remains_photo_id = 0;
    int64_t person_photo_id = 0;
  };
  // The factors, score and exclusion of one pair; `face` is the comparison the face evidence
  // rests on, or null when there is none.
  PairEvidence ScorePair(const records::MissingPerson& person,
                         const records::UnidentifiedRemains& remains,
                         const FaceComparison* face) const;

  // NOT_FOUND for unknown records; PERMISSION_DENIED for records out of `caller`'s scope.
  absl::Status CheckReadable(const auth::Principal& caller, records::RecordKind kind,
                             int64_t id) const;

  storage::CaseRecordStore* records_;
  storage::MatchStore* store_;
  const index::FaceGallery* gallery_;
  const auth::CaseScope* scope_;
  FaceFactorFn face_factor_;
  MatchOptions options_;
};

// Keeps the gallery equal to the database's live missing-person templates, told by the records
// module after each commit. Thread-safe.
class GallerySync final : public records::TemplateObserver {
 public:
  GallerySync(index::FaceGallery* gallery, storage::MatchStore* store)
      : gallery_(gallery), store_(store) {}
  void TemplateAdded(records::RecordKind owner_kind, int64_t owner_id, int64_t photo_id,
                     const records::Descriptor& descriptor) override;
  void TemplateRemoved(records::RecordKind owner_kind, int64_t photo_id) override;
  void RecordRemoved(records::RecordKind kind, int64_t id) override;

 private:
  index::FaceGallery* gallery_;
  storage::MatchStore* store_;
};

// How the gallery differs from the database's live missing-person templates.
struct GalleryDifferences {
  size_t database_templates = 0;
  size_t gallery_templates = 0;
  std::vector<int64_t> missing;     // in the database, not in the gallery
  std::vector<int64_t> unexpected;  // in the gallery, not (or no longer) in the database
  std::vector<int64_t> different;   // in both, with different descriptors
  // Templates that a search for their own descriptor does not return first (a broken index).
  std::vector<int64_t> unfindable;
  bool consistent() const {
    return missing.empty() && unexpected.empty() && different.empty() && unfindable.empty();
  }
};

// Compares every template of the gallery with the database, and searches for up to
// `search_sample` of them by their own descriptor.
absl::StatusOr<GalleryDifferences> CompareGalleryWithDatabase(const index::FaceGallery& gallery,
                                                              storage::MatchStore& store,
                                                              size_t search_sample = 1000);

}  // namespace encuentro::matching
