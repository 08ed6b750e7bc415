// Request parsing that names the field at fault. protobuf refuses a proto3 string holding invalid
// UTF-8 without saying which field, and gRPC would answer INTERNAL; every method is therefore
// served with its request raw (see parsed_service.h) and parsed here.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"

namespace encuentro::services {

// Parses `buffer` into `message`; `buffer` is left unchanged. INVALID_ARGUMENT (see
// InvalidFields) naming every string field that is not UTF-8, by its path in the request.
absl::Status ParseRequest(const grpc::ByteBuffer& buffer, google::protobuf::Message* message);

}  // namespace encuentro::services
