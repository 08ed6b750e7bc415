#include "matching/matcher.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/field_violations.h"
#include "common/logging.h"
#include "common/text.h"
#include "nlohmann/json.hpp"
#include "records/names.h"

namespace encuentro::matching {

namespace {

records::Date Today() {
  return records::Date(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
}

// Decisions (oldest first) grouped into pairs, in (remains, person) order.
std::vector<PairDecisions> GroupByPair(const std::vector<DecisionRecord>& decisions) {
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

// Who decided and why is the owner's to tell; what was decided, and when, is not.
void WithholdReviewers(DecisionRecord& decision) {
  decision.reason.clear();
  decision.principal.clear();
}

// What a searcher outside the person's scope may see (RankedCandidate::reference_only).
void ReduceToReference(RankedCandidate& c) {
  records::MissingPerson reference;
  reference.meta.id = c.person.meta.id;
  reference.meta.organization = c.person.meta.organization;
  c.person = std::move(reference);
  if (c.decision) WithholdReviewers(*c.decision);
  for (Factor& f : c.evidence.factors) f.reason.clear();
  c.evidence.person_photo_id = 0;
  c.reference_only = true;
}

}  // namespace

index::GalleryTemplate ToGalleryTemplate(const storage::StoredTemplate& stored) {
  index::GalleryTemplate t;
  t.id = stored.photo_id;
  std::copy(stored.descriptor.begin(), stored.descriptor.end(), t.descriptor.begin());
  t.traits.owner = stored.owner_id;
  // Single precision, as the gallery keeps it, so both directions see the same age gaps.
  if (stored.age_years) t.traits.age_years = static_cast<float>(*stored.age_years);
  t.traits.synthetic = stored.synthetic;
  t.traits.failed_quality = stored.failed_quality;
  if (stored.second_embedding) {
    t.second_embedding = std::make_shared<const SecondFaceEmbedding>(*stored.second_embedding);
  }
  return t;
}

absl::StatusOr<std::shared_ptr<const PopulationStatistics>> Matcher::Population() const {
  std::lock_guard lock(population_mu_);
  const auto now = std::chrono::steady_clock::now();
  if (population_ && now - population_time_ < options_.population_refresh) return population_;
  absl::StatusOr<records::RegistryCounts> counts = store_->RegistryCounts();
  if (!counts.ok()) return counts.status();
  population_ = std::make_shared<const PopulationStatistics>(
      PopulationFromRegistry(*counts, options_.population));
  population_time_ = now;
  return population_;
}

absl::StatusOr<double> Matcher::LeadPrior() const {
  if (options_.prior_probability > 0) return options_.prior_probability;
  absl::StatusOr<int64_t> people = store_->CountLivePersons();
  if (!people.ok()) return people.status();
  return 1.0 / static_cast<double>(std::max<int64_t>(1, *people));
}

const std::vector<std::string>& SearchPurposes() {
  static const auto* const kPurposes = new std::vector<std::string>{
      "identification", "investigation", "family_request", "quality_review"};
  return *kPurposes;
}

Matcher::Matcher(storage::CaseRecordStore* records, storage::MatchStore* store,
                 const index::FaceGallery* gallery, const CandidatePool* pool,
                 records::CaseRecords* case_records, FaceFactorFn face_factor,
                 std::optional<FusedFace> fused_face, MatchOptions options)
    : records_(records),
      store_(store),
      gallery_(gallery),
      pool_(pool),
      case_records_(case_records),
      options_(options),
      scorer_(std::move(face_factor), options.age_preference_window, options.synthetic_weight,
              std::move(fused_face)) {}

absl::StatusOr<SearchResult> Matcher::SearchCandidates(const auth::Principal& caller,
                                                       const SearchQuery& query) {
  std::vector<FieldViolation> bad;
  const auto& purposes = SearchPurposes();
  if (std::find(purposes.begin(), purposes.end(), query.purpose) == purposes.end()) {
    std::string list;
    for (const auto& p : purposes) absl::StrAppend(&list, list.empty() ? "" : ", ", p);
    bad.push_back({"purpose", "must be one of: " + list});
  }
  if (!IsStatement(query.legal_basis)) {
    bad.push_back({"legal_basis", "is required (at most " + std::to_string(kMaxLongText) +
                                      " bytes), e.g. the investigation folio"});
  }
  if (query.top_n < 1 || query.top_n > 500) bad.push_back({"top_n", "must be between 1 and 500"});
  if (!bad.empty()) return InvalidFields(bad);

  // Read under the caller's scope; the search's own audit entry records the access.
  absl::StatusOr<records::UnidentifiedRemains> remains =
      case_records_->GetRemains(caller, query.remains_id, /*audited_as=*/nullptr);
  if (!remains.ok()) return remains.status();
  if (remains->meta.delete_time) {
    return absl::FailedPreconditionError(records::RemainsName(query.remains_id) + " is deleted");
  }
  if (remains->identification) {
    return absl::FailedPreconditionError(
        absl::StrCat(records::RemainsName(query.remains_id), " was identified as ",
                     records::MissingPersonName(remains->identification->missing_person_id),
                     " (board reference ", remains->identification->board_reference,
                     "); identified remains are not searched"));
  }

  absl::StatusOr<SearchResult> result = Rank(*remains, query.top_n, query.include_excluded);
  if (!result.ok()) return result.status();
  // Everyone is searched; another commission's people are shown as references only, and a
  // strong one is put in its owner's review queue, so the owner hears of it.
  for (RankedCandidate& c : result->candidates) {
    if (case_records_
            ->CheckMayRead(caller, records::RecordKind::kMissingPerson, c.person.meta.id,
                           c.person.meta.organization)
            .ok()) {
      continue;
    }
    if (c.light == Light::kMatch && !c.decision) {
      DecisionRecord lead;
      lead.remains_id = query.remains_id;
      lead.missing_person_id = c.person.meta.id;
      lead.decision = Decision::kPending;
      lead.reason = absl::StrFormat(
          "surfaced by a search of %s by %s (posterior %.3g); not reviewed by %s yet",
          records::RemainsName(query.remains_id), caller.organization, c.posterior,
          c.person.meta.organization);
      lead.principal = caller.user;
      lead.organization = caller.organization;
      lead.lead_posterior = c.posterior;
      lead.lead_log10_lr = c.evidence.log10_lr;
      audit::AuditEvent raised = audit::EventFor(
          caller, "MatchService/SearchCandidates",
          {records::RemainsName(query.remains_id), records::MissingPersonName(c.person.meta.id)});
      raised.purpose = query.purpose;
      raised.legal_basis = query.legal_basis;
      raised.outcome_json =
          nlohmann::json({{"pending_lead_for", c.person.meta.organization}}).dump();
      absl::StatusOr<DecisionRecord> stored = store_->InsertDecision(lead, raised);
      if (!stored.ok()) return stored.status();
      c.decision = *stored;
    }
    ReduceToReference(c);
  }

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
    nlohmann::json line = {{"candidate", name},
                           {"log10_lr", c.evidence.log10_lr},
                           {"posterior", c.posterior},
                           {"excluded", c.evidence.excluded}};
    // The owner of a reference-only candidate finds this entry under the person's name too.
    if (c.reference_only) line["reference_only_for"] = c.person.meta.organization;
    returned.push_back(std::move(line));
  }
  event.outcome_json = nlohmann::json({{"status", "OK"}, {"candidates", returned}}).dump();
  if (absl::Status s = store_->AppendAudit(event); !s.ok()) return s;
  return result;
}

absl::StatusOr<SearchResult> Matcher::Rank(const records::UnidentifiedRemains& remains, int top_n,
                                           bool include_excluded) const {
  const records::Date today = Today();
  absl::StatusOr<std::shared_ptr<const PopulationStatistics>> population = Population();
  if (!population.ok()) return population.status();
  absl::StatusOr<std::vector<storage::StoredTemplate>> stored_probes =
      store_->RemainsTemplates(remains.meta.id);
  if (!stored_probes.ok()) return stored_probes.status();
  std::vector<index::GalleryTemplate> stored;
  for (const auto& probe : *stored_probes) stored.push_back(ToGalleryTemplate(probe));
  std::vector<index::TemplateView> probes;
  for (const auto& probe : stored) probes.push_back(index::ViewOf(probe));
  // Every live person in the pool is scored, unexplained, and those a hard rule excludes are
  // dropped; only those returned are read whole and explained (the same numbers, with reasons).
  // A large pool is split over the scan threads, each with its own buffers.
  const RemainsEvidence remains_evidence(remains, **population, today, options_.evidence);
  std::vector<RankKey> scored;
  {
    common::StepTimer timer(options_.durations, "match_scan");
    scored = ScanCandidates(*pool_, scorer_, remains_evidence, probes, include_excluded,
                            options_.scan_threads);
  }
  common::StepTimer explain_timer(options_.durations, "match_explain");

  SearchResult result;
  result.remains_templates = static_cast<int>(probes.size());
  result.gallery_templates = gallery_->size();
  result.candidates_scored = static_cast<int64_t>(scored.size());
  if (options_.prior_probability > 0) {
    result.prior_probability = options_.prior_probability;
    result.prior_description = absl::StrFormat("configured prior %.3g", options_.prior_probability);
  } else {
    result.prior_probability = 1.0 / static_cast<double>(std::max<int64_t>(1, scored.size()));
    result.prior_description =
        absl::StrFormat("1/N with N = %d candidates scored", result.candidates_scored);
  }
  result.population_sources =
      absl::StrCat((*population)->sex_source, "; ", (*population)->age_source, "; ",
                   (*population)->stature_source);
  const size_t keep = std::min(scored.size(), static_cast<size_t>(top_n));
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep),
                    scored.end(), RanksBefore);
  scored.resize(keep);

