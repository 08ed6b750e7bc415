// Everything encuentrod's RPCs reach, wired in dependency order: the stores over the database, the
// records module's use cases, matching (gallery, candidate pool, matcher, cross-matcher), the
// audit log, the gRPC services and their metrics. Members are declared in that order, so they are
// destroyed in reverse.
#pragma once

#include <grpcpp/server_builder.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "anthropology/reference_sample.h"
#include "audit/audit_log.h"
#include "auth/case_scope.h"
#include "auth/principals.h"
#include "biometrics/face_pipeline.h"
#include "index/face_gallery.h"
#include "matching/candidate_pool.h"
#include "matching/cross_matcher.h"
#include "matching/face_calibration.h"
#include "matching/matcher.h"
#include "matching/state_follower.h"
#include "metrics/server_metrics.h"
#include "records/case_records.h"
#include "records/dental.h"
#include "records/dna_samples.h"
#include "records/effects.h"
#include "records/marks.h"
#include "records/measurements.h"
#include "records/photos.h"
#include "server/config.h"
#include "services/admin_service.h"
#include "services/anthropology_service.h"
#include "services/audit_service.h"
#include "services/case_record_services.h"
#include "services/dental_service.h"
#include "services/dna_sample_service.h"
#include "services/effect_service.h"
#include "services/gatekeeper.h"
#include "services/mark_service.h"
#include "services/match_service.h"
#include "services/photo_service.h"
#include "services/server_service.h"
#include "storage/audit_store.h"
#include "storage/case_record_store.h"
#include "storage/cross_match_queue.h"
#include "storage/database.h"
#include "storage/dental_store.h"
#include "storage/dna_sample_store.h"
#include "storage/effect_store.h"
#include "storage/mark_store.h"
#include "storage/match_store.h"
#include "storage/measurement_store.h"
#include "storage/photo_store.h"
#include "storage/principal_store.h"

namespace encuentro::server {

// What the stack is built from; every pointer must outlive the stack.
struct StackInputs {
  const ServerConfig* config = nullptr;
  storage::Database* database = nullptr;
  storage::PrincipalStore* principal_store = nullptr;
  auth::Principals* principals = nullptr;
  const biometrics::FacePipeline* pipeline = nullptr;
  const matching::FaceCalibration* calibration = nullptr;
  const matching::FaceCalibration* fused_calibration = nullptr;  // may be null: no fusion
  const audit::SigningKey* audit_key = nullptr;
  const anthropology::ReferenceSample* cranio_reference = nullptr;  // may be null
  // What GetServerInfo reports besides what it asks the database.
  services::ServerFacts facts;
  // The key the web console's in-process calls carry (GatekeeperOptions::console_key).
  std::string console_key;
};

// Thread-safe as its parts are; built and shut down by one thread.
class ServingStack {
 public:
  // Loads the gallery (snapshot or rebuild) and the candidate pool, then wires the rest.
  static absl::StatusOr<std::unique_ptr<ServingStack>> Build(StackInputs inputs);
  ~ServingStack();
  ServingStack(const ServingStack&) = delete;
  ServingStack& operator=(const ServingStack&) = delete;

  // Registers every service and the request-log/metrics interceptor.
  void RegisterWith(grpc::ServerBuilder* builder);
  // Cross-matching workers and periodic audit checkpoints.
  void StartBackgroundWork();
  // Stops them, signs a final checkpoint and writes the gallery snapshot for the next start.
  void Shutdown();

  // Its scrape gauges read the gallery, the cross-match queue and the database: stop serving it
  // (destroy the MetricsEndpoint) before the stack is destroyed.
  const metrics::ServerMetrics& metrics() const { return metrics_; }

 private:
  ServingStack(StackInputs inputs, std::unique_ptr<index::FaceGallery> gallery,
               std::unique_ptr<matching::CandidatePool> pool,
               std::unique_ptr<storage::MatchingChangeListener> listener,
               double gallery_load_seconds);

  const ServerConfig& config_;
  storage::Database* const database_;
  // First in, last out: every part below may report to it.
  metrics::ServerMetrics metrics_;
  services::Gatekeeper gatekeeper_;
  storage::CrossMatchQueue cross_match_queue_;
  services::ServerServiceImpl server_service_;
  services::AdminServiceImpl admin_service_;

  storage::CaseRecordStore record_store_;
  auth::CaseScope case_scope_;
  records::CaseRecords case_records_;
  services::MissingPersonServiceImpl missing_person_service_;
  services::RemainsServiceImpl remains_service_;
  storage::MarkStore mark_store_;
  records::MarkRecords mark_records_;
  services::MarkServiceImpl mark_service_;
  storage::DentalStore dental_store_;
  records::DentalCharts dental_charts_;
  services::DentalServiceImpl dental_service_;
  storage::DnaSampleStore dna_sample_store_;
  records::DnaSamples dna_samples_;
  services::DnaSampleServiceImpl dna_sample_service_;
  storage::EffectStore effect_store_;
  records::PersonalEffects personal_effects_;
  services::EffectServiceImpl effect_service_;
  storage::PhotoStore photo_store_;
  records::PhotoLibrary photo_library_;
  services::PhotoServiceImpl photo_service_;
  storage::MeasurementStore measurement_store_;
  records::MeasurementRecords measurement_records_;
  services::AnthropologyServiceImpl anthropology_service_;

  storage::MatchStore match_store_;
  std::unique_ptr<index::FaceGallery> gallery_;
  std::unique_ptr<matching::CandidatePool> pool_;
  matching::MatchingStateSync gallery_sync_;
  matching::MatchingStateFollower follower_;
  matching::Matcher matcher_;
  services::MatchServiceImpl match_service_;
  storage::AuditStore audit_store_;
  audit::AuditLog audit_log_;
  services::AuditServiceImpl audit_service_;
  matching::CrossMatcher cross_matcher_;
};

}  // namespace encuentro::server
