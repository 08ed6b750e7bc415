// Connection settings shared by every `encuentro` subcommand that talks to a server.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace encuentro::cli {

struct ClientOptions {
  std::string server = "127.0.0.1:50051";
  bool json = false;
  int timeout_seconds = 10;
  // The API token, sent as "authorization: Bearer <token>".
  std::string token;
  // TLS: the CA that signed the server's certificate (PEM); with mutual TLS, the client's own
  // certificate and key too. All empty: plaintext (a local server only).
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
};

// A channel to the configured server: TLS when a CA or client certificate is given. Exits with
// code 2 and a message when a TLS file cannot be read.
std::shared_ptr<grpc::Channel> OpenChannel(const ClientOptions& options);

// Adds the caller's token to a context made elsewhere (e.g. one without a deadline).
void AddCredentials(const ClientOptions& options, grpc::ClientContext* context);

// A context with the configured deadline and the caller's token.
std::unique_ptr<grpc::ClientContext> NewContext(const ClientOptions& options);
// The same with a deadline of `timeout` from now, for calls whose cost grows with their input.
std::unique_ptr<grpc::ClientContext> NewContext(const ClientOptions& options,
                                                std::chrono::seconds timeout);

// Runs `call` until it succeeds or fails for good: up to 10 attempts, pausing 0.5 s and doubling
// to 15 s. Retried: UNAVAILABLE, and RESOURCE_EXHAUSTED whose message asks to "retry" (the rate
// limit, a server busy analysing photos; not a photo over a size limit). With `idempotent` (the
// call carries a request id, so a retry finds what an earlier attempt stored), DEADLINE_EXCEEDED
// too.
grpc::Status CallWithRetries(const std::function<grpc::Status()>& call, bool idempotent);

// Prints "encuentro: METHOD failed: CODE: message" to stderr, then each field violation of a
// google.rpc.BadRequest detail on its own line, and returns the exit code 1.
int ReportRpcError(const std::string& method, const grpc::Status& status);

}  // namespace encuentro::cli