  std::vector<int64_t> returned;
  for (const RankKey& s : scored) returned.push_back(s.id);
  absl::StatusOr<std::vector<records::MissingPerson>> people =
      records_->GetMissingPersons(returned);
  if (!people.ok()) return people.status();
  std::map<int64_t, records::MissingPerson*> by_id;
  for (records::MissingPerson& p : *people) by_id[p.meta.id] = &p;
  absl::StatusOr<std::vector<DecisionRecord>> decisions =
      store_->ListDecisions(records::RecordKind::kRemains, remains.meta.id);
  if (!decisions.ok()) return decisions.status();
  std::map<int64_t, DecisionRecord> latest_decision;  // oldest first, so the last wins
  for (const auto& d : *decisions) latest_decision[d.missing_person_id] = d;

  // The templates the scan scored, from the pool's copies, so that the reasons explain the very
  // numbers the ranking used.
  std::vector<index::GalleryTemplate> copies;
  std::vector<index::TemplateView> templates;
  for (const RankKey& s : scored) {
    const auto found = by_id.find(s.id);
    if (found == by_id.end()) continue;  // gone since the pool was read
    RankedCandidate candidate;
    candidate.person = std::move(*found->second);
    templates.clear();
    if (!probes.empty()) {
      copies = pool_->TemplatesOf(s.id);
      for (const index::GalleryTemplate& t : copies) templates.push_back(index::ViewOf(t));
    }
    scorer_.Score(candidate.person, remains_evidence, probes, templates, /*explain=*/true,
                  &candidate.evidence);
    candidate.posterior =
        PosteriorProbability(candidate.evidence.log10_lr + candidate.evidence.log10_prior_weight,
                             result.prior_probability);
    candidate.light = candidate.evidence.excluded                       ? Light::kNoMatch
                      : candidate.posterior >= options_.match_posterior ? Light::kMatch
                                                                        : Light::kPossible;
    if (auto d = latest_decision.find(s.id); d != latest_decision.end()) {
      candidate.decision = d->second;
    }
    result.candidates.push_back(std::move(candidate));
  }
  // A photo added between the two passes may have moved a returned candidate: order by what is
  // shown.
  std::stable_sort(result.candidates.begin(), result.candidates.end(),
                   [](const RankedCandidate& a, const RankedCandidate& b) {
                     return RanksBefore(RankKeyOf(a.evidence, a.person.meta.id),
                                        RankKeyOf(b.evidence, b.person.meta.id));
                   });
  return result;
}

