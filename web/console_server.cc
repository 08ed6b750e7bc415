#include "web/console_server.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "audit/chain.h"
#include "common/logging.h"
#include "common/sha256.h"
#include "web/console_assets.h"
#include "web/json_gateway.h"

namespace encuentro::web {
namespace {

constexpr char kSessionCookie[] = "encuentro_session";
constexpr char kCsrfHeader[] = "X-CSRF-Token";

// No inline script or style, nothing from elsewhere, no framing: what the console needs and no
// more, so that injected markup cannot run.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'";

void SetSecurityHeaders(bool tls, httplib::Response& response) {
  response.set_header("Content-Security-Policy", kContentSecurityPolicy);
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("X-Frame-Options", "DENY");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("Cross-Origin-Opener-Policy", "same-origin");
  response.set_header("Cross-Origin-Resource-Policy", "same-origin");
  if (tls) response.set_header("Strict-Transport-Security", "max-age=31536000");
}

void Answer(const HttpAnswer& answer, httplib::Response& response) {
  response.status = answer.status;
  // Case data (and photos above all) must not linger in caches.
  response.set_header("Cache-Control", "no-store");
  response.set_content(answer.body, answer.content_type);
}

void Refuse(grpc::StatusCode code, const std::string& message, httplib::Response& response) {
  Answer(ErrorAnswer(grpc::Status(code, message)), response);
}

std::string SessionSecretOf(const httplib::Request& request) {
  for (size_t i = 0; i < request.get_header_value_count("Cookie"); ++i) {
    for (absl::string_view cookie : absl::StrSplit(request.get_header_value("Cookie", i), ';')) {
      cookie = absl::StripAsciiWhitespace(cookie);
      if (absl::ConsumePrefix(&cookie, kSessionCookie) && absl::ConsumePrefix(&cookie, "=")) {
        return std::string(cookie);
      }
    }
  }
  return "";
}

// A request that changes something must come from the console's own pages: the browser sends
// Origin (and Sec-Fetch-Site) on such requests, which a page elsewhere cannot forge.
bool FromOwnOrigin(const httplib::Request& request, const std::string& own_origin) {
  const std::string origin = request.get_header_value("Origin");
  if (!origin.empty() && origin != own_origin) return false;
  const std::string site = request.get_header_value("Sec-Fetch-Site");
  return site.empty() || site == "same-origin";
}

bool IsStateChange(const std::string& method) { return method != "GET" && method != "HEAD"; }

// Serves one request; holds no state of its own between requests.
class Dispatcher {
 public:
  Dispatcher(const ConsoleOptions& options, const JsonGateway* gateway,
             auth::Principals* principals, std::string own_origin)
      : options_(options),
        gateway_(gateway),
        principals_(principals),
        own_origin_(std::move(own_origin)),
        tls_(!options.tls_cert.empty()) {}

  void Serve(const httplib::Request& request, httplib::Response& response) const {
    SetSecurityHeaders(tls_, response);
    if (request.method == "GET" && (request.path == "/" || request.path == "/index.html")) {
      return ServeAsset("index.html", response);
    }
    if (request.method == "GET" && absl::StartsWith(request.path, "/console/")) {
      return ServeAsset(request.path.substr(std::strlen("/console/")), response);
    }
    if (!absl::StartsWith(request.path, "/api/v1/")) {
      return Refuse(grpc::StatusCode::NOT_FOUND, "no such page: " + request.path, response);
    }
    if (IsStateChange(request.method) && !FromOwnOrigin(request, own_origin_)) {
      return Refuse(grpc::StatusCode::PERMISSION_DENIED,
                    "cross-site request refused: changes are accepted only from the console's "
                    "own pages",
                    response);
    }
    if (request.path == "/api/v1/sessions" && request.method == "POST") {
      return LogIn(request, response);
    }
    const std::string secret = SessionSecretOf(request);
    if (secret.empty()) {
      return Refuse(grpc::StatusCode::UNAUTHENTICATED, "not logged in", response);
    }
    if (IsStateChange(request.method) &&
        request.get_header_value(kCsrfHeader) != CsrfTokenOf(secret)) {
      return Refuse(grpc::StatusCode::PERMISSION_DENIED,
                    "missing or wrong X-CSRF-Token: reload the page and try again", response);
    }
    if (request.path == "/api/v1/session") {
      if (request.method == "GET") return DescribeSession(secret, response);
      if (request.method == "DELETE") return LogOut(secret, response);
    }
    ApiRequest api{request.method, request.path,        {},
                   request.body,   "Session " + secret, request.remote_addr};
    for (const auto& [key, value] : request.params) api.query.emplace(key, value);
    Answer(gateway_->Handle(api), response);
  }

 private:
  void ServeAsset(const std::string& path, httplib::Response& response) const {
    const ConsoleAsset* asset = FindConsoleAsset(path);
    if (asset == nullptr) {
      return Refuse(grpc::StatusCode::NOT_FOUND, "no such file: " + path, response);
    }
    // Revalidated on every load: an upgraded server never runs an old page.
    response.set_header("Cache-Control", "no-cache");
    response.set_content(std::string(asset->bytes), std::string(asset->content_type));
  }

