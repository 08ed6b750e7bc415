#include "cli/sheet_command.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "browser/headless_chromium.h"
#include "common/durable_file.h"

namespace encuentro::cli {
namespace {

// The console's session cookie (web/console_server.cc).
constexpr char kSessionCookie[] = "__Host-encuentro_session";

struct SheetFlags {
  std::string remains;
  std::string missing_person;
  std::string output;
  std::string console;
  std::string purpose = "identification";
  std::string legal_basis;
  std::string chromium;
  int timeout_seconds = 60;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "encuentro: sheet: %s\n", message.c_str());
  return 1;
}

// Percent-encodes a query value.
std::string QueryValue(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

// The SHA-256 of the console's certificate's public key (base64), after checking the certificate
// against `ca_file` (or the system's CAs) and the host name: Chromium is then told to trust that
// key alone, so it reaches the server the client verified and nothing else.
absl::StatusOr<std::string> VerifiedKeyPin(const std::string& host, int port,
                                           const std::string& ca_file) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()),
                                                            SSL_CTX_free);
  if (!context) return absl::InternalError("cannot set up TLS");
  const bool loaded =
      ca_file.empty() ? SSL_CTX_set_default_verify_paths(context.get()) == 1
                      : SSL_CTX_load_verify_locations(context.get(), ca_file.c_str(), nullptr) == 1;
  if (!loaded) return absl::InvalidArgumentError("cannot read the CA certificate " + ca_file);
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
  std::unique_ptr<BIO, decltype(&BIO_free_all)> connection(BIO_new_ssl_connect(context.get()),
                                                           BIO_free_all);
  SSL* ssl = nullptr;
  BIO_get_ssl(connection.get(), &ssl);
  const std::string target = absl::StrCat(host, ":", port);
  BIO_set_conn_hostname(connection.get(), target.c_str());
  // SSL_set_tlsext_host_name, without its macro's C cast.
  SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(host.c_str()));
  // The certificate must name the host: an address by an IP entry, a name by a DNS one.
  in6_addr ip6{};
  in_addr ip4{};
  const bool is_ip =
      inet_pton(AF_INET, host.c_str(), &ip4) == 1 || inet_pton(AF_INET6, host.c_str(), &ip6) == 1;
  if (is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
  } else {
    SSL_set1_host(ssl, host.c_str());
  }
  if (BIO_do_connect(connection.get()) != 1 || BIO_do_handshake(connection.get()) != 1 ||
      SSL_get_verify_result(ssl) != X509_V_OK) {
    return absl::UnavailableError(absl::StrCat("cannot verify the console's certificate at ",
                                               target,
                                               " (give the CA that signed it with --tls-ca)"));
  }
  std::unique_ptr<X509, decltype(&X509_free)> certificate(SSL_get1_peer_certificate(ssl),
                                                          X509_free);
  unsigned char* key = nullptr;
  const int key_length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate.get()), &key);
  if (key_length <= 0) return absl::InternalError("cannot read the certificate's key");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  EVP_Digest(key, key_length, digest, &digest_length, EVP_sha256(), nullptr);
  OPENSSL_free(key);
  std::string pin(4 * ((digest_length + 2) / 3) + 1, '\0');
  pin.resize(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(pin.data()), digest, digest_length));
  return pin;
}