absl::StatusOr<std::vector<RankedRemains>> Matcher::RankRemainsFor(
    const records::MissingPerson& person, int top_n) const {
  const records::Date today = Today();
  absl::StatusOr<std::shared_ptr<const PopulationStatistics>> population = Population();
  if (!population.ok()) return population.status();
  storage::RemainsFilter filter;
  filter.last_seen_date = person.last_seen_date;
  filter.date_margin_days = options_.evidence.date_margin_days;
  filter.person_sex = person.sex;
  absl::StatusOr<std::vector<int64_t>> ids = store_->SelectRemainsCandidates(filter);
  if (!ids.ok()) return ids.status();
  absl::StatusOr<std::vector<records::UnidentifiedRemains>> candidates =
      records_->GetRemainsMany(*ids);
  if (!candidates.ok()) return candidates.status();
  absl::StatusOr<std::vector<storage::StoredTemplate>> stored_mine =
      store_->PersonTemplates(person.meta.id);
  if (!stored_mine.ok()) return stored_mine.status();
  std::vector<index::GalleryTemplate> mine_stored;
  for (const auto& t : *stored_mine) mine_stored.push_back(ToGalleryTemplate(t));
  std::vector<index::TemplateView> mine;
  for (const auto& t : mine_stored) mine.push_back(index::ViewOf(t));
  std::map<int64_t, std::vector<index::GalleryTemplate>> remains_stored;
  std::map<int64_t, std::vector<index::TemplateView>> remains_templates;
  if (!mine.empty()) {
    absl::StatusOr<std::vector<storage::StoredTemplate>> all = store_->RemainsTemplatesOf(*ids);
    if (!all.ok()) return all.status();
    for (const storage::StoredTemplate& t : *all) {
      remains_stored[t.owner_id].push_back(ToGalleryTemplate(t));
    }
    // Views last: the stored vectors no longer move.
    for (const auto& [owner, templates] : remains_stored) {
      for (const auto& t : templates) remains_templates[owner].push_back(index::ViewOf(t));
    }
  }

  std::vector<RankedRemains> ranked;
  for (records::UnidentifiedRemains& remains : *candidates) {
    if (remains.meta.delete_time) continue;
    const RemainsEvidence remains_evidence(remains, **population, today, options_.evidence);
    PairEvidence evidence;
    scorer_.Score(person, remains_evidence, remains_templates[remains.meta.id], mine,
                  /*explain=*/true, &evidence);
    if (evidence.excluded) continue;
    ranked.push_back({std::move(remains), std::move(evidence)});
  }
  const size_t keep = std::min(ranked.size(), static_cast<size_t>(top_n));
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep),
                    ranked.end(), [](const RankedRemains& a, const RankedRemains& b) {
                      return RanksBefore(RankKeyOf(a.evidence, a.remains.meta.id),
                                         RankKeyOf(b.evidence, b.remains.meta.id));
                    });
  ranked.resize(keep);
  return ranked;
}

