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
  // For a 405: the methods the path takes ("GET, POST").
  std::string allow;
};

// An HTTP request as the gateway sees it: the listener has already checked the session, CSRF
// and origin; `authorization` is the credential to call with ("Session <secret>").
struct ApiRequest {
  std::string method;  // "GET", "POST"
  std::string path;    // "/api/v1/remains/7"
  std::multimap<std::string, std::string> query;
  std::string body;  // JSON, for POST
  std::string authorization;
  std::string console_key;  // filled by the gateway
};

// The JSON error body of AIP-193 for a gRPC status, with its field violations; and the HTTP
// status that goes with each gRPC code.
HttpAnswer ErrorAnswer(const grpc::Status& status);
int HttpStatusOf(grpc::StatusCode code);

// The audit export as the server streams it (ExportEntries), chunk by chunk, so that a long log
// is never held whole. Not thread-safe: one reader.
class AuditExportStream {
 public:
  virtual ~AuditExportStream() = default;
  // The next chunk's lines, each ending in '\n'; false at the end or on an error (then Finish
  // says which).
  virtual bool Next(std::string* lines) = 0;
  virtual grpc::Status Finish() = 0;
};

// Thread-safe: each call makes its own in-process RPC.
class JsonGateway {
 public:
  // `channel` reaches the serving gRPC server in-process (grpc::Server::InProcessChannel);
  // `console_key` goes with every call, as the gatekeeper requires of a session.
  JsonGateway(std::shared_ptr<grpc::Channel> channel, std::string console_key)
      : channel_(std::move(channel)), console_key_(std::move(console_key)) {}

  // 404 for a path that names no method; otherwise the method's answer: JSON in protobuf's
  // canonical mapping (default values included), image bytes for a photo's ":content", JSON
  // lines for the audit export.
  HttpAnswer Handle(const ApiRequest& request) const;

  // GET /api/v1/auditEntries:export: the export, streamed. Its first chunk is read before this
  // returns, so that a refusal (a role that may not export) is an error answer in `refused`, not
  // a truncated stream; then nullptr is returned.
  std::unique_ptr<AuditExportStream> OpenAuditExport(const ApiRequest& request,
                                                     HttpAnswer* refused) const;

 private:
  std::shared_ptr<grpc::Channel> channel_;
  const std::string console_key_;
};

}  // namespace encuentro::web
