#include "server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "anthropology/catalog.h"
#include "anthropology/reference_sample.h"
#include "audit/audit_log.h"
#include "auth/principals.h"
#include "biometrics/face_pipeline.h"
#include "common/logging.h"
#include "common/version.h"
#include "index/face_gallery.h"
#include "matching/cross_matcher.h"
#include "matching/face_calibration.h"
#include "matching/matcher.h"
#include "metrics/server_metrics.h"
#include "records/case_records.h"
#include "records/dental.h"
#include "records/dna_samples.h"
#include "records/effects.h"
#include "records/marks.h"
#include "records/photos.h"
#include "server/backup_command.h"
#include "server/data_directory.h"
#include "services/admin_service.h"
#include "services/anthropology_service.h"
#include "services/audit_service.h"
#include "services/case_record_services.h"
#include "services/dental_service.h"
#include "services/dna_sample_service.h"
#include "services/effect_service.h"
#include "services/mark_service.h"
#include "services/match_service.h"
#include "services/photo_service.h"
#include "services/request_log.h"
#include "services/server_service.h"
#include "storage/audit_store.h"
#include "storage/case_record_store.h"
#include "storage/cross_match_queue.h"
#include "storage/database.h"
#include "storage/embedded_cluster.h"
#include "storage/match_store.h"
#include "storage/measurement_store.h"
#include "storage/migrations.h"
#include "storage/photo_store.h"
#include "storage/principal_store.h"

namespace encuentro::server {
namespace {

constexpr char kAppRole[] = "encuentro_app";

// Where the application and migrations connect, and who owns that PostgreSQL.
struct DatabaseEndpoints {
  std::string owner_connection;
  storage::DatabaseOptions app;
  std::string mode;
};

// gRPC reports a failed bind only as "could not start": probe first so the operator learns why.
absl::Status ProbeListenAddress(const std::string& listen) {
  if (absl::StartsWith(listen, "unix:")) return absl::OkStatus();
  const size_t colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (port == "0") return absl::OkStatus();
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* addresses = nullptr;
  if (int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &addresses);
      rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot listen on ", listen, ": ", gai_strerror(rc)));
  }
  absl::Status status = absl::OkStatus();
  for (addrinfo* a = addresses; a != nullptr && status.ok(); a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0) {
      const int err = errno;
      status = err == EADDRINUSE ? absl::UnavailableError(absl::StrCat("cannot listen on ", listen,
                                                                       ": address already in use"))
                                 : absl::PermissionDeniedError(absl::StrCat(
                                       "cannot listen on ", listen, ": ", std::strerror(err)));
    }
    close(fd);
  }
  freeaddrinfo(addresses);
  return status;
}

// A shutdown signal that a handler caught. Threads that libraries start before main (OpenBLAS's
// pool) do not inherit main's signal mask, so the kernel may deliver SIGTERM to one of them; with
// the default action that killed the process, skipping the drain, the final checkpoint and the
// embedded PostgreSQL's shutdown. A handler that records it makes that harmless. This is the one
// piece of process-wide mutable state: a signal handler can reach nothing else, and a lock-free
// atomic is async-signal-safe.
std::atomic<int> caught_shutdown_signal{0};

void CatchShutdownSignal(int signal_number) { caught_shutdown_signal.store(signal_number); }

void InstallShutdownSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = CatchShutdownSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// Waits for SIGINT/SIGTERM (blocked by main, or caught by CatchShutdownSignal in a thread that
// does not block them) or for `stop`, then drains the server.
void WaitForShutdownSignal(grpc::Server* server, const std::atomic<bool>& stop, int grace_seconds) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  const timespec poll{0, 200'000'000};
  int signal_number = -1;
  while (!stop.load() && signal_number < 0) {
    signal_number = sigtimedwait(&signals, nullptr, &poll);
    if (signal_number < 0 && caught_shutdown_signal.load() != 0) {
      signal_number = caught_shutdown_signal.load();
    }
  }
  if (signal_number < 0) return;
  spdlog::info("received {}; draining in-flight calls for up to {} s",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM", grace_seconds);
  server->GetHealthCheckService()->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(grace_seconds));
}

