#include "services/match_service.h"

#include "absl/strings/str_cat.h"
#include "common/field_violations.h"
#include "records/names.h"
#include "services/gatekeeper.h"
#include "services/page_token.h"
#include "services/record_conversion.h"
#include "services/rpc_helpers.h"
#include "services/status_conversion.h"

namespace encuentro::services {
namespace {

v1::EvidenceFactor::Light ToProto(matching::Light light) {
  switch (light) {
    case matching::Light::kMatch:
      return v1::EvidenceFactor::MATCH;
    case matching::Light::kPossible:
      return v1::EvidenceFactor::POSSIBLE;
    case matching::Light::kNoMatch:
      return v1::EvidenceFactor::NO_MATCH;
    case matching::Light::kUnknown:
      break;
  }
  return v1::EvidenceFactor::LIGHT_UNSPECIFIED;
}

v1::DecisionEntry ToProto(const matching::DecisionRecord& d) {
  v1::DecisionEntry out;
  out.set_decision(static_cast<v1::Decision>(static_cast<int>(d.decision) + 1));
  out.set_reason(d.reason);
  out.set_author(d.principal);
  out.set_organization(d.organization);
  *out.mutable_create_time() = services::ToProto(d.create_time);
  return out;
}

v1::CandidatePair ToProto(const matching::PairDecisions& pair) {
  v1::CandidatePair out;
  out.set_remains(records::RemainsName(pair.remains_id));
  out.set_missing_person(records::MissingPersonName(pair.missing_person_id));
  out.set_person_organization(pair.person_organization);
  out.set_reference_only(pair.reference_only);
  for (const auto& d : pair.history) {
    *out.add_history() = ToProto(d);
    out.set_remains_lab(d.remains_lab);
    // Another commission's pair: its reviewers' reasons are withheld, and so are the scores
    // they quote.
    if (pair.reference_only) continue;
    if (d.lead_posterior && !out.has_lead_posterior()) out.set_lead_posterior(*d.lead_posterior);
    if (d.lead_log10_lr && !out.has_lead_log10_lr()) out.set_lead_log10_lr(*d.lead_log10_lr);
  }
  if (!pair.history.empty()) *out.mutable_current() = ToProto(pair.history.back());
  v1::DnaReadiness* dna = out.mutable_dna();
  dna->set_family_references_profiled(pair.dna.family_references.profiled);
  dna->set_family_references_pending(pair.dna.family_references.pending);
  dna->set_remains_samples_profiled(pair.dna.remains_samples.profiled);
  dna->set_remains_samples_pending(pair.dna.remains_samples.pending);
  dna->set_comparable(pair.dna.comparable());
  dna->set_awaiting_dna(
      (!pair.history.empty() && pair.history.back().decision == matching::Decision::kSentForDna) ||
      pair.dna.family_references.pending > 0 || pair.dna.remains_samples.pending > 0);
  return out;
}

// The pair a decision or identification names; a violation for each name that is not one.
template <typename Request>
std::pair<std::optional<int64_t>, std::optional<int64_t>> PairIdsOf(
    const Request& request, std::vector<FieldViolation>* bad) {
  std::optional<int64_t> remains =
      records::ParseRecordId(request.remains(), records::RecordKind::kRemains);
  if (!remains) bad->push_back({"remains", "must be a name like remains/123"});
  std::optional<int64_t> person =
      records::ParseRecordId(request.missing_person(), records::RecordKind::kMissingPerson);
  if (!person) bad->push_back({"missing_person", "must be a name like missingPersons/123"});
  return {remains, person};
}

}  // namespace

grpc::Status MatchServiceImpl::RecordDecision(grpc::ServerContext* context,
                                              const v1::RecordDecisionRequest* request,
                                              v1::CandidatePair* response) {
  return Serve(
      gate_, *context, "encuentro.v1.MatchService.RecordDecision",
      [&](const auth::Principal& caller) -> absl::Status {
        std::vector<FieldViolation> bad;
        const auto [remains, person] = PairIdsOf(*request, &bad);
        const int decision = static_cast<int>(request->decision());
        if (decision < v1::PENDING || decision > v1::SENT_FOR_DNA) {
          bad.push_back({"decision",
                         decision == v1::IDENTIFIED
                             ? "IDENTIFIED is recorded by ConfirmIdentification, with its evidence"
                             : "must be PENDING, EXCLUDED, POSSIBLE or SENT_FOR_DNA"});
        }
        if (!bad.empty()) return InvalidFields(bad);
        absl::StatusOr<matching::PairDecisions> pair = matcher_->RecordDecision(
            caller, *remains, *person, static_cast<matching::Decision>(decision - 1),
            request->reason());
        if (!pair.ok()) return pair.status();
        *response = ToProto(*pair);
        return absl::OkStatus();
      });
}

grpc::Status MatchServiceImpl::ConfirmIdentification(
    grpc::ServerContext* context, const v1::ConfirmIdentificationRequest* request,
    v1::Identification* response) {
  return Serve(
      gate_, *context, "encuentro.v1.MatchService.ConfirmIdentification",
      [&](const auth::Principal& caller) -> absl::Status {
        std::vector<FieldViolation> bad;
        records::Identification identification;
        const auto [remains, person] = PairIdsOf(*request, &bad);
        for (int i = 0; i < request->evidence_size(); ++i) {
          const v1::ConfirmingEvidence& e = request->evidence(i);
          const std::string field = absl::StrCat("evidence[", i, "]");
          records::ConfirmingEvidence& item = identification.evidence.emplace_back();
          const int kind = static_cast<int>(e.kind());
          if (kind < v1::ConfirmingEvidence::DNA_REPORT ||
              kind > v1::ConfirmingEvidence::FINGERPRINT_COMPARISON) {
            bad.push_back({field + ".kind",
                           "must be DNA_REPORT, DENTAL_COMPARISON or FINGERPRINT_COMPARISON"});
          } else {
            item.kind = static_cast<records::ConfirmingEvidenceKind>(kind - 1);
          }
          item.reference = e.reference();
          item.date = OptionalDateFromProto(e.has_date(), e.date(), field + ".date", &bad);
          if (item.date && DateProblem(e.date(), /*may_be_future=*/false)) {
            bad.push_back({field + ".date", "is in the future"});
          }
        }
        identification.board_reference = request->board_reference();
        identification.board_date = OptionalDateFromProto(
            request->has_board_date(), request->board_date(), "board_date", &bad);
        if (identification.board_date &&
            DateProblem(request->board_date(), /*may_be_future=*/false)) {
          bad.push_back({"board_date", "is in the future"});
        }
        identification.reason = request->reason();
        if (!bad.empty()) return InvalidFields(bad);
        identification.remains_id = *remains;
        identification.missing_person_id = *person;
        absl::StatusOr<records::Identification> confirmed =
            matcher_->ConfirmIdentification(caller, std::move(identification));
        if (!confirmed.ok()) return confirmed.status();
        *response = ToProto(*confirmed);
        return absl::OkStatus();
      });
}

grpc::Status MatchServiceImpl::ListCandidates(grpc::ServerContext* context,
                                              const v1::ListCandidatesRequest* request,
                                              v1::ListCandidatesResponse* response) {
  return Serve(
      gate_, *context, "encuentro.v1.MatchService.ListCandidates",
      [&](const auth::Principal& caller) -> absl::Status {
        std::vector<FieldViolation> bad;
        std::optional<matching::Decision> current;
        const int decision = static_cast<int>(request->current_decision());
        if (decision != v1::DECISION_UNSPECIFIED) {
          if (decision < v1::PENDING || decision > v1::IDENTIFIED) {
            bad.push_back({"current_decision",
                           "must be PENDING, EXCLUDED, POSSIBLE, SENT_FOR_DNA or IDENTIFIED"});
          } else {
            current = static_cast<matching::Decision>(decision - 1);
          }
        }
        if (request->parent().empty()) {
          if (!current && bad.empty()) {
            bad.push_back({"current_decision", "is required when no parent is given"});
          }
          absl::StatusOr<int> page_size = EffectivePageSize(request->page_size(), 50, 500);
          if (!page_size.ok()) bad.push_back({"page_size", "must not be negative"});
          if (!bad.empty()) return InvalidFields(bad);
          const std::string fingerprint = absl::StrCat("pairs:", decision);
          absl::StatusOr<int64_t> after = DecodePageToken(request->page_token(), fingerprint);
          if (!after.ok()) return after.status();
          absl::StatusOr<std::vector<matching::PairDecisions>> pairs =
              matcher_->ListPairsByDecision(caller, *current, *after, *page_size);
          if (!pairs.ok()) return pairs.status();
          for (const auto& pair : *pairs) *response->add_pairs() = ToProto(pair);
          if (static_cast<int>(pairs->size()) == *page_size) {
            response->set_next_page_token(
                EncodePageToken(pairs->back().history.back().id, fingerprint));
          }
          return absl::OkStatus();
        }
        std::optional<records::RecordRef> parent = records::ParseRecordName(request->parent());
        if (!parent) bad.push_back({"parent", "must be a name like remains/1 or missingPersons/1"});
        if (!bad.empty()) return InvalidFields(bad);
        absl::StatusOr<std::vector<matching::PairDecisions>> pairs =
            matcher_->ListCandidates(caller, parent->kind, parent->id, current);
        if (!pairs.ok()) return pairs.status();
        for (const auto& pair : *pairs) *response->add_pairs() = ToProto(pair);
        return absl::OkStatus();
      });
}

grpc::Status MatchServiceImpl::Search(const auth::Principal& caller,
                                      const v1::SearchCandidatesRequest& request_message,
                                      v1::SearchCandidatesResponse* response) {
  const v1::SearchCandidatesRequest* request = &request_message;
  std::optional<int64_t> id =
      records::ParseRecordId(request->remains(), records::RecordKind::kRemains);
  if (!id) {
    return ToGrpcStatus(InvalidFields({{"remains", "must be a name like remains/123"}}));
  }
  matching::SearchQuery query;
  query.remains_id = *id;
  query.top_n = request->top_n() == 0 ? 20 : request->top_n();
  query.include_excluded = request->include_excluded();
  query.purpose = request->purpose();
  query.legal_basis = request->legal_basis();
  absl::StatusOr<matching::SearchResult> result = matcher_->SearchCandidates(caller, query);
  if (!result.ok()) {
    // Searching remains outside one's scope is a refusal worth auditing, as in Serve.
    absl::Status refused =
        gate_->RecordRefusal(caller, "encuentro.v1.MatchService.SearchCandidates", result.status());
    return ToGrpcStatus(refused.ok() ? result.status() : refused);
  }
  response->set_remains_templates(result->remains_templates);
  response->set_gallery_templates(static_cast<int64_t>(result->gallery_templates));
  response->set_candidates_scored(result->candidates_scored);
  response->set_prior_probability(result->prior_probability);
  response->set_prior(result->prior_description);
  response->set_population(result->population_sources);
  for (const auto& c : result->candidates) {
    v1::Candidate* out = response->add_candidates();
    out->set_missing_person(records::MissingPersonName(c.person.meta.id));
    out->set_score(c.evidence.log10_lr);
    out->set_log10_lr(c.evidence.log10_lr);
    out->set_posterior(c.posterior);
    out->set_light(ToProto(c.light));
    out->set_excluded(c.evidence.excluded);
    out->set_organization(c.person.meta.organization);
    out->set_reference_only(c.reference_only);
    if (!c.reference_only) {
      out->set_display_name(c.person.given_names + " " + c.person.family_names);
      out->set_case_folio(c.person.case_folio);
    }
    if (c.decision) *out->mutable_decision() = ToProto(*c.decision);
    for (const auto& f : c.evidence.factors) {
      v1::EvidenceFactor* factor = out->add_factors();
      factor->set_name(std::string(f.name));
      factor->set_log10_lr(f.log10_lr);
      factor->set_light(ToProto(f.light));
      factor->set_excludes(f.excludes);
      factor->set_reason(f.reason);
      factor->set_prior_weight(f.prior);
      if (f.name == "face" && !c.reference_only) {
        factor->add_photos(records::PhotoName(records::RecordKind::kRemains, query.remains_id,
                                              c.evidence.remains_photo_id));
        factor->add_photos(records::PhotoName(records::RecordKind::kMissingPerson, c.person.meta.id,
                                              c.evidence.person_photo_id));
      }
    }
  }
  return grpc::Status::OK;
}

grpc::Status MatchServiceImpl::SearchCandidates(grpc::ServerContext* context,
                                                const v1::SearchCandidatesRequest* request,
                                                v1::SearchCandidatesResponse* response) {
  absl::StatusOr<auth::Principal> caller =
      gate_->Admit(*context, "encuentro.v1.MatchService.SearchCandidates");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return Search(*caller, *request, response);
}

grpc::Status MatchServiceImpl::SearchStream(grpc::ServerContext* context,
                                            RequestReader<v1::BatchSearchRequest>* requests,
                                            ResponseWriter<v1::BatchSearchResult>* results) {
  absl::StatusOr<auth::Principal> caller =
      gate_->Admit(*context, "encuentro.v1.MatchService.BatchSearch");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  v1::BatchSearchRequest request;
  // One at a time: Write blocks while the client is slow to read (HTTP/2 flow control), so a
  // slow reader holds back the work instead of piling results up in memory.
  while (requests->Read(&request)) {
    if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    v1::BatchSearchResult result;
    result.set_remains(request.search().remains());
    result.set_client_tag(request.client_tag());
    // Each search costs what a SearchCandidates call does, so a stream cannot outrun the limit.
    const absl::Status charged = gate_->Charge(*caller);
    const grpc::Status status = charged.ok()
                                    ? Search(*caller, request.search(), result.mutable_response())
                                    : ToGrpcStatus(charged);
    result.set_code(status.error_code());
    result.set_error(status.error_message());
    if (!status.ok()) result.clear_response();
    if (!results->Write(result)) break;  // the client went away
  }
  // A request that does not parse ends the stream, naming its field.
  if (!requests->status().ok()) return ToGrpcStatus(requests->status());
  if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
  return grpc::Status::OK;
}

}  // namespace encuentro::services
