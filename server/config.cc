#include "server/config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/version.h"

#ifndef ENCUENTRO_DEFAULT_MODELS_DIR
#define ENCUENTRO_DEFAULT_MODELS_DIR "models"
#endif
#ifndef ENCUENTRO_DEFAULT_FACE_CALIBRATION
#define ENCUENTRO_DEFAULT_FACE_CALIBRATION "face_calibration.json"
#endif
#ifndef ENCUENTRO_DEFAULT_FUSED_FACE_CALIBRATION
#define ENCUENTRO_DEFAULT_FUSED_FACE_CALIBRATION "face_calibration_fused.json"
#endif

namespace encuentro::server {
namespace {

// Every setting, under the name it has as a flag (--NAME), config key (NAME) and environment
// variable (ENCUENTRO_NAME, upper case, '-' as '_').
const char* const kSettings[] = {"listen",
                                 "metrics-listen",
                                 "http-listen",
                                 "http-session-minutes",
                                 "http-threads",
                                 "data-dir",
                                 "database-url",
                                 "models-dir",
                                 "max-message-bytes",
                                 "worker-threads",
                                 "log-level",
                                 "shutdown-grace-seconds",
                                 "database-pool-size",
                                 "max-photo-bytes",
                                 "max-photo-pixels",
                                 "photo-working-pixels",
                                 "max-concurrent-analyses",
                                 "face-upsample",
                                 "face-jitter",
                                 "cranio-reference",
                                 "face-calibration",
                                 "fused-face-calibration",
                                 "gallery-exact-below",
                                 "cross-match-workers",
                                 "lead-posterior",
                                 "match-posterior",
                                 "prior-probability",
                                 "search-threads",
                                 "audit-checkpoint-seconds",
                                 "rate-limit-per-minute",
                                 "tls-cert",
                                 "tls-key",
                                 "tls-client-ca"};

std::string EnvName(std::string_view setting) {
  std::string name = "ENCUENTRO_";
  for (char c : setting) name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return name;
}

std::optional<std::string> FindConfigPath(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--config" && i + 1 < argc) return argv[i + 1];
    if (arg.starts_with("--config=")) return std::string(arg.substr(9));
  }
  if (const char* env = std::getenv("ENCUENTRO_CONFIG"); env != nullptr && *env != '\0') {
    return env;
  }
  return std::nullopt;
}

// The config file holds `name = value` lines (TOML's simple form: values may be "quoted"),
// blank lines and # comments.
absl::StatusOr<std::map<std::string, std::string>> ReadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read config file ", path));
  std::map<std::string, std::string> values;
  std::string raw;
  for (int line_no = 1; std::getline(in, raw); ++line_no) {
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line.front() == '#') continue;
    const size_t eq = line.find('=');
    const std::string where = absl::StrCat("config file ", path, " line ", line_no);
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": expected name = value"));
    }
    std::string key(absl::StripAsciiWhitespace(line.substr(0, eq)));
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    bool known = false;
    for (const char* setting : kSettings) known = known || key == setting;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown setting '", key, "'"));
    }
    values[key] = std::string(value);
  }
  return values;
}

absl::Status ValidateListen(const std::string& listen) {
  if (absl::StartsWith(listen, "unix:")) {
    if (listen.size() <= 5) return absl::InvalidArgumentError("--listen unix: needs a path");
    return absl::OkStatus();
  }
  const size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen '", listen, "' is not HOST:PORT, [IPv6]:PORT or unix:/path (port 0-65535)"));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsLocalAddress(const std::string& listen) {
  if (absl::StartsWith(listen, "unix:")) return true;
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  // What the name resolves to decides, not how it is spelt ("127.evil.example" is a name).
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (host.empty() || getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return false;
  bool all_loopback = found != nullptr;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
      all_loopback = all_loopback && (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    } else if (a->ai_family == AF_INET6) {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
      all_loopback = all_loopback && IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
    } else {
      all_loopback = false;
    }
  }
  freeaddrinfo(found);
  return all_loopback;
}

