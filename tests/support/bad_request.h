// Reading a google.rpc.BadRequest back from a failed call, for tests that check which fields the
// server named.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

namespace encuentro::testing {

// The fields the status's BadRequest details name, in order; empty without such details.
std::vector<std::string> BadRequestFields(const grpc::Status& status);

}  // namespace encuentro::testing
