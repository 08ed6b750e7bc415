#include "services/mark_service.h"

#include "records/names.h"
#include "services/record_conversion.h"
#include "services/request_digest.h"
#include "services/rpc_helpers.h"

namespace encuentro::services {
namespace {

absl::StatusOr<records::PartRef> RequireMarkName(const std::string& name,
                                                 const std::string& field) {
  std::optional<records::PartRef> ref = records::ParseMarkName(name);
  if (!ref) return InvalidFields({{field, "must be a mark name like remains/1/marks/2"}});
  return *ref;
}

absl::StatusOr<records::RecordRef> RequireParent(const std::string& name) {
  std::optional<records::RecordRef> ref = records::ParseRecordName(name);
  if (!ref) {
    return InvalidFields({{"parent", "must be a record name like missingPersons/1 or remains/1"}});
  }
  return *ref;
}

// Violations from the records module name fields of the mark; the request's own fields
// (request_id, update_mask, reason, page_size, query) keep their names.
absl::Status PrefixMarkFields(const absl::Status& status) {
  std::vector<FieldViolation> violations = FieldViolationsOf(status);
  if (violations.empty()) return status;
  const std::string& first = violations.front().field;
  if (first == "request_id" || first == "update_mask" || first == "reason" ||
      first == "page_size" || first == "query") {
    return status;
  }
  return InvalidFields(WithFieldPrefix(violations, "mark"));
}

}  // namespace

grpc::Status MarkServiceImpl::CreateMark(grpc::ServerContext* context,
                                         const v1::CreateMarkRequest* request,
                                         v1::DistinguishingMark* response) {
  return Serve(gate_, *context, "encuentro.v1.MarkService.CreateMark",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::RecordRef> parent = RequireParent(request->parent());
                 if (!parent.ok()) return parent.status();
                 std::vector<FieldViolation> bad;
                 records::DistinguishingMark mark = FromProto(request->mark(), &bad);
                 if (!bad.empty()) return InvalidFields(WithFieldPrefix(bad, "mark"));
                 mark.owner_kind = parent->kind;
                 mark.owner_id = parent->id;
                 absl::StatusOr<records::DistinguishingMark> created =
                     marks_->CreateMark(caller, std::move(mark), RequestKeyOf(*request));
                 if (!created.ok()) return PrefixMarkFields(created.status());
                 *response = ToProto(*created);
                 return absl::OkStatus();
               });
}

grpc::Status MarkServiceImpl::GetMark(grpc::ServerContext* context,
                                      const v1::GetMarkRequest* request,
                                      v1::DistinguishingMark* response) {
  return Serve(gate_, *context, "encuentro.v1.MarkService.GetMark",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::PartRef> ref = RequireMarkName(request->name(), "name");
                 if (!ref.ok()) return ref.status();
                 absl::StatusOr<records::DistinguishingMark> mark = marks_->GetMark(caller, *ref);
                 if (!mark.ok()) return mark.status();
                 *response = ToProto(*mark);
                 return absl::OkStatus();
               });
}

grpc::Status MarkServiceImpl::ListMarks(grpc::ServerContext* context,
                                        const v1::ListMarksRequest* request,
                                        v1::ListMarksResponse* response) {
  return Serve(gate_, *context, "encuentro.v1.MarkService.ListMarks",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::RecordRef> parent = RequireParent(request->parent());
                 if (!parent.ok()) return parent.status();
                 absl::StatusOr<PagePosition> page = PagePositionOf(*request);
                 if (!page.ok()) return page.status();
                 absl::StatusOr<records::Page<records::DistinguishingMark>> marks =
                     marks_->ListMarks(caller, parent->kind, parent->id, request->show_deleted(),
                                       page->size, page->after_id);
                 if (!marks.ok()) return marks.status();
                 response->set_next_page_token(NextPageToken(
                     *request, AppendWithinBytes(*marks, response->mutable_marks(),
                                                 [](const auto& m) { return ToProto(m); })));
                 return absl::OkStatus();
               });
}

