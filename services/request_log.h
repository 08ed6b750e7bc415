// Logs one structured line per RPC (method, status, latency, request id, peer) and echoes the
// request id to the client, so an operator can tie a client's error to the server's log.
#pragma once

#include <grpcpp/support/server_interceptor.h>

namespace encuentro::services {

// Metadata key a client may set to name its request; the server invents one otherwise.
inline constexpr char kRequestIdHeader[] = "x-request-id";

// Thread-safe: creates one stateless-per-call interceptor per RPC.
class RequestLogInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace encuentro::services
