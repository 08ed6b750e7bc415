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
#include <functional>
#include <optional>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "anthropology/reference_sample.h"
#include "auth/principals.h"
#include "biometrics/face_pipeline.h"
#include "common/logging.h"
#include "common/progress.h"
#include "common/version.h"
#include "index/face_gallery.h"
#include "matching/face_calibration.h"
#include "metrics/server_metrics.h"
#include "records/embedding_backfill.h"
#include "server/backup_command.h"
#include "server/data_directory.h"
#include "server/serving_stack.h"
#include "services/server_service.h"
#include "storage/database.h"
#include "storage/embedded_cluster.h"
#include "storage/match_store.h"
#include "storage/migrations.h"
#include "storage/photo_store.h"
#include "storage/principal_store.h"
#include "web/console_server.h"

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
void WaitForShutdownSignal(grpc::Server* server, const std::atomic<bool>& stop, int grace_seconds,
                           const std::function<void()>& before_shutdown) {
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
  before_shutdown();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(grace_seconds));
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

// `encuentrod backfill-embeddings`: the second model's embedding for every template without one.
int BackfillEmbeddings(storage::Database* database, const biometrics::FacePipeline& pipeline,
                       const ServerConfig& config) {
  storage::PhotoStore store(database);
  absl::StatusOr<int64_t> pending = store.CountTemplatesWithoutSecondEmbedding();
  if (!pending.ok()) return Fail(pending.status());
  std::printf("%lld template(s) without the %s embedding\n", static_cast<long long>(*pending),
              pipeline.models().mobile_face_model_id.c_str());
  std::fflush(stdout);
  common::ProgressBar progress(static_cast<int>(*pending), "templates", "", /*quiet=*/false);
  records::BackfillOptions options;
  options.limits.max_bytes = static_cast<size_t>(config.max_photo_bytes);
  options.limits.max_pixels = config.max_photo_pixels;
  options.working_pixels = config.photo_working_pixels;
  options.threads = config.backfill_jobs;
  options.progress = [&](int64_t done, int64_t) { progress.Update(static_cast<int>(done)); };
  absl::StatusOr<records::BackfillReport> report =
      records::BackfillSecondEmbeddings(store, pipeline, options);
  if (!report.ok()) return Fail(report.status());
  std::printf("filled %lld, face not found again %lld, failed %lld\n",
              static_cast<long long>(report->filled), static_cast<long long>(report->not_found),
              static_cast<long long>(report->failed));
  if (report->not_found > 0) {
    std::printf("faces not found again stay compared by the first model alone (logged by photo)\n");
  }
  if (report->failed > 0) {
    std::printf("the photos that failed are logged; run the command again to retry them\n");
    return 1;
  }
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
  list("templates whose second-model embedding differs", differences->second_different);
  list("templates a search for their own descriptor does not find", differences->unfindable);
  if (differences->consistent() && snapshot_watermark == *watermark) {
    std::printf("consistent\n");
    return 0;
  }
  std::printf("inconsistent: the next start rebuilds the gallery from the database\n");
  return 1;
}

// What is loaded and checked before the database starts: without the face model nothing can be
// enrolled, and a calibration fitted for another model would mislead every face comparison.
struct LoadedModels {
  std::unique_ptr<biometrics::FacePipeline> pipeline;
  matching::FaceCalibration calibration;
  std::optional<matching::FaceCalibration> fused_calibration;
  // Signs audit checkpoints; made at the first start. Losing it does not break the chain, but
  // checkpoints signed with a new key need the new public key to verify.
  audit::SigningKey audit_key;
  std::optional<anthropology::ReferenceSample> cranio_reference;
};

