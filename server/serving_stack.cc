#include "server/serving_stack.h"

#include <optional>
#include <utility>
#include <vector>

#include "anthropology/catalog.h"
#include "common/logging.h"
#include "services/request_log.h"
#include "spdlog/spdlog.h"

namespace encuentro::server {
namespace {

// Face evidence from both models together, when a calibration of both is loaded.
std::optional<matching::FusedFace> FusedFaceOf(const matching::FaceCalibration* fused) {
  if (fused == nullptr) return std::nullopt;
  return matching::FusedFace{[fused](double distance, int comparisons, bool explain) {
                               return fused->FaceFactor(distance, comparisons,
                                                        "nearest template (both face models)",
                                                        explain);
                             },
                             static_cast<float>(fused->second_model_weight())};
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

// The gauges Prometheus reads at each scrape: what an operator watches to tell a quiet server
// from a stuck one.
void AddScrapeGauges(metrics::ServerMetrics* metrics, const index::FaceGallery* gallery,
                     storage::CrossMatchQueue* queue, storage::Database* database,
                     double gallery_load_seconds) {
  metrics->AddScrapeGauge("encuentro_gallery_load_seconds",
                          "How long this start took to load the gallery (snapshot or rebuild)",
                          [gallery_load_seconds] { return gallery_load_seconds; });
  const auto from_pool = [database](auto figure) {
    return [database, figure]() -> std::optional<double> { return figure(database->pool_use()); };
  };
  metrics->AddScrapeGauge("encuentro_database_connections_in_use",
                          "PostgreSQL connections lent to calls right now",
                          from_pool([](const auto& use) { return use.in_use; }));
  metrics->AddScrapeGauge("encuentro_database_connections_max",
                          "The connection pool's limit (--database-pool-size plus workers)",
                          from_pool([](const auto& use) { return use.max; }));
  metrics->AddScrapeGauge("encuentro_gallery_templates", "Face templates in the in-memory gallery",
                          [gallery] { return std::optional<double>(gallery->size()); });
  const auto from_queue = [queue](auto figure) {
    return [queue, figure]() -> std::optional<double> {
      absl::StatusOr<storage::CrossMatchQueueStats> stats = queue->Stats();
      if (!stats.ok()) return std::nullopt;
      return figure(*stats);
    };
  };
  metrics->AddScrapeGauge("encuentro_cross_match_queue_depth",
                          "Cross-match jobs waiting or being worked on",
                          from_queue([](const auto& s) { return static_cast<double>(s.queued); }));
  metrics->AddScrapeGauge("encuentro_cross_match_oldest_queued_seconds",
                          "Age of the oldest queued cross-match job (0 when none)",
                          from_queue([](const auto& s) { return s.oldest_queued_seconds; }));
  metrics->AddScrapeGauge("encuentro_cross_match_failed_jobs",
                          "Cross-match jobs given up after too many attempts",
                          from_queue([](const auto& s) { return static_cast<double>(s.failed); }));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServingStack>> ServingStack::Build(StackInputs inputs) {
  // Listening before loading: a change another replica commits meanwhile is heard, not lost.
  auto listener = std::make_unique<storage::MatchingChangeListener>(inputs.database->options());
  if (absl::Status s = listener->Listen(); !s.ok()) return s;
  storage::MatchStore match_store(inputs.database);
  // Embeddings of another second model would be fused as if they were this one's.
  absl::StatusOr<std::vector<std::string>> second_models = match_store.SecondEmbeddingModels();
  if (!second_models.ok()) return second_models.status();
  const std::string& loaded_second = inputs.pipeline->models().mobile_face_model_id;
  for (const std::string& model : *second_models) {
    if (model != loaded_second) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the database holds second-model embeddings of ", model, ", not of the loaded ",
          loaded_second, "; they cannot be compared with this model's"));
    }
  }
  const auto loading = std::chrono::steady_clock::now();
  absl::StatusOr<std::unique_ptr<index::FaceGallery>> gallery =
      LoadGallery(match_store, *inputs.config);
  if (!gallery.ok()) return gallery.status();
  const double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - loading).count();
  absl::StatusOr<std::unique_ptr<matching::CandidatePool>> pool =
      matching::CandidatePool::Load(match_store, gallery->get());
  if (!pool.ok()) return pool.status();
  spdlog::info("matching: {} live missing persons in the candidate pool", (*pool)->size());
  return std::unique_ptr<ServingStack>(new ServingStack(
      std::move(inputs), *std::move(gallery), *std::move(pool), std::move(listener), load_seconds));
}

