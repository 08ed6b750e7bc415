#include "services/case_record_services.h"

#include "records/names.h"
#include "services/gatekeeper.h"
#include "services/page_token.h"
#include "services/record_conversion.h"
#include "services/request_digest.h"
#include "services/rpc_helpers.h"
#include "services/status_conversion.h"

namespace encuentro::services {
namespace {

absl::StatusOr<int64_t> RequireId(const std::string& name, records::RecordKind kind,
                                  const std::string& field) {
  std::optional<int64_t> id = records::ParseRecordId(name, kind);
  if (!id) {
    return InvalidFields(
        {{field, std::string("must be a resource name like ") +
                     (kind == records::RecordKind::kMissingPerson ? "missingPersons/123"
                                                                  : "remains/123")}});
  }
  return *id;
}

// Fills the filter-independent parts of a listing query.
template <typename Request>
absl::Status PageQuery(const Request& request, records::RecordQuery* query) {
  absl::StatusOr<PagePosition> page = PagePositionOf(request);
  if (!page.ok()) return page.status();
  query->page_size = page->size;
  query->after_id = page->after_id;
  return absl::OkStatus();
}

}  // namespace

grpc::Status MissingPersonServiceImpl::CreateMissingPerson(
    grpc::ServerContext* context, const v1::CreateMissingPersonRequest* request,
    v1::MissingPerson* response) {
  return Serve(gate_, *context, "encuentro.v1.MissingPersonService.CreateMissingPerson",
               [&](const auth::Principal& caller) -> absl::Status {
                 std::vector<FieldViolation> bad;
                 records::MissingPerson person = FromProto(request->missing_person(), &bad);
                 if (!bad.empty()) return InvalidFields(WithFieldPrefix(bad, "missing_person"));
                 absl::StatusOr<records::MissingPerson> created = records_->CreateMissingPerson(
                     caller, std::move(person), RequestKeyOf(*request));
                 if (!created.ok()) {
                   std::vector<FieldViolation> violations = FieldViolationsOf(created.status());
                   if (violations.empty() || violations.front().field == "request_id")
                     return created.status();
                   return InvalidFields(WithFieldPrefix(violations, "missing_person"));
                 }
                 *response = ToProto(*created);
                 return absl::OkStatus();
               });
}

grpc::Status MissingPersonServiceImpl::GetMissingPerson(grpc::ServerContext* context,
                                                        const v1::GetMissingPersonRequest* request,
                                                        v1::MissingPerson* response) {
  return Serve(gate_, *context, "encuentro.v1.MissingPersonService.GetMissingPerson",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<int64_t> id =
                     RequireId(request->name(), records::RecordKind::kMissingPerson, "name");
                 if (!id.ok()) return id.status();
                 absl::StatusOr<records::MissingPerson> person =
                     records_->GetMissingPerson(caller, *id);
                 if (!person.ok()) return person.status();
                 *response = ToProto(*person);
                 return absl::OkStatus();
               });
}

grpc::Status MissingPersonServiceImpl::ListMissingPersons(
    grpc::ServerContext* context, const v1::ListMissingPersonsRequest* request,
    v1::ListMissingPersonsResponse* response) {
  return Serve(gate_, *context, "encuentro.v1.MissingPersonService.ListMissingPersons",
               [&](const auth::Principal& caller) -> absl::Status {
                 records::RecordQuery query;
                 if (absl::Status s = PageQuery(*request, &query); !s.ok()) return s;
                 std::vector<FieldViolation> bad;
                 for (int i = 0; i < request->statuses_size(); ++i) {
                   if (auto status = StatusFromProto(request->statuses(i),
                                                     "statuses[" + std::to_string(i) + "]", &bad)) {
                     query.statuses.push_back(*status);
                   }
                 }
                 if (request->sex() != v1::SEX_UNSPECIFIED)
                   query.sex = SexFromProto(request->sex(), "sex", &bad);
                 query.date_from =
                     OptionalDateFromProto(request->has_last_seen_from(), request->last_seen_from(),
                                           "last_seen_from", &bad);
                 query.date_to = OptionalDateFromProto(
                     request->has_last_seen_to(), request->last_seen_to(), "last_seen_to", &bad);
                 if (!bad.empty()) return InvalidFields(bad);
                 query.organization = request->organization();
                 query.show_deleted = request->show_deleted();
                 absl::StatusOr<records::Page<records::MissingPerson>> page =
                     records_->ListMissingPersons(caller, query);
                 if (!page.ok()) return page.status();
                 response->set_next_page_token(NextPageToken(
                     *request, AppendWithinBytes(*page, response->mutable_missing_persons(),
                                                 [](const auto& p) { return ToProto(p); })));
                 return absl::OkStatus();
               });
}

