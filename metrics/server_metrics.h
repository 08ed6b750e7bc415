// What encuentrod tells Prometheus: every RPC counted and timed by method and status code, and
// gauges read at each scrape (gallery size, cross-match queue). Served in the Prometheus text
// format by MetricsEndpoint; TextExposition() gives the same text without a listener.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"
#include "common/step_durations.h"

namespace prometheus {
class Registry;
}  // namespace prometheus
namespace httplib {
class Server;
}  // namespace httplib

namespace encuentro::metrics {

// Thread-safe. Gauges must be added before the endpoint serves (at start-up). As StepDurations it
// times the steps domain code reports (audit appends, the face pipeline's stages).
class ServerMetrics final : public common::StepDurations {
 public:
  ServerMetrics();
  ~ServerMetrics() override;
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // One finished RPC: `method` as "/encuentro.v1.X/Y", `code` as "OK", "NOT_FOUND", ...
  void RecordRpc(std::string_view method, std::string_view code, double seconds);

  // One step inside a call, as encuentro_step_duration_seconds{step="..."}.
  void Record(std::string_view step, double seconds) override;

  // A gauge whose value `read` gives at each scrape; nullopt leaves it out of that scrape (e.g.
  // while the database is down). `read` must be thread-safe and quick.
  void AddScrapeGauge(std::string name, std::string help,
                      std::function<std::optional<double>()> read);

  // Everything, in the Prometheus text exposition format (version 0.0.4).
  std::string TextExposition() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// An HTTP listener on one thread serving GET /metrics (cpp-httplib; prometheus-cpp's own
// exposer, through Debian's civetweb, crashes on every scrape). Stops when destroyed.
class MetricsEndpoint {
 public:
  // `address` as "127.0.0.1:9464" or "[::1]:9464" (port 0 picks one). INVALID_ARGUMENT when it
  // cannot bind. `metrics` must outlive the endpoint.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(const std::string& address,
                                                                const ServerMetrics& metrics);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  int port() const { return port_; }

 private:
  MetricsEndpoint(std::unique_ptr<httplib::Server> server, int port);

  std::unique_ptr<httplib::Server> server_;
  const int port_;
  std::thread thread_;
};

}  // namespace encuentro::metrics
