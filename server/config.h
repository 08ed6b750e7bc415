// encuentrod's configuration: flags, then ENCUENTRO_* environment variables, then an optional
// config file, then built-in defaults, in that order of precedence.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace encuentro::server {

enum class Command {
  kServe,
  kMigrate,
  kCheckIndex,
  kAdmin,
  kBackup,
  kRestore,
  kBackfillEmbeddings
};

// `encuentrod admin VERB ...`: bootstrap administration straight on the database.
struct AdminCommand {
  // "bootstrap", "create-org", "create-user", "issue-token" or "revoke-token".
  std::string verb;
  std::string name;  // organization or user
  std::string kind;
  std::string organization = "operator";
  std::string role;
  std::string certificate_subject;
  int valid_for_days = 0;
  std::string description;
  int64_t token_id = 0;
};

struct ServerConfig {
  Command command = Command::kServe;
  // HOST:PORT, [IPv6]:PORT, or unix:/path.
  std::string listen = "127.0.0.1:50051";
  // Prometheus text endpoint (GET /metrics), HOST:PORT on loopback; empty: none.
  std::string metrics_listen;
  // The web console and its JSON API, HOST:PORT (TLS with --tls-cert unless on loopback);
  // empty: none.
  std::string http_listen;
  // How long a web console login lasts.
  int http_session_minutes = 30;
  // Web console requests served at once.
  int http_threads = 8;
  std::filesystem::path data_dir = "var";
  // Empty: run the embedded PostgreSQL cluster under data_dir.
  std::string database_url;
  std::filesystem::path models_dir;
  int max_message_bytes = 32 << 20;
  int worker_threads = 16;
  std::string log_level = "info";
  int shutdown_grace_seconds = 10;
  int database_pool_size = 8;
  // Largest photo accepted by PhotoService.AddPhoto.
  int max_photo_bytes = 20 << 20;
  // Largest photo accepted, in pixels.
  int64_t max_photo_pixels = 100'000'000;
  // Photos are decoded and analysed reduced to at most this many pixels.
  int64_t photo_working_pixels = 16'000'000;
  // Photos analysed at once (0: one per CPU); more uploads are refused, to be retried.
  int max_concurrent_analyses = 0;
  // Face detection upsampling (0-3): 1 finds faces down to ~40 px.
  int face_upsample = 1;
  // Jittered copies averaged per descriptor (0: off).
  int face_jitter = 0;
  // Craniometric reference sample (Howells CSV layout) for sex estimation; empty: none, and
  // AnthropologyService.EstimateSex refuses.
  std::filesystem::path cranio_reference;
  // Distance-to-likelihood-ratio calibration of face evidence (JSON from encuentro_face_calibrate).
  std::filesystem::path face_calibration;
  // The same for both face models' fused distance (encuentro_face_calibrate --second-model);
  // empty or "none": faces are compared by the first model alone.
  std::filesystem::path fused_face_calibration;
  // Templates from which the gallery switches from exact to approximate (HNSW) search.
  int gallery_exact_below = 1'000'000;
  // Background cross-matching threads (0: jobs wait in the queue until workers run again).
  int cross_match_workers = 1;
  // Posterior probability from which cross-matching raises a pending lead (matching/README.md).
  double lead_posterior = 0.5;
  // Posterior probability from which a search shows a candidate as a match.
  double match_posterior = 0.5;
  // Prior probability of each candidate in a search (0: 1/N, N the candidates scored).
  double prior_probability = 0;
  // Threads one search's scan of the candidate pool is split over.
  int search_threads = 2;
  // Calls one user may make per minute (0: no limit).
  int rate_limit_per_minute = 600;
  // TLS: PEM certificate chain and private key. Without them encuentrod serves plaintext, which
  // it allows only on a unix socket or a loopback address.
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
  // Mutual TLS: clients must present a certificate signed by this CA; its subject common name
  // names the user (see `encuentrod admin create-user --certificate-subject`).
  std::filesystem::path tls_client_ca;
  AdminCommand admin;
  // `backup --to DIR` and `restore --from DIR`.
  std::filesystem::path backup_dir;
  // `backfill-embeddings --jobs N`: photos analysed at once.
  int backfill_jobs = 2;
  // How often the audit log's head is signed when it has moved (0: only on demand).
  int audit_checkpoint_seconds = 300;
};

// The face gallery's snapshot: derived state that a start loads instead of rebuilding the
// gallery from PostgreSQL, when it still matches the database.
inline std::filesystem::path GallerySnapshotPath(const ServerConfig& config) {
  return config.data_dir / "gallery.snapshot";
}

// True for a unix socket or a loopback address: the only places plaintext is served.
bool IsLocalAddress(const std::string& listen);

// Parses argv, the environment and the config file. Bad input gives INVALID_ARGUMENT with a
// one-line message naming the flag, variable or config-file line at fault. `--help` and
// `--version` give CANCELLED, with the text to print in `*help`.
absl::StatusOr<ServerConfig> ParseServerConfig(int argc, const char* const* argv,
                                               std::string* help);

}  // namespace encuentro::server