grpc::Status MarkServiceImpl::UpdateMark(grpc::ServerContext* context,
                                         const v1::UpdateMarkRequest* request,
                                         v1::DistinguishingMark* response) {
  return Serve(gate_, *context, "encuentro.v1.MarkService.UpdateMark",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::PartRef> ref =
                     RequireMarkName(request->mark().name(), "mark.name");
                 if (!ref.ok()) return ref.status();
                 absl::StatusOr<std::optional<int64_t>> revision =
                     OptionalRevision(request->mark().etag(), "mark.etag");
                 if (!revision.ok()) return revision.status();
                 std::vector<FieldViolation> bad;
                 records::DistinguishingMark values = FromProto(request->mark(), &bad);
                 if (!bad.empty()) return InvalidFields(WithFieldPrefix(bad, "mark"));
                 absl::StatusOr<records::DistinguishingMark> updated = marks_->UpdateMark(
                     caller, *ref, values, MaskPaths(request->update_mask()), *revision);
                 if (!updated.ok()) return PrefixMarkFields(updated.status());
                 *response = ToProto(*updated);
                 return absl::OkStatus();
               });
}

grpc::Status MarkServiceImpl::DeleteMark(grpc::ServerContext* context,
                                         const v1::DeleteMarkRequest* request,
                                         v1::DistinguishingMark* response) {
  return Serve(gate_, *context, "encuentro.v1.MarkService.DeleteMark",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::PartRef> ref = RequireMarkName(request->name(), "name");
                 if (!ref.ok()) return ref.status();
                 absl::StatusOr<std::optional<int64_t>> revision =
                     OptionalRevision(request->etag(), "etag");
                 if (!revision.ok()) return revision.status();
                 absl::StatusOr<records::DistinguishingMark> deleted =
                     marks_->DeleteMark(caller, *ref, request->reason(), *revision);
                 if (!deleted.ok()) return deleted.status();
                 *response = ToProto(*deleted);
                 return absl::OkStatus();
               });
}

grpc::Status MarkServiceImpl::SearchMarks(grpc::ServerContext* context,
                                          const v1::SearchMarksRequest* request,
                                          v1::SearchMarksResponse* response) {
  return Serve(
      gate_, *context, "encuentro.v1.MarkService.SearchMarks",
      [&](const auth::Principal& caller) -> absl::Status {
        storage::MarkSearch search;
        std::vector<FieldViolation> bad;
        switch (request->record_kind()) {
          case v1::SearchMarksRequest::RECORD_KIND_UNSPECIFIED:
          case v1::SearchMarksRequest::REMAINS:
            search.owner_kind = records::RecordKind::kRemains;
            break;
          case v1::SearchMarksRequest::MISSING_PERSONS:
            search.owner_kind = records::RecordKind::kMissingPerson;
            break;
          default:
            bad.push_back({"record_kind", "unknown value"});
        }
        search.text = request->query();
        for (int i = 0; i < request->kinds_size(); ++i) {
          if (auto kind = EnumFromProto(request->kinds(i), records::MarkKind::kMedicalImplant,
                                        "kinds[" + std::to_string(i) + "]", &bad)) {
            search.kinds.push_back(*kind);
          }
        }
        search.region =
            EnumFromProto(request->body_region(), records::BodyRegion::kFoot, "body_region", &bad)
                .value_or(records::BodyRegion::kUnspecified);
        search.side =
            EnumFromProto(request->body_side(), records::BodySide::kMidline, "body_side", &bad)
                .value_or(records::BodySide::kUnspecified);
        if (!bad.empty()) return InvalidFields(bad);
        absl::StatusOr<PagePosition> page = PagePositionOf(*request);
        if (!page.ok()) return page.status();
        search.page_size = page->size;
        search.after_id = page->after_id;
        absl::StatusOr<records::Page<records::DistinguishingMark>> found =
            marks_->SearchMarks(caller, std::move(search));
        if (!found.ok()) return found.status();
        response->set_next_page_token(
            NextPageToken(*request, AppendWithinBytes(*found, response->mutable_marks(),
                                                      [](const auto& m) { return ToProto(m); })));
        return absl::OkStatus();
      });
}

}  // namespace encuentro::services
