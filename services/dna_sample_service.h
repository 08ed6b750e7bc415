// encuentro.v1.DnaSampleService: validate and translate requests, then hand them to the records
// module's DnaSamples.
#pragma once

#include <grpcpp/support/server_callback.h>

#include "encuentro/v1/dna.grpc.pb.h"
#include "records/dna_samples.h"
#include "services/gatekeeper.h"

namespace encuentro::services {

// The methods that take free text receive their requests raw (see request_parsing.h).
// Thread-safe (DnaSamples is).
class DnaSampleServiceImpl final
    : public v1::DnaSampleService::WithRawCallbackMethod_CreateDnaSample<
          v1::DnaSampleService::WithRawCallbackMethod_UpdateDnaSample<
              v1::DnaSampleService::WithRawCallbackMethod_DeleteDnaSample<
                  v1::DnaSampleService::Service>>> {
 public:
  DnaSampleServiceImpl(Gatekeeper* gate, records::DnaSamples* samples)
      : gate_(gate), samples_(samples) {}

  grpc::ServerUnaryReactor* CreateDnaSample(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* UpdateDnaSample(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteDnaSample(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::Status GetDnaSample(grpc::ServerContext* context, const v1::GetDnaSampleRequest* request,
                            v1::DnaSample* response) override;
  grpc::Status ListDnaSamples(grpc::ServerContext* context,
                              const v1::ListDnaSamplesRequest* request,
                              v1::ListDnaSamplesResponse* response) override;

 private:
  grpc::Status Create(const grpc::ServerContextBase& context,
                      const v1::CreateDnaSampleRequest& request, v1::DnaSample* response);
  grpc::Status Update(const grpc::ServerContextBase& context,
                      const v1::UpdateDnaSampleRequest& request, v1::DnaSample* response);
  grpc::Status Delete(const grpc::ServerContextBase& context,
                      const v1::DeleteDnaSampleRequest& request, v1::DnaSample* response);

  Gatekeeper* gate_;
  records::DnaSamples* samples_;
};

}  // namespace encuentro::services
