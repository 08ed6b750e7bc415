// Translation of absl::Status (what domain and storage code return) into grpc::Status.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace encuentro::services {

// The canonical codes share numbering, so the code carries over as is; INTERNAL details are kept
// in the server log rather than sent, since they may name files and tables.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace encuentro::services