absl::StatusOr<LoadedModels> LoadModels(const ServerConfig& config) {
  biometrics::FacePipelineOptions face_options;
  face_options.models_dir = config.models_dir.string();
  face_options.upsample = config.face_upsample;
  face_options.jitter = config.face_jitter;
  // Photos are analysed by concurrent calls, each on one core.
  biometrics::RunBlasOnCallingThreads();
  absl::StatusOr<std::unique_ptr<biometrics::FacePipeline>> pipeline =
      biometrics::FacePipeline::Create(face_options);
  if (!pipeline.ok()) return pipeline.status();
  const biometrics::FaceModelFiles& files = (*pipeline)->models();
  spdlog::info("face model {} (sha256 {})", files.model_id, files.descriptor_network.sha256);

  absl::StatusOr<matching::FaceCalibration> calibration =
      matching::FaceCalibration::LoadFile(config.face_calibration.string());
  if (!calibration.ok()) return calibration.status();
  if (!calibration->second_model_id().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("face calibration ", config.face_calibration.string(),
                     " is a calibration of two fused models (", calibration->second_model_id(),
                     "): pass it as --fused-face-calibration, and a calibration of ",
                     files.model_id, " alone as --face-calibration"));
  }
  if (calibration->model_id() != files.model_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "face calibration ", config.face_calibration.string(), " was fitted for model ",
        calibration->model_id(), ", but the loaded model is ", files.model_id,
        "; fit one for this model with tools/face_calibrate"));
  }
  std::optional<matching::FaceCalibration> fused_calibration;
  if (!config.fused_face_calibration.empty() && config.fused_face_calibration != "none") {
    absl::StatusOr<matching::FaceCalibration> fused =
        matching::FaceCalibration::LoadFile(config.fused_face_calibration.string());
    if (!fused.ok()) return fused.status();
    if (fused->model_id() != files.model_id ||
        fused->second_model_id() != files.mobile_face_model_id) {
      return absl::FailedPreconditionError(absl::StrCat(
          "fused face calibration ", config.fused_face_calibration.string(),
          " was fitted for models ", fused->model_id(), " and ",
          fused->second_model_id().empty() ? "none" : fused->second_model_id(),
          ", but the loaded models are ", files.model_id, " and ", files.mobile_face_model_id,
          "; fit one with tools/face_calibrate --second-model, or set --fused-face-calibration "
          "none to compare faces by the first model alone"));
    }
    spdlog::info("face models fused: second model {} (weight {})", files.mobile_face_model_id,
                 fused->second_model_weight());
    fused_calibration = *std::move(fused);
  }
  absl::StatusOr<audit::SigningKey> audit_key =
      audit::SigningKey::LoadOrCreate(config.data_dir / "audit-signing.key");
  if (!audit_key.ok()) return audit_key.status();

  std::optional<anthropology::ReferenceSample> cranio_reference;
  if (!config.cranio_reference.empty()) {
    absl::StatusOr<anthropology::ReferenceSample> loaded =
        anthropology::ReferenceSample::LoadHowellsCsv(config.cranio_reference.string());
    if (!loaded.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--cranio-reference ", config.cranio_reference.string(), ": ",
                       absl::StrReplaceAll(loaded.status().message(), {{"\n", "; "}})));
    }
    cranio_reference = *std::move(loaded);
    spdlog::info("craniometric reference {}: {} individuals, {} populations",
                 config.cranio_reference.string(), cranio_reference->individuals().size(),
                 cranio_reference->Populations().size());
  }
  return LoadedModels{*std::move(pipeline), *std::move(calibration), std::move(fused_calibration),
                      *std::move(audit_key), std::move(cranio_reference)};
}

// The database: the embedded cluster under the data directory, or --database-url's.
struct DatabaseRuntime {
  std::unique_ptr<storage::EmbeddedCluster> cluster;  // null for an external database
  DatabaseEndpoints endpoints;
};

absl::StatusOr<DatabaseRuntime> StartDatabase(const ServerConfig& config) {
  DatabaseRuntime db;
  if (config.database_url.empty()) {
    storage::EmbeddedClusterOptions options;
    options.data_dir = config.data_dir;
    absl::StatusOr<std::unique_ptr<storage::EmbeddedCluster>> started =
        storage::EmbeddedCluster::Start(options);
    if (!started.ok()) return started.status();
    db.cluster = *std::move(started);
    db.endpoints.owner_connection = db.cluster->SuperuserConnectionString();
    db.endpoints.app.connection_string = db.cluster->ConnectionString(kAppRole);
    db.endpoints.mode = "embedded";
  } else {
    db.endpoints.owner_connection = config.database_url;
    db.endpoints.app.connection_string = config.database_url;
    db.endpoints.app.assume_role = kAppRole;
    db.endpoints.mode = "external";
  }
  // Each cross-match worker holds a connection while its run reads through others.
  db.endpoints.app.pool_size = config.database_pool_size + config.cross_match_workers;
  return db;
}

// Applies pending migrations; a serving start also gathers missing planner statistics.
absl::StatusOr<storage::MigrationReport> Migrate(const ServerConfig& config,
                                                 const DatabaseEndpoints& endpoints) {
  absl::StatusOr<storage::MigrationReport> migrated =
      storage::ApplyMigrations(endpoints.owner_connection, storage::BundledMigrations());
  if (!migrated.ok()) return migrated.status();
  for (const std::string& name : migrated->applied) spdlog::info("applied migration {}", name);
  spdlog::info("database schema at version {}", migrated->version_after);
  if (config.command == Command::kServe) {
    absl::StatusOr<std::vector<std::string>> analyzed =
        storage::AnalyzeUnanalyzedTables(endpoints.owner_connection);
    if (!analyzed.ok()) return analyzed.status();
    if (!analyzed->empty()) {
      spdlog::info("gathered planner statistics for {} table(s)", analyzed->size());
    }
  }
  return migrated;
}

