#include "cli/client.h"

#include <cstdio>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace encuentro::cli {

std::shared_ptr<grpc::Channel> OpenChannel(const ClientOptions& options) {
  return grpc::CreateChannel(options.server, grpc::InsecureChannelCredentials());
}

std::unique_ptr<grpc::ClientContext> NewContext(const ClientOptions& options) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(options.timeout_seconds));
  context->AddMetadata("x-encuentro-user", options.user);
  context->AddMetadata("x-encuentro-organization", options.organization);
  context->AddMetadata("x-encuentro-role", options.role);
  return context;
}

int ReportRpcError(const std::string& method, const grpc::Status& status) {
  static const char* const kCodes[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int code = status.error_code();
  const char* name = code >= 0 && code <= 16 ? kCodes[code] : "UNRECOGNIZED";
  google::rpc::BadRequest bad;
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      if (any.UnpackTo(&bad)) break;
    }
  }
  if (bad.field_violations_size() == 0) {
    std::fprintf(stderr, "encuentro: %s failed: %s: %s\n", method.c_str(), name,
                 status.error_message().c_str());
    return 1;
  }
  std::fprintf(stderr, "encuentro: %s failed: %s:\n", method.c_str(), name);
  for (const auto& v : bad.field_violations()) {
    std::fprintf(stderr, "  %s: %s\n", v.field().c_str(), v.description().c_str());
  }
  return 1;
}

}  // namespace encuentro::cli
