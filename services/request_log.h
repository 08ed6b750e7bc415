// Logs one structured line per RPC (method, status, latency, request id, peer) and echoes the
// request id to the client, so an operator can tie a client's error to the server's log; also
// feeds the Prometheus RPC metrics.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include "metrics/server_metrics.h"

namespace encuentro::services {

// Metadata key a client may set to name its request; the server invents one otherwise.
inline constexpr char kRequestIdHeader[] = "x-request-id";

// Thread-safe: creates one stateless-per-call interceptor per RPC.
class RequestLogInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `metrics`, when not null, also counts and times every call; it must outlive the server.
  explicit RequestLogInterceptorFactory(metrics::ServerMetrics* metrics = nullptr)
      : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  metrics::ServerMetrics* metrics_;
};

}  // namespace encuentro::services