grpc::Status MissingPersonServiceImpl::UpdateMissingPerson(
    grpc::ServerContext* context, const v1::UpdateMissingPersonRequest* request,
    v1::MissingPerson* response) {
  return Serve(gate_, *context, "encuentro.v1.MissingPersonService.UpdateMissingPerson",
               [&](const auth::Principal& caller) -> absl::Status {
                 const v1::MissingPerson& in = request->missing_person();
                 absl::StatusOr<int64_t> id = RequireId(
                     in.name(), records::RecordKind::kMissingPerson, "missing_person.name");
                 if (!id.ok()) return id.status();
                 absl::StatusOr<std::optional<int64_t>> revision =
                     OptionalRevision(in.etag(), "missing_person.etag");
                 if (!revision.ok()) return revision.status();
                 std::vector<FieldViolation> bad;
                 records::RecordPatch<records::MissingPerson> patch{
                     *id, FromProto(in, &bad), MaskPaths(request->update_mask()), *revision};
                 if (!bad.empty()) return InvalidFields(WithFieldPrefix(bad, "missing_person"));
                 absl::StatusOr<records::MissingPerson> updated =
                     records_->UpdateMissingPerson(caller, patch);
                 if (!updated.ok()) {
                   std::vector<FieldViolation> violations = FieldViolationsOf(updated.status());
                   if (violations.empty() || violations.front().field == "update_mask") {
                     return updated.status();
                   }
                   return InvalidFields(WithFieldPrefix(violations, "missing_person"));
                 }
                 *response = ToProto(*updated);
                 return absl::OkStatus();
               });
}

grpc::Status MissingPersonServiceImpl::DeleteMissingPerson(
    grpc::ServerContext* context, const v1::DeleteMissingPersonRequest* request,
    v1::MissingPerson* response) {
  return Serve(gate_, *context, "encuentro.v1.MissingPersonService.DeleteMissingPerson",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<int64_t> id =
                     RequireId(request->name(), records::RecordKind::kMissingPerson, "name");
                 if (!id.ok()) return id.status();
                 absl::StatusOr<std::optional<int64_t>> revision =
                     OptionalRevision(request->etag(), "etag");
                 if (!revision.ok()) return revision.status();
                 absl::StatusOr<records::MissingPerson> deleted =
                     records_->DeleteMissingPerson(caller, {*id, request->reason(), *revision});
                 if (!deleted.ok()) return deleted.status();
                 *response = ToProto(*deleted);
                 return absl::OkStatus();
               });
}

grpc::Status RemainsServiceImpl::CreateRemains(grpc::ServerContext* context,
                                               const v1::CreateRemainsRequest* request,
                                               v1::UnidentifiedRemains* response) {
  return Serve(gate_, *context, "encuentro.v1.RemainsService.CreateRemains",
               [&](const auth::Principal& caller) -> absl::Status {
                 std::vector<FieldViolation> bad;
                 records::UnidentifiedRemains remains = FromProto(request->remains(), &bad);
                 if (!bad.empty()) return InvalidFields(WithFieldPrefix(bad, "remains"));
                 absl::StatusOr<records::UnidentifiedRemains> created =
                     records_->CreateRemains(caller, std::move(remains), RequestKeyOf(*request));
                 if (!created.ok()) {
                   std::vector<FieldViolation> violations = FieldViolationsOf(created.status());
                   if (violations.empty() || violations.front().field == "request_id")
                     return created.status();
                   return InvalidFields(WithFieldPrefix(violations, "remains"));
                 }
                 *response = ToProto(*created);
                 return absl::OkStatus();
               });
}

