#include "tests/support/bad_request.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace encuentro::testing {

std::vector<std::string> BadRequestFields(const grpc::Status& status) {
  google::rpc::Status details;
  std::vector<std::string> fields;
  if (!details.ParseFromString(status.error_details())) return fields;
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) fields.push_back(v.field());
    }
  }
  return fields;
}

}  // namespace encuentro::testing