std::filesystem::path GallerySnapshotPath(const ServerConfig& config) {
  return config.data_dir / "gallery.snapshot";
}

// The gallery from its snapshot when that reflects the database as it is now, else rebuilt from
// PostgreSQL (the system of record).
absl::StatusOr<std::unique_ptr<index::FaceGallery>> LoadGallery(storage::MatchStore& store,
                                                                const ServerConfig& config) {
  const index::GalleryOptions options{.approximate_from =
                                          static_cast<size_t>(config.gallery_exact_below)};
  absl::StatusOr<std::string> watermark = store.GalleryWatermark();
  if (!watermark.ok()) return watermark.status();
  std::string snapshot_watermark;
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<std::unique_ptr<index::FaceGallery>> snapshot =
      index::FaceGallery::LoadSnapshot(GallerySnapshotPath(config), options, &snapshot_watermark);
  if (snapshot.ok() && snapshot_watermark == *watermark) {
    spdlog::info("gallery: {} templates from snapshot in {:.2f} s", (*snapshot)->size(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return snapshot;
  }
  if (snapshot.ok()) {
    spdlog::warn("gallery: snapshot is stale (database changed since it was written); rebuilding");
  } else if (!absl::IsNotFound(snapshot.status())) {
    spdlog::warn("gallery: {}", snapshot.status());
  }
  absl::StatusOr<std::vector<storage::StoredTemplate>> templates = store.LoadGalleryTemplates();
  if (!templates.ok()) return templates.status();
  std::vector<index::GalleryTemplate> entries;
  entries.reserve(templates->size());
  for (const auto& t : *templates) entries.push_back(matching::ToGalleryTemplate(t));
  auto gallery = index::FaceGallery::Build(entries, options);
  spdlog::info("gallery: {} templates built from the database in {:.2f} s", gallery->size(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return gallery;
}

// Written at a clean stop so that the next start can skip the rebuild.
void SaveGallery(const index::FaceGallery& gallery, storage::MatchStore& store,
                 const ServerConfig& config) {
  absl::StatusOr<std::string> watermark = store.GalleryWatermark();
  if (!watermark.ok()) return;
  if (absl::Status s = gallery.SaveSnapshot(GallerySnapshotPath(config), *watermark); !s.ok()) {
    spdlog::warn("gallery: snapshot not written: {}", s);
  }
}

absl::StatusOr<std::string> ReadPem(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// TLS (and mutual TLS) when configured; otherwise plaintext, which the configuration allows
// only on a unix socket or loopback address.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const ServerConfig& config) {
  if (config.tls_cert.empty()) {
    spdlog::warn(
        "serving plaintext on {}: only this machine can connect; configure --tls-cert "
        "and --tls-key to serve others",
        config.listen);
    return grpc::InsecureServerCredentials();
  }
  absl::StatusOr<std::string> cert = ReadPem(config.tls_cert);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem(config.tls_key);
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!config.tls_client_ca.empty()) {
    absl::StatusOr<std::string> ca = ReadPem(config.tls_client_ca);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "encuentrod: %s\n", std::string(status.message()).c_str());
  return 1;
}

// `encuentrod admin VERB`: bootstrap administration, audited as the operating-system user.
int RunAdmin(auth::Principals& principals, const AdminCommand& command) {
  const char* login = std::getenv("USER");
  const auth::Principal caller{absl::StrCat("encuentrod-admin/", login ? login : "unknown"),
                               command.organization, auth::Role::kAdmin};
  absl::Status status = absl::OkStatus();
  if (command.verb == "bootstrap") {
    status = principals.CreateOrganization(caller, command.organization,
                                           auth::OrganizationKind::kOperator);
    if (absl::IsAlreadyExists(status)) status = absl::OkStatus();
    if (status.ok()) {
      status =
          principals.CreateUser(caller, command.name, command.organization, auth::Role::kAdmin, "")
              .status();
    }
  } else if (command.verb == "create-org") {
    auth::OrganizationKind kind;
    auth::ParseOrganizationKind(command.kind, &kind);
    status = principals.CreateOrganization(caller, command.name, kind);
    if (status.ok()) std::printf("organization %s created\n", command.name.c_str());
    return status.ok() ? 0 : Fail(status);
  } else if (command.verb == "create-user") {
    auth::Role role;
    auth::ParseRole(command.role, &role);
    status = principals
                 .CreateUser(caller, command.name, command.organization, role,
                             command.certificate_subject)
                 .status();
    if (status.ok()) std::printf("user %s created\n", command.name.c_str());
    return status.ok() ? 0 : Fail(status);
  } else if (command.verb == "revoke-token") {
    status = principals.RevokeToken(caller, command.token_id);
    if (status.ok()) std::printf("token %lld revoked\n", static_cast<long long>(command.token_id));
    return status.ok() ? 0 : Fail(status);
  }
  if (!status.ok()) return Fail(status);
  // "bootstrap" and "issue-token" end by issuing a token.
  absl::StatusOr<auth::IssuedToken> issued =
      principals.IssueToken(caller, command.name, std::chrono::hours(24 * command.valid_for_days),
                            command.description.empty() ? command.verb : command.description);
  if (!issued.ok()) return Fail(issued.status());
  std::printf("token %lld for %s (shown only now; keep it secret):\n%s\n",
              static_cast<long long>(issued->id), command.name.c_str(), issued->token.c_str());
  return 0;
}

// `encuentrod check-index`: the snapshot the next start would load, compared with the database.
int CheckIndex(storage::MatchStore& store, const ServerConfig& config) {
  const index::GalleryOptions options{.approximate_from =
                                          static_cast<size_t>(config.gallery_exact_below)};
  const std::filesystem::path path = GallerySnapshotPath(config);
  std::string snapshot_watermark;
  absl::StatusOr<std::unique_ptr<index::FaceGallery>> snapshot =
      index::FaceGallery::LoadSnapshot(path, options, &snapshot_watermark);
  if (absl::IsNotFound(snapshot.status())) {
    std::printf("no gallery snapshot at %s: the next start builds the gallery from the database\n",
                path.c_str());
    return 0;
  }
  if (!snapshot.ok()) {
    std::printf("gallery snapshot %s is unreadable (%s): the next start rebuilds it\n",
                path.c_str(), std::string(snapshot.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<std::string> watermark = store.GalleryWatermark();
  if (!watermark.ok()) return Fail(watermark.status());
  absl::StatusOr<matching::GalleryDifferences> differences =
      matching::CompareGalleryWithDatabase(**snapshot, store);
  if (!differences.ok()) return Fail(differences.status());
  std::printf("gallery snapshot %s: %zu templates (%s); database: %zu live templates\n",
              path.c_str(), differences->gallery_templates,
              (*snapshot)->approximate() ? "approximate" : "exact",
              differences->database_templates);
  std::printf("watermark: snapshot %s, database %s%s\n", snapshot_watermark.c_str(),
              watermark->c_str(), snapshot_watermark == *watermark ? "" : " (stale)");
  const auto list = [](const char* what, const std::vector<int64_t>& ids) {
    if (ids.empty()) return;
    std::string shown;
    for (size_t i = 0; i < ids.size() && i < 10; ++i)
      absl::StrAppend(&shown, i ? ", " : "", ids[i]);
    std::printf("%zu %s (photo ids %s%s)\n", ids.size(), what, shown.c_str(),
                ids.size() > 10 ? ", ..." : "");
  };
  list("templates in the database but not in the gallery", differences->missing);
  list("templates in the gallery but not in the database", differences->unexpected);
  list("templates whose descriptor differs", differences->different);
  list("templates a search for their own descriptor does not find", differences->unfindable);
  if (differences->consistent() && snapshot_watermark == *watermark) {
    std::printf("consistent\n");
    return 0;
  }
  std::printf("inconsistent: the next start rebuilds the gallery from the database\n");
  return 1;
}

// The gauges Prometheus reads at each scrape: what an operator watches to tell a quiet server
// from a stuck one.
void AddScrapeGauges(metrics::ServerMetrics* metrics, const index::FaceGallery* gallery,
                     storage::CrossMatchQueue* queue) {
  metrics->AddScrapeGauge("encuentro_gallery_templates", "Face templates in the in-memory gallery",
                          [gallery] { return std::optional<double>(gallery->size()); });
  // One query per scrape for both queue figures would be tidier; the queue's Stats() is cheap.
  metrics->AddScrapeGauge("encuentro_cross_match_queue_depth",
                          "Cross-match jobs waiting or being worked on",
                          [queue]() -> std::optional<double> {
                            absl::StatusOr<storage::CrossMatchQueueStats> stats = queue->Stats();
                            if (!stats.ok()) return std::nullopt;
                            return static_cast<double>(stats->queued);
                          });
  metrics->AddScrapeGauge("encuentro_cross_match_oldest_queued_seconds",
                          "Age of the oldest queued cross-match job (0 when none)",
                          [queue]() -> std::optional<double> {
                            absl::StatusOr<storage::CrossMatchQueueStats> stats = queue->Stats();
                            if (!stats.ok()) return std::nullopt;
                            return stats->oldest_queued_seconds;
                          });
  metrics->AddScrapeGauge("encuentro_cross_match_failed_jobs",
                          "Cross-match jobs given up after too many attempts",
                          [queue]() -> std::optional<double> {
                            absl::StatusOr<storage::CrossMatchQueueStats> stats = queue->Stats();
                            if (!stats.ok()) return std::nullopt;
                            return static_cast<double>(stats->failed);
                          });
}

}  // namespace

int RunServer(const ServerConfig& config) {
  if (config.command == Command::kBackup) return RunBackup(config);
  if (config.command == Command::kRestore) return RunRestore(config);
  if (config.command == Command::kServe) {
    InstallShutdownSignalHandlers();
    if (absl::Status s = ProbeListenAddress(config.listen); !s.ok()) return Fail(s);
  }
  absl::StatusOr<std::unique_ptr<DataDirectoryLock>> lock =
      DataDirectoryLock::Acquire(config.data_dir);
  if (!lock.ok()) return Fail(lock.status());

  // The face model is checked before anything else starts: without it nothing can be enrolled.
  biometrics::FacePipelineOptions face_options;
  face_options.models_dir = config.models_dir.string();
  face_options.upsample = config.face_upsample;
  face_options.jitter = config.face_jitter;
  absl::StatusOr<std::unique_ptr<biometrics::FacePipeline>> pipeline =
      biometrics::FacePipeline::Create(face_options);
  if (!pipeline.ok()) return Fail(pipeline.status());
  const biometrics::FaceModelFiles& models = (*pipeline)->models();
  spdlog::info("face model {} (sha256 {})", models.model_id, models.descriptor_network.sha256);

  absl::StatusOr<matching::FaceCalibration> calibration =
      matching::FaceCalibration::LoadFile(config.face_calibration.string());
  if (!calibration.ok()) return Fail(calibration.status());
  // A calibration maps one model's distances; another model's distances mean something else.
  if (calibration->model_id() != models.model_id) {
    return Fail(absl::FailedPreconditionError(absl::StrCat(
        "face calibration ", config.face_calibration.string(), " was fitted for model ",
        calibration->model_id(), ", but the loaded model is ", models.model_id,
        "; fit one for this model with tools/face_calibrate")));
  }

  // The key that signs audit checkpoints; made at the first start. Losing it does not break the
  // chain, but checkpoints signed with a new key need the new public key to verify.
  absl::StatusOr<audit::SigningKey> audit_key =
      audit::SigningKey::LoadOrCreate(config.data_dir / "audit-signing.key");
  if (!audit_key.ok()) return Fail(audit_key.status());

  // The craniometric reference, like the face model, is checked before the database starts.
  std::optional<anthropology::ReferenceSample> cranio_reference;
  if (!config.cranio_reference.empty()) {
    absl::StatusOr<anthropology::ReferenceSample> loaded =
        anthropology::ReferenceSample::LoadHowellsCsv(config.cranio_reference.string());
    if (!loaded.ok()) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--cranio-reference ", config.cranio_reference.string(), ": ",
                       absl::StrReplaceAll(loaded.status().message(), {{"\n", "; "}}))));
    }
    cranio_reference = *std::move(loaded);
    spdlog::info("craniometric reference {}: {} individuals, {} populations",
                 config.cranio_reference.string(), cranio_reference->individuals().size(),
                 cranio_reference->Populations().size());
  }

  std::unique_ptr<storage::EmbeddedCluster> cluster;
  DatabaseEndpoints db;
  if (config.database_url.empty()) {
    storage::EmbeddedClusterOptions options;
    options.data_dir = config.data_dir;
    absl::StatusOr<std::unique_ptr<storage::EmbeddedCluster>> started =
        storage::EmbeddedCluster::Start(options);
    if (!started.ok()) return Fail(started.status());
    cluster = *std::move(started);
    db.owner_connection = cluster->SuperuserConnectionString();
    db.app.connection_string = cluster->ConnectionString(kAppRole);
    db.mode = "embedded";
  } else {
    db.owner_connection = config.database_url;
    db.app.connection_string = config.database_url;
    db.app.assume_role = kAppRole;
    db.mode = "external";
  }
  // Each cross-match worker holds a connection while its run reads through others.
  db.app.pool_size = config.database_pool_size + config.cross_match_workers;

  const auto& migrations = storage::BundledMigrations();
  absl::StatusOr<storage::MigrationReport> migrated =
      storage::ApplyMigrations(db.owner_connection, migrations);
  if (!migrated.ok()) return Fail(migrated.status());
  for (const std::string& name : migrated->applied) spdlog::info("applied migration {}", name);
  spdlog::info("database schema at version {}", migrated->version_after);
  if (config.command == Command::kServe) {
    absl::StatusOr<std::vector<std::string>> analyzed =
        storage::AnalyzeUnanalyzedTables(db.owner_connection);
    if (!analyzed.ok()) return Fail(analyzed.status());
    if (!analyzed->empty()) {
      spdlog::info("gathered planner statistics for {} table(s)", analyzed->size());
    }
  }
  if (config.command == Command::kMigrate) {
    std::printf("schema at version %lld (%zu migration(s) applied)\n",
                static_cast<long long>(migrated->version_after), migrated->applied.size());
    return 0;
  }

  absl::StatusOr<std::unique_ptr<storage::Database>> database = storage::Database::Open(db.app);
  if (!database.ok()) return Fail(database.status());
  storage::PrincipalStore principal_store(database->get());
  auth::Principals principals(&principal_store);
  if (config.command == Command::kAdmin) return RunAdmin(principals, config.admin);

  services::ServerFacts facts;
  facts.database_mode = db.mode;
  facts.binary_schema_version = migrations.empty() ? 0 : migrations.back().version;
  storage::Database* db_ptr = database->get();
  facts.schema_version = [db_ptr] { return db_ptr->SchemaVersion(); };
  facts.database_id = [db_ptr] { return db_ptr->DatabaseId(); };
  facts.models.push_back({models.model_id, services::ModelReport::State::kReady,
                          models.descriptor_network.sha256, models.descriptor_network.path});
  facts.models.push_back({"dlib-shape-predictor-68", services::ModelReport::State::kReady,
                          models.landmarks.sha256, models.landmarks.path});
  storage::CrossMatchQueue cross_match_queue(db_ptr);
  facts.cross_match = [&cross_match_queue,
                       &config]() -> absl::StatusOr<services::CrossMatchReport> {
    absl::StatusOr<storage::CrossMatchQueueStats> stats = cross_match_queue.Stats();
    if (!stats.ok()) return stats.status();
    return services::CrossMatchReport{config.cross_match_workers,
                                      stats->queued,
                                      stats->oldest_queued_seconds,
                                      stats->retrying,
                                      stats->failed,
                                      stats->last_error};
  };
  services::Gatekeeper gatekeeper(&principals,
                                  {.requests_per_minute = config.rate_limit_per_minute});
  services::ServerServiceImpl server_service(&gatekeeper, std::move(facts));
  services::AdminServiceImpl admin_service(&gatekeeper, &principals);
  storage::CaseRecordStore record_store(db_ptr);
  auth::CaseScope case_scope(&principal_store);
  records::CaseRecords case_records(&record_store, &case_scope);
  services::MissingPersonServiceImpl missing_person_service(&gatekeeper, &case_records);
  services::RemainsServiceImpl remains_service(&gatekeeper, &case_records);
  storage::MarkStore mark_store(db_ptr);
  records::MarkRecords mark_records(&mark_store, &record_store, &case_scope);
  services::MarkServiceImpl mark_service(&gatekeeper, &mark_records);
  storage::DentalStore dental_store(db_ptr);
  records::DentalCharts dental_charts(&dental_store, &record_store, &case_scope);
  services::DentalServiceImpl dental_service(&gatekeeper, &dental_charts);
  storage::DnaSampleStore dna_sample_store(db_ptr);
  records::DnaSamples dna_samples(&dna_sample_store, &record_store, &case_scope);
  services::DnaSampleServiceImpl dna_sample_service(&gatekeeper, &dna_samples);
  storage::EffectStore effect_store(db_ptr);
  records::PersonalEffects personal_effects(&effect_store, &record_store, &case_scope);
  services::EffectServiceImpl effect_service(&gatekeeper, &personal_effects);
  storage::PhotoStore photo_store(db_ptr);
  records::PhotoLibrary photo_library(
      &photo_store, &case_scope, pipeline->get(),
      {.max_photo_bytes = static_cast<size_t>(config.max_photo_bytes),
       .max_photo_pixels = config.max_photo_pixels,
       .working_pixels = config.photo_working_pixels,
       .max_concurrent_analyses = config.max_concurrent_analyses});
  services::PhotoServiceImpl photo_service(&gatekeeper, &photo_library);
  storage::MeasurementStore measurement_store(db_ptr);
  records::MeasurementRecords measurement_records(
      &measurement_store, &case_records, &anthropology::MeasurementCatalog::Embedded(),
      cranio_reference ? &*cranio_reference : nullptr, config.cranio_reference.filename().string());
  services::AnthropologyServiceImpl anthropology_service(&gatekeeper, &measurement_records);

  storage::MatchStore match_store(db_ptr);
  if (config.command == Command::kCheckIndex) return CheckIndex(match_store, config);
  absl::StatusOr<std::unique_ptr<index::FaceGallery>> gallery = LoadGallery(match_store, config);
  if (!gallery.ok()) return Fail(gallery.status());
  absl::StatusOr<std::unique_ptr<matching::CandidatePool>> pool =
      matching::CandidatePool::Load(match_store);
  if (!pool.ok()) return Fail(pool.status());
  spdlog::info("matching: {} live missing persons in the candidate pool", (*pool)->size());
  matching::MatchingStateSync gallery_sync(gallery->get(), pool->get(), &match_store);
  case_records.set_observer(&gallery_sync);
  photo_library.set_observer(&gallery_sync);
  mark_records.set_observer(&gallery_sync);
  dental_charts.set_observer(&gallery_sync);
  personal_effects.set_observer(&gallery_sync);
  matching::Matcher matcher(&record_store, &match_store, gallery->get(), pool->get(), &case_records,
                            [&calibration](double distance, int comparisons, bool explain) {
                              return calibration->FaceFactor(distance, comparisons,
                                                             "nearest template", explain);
                            },
                            {.prior_probability = config.prior_probability,
                             .match_posterior = config.match_posterior,
                             .scan_threads = config.search_threads});
  matcher.set_observer(&gallery_sync);
  matcher.set_dna_samples(&dna_sample_store);
  services::MatchServiceImpl match_service(&gatekeeper, &matcher);
  storage::AuditStore audit_store(db_ptr);
  audit::AuditLog audit_log(&audit_store, &*audit_key, &principal_store);
  services::AuditServiceImpl audit_service(&gatekeeper, &audit_log);
  matching::CrossMatcher cross_matcher(
      &matcher, &record_store, &cross_match_queue,
      {.lead_posterior = config.lead_posterior, .workers = config.cross_match_workers});

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = ServerCredentials(config);
  if (!credentials.ok()) return Fail(credentials.status());
  builder.AddListeningPort(config.listen, *credentials, &port);
  builder.SetMaxReceiveMessageSize(config.max_message_bytes);
  builder.SetMaxSendMessageSize(config.max_message_bytes);
  grpc::ResourceQuota quota("encuentrod");
  quota.SetMaxThreads(config.worker_threads);
  builder.SetResourceQuota(quota);
  metrics::ServerMetrics server_metrics;
  AddScrapeGauges(&server_metrics, gallery->get(), &cross_match_queue);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<services::RequestLogInterceptorFactory>(&server_metrics));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(&server_service);
  builder.RegisterService(&missing_person_service);
  builder.RegisterService(&remains_service);
  builder.RegisterService(&mark_service);
  builder.RegisterService(&dental_service);
  builder.RegisterService(&dna_sample_service);
  builder.RegisterService(&effect_service);
  builder.RegisterService(&photo_service);
  builder.RegisterService(&anthropology_service);
  builder.RegisterService(&match_service);
  builder.RegisterService(&audit_service);
  builder.RegisterService(&admin_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || (port == 0 && !absl::StartsWith(config.listen, "unix:"))) {
    return Fail(absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen)));
  }
  std::unique_ptr<metrics::MetricsEndpoint> metrics_endpoint;
  if (!config.metrics_listen.empty()) {
    absl::StatusOr<std::unique_ptr<metrics::MetricsEndpoint>> started =
        metrics::MetricsEndpoint::Start(config.metrics_listen, server_metrics);
    if (!started.ok()) return Fail(started.status());
    metrics_endpoint = *std::move(started);
    const std::string metrics_address =
        absl::StrCat(config.metrics_listen.substr(0, config.metrics_listen.rfind(':')), ":",
                     metrics_endpoint->port());
    spdlog::info("metrics: http://{}/metrics", metrics_address);
    std::printf("encuentrod metrics on http://%s/metrics\n", metrics_address.c_str());
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  cross_matcher.Start();
  if (config.audit_checkpoint_seconds > 0) {
    audit_log.StartCheckpoints(std::chrono::seconds(config.audit_checkpoint_seconds));
  }

  std::string address = config.listen;
  if (!absl::StartsWith(address, "unix:")) {
    address = absl::StrCat(address.substr(0, address.rfind(':')), ":", port);
  }
  spdlog::info("serving on {} (database: {})", address, db.mode);
  std::printf("encuentrod %s listening on %s (pid %d); stop with Ctrl-C or `kill -TERM %d`\n",
              kVersion, address.c_str(), getpid(), getpid());
  std::fflush(stdout);

  std::atomic<bool> stop{false};
  std::thread signal_waiter(
      [&] { WaitForShutdownSignal(server.get(), stop, config.shutdown_grace_seconds); });
  server->Wait();
  stop = true;
  signal_waiter.join();
  spdlog::info("gRPC server stopped");
  cross_matcher.Stop();
  audit_log.StopCheckpoints();
  // A final checkpoint, so that the chain as the server leaves it is signed.
  if (absl::StatusOr<audit::Checkpoint> last = audit_log.CreateCheckpoint(); !last.ok()) {
    spdlog::warn("audit: final checkpoint failed: {}", last.status());
  }
  SaveGallery(**gallery, match_store, config);

  database->reset();
  if (cluster) {
    if (absl::Status s = cluster->Stop(); !s.ok()) return Fail(s);
  }
  spdlog::info("encuentrod stopped cleanly");
  return 0;
}

}  // namespace encuentro::server
