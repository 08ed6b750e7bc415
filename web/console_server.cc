#include "web/console_server.h"

#include <httplib.h>
#include <openssl/crypto.h>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
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

// "__Host-": the browser accepts it only from this origin, over a secure context, for all its
// paths, so that no sibling site can plant a session of its own choosing.
constexpr char kSessionCookie[] = "__Host-encuentro_session";
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
  if (!answer.allow.empty()) response.set_header("Allow", answer.allow);
  response.set_content(answer.body, answer.content_type);
}

// Whether a Content-Type names JSON (parameters such as charset allowed).
bool IsJson(const std::string& content_type) {
  const absl::string_view media_type =
      absl::StripAsciiWhitespace(absl::string_view(content_type).substr(0, content_type.find(';')));
  return absl::EqualsIgnoreCase(media_type, "application/json");
}

void Refuse(grpc::StatusCode code, const std::string& message, httplib::Response& response) {
  Answer(ErrorAnswer(grpc::Status(code, message)), response);
}

// The session cookie's secret; empty when there is none, it is malformed, or there are two.
std::string SessionSecretOf(const httplib::Request& request) {
  std::vector<std::string> found;
  for (size_t i = 0; i < request.get_header_value_count("Cookie"); ++i) {
    for (absl::string_view cookie : absl::StrSplit(request.get_header_value("Cookie", i), ';')) {
      cookie = absl::StripAsciiWhitespace(cookie);
      if (absl::ConsumePrefix(&cookie, kSessionCookie) && absl::ConsumePrefix(&cookie, "=")) {
        found.emplace_back(cookie);
      }
    }
  }
  if (found.size() != 1 || !auth::IsSessionSecret(found[0])) return "";
  return found[0];
}

bool SameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// API requests must come from the console's own pages (or from no page: a typed address, a
// program). Browsers say where a request comes from in Sec-Fetch-Site, and in Origin for one
// that changes something; a page elsewhere, even on a sibling site, cannot forge either. The
// origin is compared with the Host the browser addressed, which is right behind any name or port.
bool FromOwnOrigin(const httplib::Request& request, bool tls) {
  const std::string site = request.get_header_value("Sec-Fetch-Site");
  if (!site.empty() && site != "same-origin" && site != "none") return false;
  const std::string origin = request.get_header_value("Origin");
  if (origin.empty()) return true;
  const std::string host = request.get_header_value("Host");
  return !host.empty() && origin == absl::StrCat(tls ? "https://" : "http://", host);
}

bool IsStateChange(const std::string& method) { return method != "GET" && method != "HEAD"; }

// Serves one request; holds no state of its own between requests.
class Dispatcher {
 public:
  Dispatcher(const ConsoleOptions& options, const JsonGateway* gateway,
             auth::Principals* principals)
      : options_(options),
        gateway_(gateway),
        principals_(principals),
        tls_(!options.tls_cert.empty()) {}

  void Serve(const httplib::Request& request, httplib::Response& response) const {
    SetSecurityHeaders(tls_, response);
    const bool reads = request.method == "GET" || request.method == "HEAD";
    if (reads && (request.path == "/" || request.path == "/index.html")) {
      return ServeAsset("index.html", response);
    }
    if (reads && absl::StartsWith(request.path, "/console/")) {
      return ServeAsset(request.path.substr(std::strlen("/console/")), response);
    }
    if (!absl::StartsWith(request.path, "/api/v1/")) {
      return Refuse(grpc::StatusCode::NOT_FOUND, "no such page: " + request.path, response);
    }
    if (!FromOwnOrigin(request, tls_)) {
      return Refuse(grpc::StatusCode::PERMISSION_DENIED,
                    "cross-site request refused: the API answers only the console's own pages",
                    response);
    }
    if (!request.body.empty() && !IsJson(request.get_header_value("Content-Type"))) {
      // A form's fields would otherwise read as query parameters, and the refusal would name
      // the wrong cause.
      return Refuse(grpc::StatusCode::INVALID_ARGUMENT,
                    "send the request body as JSON, with Content-Type: application/json", response);
    }
    if (request.path == "/api/v1/sessions" && request.method == "POST") {
      return LogIn(request, response);
    }
    const std::string secret = SessionSecretOf(request);
    if (secret.empty()) {
      return Refuse(grpc::StatusCode::UNAUTHENTICATED, "not logged in", response);
    }
    if (IsStateChange(request.method) &&
        !SameSecret(request.get_header_value(kCsrfHeader), CsrfTokenOf(secret))) {
      return Refuse(grpc::StatusCode::PERMISSION_DENIED,
                    "missing or wrong X-CSRF-Token: reload the page and try again", response);
    }
    if (request.path == "/api/v1/session") {
      if (request.method == "GET") return DescribeSession(secret, response);
      if (request.method == "DELETE") return LogOut(secret, response);
    }
    ApiRequest api{request.method, request.path, {}, request.body, "Session " + secret};
    if (request.method == "GET" && request.path == "/api/v1/auditEntries:export") {
      return StreamAuditExport(api, response);
    }
    for (const auto& [key, value] : request.params) api.query.emplace(key, value);
    Answer(gateway_->Handle(api), response);
  }

