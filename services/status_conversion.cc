#include "services/status_conversion.h"

#include <string>

#include "common/logging.h"

namespace encuentro::services {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  if (status.code() == absl::StatusCode::kInternal) {
    spdlog::error("internal error: {}", status.message());
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error; see the server log");
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace encuentro::services