// What GetServerInfo reports about this process and its database.
services::ServerFacts ServerFactsOf(const std::string& mode,
                                    const biometrics::FaceModelFiles& models,
                                    storage::Database* database) {
  services::ServerFacts facts;
  facts.database_mode = mode;
  const auto& migrations = storage::BundledMigrations();
  facts.binary_schema_version = migrations.empty() ? 0 : migrations.back().version;
  facts.schema_version = [database] { return database->SchemaVersion(); };
  facts.database_id = [database] { return database->DatabaseId(); };
  facts.models.push_back({models.model_id, services::ModelReport::State::kReady,
                          models.descriptor_network.sha256, models.descriptor_network.path});
  facts.models.push_back({"dlib-shape-predictor-68", services::ModelReport::State::kReady,
                          models.landmarks.sha256, models.landmarks.path});
  facts.models.push_back({models.mobile_face_model_id, services::ModelReport::State::kReady,
                          models.mobile_face_weights.sha256, models.mobile_face_weights.path});
  return facts;
}

// The gRPC server and, when configured, the metrics endpoint.
struct Listeners {
  std::unique_ptr<grpc::Server> grpc;
  std::string address;  // with the port the system chose for port 0
  std::unique_ptr<metrics::MetricsEndpoint> metrics;
  std::unique_ptr<web::ConsoleServer> console;
};

absl::StatusOr<Listeners> StartListeners(const ServerConfig& config, ServingStack* stack,
                                         auth::Principals* principals,
                                         const std::string& console_key) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = ServerCredentials(config);
  if (!credentials.ok()) return credentials.status();
  builder.AddListeningPort(config.listen, *credentials, &port);
  builder.SetMaxReceiveMessageSize(config.max_message_bytes);
  builder.SetMaxSendMessageSize(config.max_message_bytes);
  grpc::ResourceQuota quota("encuentrod");
  quota.SetMaxThreads(config.worker_threads);
  builder.SetResourceQuota(quota);
  stack->RegisterWith(&builder);
  Listeners listeners;
  listeners.grpc = builder.BuildAndStart();
  if (!listeners.grpc || (port == 0 && !absl::StartsWith(config.listen, "unix:"))) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen));
  }
  listeners.address = config.listen;
  if (!absl::StartsWith(config.listen, "unix:")) {
    listeners.address = absl::StrCat(config.listen.substr(0, config.listen.rfind(':')), ":", port);
  }
  if (!config.metrics_listen.empty()) {
    absl::StatusOr<std::unique_ptr<metrics::MetricsEndpoint>> started =
        metrics::MetricsEndpoint::Start(config.metrics_listen, stack->metrics());
    if (!started.ok()) return started.status();
    listeners.metrics = *std::move(started);
    const std::string metrics_address =
        absl::StrCat(config.metrics_listen.substr(0, config.metrics_listen.rfind(':')), ":",
                     listeners.metrics->port());
    spdlog::info("metrics: http://{}/metrics", metrics_address);
    std::printf("encuentrod metrics on http://%s/metrics\n", metrics_address.c_str());
  }
  if (!config.http_listen.empty()) {
    web::ConsoleOptions options{
        .listen = config.http_listen,
        .tls_cert = config.tls_cert,
        .tls_key = config.tls_key,
        .session_lifetime = std::chrono::minutes(config.http_session_minutes),
        .threads = config.http_threads,
        .console_key = console_key};
    // The console's calls carry whole photos back, up to the largest gRPC message.
    grpc::ChannelArguments channel_arguments;
    channel_arguments.SetMaxReceiveMessageSize(config.max_message_bytes);
    channel_arguments.SetMaxSendMessageSize(config.max_message_bytes);
    absl::StatusOr<std::unique_ptr<web::ConsoleServer>> console = web::ConsoleServer::Start(
        options, listeners.grpc->InProcessChannel(channel_arguments), principals);
    if (!console.ok()) return console.status();
    listeners.console = *std::move(console);
    spdlog::info("web console: {}/", listeners.console->url());
    std::printf("encuentrod web console on %s/\n", listeners.console->url().c_str());
  }
  listeners.grpc->GetHealthCheckService()->SetServingStatus(true);
  return listeners;
}