absl::StatusOr<ServerConfig> ParseServerConfig(int argc, const char* const* argv,
                                               std::string* help) {
  ServerConfig config;
  config.models_dir = ENCUENTRO_DEFAULT_MODELS_DIR;
  std::map<std::string, std::string> file_values;
  if (std::optional<std::string> path = FindConfigPath(argc, argv)) {
    absl::StatusOr<std::map<std::string, std::string>> read = ReadConfigFile(*path);
    if (!read.ok()) return read.status();
    file_values = *std::move(read);
  }

  CLI::App app("encuentrod: the Encuentro forensic identification server", "encuentrod");
  app.set_version_flag("--version", kVersion);
  app.fallthrough();
  std::string config_path;
  app.add_option("--config", config_path,
                 "Config file of `name = value` lines (env ENCUENTRO_CONFIG)");
  std::string data_dir = config.data_dir.string();
  std::string models_dir = config.models_dir.string();
  std::string cranio_reference;
  std::string face_calibration = ENCUENTRO_DEFAULT_FACE_CALIBRATION;
  std::string fused_face_calibration = ENCUENTRO_DEFAULT_FUSED_FACE_CALIBRATION;
  std::map<std::string, CLI::Option*> options;
  options["listen"] = app.add_option("--listen", config.listen,
                                     "Address to serve gRPC on: HOST:PORT, [IPv6]:PORT or "
                                     "unix:/path");
  options["metrics-listen"] = app.add_option(
      "--metrics-listen", config.metrics_listen,
      "Address (HOST:PORT on loopback) to serve Prometheus metrics on, at /metrics; empty: off");
  options["http-listen"] = app.add_option(
      "--http-listen", config.http_listen,
      "Address (HOST:PORT) to serve the web console and its JSON API on, over HTTPS with "
      "--tls-cert and --tls-key (plain HTTP only on loopback); empty: off");
  options["http-session-minutes"] =
      app.add_option("--http-session-minutes", config.http_session_minutes,
                     "How long a web console login lasts, in minutes")
          ->check(CLI::Range(1, 24 * 60));
  options["http-threads"] =
      app.add_option("--http-threads", config.http_threads, "Web console requests served at once")
          ->check(CLI::Range(1, 256));
  options["data-dir"] =
      app.add_option("--data-dir", data_dir,
                     "Directory for encuentrod's state, including the embedded PostgreSQL cluster");
  options["database-url"] = app.add_option(
      "--database-url", config.database_url,
      "PostgreSQL URL of an existing database; empty runs the embedded cluster in --data-dir");
  options["models-dir"] =
      app.add_option("--models-dir", models_dir, "Directory holding the face model files");
  options["max-message-bytes"] = app.add_option("--max-message-bytes", config.max_message_bytes,
                                                "Largest gRPC message accepted or sent")
                                     ->check(CLI::Range(1 << 16, 1 << 30));
  options["worker-threads"] =
      app.add_option("--worker-threads", config.worker_threads, "Most threads serving RPCs")
          ->check(CLI::Range(1, 1024));
  options["log-level"] =
      app.add_option("--log-level", config.log_level, "trace, debug, info, warn, error")
          ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  options["shutdown-grace-seconds"] =
      app.add_option("--shutdown-grace-seconds", config.shutdown_grace_seconds,
                     "How long in-flight RPCs may finish after SIGTERM/SIGINT")
          ->check(CLI::Range(0, 3600));
  options["database-pool-size"] = app.add_option("--database-pool-size", config.database_pool_size,
                                                 "Most PostgreSQL connections the server opens")
                                      ->check(CLI::Range(1, 512));
  options["max-photo-bytes"] =
      app.add_option("--max-photo-bytes", config.max_photo_bytes, "Largest photo upload accepted")
          ->check(CLI::Range(1 << 10, 1 << 30));
  options["max-photo-pixels"] = app.add_option("--max-photo-pixels", config.max_photo_pixels,
                                               "Largest photo accepted, in pixels")
                                    ->check(CLI::Range(int64_t{10'000}, int64_t{1'000'000'000}));
  options["photo-working-pixels"] =
      app.add_option("--photo-working-pixels", config.photo_working_pixels,
                     "Photos are analysed reduced to at most this many pixels")
          ->check(CLI::Range(int64_t{100'000}, int64_t{1'000'000'000}));
  options["max-concurrent-analyses"] =
      app.add_option(
             "--max-concurrent-analyses", config.max_concurrent_analyses,
             "Photos analysed at once; more are refused (RESOURCE_EXHAUSTED). 0: one per CPU")
          ->check(CLI::Range(0, 1024));
  options["face-upsample"] =
      app.add_option("--face-upsample", config.face_upsample,
                     "Times photos are doubled before face detection (finds smaller faces)")
          ->check(CLI::Range(0, 3));
  options["face-jitter"] = app.add_option("--face-jitter", config.face_jitter,
                                          "Jittered copies averaged per face descriptor; 0 is off")
                               ->check(CLI::Range(0, 1000));
  options["cranio-reference"] = app.add_option(
      "--cranio-reference", cranio_reference,
      "Craniometric reference sample for sex estimation: a CSV in the Howells layout");
  options["face-calibration"] =
      app.add_option("--face-calibration", face_calibration,
                     "Face evidence calibration (JSON from encuentro_face_calibrate)");
  options["fused-face-calibration"] = app.add_option(
      "--fused-face-calibration", fused_face_calibration,
      "Calibration of both face models together (encuentro_face_calibrate --second-model), used "
      "for every comparison whose templates all carry both descriptors; \"none\" (or empty): "
      "the first model alone");
  options["gallery-exact-below"] =
      app.add_option("--gallery-exact-below", config.gallery_exact_below,
                     "Gallery size from which search is approximate (HNSW) instead of exact")
          ->check(CLI::Range(1, 1 << 30));
  options["cross-match-workers"] =
      app.add_option("--cross-match-workers", config.cross_match_workers,
                     "Background cross-matching threads; 0 leaves queued jobs waiting")
          ->check(CLI::Range(0, 64));
  options["lead-posterior"] =
      app.add_option("--lead-posterior", config.lead_posterior,
                     "Posterior probability from which cross-matching raises a pending lead "
                     "(prior: 1 in the registry's live missing persons)")
          ->check(CLI::Range(0.0, 1.0));
  options["match-posterior"] =
      app.add_option("--match-posterior", config.match_posterior,
                     "Posterior probability from which a search shows a candidate as a match")
          ->check(CLI::Range(0.0, 1.0));
  options["search-threads"] =
      app.add_option("--search-threads", config.search_threads,
                     "Threads one search's scan of the candidate pool is split over")
          ->check(CLI::Range(1, 16));
  options["prior-probability"] =
      app.add_option("--prior-probability", config.prior_probability,
                     "Prior probability of each candidate in a search; 0: 1/N, N the candidates "
                     "scored")
          ->check(CLI::Range(0.0, 1.0));
  options["audit-checkpoint-seconds"] =
      app.add_option("--audit-checkpoint-seconds", config.audit_checkpoint_seconds,
                     "How often the audit log's head is signed when it has moved; 0: on demand "
                     "only")
          ->check(CLI::Range(0, 86400));
  options["rate-limit-per-minute"] =
      app.add_option("--rate-limit-per-minute", config.rate_limit_per_minute,
                     "Calls one user may make per minute; 0: no limit")
          ->check(CLI::Range(0, 1'000'000));
  std::string tls_cert, tls_key, tls_client_ca;
  options["tls-cert"] =
      app.add_option("--tls-cert", tls_cert, "TLS certificate chain (PEM); with --tls-key");
  options["tls-key"] = app.add_option("--tls-key", tls_key, "TLS private key (PEM)");
  options["tls-client-ca"] =
      app.add_option("--tls-client-ca", tls_client_ca,
                     "Require client certificates signed by this CA (PEM): mutual TLS");
  for (auto& [name, option] : options) {
    option->envname(EnvName(name));
    option->capture_default_str();
    if (auto it = file_values.find(name); it != file_values.end()) {
      try {
        option->default_val(it->second);
      } catch (const CLI::Error& e) {
        return absl::InvalidArgumentError(
            absl::StrCat("config file: bad value for ", name, ": ", e.what()));
      }
    }
  }
  CLI::App* serve = app.add_subcommand("serve", "Serve gRPC (the default)");
  CLI::App* migrate = app.add_subcommand("migrate", "Apply pending database migrations and exit");
  CLI::App* check_index = app.add_subcommand(
      "check-index", "Compare the gallery snapshot with the database and exit (server stopped)");
  CLI::App* backfill = app.add_subcommand(
      "backfill-embeddings",
      "Compute the second face model's embedding of every template without one, from the stored "
      "photos, and exit; resumable (server stopped when the database is embedded)");
  config.backfill_jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  backfill->add_option("--jobs", config.backfill_jobs, "Photos analysed at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  std::string backup_dir;
  CLI::App* backup = app.add_subcommand(
      "backup", "Back up the database and the audit signing key into a new folder, and exit");
  backup->add_option("--to", backup_dir, "The folder to create")->required();
  CLI::App* restore = app.add_subcommand(
      "restore", "Restore a backup into an empty data directory or database (server stopped)");
  restore->add_option("--from", backup_dir, "A folder `encuentrod backup` wrote")->required();
  AdminCommand& admin_command = config.admin;
  CLI::App* admin = app.add_subcommand(
      "admin", "Administration straight on the database, for bootstrap (server stopped)");
  admin->require_subcommand(1);
  CLI::App* bootstrap = admin->add_subcommand(
      "bootstrap", "Create the operator organization and an admin user, and print their token");
  bootstrap->add_option("--user", admin_command.name, "The admin's user name")->required();
  bootstrap->add_option("--organization", admin_command.organization, "Operator organization");
  CLI::App* create_org = admin->add_subcommand("create-org", "Create an organization");
  create_org->add_option("name", admin_command.name)->required();
  create_org->add_option("--kind", admin_command.kind)
      ->required()
      ->check(
          CLI::IsMember({"search_commission", "forensic_lab", "families_collective", "operator"}));
  CLI::App* create_user = admin->add_subcommand("create-user", "Create a user");
  create_user->add_option("name", admin_command.name)->required();
  create_user->add_option("--org", admin_command.organization)->required();
  create_user->add_option("--role", admin_command.role)
      ->required()
      ->check(CLI::IsMember({"admin", "commission_staff", "forensic_lab", "family_auditor"}));
  create_user->add_option("--certificate-subject", admin_command.certificate_subject,
                          "Client certificate subject CN, for mutual TLS");
  CLI::App* issue_token = admin->add_subcommand("issue-token", "Issue an API token (shown once)");
  issue_token->add_option("user", admin_command.name)->required();
  issue_token->add_option("--valid-for-days", admin_command.valid_for_days, "0: no expiry")
      ->check(CLI::Range(0, 3650));
  issue_token->add_option("--description", admin_command.description);
  CLI::App* revoke_token = admin->add_subcommand("revoke-token", "Revoke an API token by id");
  revoke_token->add_option("id", admin_command.token_id)->required();
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    *help = app.help();
    return absl::CancelledError("help");
  } catch (const CLI::CallForVersion&) {
    *help = std::string(kVersion) + "\n";
    return absl::CancelledError("version");
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(e.what());
  }
  (void)serve;
  config.command = migrate->parsed()       ? Command::kMigrate
                   : check_index->parsed() ? Command::kCheckIndex
                   : admin->parsed()       ? Command::kAdmin
                   : backup->parsed()      ? Command::kBackup
                   : restore->parsed()     ? Command::kRestore
                   : backfill->parsed()    ? Command::kBackfillEmbeddings
                                           : Command::kServe;
  config.backup_dir = backup_dir;
  for (CLI::App* verb : admin->get_subcommands()) {
    if (verb->parsed()) admin_command.verb = verb->get_name();
  }
  config.tls_cert = tls_cert;
  config.tls_key = tls_key;
  config.tls_client_ca = tls_client_ca;
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (!config.tls_client_ca.empty() && config.tls_cert.empty()) {
    return absl::InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key");
  }
  config.data_dir = data_dir;
  config.models_dir = models_dir;
  config.cranio_reference = cranio_reference;
  config.face_calibration = face_calibration;
  config.fused_face_calibration = fused_face_calibration;
  if (config.data_dir.empty()) return absl::InvalidArgumentError("--data-dir must not be empty");
  if (absl::Status s = ValidateListen(config.listen); !s.ok()) return s;
  if (config.tls_cert.empty() && !IsLocalAddress(config.listen)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen ", config.listen,
        " is reachable from other machines: give --tls-cert and "
        "--tls-key (plaintext is allowed only on a unix socket or a loopback address)"));
  }
  if (!config.http_listen.empty()) {
    // The same rule as for gRPC: case data travels in the clear only within this machine.
    if (absl::Status s = ValidateListen(config.http_listen);
        !s.ok() || absl::StartsWith(config.http_listen, "unix:")) {
      return absl::InvalidArgumentError(
          absl::StrCat("--http-listen ", config.http_listen, " must be HOST:PORT"));
    }
    if (config.tls_cert.empty() && !IsLocalAddress(config.http_listen)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--http-listen ", config.http_listen,
          " is reachable from other machines: give --tls-cert and --tls-key (plain HTTP is "
          "allowed only on a loopback address)"));
    }
  }
  if (!config.metrics_listen.empty()) {
    // Plain HTTP: the figures are not secret, but they are not for other machines either.
    if (absl::Status s = ValidateListen(config.metrics_listen);
        !s.ok() || absl::StartsWith(config.metrics_listen, "unix:") ||
        !IsLocalAddress(config.metrics_listen)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--metrics-listen ", config.metrics_listen,
                       " must be HOST:PORT on a loopback address (e.g. 127.0.0.1:9464); scrape "
                       "it from this machine or through a TLS proxy"));
    }
  }
  return config;
}

}  // namespace encuentro::server