absl::StatusOr<PairDecisions> Matcher::RecordDecision(const auth::Principal& caller,
                                                      int64_t remains_id, int64_t missing_person_id,
                                                      Decision decision,
                                                      const std::string& reason) {
  if (!IsStatement(reason)) {
    return InvalidFields(
        {{"reason", "is required (at most " + std::to_string(kMaxLongText) + " bytes): say why"}});
  }
  if (absl::Status s = CheckReadable(caller, records::RecordKind::kRemains, remains_id); !s.ok()) {
    return s;
  }
  DecisionRecord record;
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
  absl::StatusOr<DecisionRecord> stored = store_->InsertDecision(record, event);
  if (!stored.ok()) return stored.status();
  // Read back without a second audit entry: the decision's own entry records this call.
  absl::StatusOr<std::vector<DecisionRecord>> decisions =
      store_->ListDecisions(records::RecordKind::kRemains, remains_id);
  if (!decisions.ok()) return decisions.status();
  for (PairDecisions& pair : GroupByPair(*decisions)) {
    if (pair.missing_person_id != missing_person_id) continue;
    std::vector<PairDecisions> one{std::move(pair)};
    if (absl::Status s = AddDnaReadiness(one); !s.ok()) return s;
    return std::move(one.front());
  }
  return absl::InternalError("decision stored but not found");
}