// Serves until SIGINT or SIGTERM, then drains in-flight calls for the grace period.
// `before_shutdown` runs on the signal, before gRPC drains (the web console stops there, its
// requests answered, while the gRPC server they call still serves).
void ServeUntilSignal(const ServerConfig& config, grpc::Server* server,
                      const std::function<void()>& before_shutdown) {
  std::atomic<bool> stop{false};
  std::thread signal_waiter(
      [&] { WaitForShutdownSignal(server, stop, config.shutdown_grace_seconds, before_shutdown); });
  server->Wait();
  stop = true;
  signal_waiter.join();
  spdlog::info("gRPC server stopped");
}

}  // namespace

int RunServer(const ServerConfig& config) {
  if (config.command == Command::kBackup) return RunBackup(config);
  if (config.command == Command::kRestore) return RunRestore(config);

  // Configuration: the address and the data directory are ours before anything starts.
  if (config.command == Command::kServe) {
    InstallShutdownSignalHandlers();
    if (absl::Status s = ProbeListenAddress(config.listen); !s.ok()) return Fail(s);
  }
  absl::StatusOr<std::unique_ptr<DataDirectoryLock>> lock =
      DataDirectoryLock::Acquire(config.data_dir);
  if (!lock.ok()) return Fail(lock.status());

  // Models and keys.
  absl::StatusOr<LoadedModels> models = LoadModels(config);
  if (!models.ok()) return Fail(models.status());

  // Database and migrations.
  absl::StatusOr<DatabaseRuntime> db = StartDatabase(config);
  if (!db.ok()) return Fail(db.status());
  absl::StatusOr<storage::MigrationReport> migrated = Migrate(config, db->endpoints);
  if (!migrated.ok()) return Fail(migrated.status());
  if (config.command == Command::kMigrate) {
    std::printf("schema at version %lld (%zu migration(s) applied)\n",
                static_cast<long long>(migrated->version_after), migrated->applied.size());
    return 0;
  }
  absl::StatusOr<std::unique_ptr<storage::Database>> database =
      storage::Database::Open(db->endpoints.app);
  if (!database.ok()) return Fail(database.status());
  storage::PrincipalStore principal_store(database->get());
  auth::Principals principals(&principal_store);
  if (config.command == Command::kAdmin) return RunAdmin(principals, config.admin);
  if (config.command == Command::kCheckIndex) {
    storage::MatchStore match_store(database->get());
    return CheckIndex(match_store, config);
  }
  if (config.command == Command::kBackfillEmbeddings) {
    return BackfillEmbeddings(database->get(), *models->pipeline, config);
  }

  // Gallery and services. The web console's key is new at every start (256 random bits).
  const std::string console_key = config.http_listen.empty() ? "" : auth::NewSessionSecret();
  absl::StatusOr<std::unique_ptr<ServingStack>> stack = ServingStack::Build(
      {.config = &config,
       .database = database->get(),
       .principal_store = &principal_store,
       .principals = &principals,
       .pipeline = models->pipeline.get(),
       .calibration = &models->calibration,
       .fused_calibration = models->fused_calibration ? &*models->fused_calibration : nullptr,
       .audit_key = &models->audit_key,
       .cranio_reference = models->cranio_reference ? &*models->cranio_reference : nullptr,
       .facts = ServerFactsOf(db->endpoints.mode, models->pipeline->models(), database->get()),
       .console_key = console_key});
  if (!stack.ok()) return Fail(stack.status());

  // Listeners.
  absl::StatusOr<Listeners> listeners =
      StartListeners(config, stack->get(), &principals, console_key);
  if (!listeners.ok()) return Fail(listeners.status());
  (*stack)->StartBackgroundWork();
  spdlog::info("serving on {} (database: {})", listeners->address, db->endpoints.mode);
  std::printf("encuentrod %s listening on %s (pid %d); stop with Ctrl-C or `kill -TERM %d`\n",
              kVersion, listeners->address.c_str(), getpid(), getpid());
  std::fflush(stdout);

  // Shutdown: drain on SIGINT/SIGTERM, then stop in reverse order of start.
  ServeUntilSignal(config, listeners->grpc.get(), [&listeners] {
    if (listeners->console) listeners->console->Stop();
  });
  listeners->console.reset();
  listeners->metrics.reset();
  (*stack)->Shutdown();
  listeners->grpc.reset();  // gRPC requires its services to outlive the server
  stack->reset();
  database->reset();
  if (db->cluster) {
    if (absl::Status s = db->cluster->Stop(); !s.ok()) return Fail(s);
  }
  spdlog::info("encuentrod stopped cleanly");
  return 0;
}

}  // namespace encuentro::server
