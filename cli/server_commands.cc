#include "cli/server_commands.h"

#include <cstdio>

#include "encuentro/v1/server.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "nlohmann/json.hpp"

namespace encuentro::cli {
namespace {

int RunInfo(const ClientOptions& options) {
  auto stub = v1::ServerService::NewStub(OpenChannel(options));
  v1::ServerInfo info;
  grpc::Status status =
      stub->GetServerInfo(NewContext(options).get(), v1::GetServerInfoRequest(), &info);
  if (!status.ok()) return ReportRpcError("GetServerInfo", status);
  if (options.json) {
    nlohmann::json models = nlohmann::json::array();
    for (const auto& m : info.models()) {
      models.push_back({{"model_id", m.model_id()},
                        {"state", v1::ModelStatus::State_Name(m.state())},
                        {"sha256", m.sha256()},
                        {"detail", m.detail()}});
    }
    nlohmann::json out = {{"version", info.version()},
                          {"schema_version", info.schema_version()},
                          {"binary_schema_version", info.binary_schema_version()},
                          {"database_mode", info.database_mode()},
                          {"database_id", info.database_id()},
                          {"uptime_seconds", info.uptime_seconds()},
                          {"models", models}};
    if (info.has_cross_match()) {
      const auto& q = info.cross_match();
      out["cross_match"] = {{"workers", q.workers()},
                            {"queued", q.queued()},
                            {"oldest_queued_seconds", q.oldest_queued_seconds()},
                            {"retrying", q.retrying()},
                            {"failed", q.failed()},
                            {"last_error", q.last_error()}};
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("server:   %s\n", options.server.c_str());
  std::printf("version:  %s\n", info.version().c_str());
  std::printf("schema:   %lld (binary knows %lld)\n", static_cast<long long>(info.schema_version()),
              static_cast<long long>(info.binary_schema_version()));
  std::printf("database: %s %s\n", info.database_mode().c_str(), info.database_id().c_str());
  std::printf("uptime:   %lld s\n", static_cast<long long>(info.uptime_seconds()));
  for (const auto& m : info.models()) {
    std::printf("model:    %s %s %s%s%s\n", m.model_id().c_str(),
                v1::ModelStatus::State_Name(m.state()).c_str(), m.sha256().c_str(),
                m.detail().empty() ? "" : " — ", m.detail().c_str());
  }
  if (info.has_cross_match()) {
    const auto& q = info.cross_match();
    const std::string last = q.last_error().empty() ? "" : " (last: " + q.last_error() + ")";
    std::printf(
        "cross-matching: %d worker(s); %lld job(s) queued, oldest %.0f s; %lld retrying; "
        "%lld failed%s\n",
        q.workers(), static_cast<long long>(q.queued()), q.oldest_queued_seconds(),
        static_cast<long long>(q.retrying()), static_cast<long long>(q.failed()), last.c_str());
    if (q.workers() == 0 && q.queued() > 0) {
      std::printf(
          "  no workers: queued changes have not been matched yet "
          "(start encuentrod with --cross-match-workers 1 or more)\n");
    }
  }
  return 0;
}

int RunHealth(const ClientOptions& options, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(OpenChannel(options));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(NewContext(options).get(), request, &response);
  if (!status.ok()) return ReportRpcError("Health.Check", status);
  const std::string state =
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  if (options.json) {
    std::printf("%s\n", nlohmann::json({{"status", state}}).dump().c_str());
  } else {
    std::printf("%s\n", state.c_str());
  }
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 3;
}

}  // namespace

void AddServerCommands(CLI::App& app, const ClientOptions& options, int* exit_code) {
  CLI::App* info = app.add_subcommand("info", "Show the server's version, schema and models");
  info->callback([&options, exit_code] { *exit_code = RunInfo(options); });

  auto service = std::make_shared<std::string>();
  CLI::App* health =
      app.add_subcommand("health", "Check that the server is SERVING (exit 0) or not (exit 3)");
  health->add_option("--service", *service, "Service name to check; empty: the whole server");
  health->callback([&options, exit_code, service] { *exit_code = RunHealth(options, *service); });
}

}  // namespace encuentro::cli
