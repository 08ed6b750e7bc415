// Ranks the missing persons who could be a given set of unidentified remains: face evidence from
// the gallery plus attribute evidence, summed as log10 likelihood ratios, each candidate with
// the factors behind its place. Every search is tied to a purpose and legal basis and audited.
#pragma once

#include <chrono>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/principal.h"
#include "common/step_durations.h"
#include "index/face_gallery.h"
#include "matching/candidate_pool.h"
#include "matching/candidate_scan.h"
#include "matching/decision.h"
#include "matching/evidence.h"
#include "matching/pair_evidence.h"
#include "matching/population.h"
#include "records/case_records.h"
#include "records/matching_observer.h"
#include "storage/case_record_store.h"
#include "storage/dna_sample_store.h"
#include "storage/match_store.h"

namespace encuentro::matching {

// The purposes a search may state (issue: purpose limitation).
const std::vector<std::string>& SearchPurposes();

struct MatchOptions {
  // Among one person's templates within this distance of their best, the one closest in age to
  // the remains' estimated age at death is used: recognition degrades with the age gap.
  double age_preference_window = 0.05;
  // Age progressions are drawings, not photographs, and the face calibration was not fitted on
  // them: their log10 likelihood ratio counts at this fraction.
  double synthetic_weight = 0.5;
  // The prior probability that a set of remains is one given candidate, before any evidence.
  // 0: 1/N, with N the candidates scored in a search.
  double prior_probability = 0;
  // A candidate's light is "match" from this posterior probability on.
  double match_posterior = 0.5;
  // Threads one search's scan of the candidate pool is split over (pools under 4,096 people are
  // scanned by the calling thread alone).
  int scan_threads = 2;
  // How long the registry's population figures are reused before they are read again.
  std::chrono::seconds population_refresh{600};
  PopulationOptions population;
  EvidenceOptions evidence;
  // Not owned; where a search reports how long its steps took ("match_scan", the scoring of the
  // whole pool, and "match_explain", the reading and explaining of those returned). May be null.
  common::StepDurations* durations = nullptr;
};

struct SearchQuery {
  int64_t remains_id = 0;
  int top_n = 20;
  bool include_excluded = false;
  std::string purpose;
  std::string legal_basis;
};

struct RankedCandidate {
  // A candidate outside the searcher's scope (another commission's person) is a reference only:
  // `person` keeps its id and organization and nothing else, the decision its kind and time, the
  // evidence its numbers without reasons. Matching across jurisdictions must go on (people go
  // missing in one state and are found in another); their personal data stays with the owner.
  bool reference_only = false;
  records::MissingPerson person;
  // The reviewers' latest decision on this pair, if any.
  std::optional<DecisionRecord> decision;
  PairEvidence evidence;
  // P(same person | evidence) under the search's prior, weighted by the place factor.
  double posterior = 0;
  Light light = Light::kUnknown;
};

struct SearchResult {
  std::vector<RankedCandidate> candidates;
  // Every live candidate no hard rule excluded was scored; this many (excluded ones not
  // counted unless asked for). `candidates` holds the best top_n of them.
  int64_t candidates_scored = 0;
  // The prior each posterior starts from, and how it was chosen.
  double prior_probability = 0;
  std::string prior_description;
  // Where the population figures behind the attribute factors came from.
  std::string population_sources;
  int remains_templates = 0;
  size_t gallery_templates = 0;
};

// A set of remains a missing person could be: the reverse direction, used by cross-matching.
struct RankedRemains {
  records::UnidentifiedRemains remains;
  PairEvidence evidence;
};

// A candidate pair's decisions: the current one (the latest) and all of them, oldest first.
// Where a pair stands on DNA (DnaSampleService): live samples on each side.
struct DnaReadiness {
  storage::DnaSampleCounts family_references;
  storage::DnaSampleCounts remains_samples;
  // Both sides profiled: the pair could be compared now.
  bool comparable() const { return family_references.profiled > 0 && remains_samples.profiled > 0; }
};

struct PairDecisions {
  int64_t remains_id = 0;
  int64_t missing_person_id = 0;
  // The person is outside the reader's scope: the reviewers' names and reasons are withheld, and
  // `person_organization` says whom to ask.
  bool reference_only = false;
  std::string person_organization;
  std::vector<DecisionRecord> history;
  DnaReadiness dna;
};

// A template as the evidence needs it, from the gallery or the database alike (index::
// GalleryTemplate: id, descriptor, owner and traits).
index::GalleryTemplate ToGalleryTemplate(const storage::StoredTemplate& stored);

// Thread-safe (its stores, the gallery and the candidate pool are).
class Matcher {
 public:
  // `case_records` decides whose remains and persons a caller may search and review; `records`
  // reads candidates for scoring, which crosses jurisdictions by design.
  Matcher(storage::CaseRecordStore* records, storage::MatchStore* store,
          const index::FaceGallery* gallery, const CandidatePool* pool,
          records::CaseRecords* case_records, FaceFactorFn face_factor,
          std::optional<FusedFace> fused_face = std::nullopt, MatchOptions options = {});

  // INVALID_ARGUMENT for a missing purpose or legal basis; NOT_FOUND for unknown remains;
  // FAILED_PRECONDITION for deleted ones. Deterministic.
  absl::StatusOr<SearchResult> SearchCandidates(const auth::Principal& caller,
                                                const SearchQuery& query);

