// The web console's JSON API: HTTP requests under /api/v1/ translated onto the gRPC methods they
// name and called in-process, so that authentication, authorization, scope, validation, rate
// limits and audit are the gRPC services' own code paths, not a second implementation.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>

namespace encuentro::web {

// What the gateway answers, ready to send.
struct HttpAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// An HTTP request as the gateway sees it: the listener has already checked the session, CSRF
// and origin; `authorization` is the credential to call with ("Session <secret>").
struct ApiRequest {
  std::string method;  // "GET", "POST"
  std::string path;    // "/api/v1/remains/7"
  std::multimap<std::string, std::string> query;
  std::string body;  // JSON, for POST
  std::string authorization;
  std::string peer;  // the browser's address, for the request log
};

// The JSON error body of AIP-193 for a gRPC status, with its field violations; and the HTTP
// status that goes with each gRPC code.
HttpAnswer ErrorAnswer(const grpc::Status& status);
int HttpStatusOf(grpc::StatusCode code);

// Thread-safe: each call makes its own in-process RPC.
class JsonGateway {
 public:
  // `channel` reaches the serving gRPC server in-process (grpc::Server::InProcessChannel).
  explicit JsonGateway(std::shared_ptr<grpc::Channel> channel) : channel_(std::move(channel)) {}

  // 404 for a path that names no method; otherwise the method's answer: JSON in protobuf's
  // canonical mapping (default values included), image bytes for a photo's ":content", JSON
  // lines for the audit export.
  HttpAnswer Handle(const ApiRequest& request) const;

 private:
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace encuentro::web