grpc::Status RemainsServiceImpl::GetRemains(grpc::ServerContext* context,
                                            const v1::GetRemainsRequest* request,
                                            v1::UnidentifiedRemains* response) {
  return Serve(gate_, *context, "encuentro.v1.RemainsService.GetRemains",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<int64_t> id =
                     RequireId(request->name(), records::RecordKind::kRemains, "name");
                 if (!id.ok()) return id.status();
                 absl::StatusOr<records::UnidentifiedRemains> remains =
                     records_->GetRemains(caller, *id);
                 if (!remains.ok()) return remains.status();
                 *response = ToProto(*remains);
                 return absl::OkStatus();
               });
}

grpc::Status RemainsServiceImpl::ListRemains(grpc::ServerContext* context,
                                             const v1::ListRemainsRequest* request,
                                             v1::ListRemainsResponse* response) {
  return Serve(gate_, *context, "encuentro.v1.RemainsService.ListRemains",
               [&](const auth::Principal& caller) -> absl::Status {
                 records::RecordQuery query;
                 if (absl::Status s = PageQuery(*request, &query); !s.ok()) return s;
                 std::vector<FieldViolation> bad;
                 if (request->sex() != v1::SEX_UNSPECIFIED)
                   query.sex = SexFromProto(request->sex(), "sex", &bad);
                 query.date_from = OptionalDateFromProto(request->has_found_from(),
                                                         request->found_from(), "found_from", &bad);
                 query.date_to = OptionalDateFromProto(request->has_found_to(), request->found_to(),
                                                       "found_to", &bad);
                 if (!bad.empty()) return InvalidFields(bad);
                 query.organization = request->organization();
                 query.show_deleted = request->show_deleted();
                 absl::StatusOr<records::Page<records::UnidentifiedRemains>> page =
                     records_->ListRemains(caller, query);
                 if (!page.ok()) return page.status();
                 response->set_next_page_token(NextPageToken(
                     *request, AppendWithinBytes(*page, response->mutable_remains(),
                                                 [](const auto& r) { return ToProto(r); })));
                 return absl::OkStatus();
               });
}

grpc::Status RemainsServiceImpl::UpdateRemains(grpc::ServerContext* context,
                                               const v1::UpdateRemainsRequest* request,
                                               v1::UnidentifiedRemains* response) {
  return Serve(gate_, *context, "encuentro.v1.RemainsService.UpdateRemains",
               [&](const auth::Principal& caller) -> absl::Status {
                 const v1::UnidentifiedRemains& in = request->remains();
                 absl::StatusOr<int64_t> id =
                     RequireId(in.name(), records::RecordKind::kRemains, "remains.name");
                 if (!id.ok()) return id.status();
                 absl::StatusOr<std::optional<int64_t>> revision =
                     OptionalRevision(in.etag(), "remains.etag");
                 if (!revision.ok()) return revision.status();
                 std::vector<FieldViolation> bad;
                 records::RecordPatch<records::UnidentifiedRemains> patch{
                     *id, FromProto(in, &bad), MaskPaths(request->update_mask()), *revision};
                 if (!bad.empty()) return InvalidFields(WithFieldPrefix(bad, "remains"));
                 absl::StatusOr<records::UnidentifiedRemains> updated =
                     records_->UpdateRemains(caller, patch);
                 if (!updated.ok()) {
                   std::vector<FieldViolation> violations = FieldViolationsOf(updated.status());
                   if (violations.empty() || violations.front().field == "update_mask") {
                     return updated.status();
                   }
                   return InvalidFields(WithFieldPrefix(violations, "remains"));
                 }
                 *response = ToProto(*updated);
                 return absl::OkStatus();
               });
}

grpc::Status RemainsServiceImpl::DeleteRemains(grpc::ServerContext* context,
                                               const v1::DeleteRemainsRequest* request,
                                               v1::UnidentifiedRemains* response) {
  return Serve(gate_, *context, "encuentro.v1.RemainsService.DeleteRemains",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<int64_t> id =
                     RequireId(request->name(), records::RecordKind::kRemains, "name");
                 if (!id.ok()) return id.status();
                 absl::StatusOr<std::optional<int64_t>> revision =
                     OptionalRevision(request->etag(), "etag");
                 if (!revision.ok()) return revision.status();
                 absl::StatusOr<records::UnidentifiedRemains> deleted =
                     records_->DeleteRemains(caller, {*id, request->reason(), *revision});
                 if (!deleted.ok()) return deleted.status();
                 *response = ToProto(*deleted);
                 return absl::OkStatus();
               });
}

}  // namespace encuentro::services
