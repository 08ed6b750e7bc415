#include "services/dna_sample_service.h"

#include "records/names.h"
#include "services/record_conversion.h"
#include "services/request_digest.h"
#include "services/rpc_helpers.h"

namespace encuentro::services {
namespace {

absl::StatusOr<records::PartRef> RequireSampleName(const std::string& name,
                                                   const std::string& field) {
  std::optional<records::PartRef> ref = records::ParseDnaSampleName(name);
  if (!ref) return InvalidFields({{field, "must be a sample name like remains/1/dnaSamples/2"}});
  return *ref;
}

// Violations from the records module name fields of the sample; the request's own fields keep
// their names.
absl::Status PrefixSampleFields(const absl::Status& status) {
  std::vector<FieldViolation> violations = FieldViolationsOf(status);
  if (violations.empty()) return status;
  const std::string& first = violations.front().field;
  if (first == "request_id" || first == "update_mask" || first == "reason" ||
      first == "page_size") {
    return status;
  }
  return InvalidFields(WithFieldPrefix(violations, "dna_sample"));
}

}  // namespace

grpc::Status DnaSampleServiceImpl::CreateDnaSample(grpc::ServerContext* context,
                                                   const v1::CreateDnaSampleRequest* request,
                                                   v1::DnaSample* response) {
  return Serve(gate_, *context, "encuentro.v1.DnaSampleService.CreateDnaSample",
               [&](const auth::Principal& caller) -> absl::Status {
                 std::optional<records::RecordRef> parent =
                     records::ParseRecordName(request->parent());
                 if (!parent) {
                   return InvalidFields(
                       {{"parent", "must be a record name like missingPersons/1 or remains/1"}});
                 }
                 std::vector<FieldViolation> bad;
                 records::DnaSample sample = FromProto(request->dna_sample(), &bad);
                 if (!bad.empty()) return InvalidFields(WithFieldPrefix(bad, "dna_sample"));
                 sample.owner_kind = parent->kind;
                 sample.owner_id = parent->id;
                 absl::StatusOr<records::DnaSample> created =
                     samples_->CreateSample(caller, std::move(sample), RequestKeyOf(*request));
                 if (!created.ok()) return PrefixSampleFields(created.status());
                 *response = ToProto(*created);
                 return absl::OkStatus();
               });
}

grpc::Status DnaSampleServiceImpl::GetDnaSample(grpc::ServerContext* context,
                                                const v1::GetDnaSampleRequest* request,
                                                v1::DnaSample* response) {
  return Serve(gate_, *context, "encuentro.v1.DnaSampleService.GetDnaSample",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::PartRef> ref = RequireSampleName(request->name(), "name");
                 if (!ref.ok()) return ref.status();
                 absl::StatusOr<records::DnaSample> sample = samples_->GetSample(caller, *ref);
                 if (!sample.ok()) return sample.status();
                 *response = ToProto(*sample);
                 return absl::OkStatus();
               });
}

grpc::Status DnaSampleServiceImpl::ListDnaSamples(grpc::ServerContext* context,
                                                  const v1::ListDnaSamplesRequest* request,
                                                  v1::ListDnaSamplesResponse* response) {
  return Serve(
      gate_, *context, "encuentro.v1.DnaSampleService.ListDnaSamples",
      [&](const auth::Principal& caller) -> absl::Status {
        std::optional<records::RecordRef> parent = records::ParseRecordName(request->parent());
        if (!parent) {
          return InvalidFields(
              {{"parent", "must be a record name like missingPersons/1 or remains/1"}});
        }
        absl::StatusOr<PagePosition> page = PagePositionOf(*request);
        if (!page.ok()) return page.status();
        absl::StatusOr<records::Page<records::DnaSample>> samples = samples_->ListSamples(
            caller, parent->kind, parent->id, request->show_deleted(), page->size, page->after_id);
        if (!samples.ok()) return samples.status();
        response->set_next_page_token(
            NextPageToken(*request, AppendWithinBytes(*samples, response->mutable_dna_samples(),
                                                      [](const auto& s) { return ToProto(s); })));
        return absl::OkStatus();
      });
}

grpc::Status DnaSampleServiceImpl::UpdateDnaSample(grpc::ServerContext* context,
                                                   const v1::UpdateDnaSampleRequest* request,
                                                   v1::DnaSample* response) {
  return Serve(gate_, *context, "encuentro.v1.DnaSampleService.UpdateDnaSample",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::PartRef> ref =
                     RequireSampleName(request->dna_sample().name(), "dna_sample.name");
                 if (!ref.ok()) return ref.status();
                 absl::StatusOr<std::optional<int64_t>> revision =
                     OptionalRevision(request->dna_sample().etag(), "dna_sample.etag");
                 if (!revision.ok()) return revision.status();
                 std::vector<FieldViolation> bad;
                 records::DnaSample values = FromProto(request->dna_sample(), &bad);
                 if (!bad.empty()) return InvalidFields(WithFieldPrefix(bad, "dna_sample"));
                 absl::StatusOr<records::DnaSample> updated = samples_->UpdateSample(
                     caller, *ref, values, MaskPaths(request->update_mask()), *revision);
                 if (!updated.ok()) return PrefixSampleFields(updated.status());
                 *response = ToProto(*updated);
                 return absl::OkStatus();
               });
}

grpc::Status DnaSampleServiceImpl::DeleteDnaSample(grpc::ServerContext* context,
                                                   const v1::DeleteDnaSampleRequest* request,
                                                   v1::DnaSample* response) {
  return Serve(gate_, *context, "encuentro.v1.DnaSampleService.DeleteDnaSample",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::PartRef> ref = RequireSampleName(request->name(), "name");
                 if (!ref.ok()) return ref.status();
                 absl::StatusOr<std::optional<int64_t>> revision =
                     OptionalRevision(request->etag(), "etag");
                 if (!revision.ok()) return revision.status();
                 absl::StatusOr<records::DnaSample> deleted =
                     samples_->DeleteSample(caller, *ref, request->reason(), *revision);
                 if (!deleted.ok()) return deleted.status();
                 *response = ToProto(*deleted);
                 return absl::OkStatus();
               });
}

}  // namespace encuentro::services