ServingStack::ServingStack(StackInputs inputs, std::unique_ptr<index::FaceGallery> gallery,
                           std::unique_ptr<matching::CandidatePool> pool,
                           std::unique_ptr<storage::MatchingChangeListener> listener,
                           double gallery_load_seconds)
    : config_(*inputs.config),
      database_(inputs.database),
      gatekeeper_(inputs.principals, {.requests_per_minute = config_.rate_limit_per_minute,
                                      .console_key = inputs.console_key}),
      cross_match_queue_(database_),
      server_service_(&gatekeeper_,
                      [&] {
                        services::ServerFacts facts = std::move(inputs.facts);
                        facts.cross_match = [this]() -> absl::StatusOr<services::CrossMatchReport> {
                          absl::StatusOr<storage::CrossMatchQueueStats> stats =
                              cross_match_queue_.Stats();
                          if (!stats.ok()) return stats.status();
                          return services::CrossMatchReport{config_.cross_match_workers,
                                                            stats->queued,
                                                            stats->oldest_queued_seconds,
                                                            stats->retrying,
                                                            stats->failed,
                                                            stats->last_error};
                        };
                        return facts;
                      }()),
      admin_service_(&gatekeeper_, inputs.principals),
      record_store_(database_),
      case_scope_(inputs.principal_store),
      case_records_(&record_store_, &case_scope_),
      missing_person_service_(&gatekeeper_, &case_records_),
      remains_service_(&gatekeeper_, &case_records_),
      mark_store_(database_),
      mark_records_(&mark_store_, &record_store_, &case_scope_),
      mark_service_(&gatekeeper_, &mark_records_),
      dental_store_(database_),
      dental_charts_(&dental_store_, &record_store_, &case_scope_),
      dental_service_(&gatekeeper_, &dental_charts_),
      dna_sample_store_(database_),
      dna_samples_(&dna_sample_store_, &record_store_, &case_scope_),
      dna_sample_service_(&gatekeeper_, &dna_samples_),
      effect_store_(database_),
      personal_effects_(&effect_store_, &record_store_, &case_scope_),
      effect_service_(&gatekeeper_, &personal_effects_),
      photo_store_(database_),
      photo_library_(&photo_store_, &case_scope_, inputs.pipeline,
                     {.max_photo_bytes = static_cast<size_t>(config_.max_photo_bytes),
                      .max_photo_pixels = config_.max_photo_pixels,
                      .working_pixels = config_.photo_working_pixels,
                      .max_concurrent_analyses = config_.max_concurrent_analyses,
                      .durations = &metrics_}),
      photo_service_(&gatekeeper_, &photo_library_),
      measurement_store_(database_),
      measurement_records_(&measurement_store_, &case_records_,
                           &anthropology::MeasurementCatalog::Embedded(), inputs.cranio_reference,
                           config_.cranio_reference.filename().string()),
      anthropology_service_(&gatekeeper_, &measurement_records_),
      match_store_(database_),
      gallery_(std::move(gallery)),
      pool_(std::move(pool)),
      gallery_sync_(gallery_.get(), pool_.get(), &match_store_),
      follower_(gallery_.get(), pool_.get(), &match_store_, std::move(listener)),
      matcher_(&record_store_, &match_store_, gallery_.get(), pool_.get(), &case_records_,
               [calibration = inputs.calibration](double distance, int comparisons, bool explain) {
                 return calibration->FaceFactor(distance, comparisons, "nearest template", explain);
               },
               FusedFaceOf(inputs.fused_calibration),
               {.prior_probability = config_.prior_probability,
                .match_posterior = config_.match_posterior,
                .scan_threads = config_.search_threads,
                .durations = &metrics_}),
      match_service_(&gatekeeper_, &matcher_),
      audit_store_(database_),
      audit_log_(&audit_store_, inputs.audit_key, inputs.principal_store),
      audit_service_(&gatekeeper_, &audit_log_),
      cross_matcher_(
          &matcher_, &record_store_, &cross_match_queue_,
          {.lead_posterior = config_.lead_posterior, .workers = config_.cross_match_workers}) {
  // Every change to what matching reads keeps the gallery and the candidate pool in step.
  case_records_.set_observer(&gallery_sync_);
  photo_library_.set_observer(&gallery_sync_);
  mark_records_.set_observer(&gallery_sync_);
  dental_charts_.set_observer(&gallery_sync_);
  personal_effects_.set_observer(&gallery_sync_);
  matcher_.set_observer(&gallery_sync_);
  matcher_.set_dna_samples(&dna_sample_store_);
  AddScrapeGauges(&metrics_, gallery_.get(), &cross_match_queue_, database_, gallery_load_seconds);
  database_->set_step_durations(&metrics_);
}

ServingStack::~ServingStack() { database_->set_step_durations(nullptr); }

void ServingStack::RegisterWith(grpc::ServerBuilder* builder) {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<services::RequestLogInterceptorFactory>(&metrics_));
  builder->experimental().SetInterceptorCreators(std::move(interceptors));
  for (grpc::Service* service : std::initializer_list<grpc::Service*>{
           &server_service_, &missing_person_service_, &remains_service_, &mark_service_,
           &dental_service_, &dna_sample_service_, &effect_service_, &photo_service_,
           &anthropology_service_, &match_service_, &audit_service_, &admin_service_}) {
    builder->RegisterService(service);
  }
}

void ServingStack::StartBackgroundWork() {
  follower_.Start();
  cross_matcher_.Start();
  if (config_.audit_checkpoint_seconds > 0) {
    audit_log_.StartCheckpoints(std::chrono::seconds(config_.audit_checkpoint_seconds));
  }
}

void ServingStack::Shutdown() {
  cross_matcher_.Stop();
  follower_.Stop();
  audit_log_.StopCheckpoints();
  // A final checkpoint, so that the chain as the server leaves it is signed.
  if (absl::StatusOr<audit::Checkpoint> last = audit_log_.CreateCheckpoint(); !last.ok()) {
    spdlog::warn("audit: final checkpoint failed: {}", last.status());
  }
  // Written at a clean stop so that the next start can skip the rebuild, but only when the
  // gallery is the database's: another replica may have committed after the follower stopped,
  // and a snapshot stamped current would then hide those templates for good.
  absl::StatusOr<std::string> watermark = match_store_.GalleryWatermark();
  if (!watermark.ok()) return;
  if (storage::GalleryWatermarkOf(gallery_->Ids(), gallery_->second_embeddings()) != *watermark) {
    spdlog::warn(
        "gallery: not saving a snapshot; the database changed since the gallery last "
        "followed it, and the next start rebuilds it");
    return;
  }
  if (absl::Status s = gallery_->SaveSnapshot(GallerySnapshotPath(config_), *watermark); !s.ok()) {
    spdlog::warn("gallery: snapshot not written: {}", s);
  }
}

}  // namespace encuentro::server
