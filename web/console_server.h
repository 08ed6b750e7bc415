// The web console's HTTP(S) listener in encuentrod (--http-listen): the static single-page
// console, browser sessions (log in with an API token, get a short-lived HttpOnly cookie), CSRF
// and origin checks, security headers, and the JSON API (JsonGateway) behind them.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "auth/principals.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace encuentro::web {

class JsonGateway;

struct ConsoleOptions {
  // HOST:PORT; port 0 picks a free one.
  std::string listen;
  // PEM files; both empty serves plaintext, which the caller allows only on loopback.
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
  // How long a login lasts (never past its token's expiry).
  std::chrono::seconds session_lifetime{std::chrono::minutes(30)};
  // Requests served at once.
  int threads = 8;
  // Sent with every in-process call (services::GatekeeperOptions::console_key).
  std::string console_key;
};

// The CSRF token of a session: a digest of its secret, so that only a page that was told it (by
// GET /api/v1/session, which needs the cookie) can send it back.
std::string CsrfTokenOf(const std::string& session_secret);

// Serves on its own threads from Start until destroyed. Thread-safe.
class ConsoleServer {
 public:
  // `channel` reaches the gRPC server in-process; `principals` opens and checks sessions.
  static absl::StatusOr<std::unique_ptr<ConsoleServer>> Start(
      const ConsoleOptions& options, std::shared_ptr<grpc::Channel> channel,
      auth::Principals* principals);
  ~ConsoleServer();

  // Stops taking requests and waits for those in flight (before the gRPC server they call goes
  // away). Idempotent.
  void Stop();

  // "http://127.0.0.1:8080" or "https://host:8443", with the port chosen.
  const std::string& url() const { return url_; }

 private:
  ConsoleServer() = default;

  std::unique_ptr<JsonGateway> gateway_;
  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
  std::string url_;
  std::mutex stop_mu_;
};

}  // namespace encuentro::web
