#include "services/match_service.h"

#include "common/field_violations.h"
#include "records/names.h"
#include "services/caller.h"
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

}  // namespace

grpc::Status MatchServiceImpl::SearchCandidates(grpc::ServerContext* context,
                                                const v1::SearchCandidatesRequest* request,
                                                v1::SearchCandidatesResponse* response) {
  absl::StatusOr<auth::Principal> caller = AuthenticateCaller(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
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
  absl::StatusOr<matching::SearchResult> result = matcher_->SearchCandidates(*caller, query);
  if (!result.ok()) return ToGrpcStatus(result.status());
  response->set_remains_templates(result->remains_templates);
  response->set_gallery_templates(static_cast<int64_t>(result->gallery_templates));
  for (const auto& c : result->candidates) {
    v1::Candidate* out = response->add_candidates();
    out->set_missing_person(records::MissingPersonName(c.person.meta.id));
    out->set_score(c.score);
    out->set_excluded(c.excluded);
    out->set_display_name(c.person.given_names + " " + c.person.family_names);
    out->set_case_folio(c.person.case_folio);
    for (const auto& f : c.factors) {
      v1::EvidenceFactor* factor = out->add_factors();
      factor->set_name(f.name);
      factor->set_log10_lr(f.log10_lr);
      factor->set_light(ToProto(f.light));
      factor->set_excludes(f.excludes);
      factor->set_reason(f.reason);
      if (f.name == "face") {
        factor->add_photos(records::PhotoName(records::RecordKind::kRemains, query.remains_id,
                                              c.remains_photo_id));
        factor->add_photos(records::PhotoName(records::RecordKind::kMissingPerson, c.person.meta.id,
                                              c.person_photo_id));
      }
    }
  }
  return grpc::Status::OK;
}

}  // namespace encuentro::services