 private:
  void StreamAuditExport(const ApiRequest& api, httplib::Response& response) const {
    HttpAnswer refused;
    std::shared_ptr<AuditExportStream> stream = gateway_->OpenAuditExport(api, &refused);
    if (!stream) return Answer(refused, response);
    response.set_header("Cache-Control", "no-store");
    // A failure halfway aborts the response (no final chunk), so that a cut export is never
    // taken for a whole one: a prefix of the chain would verify.
    response.set_chunked_content_provider("application/x-ndjson",
                                          [stream](size_t, httplib::DataSink& sink) {
                                            std::string lines;
                                            if (stream->Next(&lines))
                                              return sink.write(lines.data(), lines.size());
                                            if (!stream->Finish().ok()) return false;
                                            sink.done();
                                            return true;
                                          });
  }

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
      spdlog::warn("web console: login refused from {}: {}", request.remote_addr,
                   session.status().message());
      // Why a token is refused is the caller's to know; a failure of ours stays in our log.
      if (absl::IsUnauthenticated(session.status())) {
        return Refuse(grpc::StatusCode::UNAUTHENTICATED, std::string(session.status().message()),
                      response);
      }
      return Refuse(grpc::StatusCode::UNAVAILABLE, "cannot log in now; try again", response);
    }
    spdlog::info("web console: {} logged in from {}", session->principal.user, request.remote_addr);
    absl::StatusOr<nlohmann::json> linked = LinkedCases(session->principal);
    if (!linked.ok()) {
      principals_->CloseSession(session->secret).IgnoreError();
      return Refuse(grpc::StatusCode::UNAVAILABLE, "cannot log in now; try again", response);
    }
    const auto max_age = std::chrono::duration_cast<std::chrono::seconds>(
                             session->expire_time - std::chrono::system_clock::now())
                             .count();
    response.set_header("Set-Cookie",
                        absl::StrCat(kSessionCookie, "=", session->secret,
                                     "; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=",
                                     std::max<int64_t>(max_age, 0)));
    SendSession(session->secret, session->principal, session->expire_time, *linked, response);
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
    absl::StatusOr<nlohmann::json> linked = LinkedCases(*principal);
    if (!linked.ok()) {
      return Refuse(grpc::StatusCode::UNAVAILABLE, "cannot read the session; try again", response);
    }
    SendSession(secret, *principal, (*stored)->expire_time, *linked, response);
  }

  // The cases linked to a families' collective; none for other roles.
  absl::StatusOr<nlohmann::json> LinkedCases(const auth::Principal& principal) const {
    nlohmann::json linked = nlohmann::json::array();
    if (principal.role != auth::Role::kFamilyAuditor) return linked;
    absl::StatusOr<std::vector<std::string>> records =
        principals_->store()->LinkedRecords(principal.organization);
    if (!records.ok()) return records.status();
    for (const std::string& name : *records) linked.push_back(name);
    return linked;
  }

  void SendSession(const std::string& secret, const auth::Principal& principal,
                   records::Timestamp expire_time, const nlohmann::json& linked,
                   httplib::Response& response) const {
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
  console->gateway_ = std::make_unique<JsonGateway>(std::move(channel), options.console_key);
  auto dispatcher = std::make_shared<Dispatcher>(options, console->gateway_.get(), principals);
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

void ConsoleServer::Stop() {
  std::lock_guard lock(stop_mu_);
  if (server_) server_->stop();
  if (listener_.joinable()) listener_.join();
}

ConsoleServer::~ConsoleServer() { Stop(); }

}  // namespace encuentro::web
