#include "services/server_service.h"

#include "common/version.h"
#include "services/status_conversion.h"

namespace encuentro::services {
namespace {

v1::ModelStatus::State ToProto(ModelReport::State state) {
  switch (state) {
    case ModelReport::State::kReady:
      return v1::ModelStatus::READY;
    case ModelReport::State::kNotConfigured:
      return v1::ModelStatus::NOT_CONFIGURED;
    case ModelReport::State::kUnavailable:
      return v1::ModelStatus::UNAVAILABLE;
  }
  return v1::ModelStatus::STATE_UNSPECIFIED;
}

}  // namespace

ServerServiceImpl::ServerServiceImpl(Gatekeeper* gate, ServerFacts facts)
    : gate_(gate), facts_(std::move(facts)), started_(std::chrono::steady_clock::now()) {
  ServeUnary(&ServerServiceImpl::GetServerInfo);
}

grpc::Status ServerServiceImpl::GetServerInfo(grpc::ServerContext* context,
                                              const v1::GetServerInfoRequest* /*request*/,
                                              v1::ServerInfo* response) {
  absl::StatusOr<auth::Principal> caller =
      gate_->Admit(*context, "encuentro.v1.ServerService.GetServerInfo");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<int64_t> schema = facts_.schema_version();
  if (!schema.ok()) return ToGrpcStatus(schema.status());
  response->set_version(kVersion);
  response->set_schema_version(*schema);
  response->set_binary_schema_version(facts_.binary_schema_version);
  response->set_database_mode(facts_.database_mode);
  if (facts_.database_id) {
    absl::StatusOr<std::string> database = facts_.database_id();
    if (!database.ok()) return ToGrpcStatus(database.status());
    response->set_database_id(*database);
  }
  for (const ModelReport& model : facts_.models) {
    v1::ModelStatus* out = response->add_models();
    out->set_model_id(model.model_id);
    out->set_state(ToProto(model.state));
    out->set_sha256(model.sha256);
    out->set_detail(model.detail);
  }
  if (facts_.cross_match) {
    absl::StatusOr<CrossMatchReport> queue = facts_.cross_match();
    if (!queue.ok()) return ToGrpcStatus(queue.status());
    v1::CrossMatchStatus* out = response->mutable_cross_match();
    out->set_workers(queue->workers);
    out->set_queued(queue->queued);
    out->set_oldest_queued_seconds(queue->oldest_queued_seconds);
    out->set_retrying(queue->retrying);
    out->set_failed(queue->failed);
    out->set_last_error(queue->last_error);
  }
  response->set_uptime_seconds(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_)
          .count());
  return grpc::Status::OK;
}

}  // namespace encuentro::services
