#include "metrics/server_metrics.h"

#include <httplib.h>
#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <chrono>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"

namespace encuentro::metrics {
namespace {

// Gauges computed when scraped rather than kept up to date: the values live elsewhere (the
// gallery, the database) and are cheap to read.
class ScrapeGauges final : public prometheus::Collectable {
 public:
  struct Gauge {
    std::string name;
    std::string help;
    std::function<std::optional<double>()> read;
  };

  void Add(Gauge gauge) {
    std::lock_guard<std::mutex> lock(mu_);
    gauges_.push_back(std::move(gauge));
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<prometheus::MetricFamily> families;
    for (const Gauge& gauge : gauges_) {
      const std::optional<double> value = gauge.read();
      if (!value) continue;
      prometheus::MetricFamily family;
      family.name = gauge.name;
      family.help = gauge.help;
      family.type = prometheus::MetricType::Gauge;
      prometheus::ClientMetric metric;
      metric.gauge.value = *value;
      family.metric.push_back(std::move(metric));
      families.push_back(std::move(family));
    }
    return families;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Gauge> gauges_;
};

// From 1 ms (a cached read) to 10 s (a large photo's analysis).
prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

// From 0.1 ms (an uncontended audit append) to 2.5 s (detection in a large photo).
prometheus::Histogram::BucketBoundaries StepBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
}

}  // namespace

struct ServerMetrics::State {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::shared_ptr<ScrapeGauges> gauges = std::make_shared<ScrapeGauges>();
  prometheus::Family<prometheus::Counter>* rpcs = nullptr;
  prometheus::Family<prometheus::Histogram>* durations = nullptr;
  prometheus::Family<prometheus::Histogram>* steps = nullptr;
};

ServerMetrics::ServerMetrics() : state_(std::make_unique<State>()) {
  state_->rpcs = &prometheus::BuildCounter()
                      .Name("encuentro_rpcs_total")
                      .Help("RPCs finished, by method and status code")
                      .Register(*state_->registry);
  state_->durations = &prometheus::BuildHistogram()
                           .Name("encuentro_rpc_duration_seconds")
                           .Help("Time from a call's arrival to its status, by method")
                           .Register(*state_->registry);
  state_->steps = &prometheus::BuildHistogram()
                       .Name("encuentro_step_duration_seconds")
                       .Help(
                           "Time of steps inside calls, failed attempts included: audit_append "
                           "(chain lock, head, insert), "
                           "photo_decode, face_detect (per photo), face_align and "
                           "face_descriptor (per face), match_scan (a search's scoring of "
                           "every candidate) and match_explain (reading and explaining those "
                           "returned)")
                       .Register(*state_->registry);
}

ServerMetrics::~ServerMetrics() = default;

void ServerMetrics::RecordRpc(std::string_view method, std::string_view code, double seconds) {
  // Family::Add returns the existing series for labels already seen; it locks internally.
  state_->rpcs->Add({{"method", std::string(method)}, {"code", std::string(code)}}).Increment();
  state_->durations->Add({{"method", std::string(method)}}, LatencyBuckets()).Observe(seconds);
}

void ServerMetrics::Record(std::string_view step, double seconds) {
  state_->steps->Add({{"step", std::string(step)}}, StepBuckets()).Observe(seconds);
}

void ServerMetrics::AddScrapeGauge(std::string name, std::string help,
                                   std::function<std::optional<double>()> read) {
  state_->gauges->Add({std::move(name), std::move(help), std::move(read)});
}

std::string ServerMetrics::TextExposition() const {
  std::vector<prometheus::MetricFamily> families = state_->registry->Collect();
  for (prometheus::MetricFamily& family : state_->gauges->Collect()) {
    families.push_back(std::move(family));
  }
  return prometheus::TextSerializer().Serialize(families);
}

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address, const ServerMetrics& metrics) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError("--metrics-listen " + address + " is not HOST:PORT");
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto server = std::make_unique<httplib::Server>();
  // One thread: a scrape every few seconds needs no more, and the cores belong to searches.
  server->new_task_queue = [] { return new httplib::ThreadPool(1); };
  server->set_read_timeout(5, 0);
  server->set_write_timeout(5, 0);
  server->set_payload_max_length(1 << 16);
  server->Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& response) {
    response.set_header("Cache-Control", "no-store");
    response.set_content(metrics.TextExposition(), "text/plain; version=0.0.4; charset=utf-8");
  });
  if (port == 0) {
    port = server->bind_to_any_port(host);
    if (port <= 0) port = -1;
  } else if (!server->bind_to_port(host, port)) {
    port = -1;
  }
  if (port < 0) {
    return absl::InvalidArgumentError("--metrics-listen " + address +
                                      ": cannot listen there (in use, or not this machine's)");
  }
  return std::unique_ptr<MetricsEndpoint>(new MetricsEndpoint(std::move(server), port));
}

MetricsEndpoint::MetricsEndpoint(std::unique_ptr<httplib::Server> server, int port)
    : server_(std::move(server)), port_(port) {
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // cpp-httplib's stop() does nothing until the listener is running: wait, so that destroying
  // the endpoint straight after Start cannot hang its join.
  for (int i = 0; i < 500 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

MetricsEndpoint::~MetricsEndpoint() {
  server_->stop();
  thread_.join();
}

}  // namespace encuentro::metrics