  void LogIn(const httplib::Request& request, httplib::Response& response) const {
    const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("token") ||
        !body["token"].is_string()) {
      return Answer(ErrorAnswer(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                             "send {\"token\": \"enc_...\"}")),
                    response);
    }
    absl::StatusOr<auth::WebSession> session =
        principals_->OpenSession(body["token"].get<std::string>(), options_.session_lifetime);
    if (!session.ok()) {
      return Refuse(static_cast<grpc::StatusCode>(session.status().code()),
                    std::string(session.status().message()), response);
    }
    spdlog::info("web console: {} logged in from {}", session->principal.user, request.remote_addr);
    const auto max_age = std::chrono::duration_cast<std::chrono::seconds>(
                             session->expire_time - std::chrono::system_clock::now())
                             .count();
    response.set_header("Set-Cookie",
                        absl::StrCat(kSessionCookie, "=", session->secret,
                                     "; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=",
                                     std::max<int64_t>(max_age, 0)));
    SendSession(session->secret, session->principal, session->expire_time, response);
  }

  void DescribeSession(const std::string& secret, httplib::Response& response) const {
    absl::StatusOr<auth::Principal> principal = principals_->AuthenticateSession(secret);
    if (!principal.ok()) {
      return Refuse(grpc::StatusCode::UNAUTHENTICATED, std::string(principal.status().message()),
                    response);
    }
    absl::StatusOr<std::optional<storage::StoredSession>> stored =
        principals_->store()->FindSession(Sha256Hex(secret));
    if (!stored.ok() || !stored->has_value()) {
      return Refuse(grpc::StatusCode::UNAVAILABLE, "cannot read the session", response);
    }
    SendSession(secret, *principal, (*stored)->expire_time, response);
  }

  void SendSession(const std::string& secret, const auth::Principal& principal,
                   records::Timestamp expire_time, httplib::Response& response) const {
    nlohmann::json linked = nlohmann::json::array();
    if (principal.role == auth::Role::kFamilyAuditor) {
      absl::StatusOr<std::vector<std::string>> records =
          principals_->store()->LinkedRecords(principal.organization);
      if (!records.ok()) {
        return Refuse(grpc::StatusCode::UNAVAILABLE, std::string(records.status().message()),
                      response);
      }
      for (const std::string& name : *records) linked.push_back(name);
    }
    const nlohmann::json out = {{"user", principal.user},
                                {"organization", principal.organization},
                                {"role", auth::RoleName(principal.role)},
                                {"expireTime", audit::Rfc3339Utc(expire_time)},
                                {"csrfToken", CsrfTokenOf(secret)},
                                {"linkedCases", linked}};
    Answer({200, "application/json", out.dump()}, response);
  }

  void LogOut(const std::string& secret, httplib::Response& response) const {
    if (absl::Status s = principals_->CloseSession(secret); !s.ok() && !absl::IsNotFound(s)) {
      return Refuse(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()), response);
    }
    response.set_header("Set-Cookie", absl::StrCat(kSessionCookie,
                                                   "=; Path=/; HttpOnly; Secure; "
                                                   "SameSite=Strict; Max-Age=0"));
    Answer({200, "application/json", "{}"}, response);
  }

  const ConsoleOptions options_;
  const JsonGateway* gateway_;
  auth::Principals* principals_;
  const std::string own_origin_;
  const bool tls_;
};

}  // namespace

std::string CsrfTokenOf(const std::string& session_secret) {
  return Sha256Hex("encuentro web console csrf v1\n" + session_secret);
}

absl::StatusOr<std::unique_ptr<ConsoleServer>> ConsoleServer::Start(
    const ConsoleOptions& options, std::shared_ptr<grpc::Channel> channel,
    auth::Principals* principals) {
  const size_t colon = options.listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(options.listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError("--http-listen " + options.listen + " is not HOST:PORT");
  }
  std::string host = options.listen.substr(0, colon);
  const std::string url_host = host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const bool tls = !options.tls_cert.empty();
  std::unique_ptr<ConsoleServer> console(new ConsoleServer());
  if (tls) {
    console->server_ =
        std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
  } else {
    console->server_ = std::make_unique<httplib::Server>();
  }
  if (!console->server_->is_valid()) {
    return absl::InvalidArgumentError(absl::StrCat("--http-listen: cannot use the TLS certificate ",
                                                   options.tls_cert.string(), " and key ",
                                                   options.tls_key.string()));
  }
  httplib::Server& server = *console->server_;
  const int threads = std::max(1, options.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_read_timeout(30, 0);
  server.set_write_timeout(30, 0);
  // Requests carry JSON, never files: photos are added over gRPC.
  server.set_payload_max_length(1 << 20);
  if (port == 0) {
    port = server.bind_to_any_port(host);
  } else if (!server.bind_to_port(host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::InvalidArgumentError("--http-listen " + options.listen +
                                      ": cannot listen there (in use, or not this machine's)");
  }
  console->url_ = absl::StrCat(tls ? "https://" : "http://", url_host, ":", port);
  console->gateway_ = std::make_unique<JsonGateway>(std::move(channel));
  auto dispatcher =
      std::make_shared<Dispatcher>(options, console->gateway_.get(), principals, console->url_);
  auto handler = [dispatcher](const httplib::Request& request, httplib::Response& response) {
    dispatcher->Serve(request, response);
  };
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Patch(".*", handler);
  server.Delete(".*", handler);
  console->listener_ = std::thread([&server] { server.listen_after_bind(); });
  // cpp-httplib's stop() does nothing until the listener runs: wait for it, so that destroying
  // the console straight after Start cannot hang its join.
  for (int i = 0; i < 500 && !server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return console;
}

ConsoleServer::~ConsoleServer() {
  if (server_) server_->stop();
  if (listener_.joinable()) listener_.join();
}

}  // namespace encuentro::web
