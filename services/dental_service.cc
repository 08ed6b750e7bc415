#include "services/dental_service.h"

#include "records/names.h"
#include "services/record_conversion.h"
#include "services/rpc_helpers.h"

namespace encuentro::services {
namespace {

absl::StatusOr<records::RecordRef> RequireChartName(const std::string& name,
                                                    const std::string& field) {
  std::optional<records::RecordRef> ref = records::ParseDentalChartName(name);
  if (!ref) return InvalidFields({{field, "must be a chart name like remains/1/dentalChart"}});
  return *ref;
}

}  // namespace

grpc::Status DentalServiceImpl::GetDentalChart(grpc::ServerContext* context,
                                               const v1::GetDentalChartRequest* request,
                                               v1::DentalChart* response) {
  return Serve(gate_, *context, "encuentro.v1.DentalService.GetDentalChart",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::RecordRef> ref = RequireChartName(request->name(), "name");
                 if (!ref.ok()) return ref.status();
                 absl::StatusOr<records::DentalChart> chart =
                     charts_->GetChart(caller, ref->kind, ref->id);
                 if (!chart.ok()) return chart.status();
                 *response = ToProto(*chart, request->name());
                 return absl::OkStatus();
               });
}

grpc::Status DentalServiceImpl::UpdateDentalChart(grpc::ServerContext* context,
                                                  const v1::UpdateDentalChartRequest* request,
                                                  v1::DentalChart* response) {
  return Serve(
      gate_, *context, "encuentro.v1.DentalService.UpdateDentalChart",
      [&](const auth::Principal& caller) -> absl::Status {
        const v1::DentalChart& in = request->dental_chart();
        absl::StatusOr<records::RecordRef> ref = RequireChartName(in.name(), "dental_chart.name");
        if (!ref.ok()) return ref.status();
        absl::StatusOr<std::optional<int64_t>> revision =
            OptionalRevision(in.etag(), "dental_chart.etag");
        if (!revision.ok()) return revision.status();
        std::vector<FieldViolation> bad;
        records::DentalChart values = FromProto(in, &bad);
        if (!bad.empty()) return InvalidFields(WithFieldPrefix(bad, "dental_chart"));
        absl::StatusOr<records::DentalChart> updated = charts_->UpdateChart(
            caller, ref->kind, ref->id, values, MaskPaths(request->update_mask()), *revision);
        if (!updated.ok()) {
          std::vector<FieldViolation> violations = FieldViolationsOf(updated.status());
          if (violations.empty() || violations.front().field == "update_mask") {
            return updated.status();
          }
          return InvalidFields(WithFieldPrefix(violations, "dental_chart"));
        }
        *response = ToProto(*updated, in.name());
        return absl::OkStatus();
      });
}

}  // namespace encuentro::services