int RunSheet(const ClientOptions& options, const SheetFlags& flags) {
  if (!absl::StartsWith(flags.remains, "remains/") ||
      !absl::StartsWith(flags.missing_person, "missingPersons/")) {
    return Fail("give the pair as remains/ID missingPersons/ID");
  }
  if (options.token.empty()) return Fail("--token (or ENCUENTRO_TOKEN) is required");
  // Log in as the console does, to get a session for the browser.
  httplib::Client client(flags.console);
  if (!client.is_valid()) return Fail("--console " + flags.console + " is not a URL");
  client.set_connection_timeout(flags.timeout_seconds, 0);
  client.set_read_timeout(flags.timeout_seconds, 0);
  const bool tls = absl::StartsWith(flags.console, "https://");
  if (tls) {
    if (!options.tls_ca.empty()) client.set_ca_cert_path(options.tls_ca.c_str());
    client.enable_server_certificate_verification(true);
  }
  httplib::Result login =
      client.Post("/api/v1/sessions", {{"Origin", flags.console}},
                  nlohmann::json({{"token", options.token}}).dump(), "application/json");
  if (!login) {
    return Fail(absl::StrCat("cannot reach the console at ", flags.console, ": ",
                             httplib::to_string(login.error())));
  }
  if (login->status != 200) return Fail("login refused: " + login->body);
  std::string secret;
  const std::string cookie = login->get_header_value("Set-Cookie");
  absl::string_view cookie_value = cookie;
  if (absl::ConsumePrefix(&cookie_value, kSessionCookie) &&
      absl::ConsumePrefix(&cookie_value, "=")) {
    secret = std::string(cookie_value.substr(0, cookie_value.find(';')));
  }
  if (secret.empty()) return Fail("the console sent no session");
  const std::string csrf = nlohmann::json::parse(login->body).value("csrfToken", "");
  // However the rendering ends, the session ends with it.
  struct LogOut {
    httplib::Client& client;
    const std::string& secret;
    const std::string& csrf;
    const std::string& origin;
    ~LogOut() {
      client.Delete("/api/v1/session", {{"Cookie", absl::StrCat(kSessionCookie, "=", secret)},
                                        {"X-CSRF-Token", csrf},
                                        {"Origin", origin}});
    }
  } log_out{client, secret, csrf, flags.console};

  browser::ChromiumOptions chromium;
  chromium.executable = flags.chromium;
  chromium.timeout = std::chrono::seconds(flags.timeout_seconds);
  if (tls) {
    const std::string authority = flags.console.substr(8, flags.console.find('/', 8) - 8);
    const size_t colon = authority.rfind(':');
    std::string host = colon == std::string::npos || authority.back() == ']'
                           ? authority
                           : authority.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    const int port = colon == std::string::npos || authority.back() == ']'
                         ? 443
                         : std::atoi(authority.c_str() + colon + 1);
    absl::StatusOr<std::string> pin = VerifiedKeyPin(host, port, options.tls_ca);
    if (!pin.ok()) return Fail(std::string(pin.status().message()));
    chromium.extra_arguments.push_back("--ignore-certificate-errors-spki-list=" + *pin);
  }
  absl::StatusOr<std::unique_ptr<browser::HeadlessChromium>> started =
      browser::HeadlessChromium::Start(chromium);
  if (!started.ok()) {
    return Fail(
        absl::StrCat("cannot start Chromium (install it with tools/install-deps.sh, or "
                     "give --chromium): ",
                     started.status().message()));
  }
  browser::HeadlessChromium& page = **started;
  if (absl::Status s = page.SetCookie({{"name", kSessionCookie},
                                       {"value", secret},
                                       {"url", flags.console + "/"},
                                       {"httpOnly", true},
                                       {"secure", true},
                                       {"sameSite", "Strict"}});
      !s.ok()) {
    return Fail(std::string(s.message()));
  }
  const std::string url = absl::StrCat(flags.console, "/#/sheet/", flags.remains, "/",
                                       flags.missing_person, "?purpose=", QueryValue(flags.purpose),
                                       "&legalBasis=", QueryValue(flags.legal_basis));
  if (absl::Status s = page.Navigate(url); !s.ok()) return Fail(std::string(s.message()));
  // The sheet's evidence comes from a search, which the page runs when its form is submitted
  // (as a person would: opening a link never searches); the address filled the form in.
  const std::string settled =
      "document.body.dataset.page === 'sheet' && document.body.dataset.ready !== 'false' && "
      "document.body.dataset.ready !== undefined";
  if (absl::Status s = page.WaitFor(settled); !s.ok()) {
    return Fail("the sheet did not render: " + std::string(s.message()));
  }
  absl::StatusOr<nlohmann::json> asks =
      page.Evaluate("!!document.querySelector('[data-test=search-submit]')");
  if (asks.ok() && *asks == true) {
    for (const auto& [field, value] : {std::pair{"search-purpose", flags.purpose},
                                       std::pair{"search-legal-basis", flags.legal_basis}}) {
      if (absl::Status s = page.Type(absl::StrCat("[data-test=", field, "]"), value); !s.ok()) {
        return Fail(std::string(s.message()));
      }
    }
    if (absl::Status s = page.Click("[data-test=search-submit]"); !s.ok()) {
      return Fail(std::string(s.message()));
    }
    if (absl::Status s = page.WaitFor("!document.querySelector('[data-test=search-submit]') || "
                                      "document.querySelector('[data-test=search-error]')");
        !s.ok()) {
      return Fail("the search did not finish: " + std::string(s.message()));
    }
    if (absl::Status s = page.WaitFor(settled); !s.ok()) {
      return Fail("the sheet did not render: " + std::string(s.message()));
    }
  }
  absl::StatusOr<nlohmann::json> state = page.Evaluate(
      "({ready: document.body.dataset.ready, error: (document.querySelector("
      "'[data-test=page-error]') || {textContent: ''}).textContent})");
  if (!state.ok()) return Fail(std::string(state.status().message()));
  if ((*state)["ready"] != "true") {
    return Fail("the console could not make the sheet: " + (*state)["error"].get<std::string>());
  }
  absl::StatusOr<nlohmann::json> error = page.Evaluate(
      "(document.querySelector('[data-test=search-error]') || {textContent: ''}).textContent");
  if (error.ok() && error->is_string() && !error->get<std::string>().empty()) {
    return Fail("the search was refused: " + error->get<std::string>());
  }
  absl::StatusOr<nlohmann::json> found =
      page.Evaluate("!!document.querySelector('[data-test=evidence]')");
  if (!found.ok() || *found != true) {
    return Fail(flags.missing_person + " is not among the candidates of " + flags.remains);
  }
  absl::StatusOr<std::string> pdf = page.PrintToPdf();
  if (!pdf.ok()) return Fail(std::string(pdf.status().message()));
  // The sheet holds photos and case data: for its owner alone, as an export is.
  if (absl::Status s = WriteFileDurably(
          flags.output, *pdf,
          std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
      !s.ok()) {
    return Fail(std::string(s.message()));
  }
  if (!options.json) {
    std::printf("wrote %s (%zu bytes)\n", flags.output.c_str(), pdf->size());
  } else {
    std::printf("%s\n",
                nlohmann::json({{"output", flags.output}, {"bytes", pdf->size()}}).dump().c_str());
  }
  return 0;
}

}  // namespace

