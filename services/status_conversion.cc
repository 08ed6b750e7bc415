#include "services/status_conversion.h"

#include <string>

#include "common/field_violations.h"
#include "common/logging.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace encuentro::services {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  if (status.code() == absl::StatusCode::kInternal) {
    spdlog::error("internal error: {}", status);
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error; see the server log");
  }
  const auto code = static_cast<grpc::StatusCode>(status.code());
  const std::string message(status.message());
  std::vector<FieldViolation> violations = FieldViolationsOf(status);
  if (violations.empty()) return grpc::Status(code, message);
  google::rpc::BadRequest bad_request;
  for (const FieldViolation& v : violations) {
    auto* out = bad_request.add_field_violations();
    out->set_field(v.field);
    out->set_description(v.description);
  }
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(message);
  details.add_details()->PackFrom(bad_request);
  return grpc::Status(code, message, details.SerializeAsString());
}

}  // namespace encuentro::services