absl::StatusOr<records::Identification> Matcher::ConfirmIdentification(
    const auth::Principal& caller, records::Identification identification) {
  std::vector<FieldViolation> bad;
  if (identification.evidence.empty()) {
    bad.push_back({"evidence", "is required: a DNA report, dental or fingerprint comparison"});
  }
  for (size_t i = 0; i < identification.evidence.size(); ++i) {
    const std::string& reference = identification.evidence[i].reference;
    if (!HasVisibleText(reference) || reference.size() > kMaxShortText) {
      bad.push_back({absl::StrCat("evidence[", i, "].reference"),
                     absl::StrCat("is required (at most ", kMaxShortText,
                                  " bytes): the report's or comparison's reference")});
    }
  }
  if (!HasVisibleText(identification.board_reference) ||
      identification.board_reference.size() > kMaxShortText) {
    bad.push_back({"board_reference", absl::StrCat("is required (at most ", kMaxShortText,
                                                   " bytes): the board's acta")});
  }
  if (!IsStatement(identification.reason)) {
    bad.push_back({"reason", "is required (at most " + std::to_string(kMaxLongText) + " bytes)"});
  }
  if (!bad.empty()) return InvalidFields(bad);
  // The commission that owns the person or the lab that holds the remains confirms.
  const absl::Status person_scope = case_records_->CheckMayChange(
      caller, records::RecordKind::kMissingPerson, identification.missing_person_id);
  const absl::Status remains_scope = case_records_->CheckMayChange(
      caller, records::RecordKind::kRemains, identification.remains_id);
  if (absl::IsNotFound(person_scope)) return person_scope;
  if (absl::IsNotFound(remains_scope)) return remains_scope;
  if (!person_scope.ok() && !remains_scope.ok()) return person_scope;
  identification.principal = caller.user;
  identification.organization = caller.organization;
  DecisionRecord decision;
  decision.remains_id = identification.remains_id;
  decision.missing_person_id = identification.missing_person_id;
  decision.decision = Decision::kIdentified;
  decision.reason = identification.reason;
  decision.principal = caller.user;
  decision.organization = caller.organization;
  audit::AuditEvent event =
      audit::EventFor(caller, "MatchService/ConfirmIdentification",
                      {records::RemainsName(identification.remains_id),
                       records::MissingPersonName(identification.missing_person_id)});
  event.outcome_json = nlohmann::json({{"board_reference", identification.board_reference},
                                       {"evidence", identification.evidence.size()}})
                           .dump();
  absl::StatusOr<records::Identification> stored =
      store_->InsertIdentification(identification, decision, event);
  if (!stored.ok()) return stored;
  // The person leaves the candidate pool now, not at the next restart.
  if (observer_ != nullptr) {
    absl::StatusOr<records::MissingPerson> person =
        records_->GetMissingPerson(identification.missing_person_id);
    if (person.ok()) observer_->MissingPersonCommitted(*person);
  }
  return stored;
}

