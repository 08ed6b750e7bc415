#include "matching/matcher.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/field_violations.h"
#include "common/logging.h"
#include "common/text.h"
#include "nlohmann/json.hpp"
#include "records/names.h"

namespace encuentro::matching {

namespace {

using FaceMatch = FaceComparison;

std::optional<double> RemainsAgeMidpoint(const records::UnidentifiedRemains& remains) {
  const auto& age = remains.biological_profile.age;
  if (!age) return std::nullopt;
  return (age->min_years + age->max_years) / 2;
}

// Narrows the SQL candidate filter with the evidence that would exclude anyway; a caller who asks
// to see excluded candidates gets the unnarrowed list (still bounded).
storage::AttributeFilter FilterFor(const records::UnidentifiedRemains& remains,
                                   const MatchOptions& options, bool include_excluded) {
  storage::AttributeFilter filter;
  filter.limit = options.attribute_candidates;
  if (include_excluded) return filter;
  filter.found_date = remains.found_date;
  filter.date_margin_days = options.evidence.date_margin_days;
  const auto& sex = remains.biological_profile.sex;
  if (sex && sex->sex != records::Sex::kUnknown &&
      sex->probability >= options.evidence.confident_sex_probability) {
    filter.sex = sex->sex;
  }
  if (const auto& age = remains.biological_profile.age) {
    filter.min_age_years = age->min_years - options.evidence.age_exclusion_gap_years;
    filter.max_age_years = age->max_years + options.evidence.age_exclusion_gap_years;
  }
  return filter;
}

// The comparison a person's face evidence rests on: their nearest template, or, among those
// within `age_window` of it, the one closest in age to the remains (recognition degrades with the
// age gap, so a near-equal distance at a closer age is the better witness).
FaceMatch ChooseFaceMatch(const std::vector<FaceMatch>& matches, double age_window) {
  const double best = std::min_element(matches.begin(), matches.end(), [](auto& a, auto& b) {
                        return a.distance < b.distance;
                      })->distance;
  const FaceMatch* chosen = nullptr;
  for (const FaceMatch& m : matches) {
    if (m.distance > best + age_window) continue;
    const bool better =
        chosen == nullptr || (m.age_gap.value_or(1e9) != chosen->age_gap.value_or(1e9)
                                  ? m.age_gap.value_or(1e9) < chosen->age_gap.value_or(1e9)
                                  : m.distance < chosen->distance);
    if (better) chosen = &m;
  }
  return *chosen;
}

// Decisions (oldest first) grouped into pairs, in (remains, person) order.
std::vector<PairDecisions> GroupByPair(const std::vector<storage::DecisionRecord>& decisions) {
  std::map<std::pair<int64_t, int64_t>, PairDecisions> pairs;
  for (const auto& d : decisions) {
    PairDecisions& pair = pairs[{d.remains_id, d.missing_person_id}];
    pair.remains_id = d.remains_id;
    pair.missing_person_id = d.missing_person_id;
    pair.history.push_back(d);
  }
  std::vector<PairDecisions> out;
  for (auto& [key, pair] : pairs) out.push_back(std::move(pair));
  return out;
}

}  // namespace

Matcher::PairEvidence Matcher::ScorePair(const records::MissingPerson& person,
                                         const records::UnidentifiedRemains& remains,
                                         const FaceMatch* face) const {
  PairEvidence evidence;
  if (face != nullptr) {
    evidence.factors.push_back(face_factor_(face->distance));
    evidence.remains_photo_id = face->remains_photo_id;
    evidence.person_photo_id = face->person_photo_id;
  }
  for (Factor& f : CompareAttributes(person, remains, options_.evidence)) {
    evidence.factors.push_back(std::move(f));
  }
  for (const Factor& f : evidence.factors) {
    evidence.score += f.log10_lr;
    evidence.excluded = evidence.excluded || f.excludes;
  }
  return evidence;
}

const std::vector<std::string>& SearchPurposes() {
  static const auto* const kPurposes = new std::vector<std::string>{
      "identification", "investigation", "family_request", "quality_review"};
  return *kPurposes;
}

Matcher::Matcher(storage::CaseRecordStore* records, storage::MatchStore* store,
                 const index::FaceGallery* gallery, const auth::CaseScope* scope,
                 FaceFactorFn face_factor, MatchOptions options)
    : records_(records),
      store_(store),
      gallery_(gallery),
      scope_(scope),
      face_factor_(std::move(face_factor)),
      options_(options) {}

absl::StatusOr<SearchResult> Matcher::SearchCandidates(const auth::Principal& caller,
                                                       const SearchQuery& query) {
  std::vector<FieldViolation> bad;
  const auto& purposes = SearchPurposes();
  if (std::find(purposes.begin(), purposes.end(), query.purpose) == purposes.end()) {
    std::string list;
    for (const auto& p : purposes) absl::StrAppend(&list, list.empty() ? "" : ", ", p);
    bad.push_back({"purpose", "must be one of: " + list});
  }
  if (!IsValidUtf8(query.legal_basis) ||
      query.legal_basis.find_first_not_of(" \t") == std::string::npos) {
    bad.push_back({"legal_basis", "is required, e.g. the investigation folio"});
  }
  if (query.top_n < 1 || query.top_n > 500) bad.push_back({"top_n", "must be between 1 and 500"});
  if (!bad.empty()) return InvalidFields(bad);

  absl::StatusOr<records::UnidentifiedRemains> remains = records_->GetRemains(query.remains_id);
  if (!remains.ok()) return remains.status();
  if (absl::Status s = scope_->CheckRead(caller, records::RecordKind::kRemains, query.remains_id,
                                         remains->meta.organization);
      !s.ok()) {
    return s;
  }
  if (remains->meta.delete_time) {
    return absl::FailedPreconditionError(records::RemainsName(query.remains_id) + " is deleted");
  }

  absl::StatusOr<SearchResult> result = Rank(*remains, query.top_n, query.include_excluded);
  if (!result.ok()) return result.status();

  audit::AuditEvent event;
  event.principal = caller;
  event.method = "MatchService/SearchCandidates";
  event.purpose = query.purpose;
  event.legal_basis = query.legal_basis;
  event.targets.push_back(records::RemainsName(query.remains_id));
  nlohmann::json returned = nlohmann::json::array();
  for (const auto& c : result->candidates) {
    const std::string name = records::MissingPersonName(c.person.meta.id);
    event.targets.push_back(name);
    returned.push_back({{"candidate", name}, {"score", c.score}, {"excluded", c.excluded}});
  }
  event.outcome_json = nlohmann::json({{"status", "OK"}, {"candidates", returned}}).dump();
  if (absl::Status s = store_->AppendAudit(event); !s.ok()) return s;
  return result;
}

absl::StatusOr<SearchResult> Matcher::Rank(const records::UnidentifiedRemains& remains, int top_n,
                                           bool include_excluded) const {
  // Face evidence: nearest gallery templates of every remains template, best per person.
  absl::StatusOr<std::vector<storage::StoredTemplate>> probes =
      store_->RemainsTemplates(remains.meta.id);
  if (!probes.ok()) return probes.status();
  std::vector<index::Descriptor> descriptors;
  for (const auto& probe : *probes) descriptors.push_back(probe.descriptor);
  const auto hits = gallery_->SearchMany(descriptors, options_.face_neighbors);
  std::vector<int64_t> hit_photos;
  for (const auto& list : hits) {
    for (const auto& hit : list) hit_photos.push_back(hit.id);
  }
  absl::StatusOr<std::unordered_map<int64_t, storage::StoredTemplate>> owners =
      store_->GalleryTemplateOwners(hit_photos);
  if (!owners.ok()) return owners.status();
  const std::optional<double> remains_age = RemainsAgeMidpoint(remains);
  std::map<int64_t, std::vector<FaceMatch>> per_person;
  for (size_t q = 0; q < hits.size(); ++q) {
    for (const auto& hit : hits[q]) {
      auto owner = owners->find(hit.id);
      if (owner == owners->end()) continue;  // removed since the search started
      FaceMatch match{hit.distance, (*probes)[q].photo_id, hit.id, std::nullopt};
      if (remains_age && owner->second.age_years) {
        match.age_gap = std::abs(*owner->second.age_years - *remains_age);
      }
      per_person[owner->second.owner_id].push_back(match);
    }
  }
  std::map<int64_t, FaceMatch> best_face;
  for (const auto& [person, matches] : per_person) {
    best_face[person] = ChooseFaceMatch(matches, options_.age_preference_window);
  }

  // Attribute candidates, chosen by indexed SQL filters rather than by scoring everyone.
  absl::StatusOr<std::vector<int64_t>> by_attributes =
      store_->SelectAttributeCandidates(FilterFor(remains, options_, include_excluded));
  if (!by_attributes.ok()) return by_attributes.status();
  std::vector<int64_t> ids = *by_attributes;
  for (const auto& [person, match] : best_face) ids.push_back(person);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  absl::StatusOr<std::vector<records::MissingPerson>> people = records_->GetMissingPersons(ids);
  if (!people.ok()) return people.status();

  absl::StatusOr<std::vector<storage::DecisionRecord>> decisions =
      store_->ListDecisions(records::RecordKind::kRemains, remains.meta.id);
  if (!decisions.ok()) return decisions.status();
  std::map<int64_t, storage::DecisionRecord> latest_decision;  // oldest first, so the last wins
  for (const auto& d : *decisions) latest_decision[d.missing_person_id] = d;

  SearchResult result;
  result.remains_templates = static_cast<int>(probes->size());
  result.gallery_templates = gallery_->size();
  for (records::MissingPerson& person : *people) {
    if (person.meta.delete_time) continue;
    RankedCandidate candidate;
    const auto face = best_face.find(person.meta.id);
    PairEvidence evidence =
        ScorePair(person, remains, face == best_face.end() ? nullptr : &face->second);
    candidate.factors = std::move(evidence.factors);
    candidate.score = evidence.score;
    candidate.excluded = evidence.excluded;
    candidate.remains_photo_id = evidence.remains_photo_id;
    candidate.person_photo_id = evidence.person_photo_id;
    if (auto d = latest_decision.find(person.meta.id); d != latest_decision.end()) {
      candidate.decision = d->second;
    }
    candidate.person = std::move(person);
    if (!candidate.excluded || include_excluded) {
      result.candidates.push_back(std::move(candidate));
    }
  }
  // Excluded candidates (when shown) come after all others; then by score, ties by id.
  std::sort(result.candidates.begin(), result.candidates.end(),
            [](const RankedCandidate& a, const RankedCandidate& b) {
              if (a.excluded != b.excluded) return !a.excluded;
              if (a.score != b.score) return a.score > b.score;
              return a.person.meta.id < b.person.meta.id;
            });
  if (result.candidates.size() > static_cast<size_t>(top_n)) {
    result.candidates.resize(static_cast<size_t>(top_n));
  }

  return result;
}

absl::StatusOr<std::vector<RankedRemains>> Matcher::RankRemainsFor(
    const records::MissingPerson& person, int top_n) const {
  storage::RemainsFilter filter;
  filter.last_seen_date = person.last_seen_date;
  filter.date_margin_days = options_.evidence.date_margin_days;
  filter.person_sex = person.sex;
  filter.confident_sex_probability = options_.evidence.confident_sex_probability;
  filter.limit = options_.reverse_candidates;
  absl::StatusOr<std::vector<int64_t>> ids = store_->SelectRemainsCandidates(filter);
  if (!ids.ok()) return ids.status();
  absl::StatusOr<std::vector<records::UnidentifiedRemains>> candidates =
      records_->GetRemainsMany(*ids);
  if (!candidates.ok()) return candidates.status();
  absl::StatusOr<std::vector<storage::StoredTemplate>> person_templates =
      store_->PersonTemplates(person.meta.id);
  if (!person_templates.ok()) return person_templates.status();
  std::map<int64_t, std::vector<storage::StoredTemplate>> remains_templates;
  if (!person_templates->empty()) {
    absl::StatusOr<std::vector<storage::StoredTemplate>> all = store_->RemainsTemplatesOf(*ids);
    if (!all.ok()) return all.status();
    for (storage::StoredTemplate& t : *all) remains_templates[t.owner_id].push_back(std::move(t));
  }

  std::vector<RankedRemains> ranked;
  for (records::UnidentifiedRemains& remains : *candidates) {
    if (remains.meta.delete_time) continue;
    std::vector<FaceMatch> matches;
    const std::optional<double> remains_age = RemainsAgeMidpoint(remains);
    for (const storage::StoredTemplate& probe : remains_templates[remains.meta.id]) {
      for (const storage::StoredTemplate& mine : *person_templates) {
        FaceMatch match{index::DescriptorDistance(probe.descriptor, mine.descriptor),
                        probe.photo_id, mine.photo_id, std::nullopt};
        if (remains_age && mine.age_years) match.age_gap = std::abs(*mine.age_years - *remains_age);
        matches.push_back(match);
      }
    }
    std::optional<FaceMatch> face;
    if (!matches.empty()) face = ChooseFaceMatch(matches, options_.age_preference_window);
    PairEvidence evidence = ScorePair(person, remains, face ? &*face : nullptr);
    if (evidence.excluded) continue;
    RankedRemains candidate;
    candidate.remains = std::move(remains);
    candidate.score = evidence.score;
    candidate.factors = std::move(evidence.factors);
    candidate.remains_photo_id = evidence.remains_photo_id;
    candidate.person_photo_id = evidence.person_photo_id;
    ranked.push_back(std::move(candidate));
  }
  std::sort(ranked.begin(), ranked.end(), [](const RankedRemains& a, const RankedRemains& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.remains.meta.id < b.remains.meta.id;
  });
  if (ranked.size() > static_cast<size_t>(top_n)) ranked.resize(static_cast<size_t>(top_n));
  return ranked;
}

absl::StatusOr<PairDecisions> Matcher::RecordDecision(const auth::Principal& caller,
                                                      int64_t remains_id, int64_t missing_person_id,
                                                      storage::Decision decision,
                                                      const std::string& reason) {
  if (!IsValidUtf8(reason) || reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    return InvalidFields({{"reason", "is required: say why"}});
  }
  if (absl::Status s = CheckReadable(caller, records::RecordKind::kRemains, remains_id); !s.ok()) {
    return s;
  }
  storage::DecisionRecord record;
  record.remains_id = remains_id;
  record.missing_person_id = missing_person_id;
  record.decision = decision;
  record.reason = reason;
  record.principal = caller.user;
  record.organization = caller.organization;
  audit::AuditEvent event;
  event.principal = caller;
  event.method = "MatchService/RecordDecision";
  event.targets = {records::RemainsName(remains_id), records::MissingPersonName(missing_person_id)};
  event.outcome_json = nlohmann::json({{"decision", static_cast<int>(decision)}}).dump();
  absl::StatusOr<storage::DecisionRecord> stored = store_->InsertDecision(record, event);
  if (!stored.ok()) return stored.status();
  // Read back without a second audit entry: the decision's own entry records this call.
  absl::StatusOr<std::vector<storage::DecisionRecord>> decisions =
      store_->ListDecisions(records::RecordKind::kRemains, remains_id);
  if (!decisions.ok()) return decisions.status();
  for (PairDecisions& pair : GroupByPair(*decisions)) {
    if (pair.missing_person_id == missing_person_id) return std::move(pair);
  }
  return absl::InternalError("decision stored but not found");
}

absl::Status Matcher::CheckReadable(const auth::Principal& caller, records::RecordKind kind,
                                    int64_t id) const {
  std::string organization;
  if (kind == records::RecordKind::kRemains) {
    absl::StatusOr<records::UnidentifiedRemains> remains = records_->GetRemains(id);
    if (!remains.ok()) return remains.status();
    organization = remains->meta.organization;
  } else {
    absl::StatusOr<records::MissingPerson> person = records_->GetMissingPerson(id);
    if (!person.ok()) return person.status();
    organization = person->meta.organization;
  }
  return scope_->CheckRead(caller, kind, id, organization);
}

absl::StatusOr<std::vector<PairDecisions>> Matcher::ListCandidates(
    const auth::Principal& caller, records::RecordKind kind, int64_t id,
    std::optional<storage::Decision> current) {
  if (absl::Status s = CheckReadable(caller, kind, id); !s.ok()) return s;
  absl::StatusOr<std::vector<storage::DecisionRecord>> decisions = store_->ListDecisions(kind, id);
  if (!decisions.ok()) return decisions.status();
  audit::AuditEvent event;
  event.principal = caller;
  event.method = "MatchService/ListCandidates";
  event.targets = {records::RecordName(kind, id)};
  if (absl::Status s = store_->AppendAudit(event); !s.ok()) return s;
  std::vector<PairDecisions> pairs = GroupByPair(*decisions);
  if (current) {
    std::erase_if(pairs,
                  [&](const PairDecisions& p) { return p.history.back().decision != *current; });
  }
  return pairs;
}

absl::StatusOr<std::vector<PairDecisions>> Matcher::ListPairsByDecision(
    const auth::Principal& caller, storage::Decision decision, int64_t after_decision_id,
    int limit) {
  // Leads across all records are the search commissions' work queue.
  if (caller.role != auth::Role::kCommissionStaff) {
    return absl::PermissionDeniedError(
        "only commission staff list leads across all records; others name a record");
  }
  absl::StatusOr<std::vector<storage::DecisionRecord>> decisions =
      store_->ListDecisionsByCurrent(decision, after_decision_id, limit);
  if (!decisions.ok()) return decisions.status();
  std::vector<PairDecisions> pairs = GroupByPair(*decisions);
  std::sort(pairs.begin(), pairs.end(), [](const PairDecisions& a, const PairDecisions& b) {
    return a.history.back().id < b.history.back().id;
  });
  return pairs;
}

void GallerySync::TemplateAdded(records::RecordKind owner_kind, int64_t, int64_t photo_id,
                                const records::Descriptor& descriptor) {
  if (owner_kind != records::RecordKind::kMissingPerson) return;  // the gallery is ante-mortem
  index::GalleryTemplate entry{photo_id, {}};
  std::copy(descriptor.begin(), descriptor.end(), entry.descriptor.begin());
  if (absl::Status s = gallery_->Add(entry); !s.ok() && !absl::IsAlreadyExists(s)) {
    spdlog::error("gallery: cannot add template {}: {}", photo_id, s);
  }
}

void GallerySync::TemplateRemoved(records::RecordKind owner_kind, int64_t photo_id) {
  if (owner_kind == records::RecordKind::kMissingPerson) gallery_->Remove(photo_id);
}

void GallerySync::RecordRemoved(records::RecordKind kind, int64_t id) {
  if (kind != records::RecordKind::kMissingPerson) return;
  absl::StatusOr<std::vector<int64_t>> photos = store_->PersonTemplatePhotoIds(id);
  if (!photos.ok()) {
    spdlog::error("gallery: cannot list templates of {}: {}", records::MissingPersonName(id),
                  photos.status());
    return;
  }
  for (int64_t photo : *photos) gallery_->Remove(photo);
}

absl::StatusOr<GalleryDifferences> CompareGalleryWithDatabase(const index::FaceGallery& gallery,
                                                              storage::MatchStore& store,
                                                              size_t search_sample) {
  absl::StatusOr<std::vector<storage::StoredTemplate>> templates = store.LoadGalleryTemplates();
  if (!templates.ok()) return templates.status();
  GalleryDifferences differences;
  differences.database_templates = templates->size();
  differences.gallery_templates = gallery.size();
  std::vector<int64_t> in_database;
  for (const storage::StoredTemplate& t : *templates) {
    in_database.push_back(t.photo_id);
    const std::optional<index::Descriptor> stored = gallery.Lookup(t.photo_id);
    if (!stored) {
      differences.missing.push_back(t.photo_id);
    } else if (!std::equal(stored->begin(), stored->end(), t.descriptor.begin())) {
      differences.different.push_back(t.photo_id);
    }
  }
  std::sort(in_database.begin(), in_database.end());
  for (int64_t id : gallery.Ids()) {
    if (!std::binary_search(in_database.begin(), in_database.end(), id)) {
      differences.unexpected.push_back(id);
    }
  }
  // An evenly spread sample, so that the check stays quick on a large gallery.
  const size_t step = std::max<size_t>(1, templates->size() / std::max<size_t>(1, search_sample));
  for (size_t i = 0; i < templates->size(); i += step) {
    const storage::StoredTemplate& t = (*templates)[i];
    index::Descriptor query;
    std::copy(t.descriptor.begin(), t.descriptor.end(), query.begin());
    const std::vector<index::GalleryHit> hits = gallery.Search(query, 1);
    // Exact duplicates (the same photo enrolled twice) tie at distance 0; either is found.
    if (hits.empty() || (hits[0].id != t.photo_id && hits[0].distance > 0)) {
      differences.unfindable.push_back(t.photo_id);
    }
  }
  return differences;
}

}  // namespace encuentro::matching
