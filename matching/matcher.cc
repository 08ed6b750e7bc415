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

// A person's best face comparison over all remains and person templates.
struct FaceMatch {
  double distance = 0;
  int64_t remains_photo_id = 0;
  int64_t person_photo_id = 0;
  std::optional<double> age_gap;
};

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

}  // namespace

const std::vector<std::string>& SearchPurposes() {
  static const auto* const kPurposes = new std::vector<std::string>{
      "identification", "investigation", "family_request", "quality_review"};
  return *kPurposes;
}

Matcher::Matcher(storage::CaseRecordStore* records, storage::MatchStore* store,
                 const index::FaceGallery* gallery, FaceFactorFn face_factor, MatchOptions options)
    : records_(records),
      store_(store),
      gallery_(gallery),
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
  if (remains->meta.delete_time) {
    return absl::FailedPreconditionError(records::RemainsName(query.remains_id) + " is deleted");
  }

  // Face evidence: nearest gallery templates of every remains template, best per person.
  absl::StatusOr<std::vector<storage::StoredTemplate>> probes =
      store_->RemainsTemplates(query.remains_id);
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
  const std::optional<double> remains_age = RemainsAgeMidpoint(*remains);
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
  for (auto& [person, matches] : per_person) {
    const double best = std::min_element(matches.begin(), matches.end(), [](auto& a, auto& b) {
                          return a.distance < b.distance;
                        })->distance;
    const FaceMatch* chosen = nullptr;
    for (const FaceMatch& m : matches) {
      if (m.distance > best + options_.age_preference_window) continue;
      const bool better =
          chosen == nullptr || (m.age_gap.value_or(1e9) != chosen->age_gap.value_or(1e9)
                                    ? m.age_gap.value_or(1e9) < chosen->age_gap.value_or(1e9)
                                    : m.distance < chosen->distance);
      if (better) chosen = &m;
    }
    best_face[person] = *chosen;
  }

  // Attribute candidates, chosen by indexed SQL filters rather than by scoring everyone.
  absl::StatusOr<std::vector<int64_t>> by_attributes =
      store_->SelectAttributeCandidates(FilterFor(*remains, options_, query.include_excluded));
  if (!by_attributes.ok()) return by_attributes.status();
  std::vector<int64_t> ids = *by_attributes;
  for (const auto& [person, match] : best_face) ids.push_back(person);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  absl::StatusOr<std::vector<records::MissingPerson>> people = records_->GetMissingPersons(ids);
  if (!people.ok()) return people.status();

  absl::StatusOr<std::vector<storage::DecisionRecord>> decisions =
      store_->ListDecisions(records::RecordKind::kRemains, query.remains_id);
  if (!decisions.ok()) return decisions.status();
  std::map<int64_t, storage::DecisionRecord> latest_decision;  // oldest first, so the last wins
  for (const auto& d : *decisions) latest_decision[d.missing_person_id] = d;

  SearchResult result;
  result.remains_templates = static_cast<int>(probes->size());
  result.gallery_templates = gallery_->size();
  for (records::MissingPerson& person : *people) {
    if (person.meta.delete_time) continue;
    RankedCandidate candidate;
    if (auto face = best_face.find(person.meta.id); face != best_face.end()) {
      candidate.factors.push_back(face_factor_(face->second.distance));
      candidate.remains_photo_id = face->second.remains_photo_id;
      candidate.person_photo_id = face->second.person_photo_id;
    }
    for (Factor& f : CompareAttributes(person, *remains, options_.evidence)) {
      candidate.factors.push_back(std::move(f));
    }
    for (const Factor& f : candidate.factors) {
      candidate.score += f.log10_lr;
      candidate.excluded = candidate.excluded || f.excludes;
    }
    if (auto d = latest_decision.find(person.meta.id); d != latest_decision.end()) {
      candidate.decision = d->second;
    }
    candidate.person = std::move(person);
    if (!candidate.excluded || query.include_excluded) {
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
  if (result.candidates.size() > static_cast<size_t>(query.top_n)) {
    result.candidates.resize(static_cast<size_t>(query.top_n));
  }

  audit::AuditEvent event;
  event.principal = caller;
  event.method = "MatchService/SearchCandidates";
  event.purpose = query.purpose;
  event.legal_basis = query.legal_basis;
  event.targets.push_back(records::RemainsName(query.remains_id));
  nlohmann::json returned = nlohmann::json::array();
  for (const auto& c : result.candidates) {
    const std::string name = records::MissingPersonName(c.person.meta.id);
    event.targets.push_back(name);
    returned.push_back({{"candidate", name}, {"score", c.score}, {"excluded", c.excluded}});
  }
  event.outcome_json = nlohmann::json({{"status", "OK"}, {"candidates", returned}}).dump();
  if (absl::Status s = store_->AppendAudit(event); !s.ok()) return s;
  return result;
}

absl::StatusOr<PairDecisions> Matcher::RecordDecision(const auth::Principal& caller,
                                                      int64_t remains_id, int64_t missing_person_id,
                                                      storage::Decision decision,
                                                      const std::string& reason) {
  if (!IsValidUtf8(reason) || reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    return InvalidFields({{"reason", "is required: say why"}});
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
  absl::StatusOr<std::vector<PairDecisions>> pairs =
      ListCandidates(caller, records::RecordKind::kRemains, remains_id);
  if (!pairs.ok()) return pairs.status();
  for (PairDecisions& pair : *pairs) {
    if (pair.missing_person_id == missing_person_id) return std::move(pair);
  }
  return absl::InternalError("decision stored but not found");
}

absl::StatusOr<std::vector<PairDecisions>> Matcher::ListCandidates(const auth::Principal&,
                                                                   records::RecordKind kind,
                                                                   int64_t id) {
  absl::StatusOr<std::vector<storage::DecisionRecord>> decisions = store_->ListDecisions(kind, id);
  if (!decisions.ok()) return decisions.status();
  std::map<std::pair<int64_t, int64_t>, PairDecisions> pairs;
  for (const auto& d : *decisions) {
    PairDecisions& pair = pairs[{d.remains_id, d.missing_person_id}];
    pair.remains_id = d.remains_id;
    pair.missing_person_id = d.missing_person_id;
    pair.history.push_back(d);
  }
  std::vector<PairDecisions> out;
  for (auto& [key, pair] : pairs) out.push_back(std::move(pair));
  return out;
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

}  // namespace encuentro::matching