absl::Status Matcher::CheckReadable(const auth::Principal& caller, records::RecordKind kind,
                                    int64_t id) const {
  // The records module owns read scope; these reads are not audited on their own, the calling
  // method's entry records the access.
  if (kind == records::RecordKind::kRemains) {
    return case_records_->GetRemains(caller, id, /*audited_as=*/nullptr).status();
  }
  return case_records_->GetMissingPerson(caller, id, /*audited_as=*/nullptr).status();
}

absl::StatusOr<std::vector<PairDecisions>> Matcher::ListCandidates(
    const auth::Principal& caller, records::RecordKind kind, int64_t id,
    std::optional<Decision> current) {
  if (absl::Status s = CheckReadable(caller, kind, id); !s.ok()) return s;
  absl::StatusOr<std::vector<DecisionRecord>> decisions = store_->ListDecisions(kind, id);
  if (!decisions.ok()) return decisions.status();
  audit::AuditEvent event;
  event.principal = caller;
  event.method = "MatchService/ListCandidates";
  event.targets = {records::RecordName(kind, id)};
  if (absl::Status s = store_->AppendAudit(event); !s.ok()) return s;
  std::vector<PairDecisions> pairs = GroupByPair(*decisions);
  if (absl::Status s = WithholdOutOfScope(caller, pairs); !s.ok()) return s;
  if (current) {
    std::erase_if(pairs,
                  [&](const PairDecisions& p) { return p.history.back().decision != *current; });
  }
  if (absl::Status s = AddDnaReadiness(pairs); !s.ok()) return s;
  return pairs;
}

absl::StatusOr<std::vector<PairDecisions>> Matcher::ListPairsByDecision(
    const auth::Principal& caller, Decision decision, int64_t after_decision_id, int limit) {
  // Leads across all records are the search commissions' work queue.
  if (caller.role != auth::Role::kCommissionStaff) {
    return absl::PermissionDeniedError(
        "only commission staff list leads across all records; others name a record");
  }
  absl::StatusOr<std::vector<DecisionRecord>> decisions =
      store_->ListDecisionsByCurrent(decision, after_decision_id, limit);
  if (!decisions.ok()) return decisions.status();
  std::vector<PairDecisions> pairs = GroupByPair(*decisions);
  std::sort(pairs.begin(), pairs.end(), [](const PairDecisions& a, const PairDecisions& b) {
    return a.history.back().id < b.history.back().id;
  });
  if (absl::Status s = WithholdOutOfScope(caller, pairs); !s.ok()) return s;
  // The page names records and reviewers' reasons: a read of case data like any other.
  audit::AuditEvent event;
  event.principal = caller;
  event.method = "MatchService/ListCandidates";
  for (const PairDecisions& pair : pairs) {
    event.targets.push_back(records::RemainsName(pair.remains_id));
    event.targets.push_back(records::MissingPersonName(pair.missing_person_id));
  }
  event.outcome_json =
      nlohmann::json({{"current_decision", static_cast<int>(decision)}, {"pairs", pairs.size()}})
          .dump();
  if (absl::Status s = store_->AppendAudit(event); !s.ok()) return s;
  if (absl::Status s = AddDnaReadiness(pairs); !s.ok()) return s;
  return pairs;
}

absl::Status Matcher::WithholdOutOfScope(const auth::Principal& caller,
                                         std::vector<PairDecisions>& pairs) const {
  std::vector<int64_t> ids;
  for (const PairDecisions& pair : pairs) ids.push_back(pair.missing_person_id);
  absl::StatusOr<std::vector<records::MissingPerson>> people = records_->GetMissingPersons(ids);
  if (!people.ok()) return people.status();
  std::map<int64_t, std::string> owner;
  for (const records::MissingPerson& p : *people) owner[p.meta.id] = p.meta.organization;
  for (PairDecisions& pair : pairs) {
    pair.person_organization = owner[pair.missing_person_id];
    if (case_records_
            ->CheckMayRead(caller, records::RecordKind::kMissingPerson, pair.missing_person_id,
                           pair.person_organization)
            .ok()) {
      continue;
    }
    pair.reference_only = true;
    for (DecisionRecord& d : pair.history) WithholdReviewers(d);
  }
  return absl::OkStatus();
}

