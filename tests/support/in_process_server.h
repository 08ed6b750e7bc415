// A real gRPC server on a loopback port inside the test process, for service tests that go over
// the wire without starting encuentrod.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

namespace encuentro::testing {

// Not thread-safe to construct; the server itself serves concurrently.
class InProcessServer {
 public:
  explicit InProcessServer(const std::vector<grpc::Service*>& services);
  ~InProcessServer();

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace encuentro::testing
