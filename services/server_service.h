// encuentro.v1.ServerService: tells clients which build, schema and models this server runs.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "encuentro/v1/server.grpc.pb.h"
#include "services/gatekeeper.h"
#include "services/parsed_service.h"

namespace encuentro::services {

// What the server knows of one model, translated into the proto's ModelStatus.
struct ModelReport {
  enum class State { kReady, kNotConfigured, kUnavailable };
  std::string model_id;
  State state = State::kNotConfigured;
  std::string sha256;
  std::string detail;
};

// The cross-matching queue as operators need to see it.
struct CrossMatchReport {
  int workers = 0;
  int64_t queued = 0;
  double oldest_queued_seconds = 0;
  int64_t retrying = 0;
  int64_t failed = 0;
  std::string last_error;
};

struct ServerFacts {
  std::string database_mode;  // "embedded" or "external"
  int64_t binary_schema_version = 0;
  std::vector<ModelReport> models;
  // Asked on each call, so that a migration by another process shows up.
  std::function<absl::StatusOr<int64_t>()> schema_version;
  // Asked on each call; may be empty (then not reported).
  std::function<absl::StatusOr<std::string>()> database_id;
  // Asked on each call; may be empty (then not reported).
  std::function<absl::StatusOr<CrossMatchReport>()> cross_match;
};

// Thread-safe: holds only immutable facts and a thread-safe schema query.
class ServerServiceImpl final : public ParsedService<v1::ServerService> {
 public:
  ServerServiceImpl(Gatekeeper* gate, ServerFacts facts);

  grpc::Status GetServerInfo(grpc::ServerContext* context, const v1::GetServerInfoRequest* request,
                             v1::ServerInfo* response) override;

 private:
  Gatekeeper* gate_;
  const ServerFacts facts_;
  const std::chrono::steady_clock::time_point started_;
};

}  // namespace encuentro::services