absl::Status Matcher::AddDnaReadiness(std::vector<PairDecisions>& pairs) const {
  if (dna_samples_ == nullptr || pairs.empty()) return absl::OkStatus();
  std::vector<int64_t> people, remains;
  for (const PairDecisions& p : pairs) {
    people.push_back(p.missing_person_id);
    remains.push_back(p.remains_id);
  }
  auto by_person = dna_samples_->CountSamples(records::RecordKind::kMissingPerson, people);
  if (!by_person.ok()) return by_person.status();
  auto by_remains = dna_samples_->CountSamples(records::RecordKind::kRemains, remains);
  if (!by_remains.ok()) return by_remains.status();
  for (PairDecisions& p : pairs) {
    if (auto it = by_person->find(p.missing_person_id); it != by_person->end()) {
      p.dna.family_references = it->second;
    }
    if (auto it = by_remains->find(p.remains_id); it != by_remains->end()) {
      p.dna.remains_samples = it->second;
    }
  }
  return absl::OkStatus();
}

void MatchingStateSync::TemplateAdded(const records::Photo& photo) {
  // The gallery is ante-mortem.
  if (photo.owner_kind != records::RecordKind::kMissingPerson || !photo.descriptor) return;
  storage::StoredTemplate stored;
  stored.photo_id = photo.id;
  stored.owner_id = photo.owner_id;
  stored.descriptor = *photo.descriptor;
  stored.second_embedding = photo.second_embedding;
  stored.second_model_id = photo.second_model_id;
  stored.age_years = photo.template_age_years;
  stored.synthetic = photo.progression.has_value();
  stored.failed_quality =
      photo.chosen_face >= 0 && static_cast<size_t>(photo.chosen_face) < photo.faces.size() &&
      photo.faces[static_cast<size_t>(photo.chosen_face)].overall == records::QualityVerdict::kFail;
  if (absl::Status s = gallery_->Add(ToGalleryTemplate(stored));
      !s.ok() && !absl::IsAlreadyExists(s)) {
    spdlog::error("gallery: cannot add template {}: {}", photo.id, s);
  }
  pool_->TemplatesChanged(photo.owner_id);
}

void MatchingStateSync::TemplateRemoved(records::RecordKind owner_kind, int64_t owner_id,
                                        int64_t photo_id) {
  if (owner_kind != records::RecordKind::kMissingPerson) return;
  gallery_->Remove(photo_id);
  pool_->TemplatesChanged(owner_id);
}

void MatchingStateSync::MissingPersonCommitted(const records::MissingPerson& person) {
  pool_->Update(person);
}

void MatchingStateSync::RecordRemoved(records::RecordKind kind, int64_t id) {
  if (kind != records::RecordKind::kMissingPerson) return;
  pool_->Remove(id);
  absl::StatusOr<std::vector<int64_t>> photos = store_->PersonTemplatePhotoIds(id);
  if (!photos.ok()) {
    spdlog::error("gallery: cannot list templates of {}: {}", records::MissingPersonName(id),
                  photos.status());
    return;
  }
  for (int64_t photo : *photos) gallery_->Remove(photo);
  // Again: a replica's follower may have put the person back meanwhile, from what it read
  // before the deletion committed.
  pool_->Remove(id);
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
    const std::optional<FaceDescriptor> stored = gallery.Lookup(t.photo_id);
    if (!stored) {
      differences.missing.push_back(t.photo_id);
    } else {
      if (!std::equal(stored->begin(), stored->end(), t.descriptor.begin())) {
        differences.different.push_back(t.photo_id);
      }
      if (gallery.LookupSecond(t.photo_id) != t.second_embedding) {
        differences.second_different.push_back(t.photo_id);
      }
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
    FaceDescriptor query;
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