  // SearchCandidates without validation or audit, for callers that audit their own runs
  // (cross-matching). `remains` must be live. Every live missing person in the candidate pool
  // that no hard rule (dates, age bounds, a sex estimate from soft tissue or DNA) excludes is
  // scored, with its true nearest face distance; candidates are ordered by posterior, ties by
  // the face distance, then the unbounded attribute evidence, then id.
  absl::StatusOr<SearchResult> Rank(const records::UnidentifiedRemains& remains, int top_n,
                                    bool include_excluded) const;
  // The reverse direction: every live remains record `person` could be that no hard rule
  // excludes, best first, each pair scored exactly as Rank scores it. Not audited.
  absl::StatusOr<std::vector<RankedRemains>> RankRemainsFor(const records::MissingPerson& person,
                                                            int top_n) const;
  // The prior for raising leads: 1 in the registry's live missing persons, counted now, or the
  // configured prior. The same whichever side was searched.
  absl::StatusOr<double> LeadPrior() const;

  // A reviewer marks a pair pending, excluded, possible or sent for DNA confirmation, with a
  // reason. Decisions are never overwritten: the new one becomes current, the old ones stay.
  absl::StatusOr<PairDecisions> RecordDecision(const auth::Principal& caller, int64_t remains_id,
                                               int64_t missing_person_id, Decision decision,
                                               const std::string& reason);
  // The pairs with decisions of one remains record or one missing person, by pair; with
  // `current`, only those whose latest decision it is.
  absl::StatusOr<std::vector<PairDecisions>> ListCandidates(
      const auth::Principal& caller, records::RecordKind kind, int64_t id,
      std::optional<Decision> current = std::nullopt);
  // Closes a case (see MatchService.ConfirmIdentification): `identification` names the pair,
  // the confirming evidence, the board's decision and the reason; the caller must be able to
  // change the person or the remains. INVALID_ARGUMENT with field violations; NOT_FOUND;
  // FAILED_PRECONDITION for a deleted or already identified record.
  absl::StatusOr<records::Identification> ConfirmIdentification(
      const auth::Principal& caller, records::Identification identification);
  // Not owned; told when an identification takes a person out of matching. Set before serving.
  void set_observer(records::MatchingObserver* observer) { observer_ = observer; }
  // Not owned; where listings of pairs read each pair's DNA samples. Unset: none are shown.
  void set_dna_samples(storage::DnaSampleStore* samples) { dna_samples_ = samples; }

  // Fills each pair's DNA readiness from its records' samples.
  absl::Status AddDnaReadiness(std::vector<PairDecisions>& pairs) const;
  // Marks the pairs whose person `caller` may not read reference-only, withholding the reviewers'
  // names and reasons.
  absl::Status WithholdOutOfScope(const auth::Principal& caller,
                                  std::vector<PairDecisions>& pairs) const;

  // Pairs across all records whose current decision is `decision` (e.g. the pending leads raised
  // by cross-matching), in the order those decisions were made, starting after the pair whose
  // current decision id is `after_decision_id`; at most `limit`.
  absl::StatusOr<std::vector<PairDecisions>> ListPairsByDecision(const auth::Principal& caller,
                                                                 Decision decision,
                                                                 int64_t after_decision_id,
                                                                 int limit);

 private:
  // The registry's population figures, read again once older than options_.population_refresh.
  absl::StatusOr<std::shared_ptr<const PopulationStatistics>> Population() const;

  // NOT_FOUND for unknown records; PERMISSION_DENIED for records out of `caller`'s scope.
  absl::Status CheckReadable(const auth::Principal& caller, records::RecordKind kind,
                             int64_t id) const;

  storage::CaseRecordStore* records_;
  storage::MatchStore* store_;
  const index::FaceGallery* gallery_;
  const CandidatePool* pool_;
  records::CaseRecords* case_records_;
  records::MatchingObserver* observer_ = nullptr;
  storage::DnaSampleStore* dna_samples_ = nullptr;
  MatchOptions options_;
  PairScorer scorer_;
  mutable std::mutex population_mu_;
  mutable std::shared_ptr<const PopulationStatistics> population_;  // guarded by population_mu_
  mutable std::chrono::steady_clock::time_point population_time_;   // guarded by population_mu_
};

// Keeps the gallery equal to the database's live missing-person templates, and the candidate
// pool to its live missing persons, told by the records module after each commit. Thread-safe.
class MatchingStateSync final : public records::MatchingObserver {
 public:
  MatchingStateSync(index::FaceGallery* gallery, CandidatePool* pool, storage::MatchStore* store)
      : gallery_(gallery), pool_(pool), store_(store) {}
  void TemplateAdded(const records::Photo& photo) override;
  void TemplateRemoved(records::RecordKind owner_kind, int64_t owner_id, int64_t photo_id) override;
  void RecordRemoved(records::RecordKind kind, int64_t id) override;
  void MissingPersonCommitted(const records::MissingPerson& person) override;

 private:
  index::FaceGallery* gallery_;
  CandidatePool* pool_;
  storage::MatchStore* store_;
};

// How the gallery differs from the database's live missing-person templates.
struct GalleryDifferences {
  size_t database_templates = 0;
  size_t gallery_templates = 0;
  std::vector<int64_t> missing;     // in the database, not in the gallery
  std::vector<int64_t> unexpected;  // in the gallery, not (or no longer) in the database
  std::vector<int64_t> different;   // in both, with different descriptors
  // In both, with the second model's embedding on one side only, or different on the two.
  std::vector<int64_t> second_different;
  // Templates that a search for their own descriptor does not return first (a broken index).
  std::vector<int64_t> unfindable;
  bool consistent() const {
    return missing.empty() && unexpected.empty() && different.empty() && second_different.empty() &&
           unfindable.empty();
  }
};

// Compares every template of the gallery with the database, and searches for up to
// `search_sample` of them by their own descriptor.
absl::StatusOr<GalleryDifferences> CompareGalleryWithDatabase(const index::FaceGallery& gallery,
                                                              storage::MatchStore& store,
                                                              size_t search_sample = 1000);

}  // namespace encuentro::matching