void AddSheetCommand(CLI::App& app, const ClientOptions& options, int* exit_code) {
  auto flags = std::make_shared<SheetFlags>();
  CLI::App* sheet = app.add_subcommand(
      "sheet", "Print a pair's candidate sheet (photos, evidence, decisions) to PDF");
  sheet->add_option("remains", flags->remains, "remains/ID")->required();
  sheet->add_option("missing_person", flags->missing_person, "missingPersons/ID")->required();
  sheet->add_option("-o,--output", flags->output, "The PDF to write")->required();
  sheet
      ->add_option("--console", flags->console,
                   "The web console's URL (encuentrod --http-listen), e.g. http://127.0.0.1:8080")
      ->envname("ENCUENTRO_CONSOLE")
      ->required();
  sheet->add_option("--purpose", flags->purpose, "Why the evidence is looked at")
      ->capture_default_str();
  sheet
      ->add_option("--legal-basis", flags->legal_basis,
                   "The legal basis, e.g. the investigation folio (required: the sheet's "
                   "evidence comes from an audited search)")
      ->required();
  sheet->add_option("--chromium", flags->chromium,
                    "Chromium to render with; default $ENCUENTRO_CHROMIUM or /usr/bin/chromium");
  sheet
      ->add_option("--render-timeout", flags->timeout_seconds,
                   "Seconds to wait for each step of the rendering")
      ->check(CLI::Range(5, 600))
      ->capture_default_str();
  sheet->callback([&options, exit_code, flags] { *exit_code = RunSheet(options, *flags); });
}

}  // namespace encuentro::cli
