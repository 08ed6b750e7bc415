// Connection settings shared by every `encuentro` subcommand that talks to a server.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

namespace encuentro::cli {

struct ClientOptions {
  std::string server = "127.0.0.1:50051";
  bool json = false;
  int timeout_seconds = 10;
  // The caller's identity, sent with every call (until token authentication lands).
  std::string user;
  std::string organization = "local";
  std::string role = "commission_staff";
};

// A channel to the configured server (plaintext until TLS lands).
std::shared_ptr<grpc::Channel> OpenChannel(const ClientOptions& options);

// A context with the configured deadline and the caller's identity.
std::unique_ptr<grpc::ClientContext> NewContext(const ClientOptions& options);

// Prints "encuentro: METHOD failed: CODE: message" to stderr, then each field violation of a
// google.rpc.BadRequest detail on its own line, and returns the exit code 1.
int ReportRpcError(const std::string& method, const grpc::Status& status);

}  // namespace encuentro::cli
