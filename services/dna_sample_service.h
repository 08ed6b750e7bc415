// encuentro.v1.DnaSampleService: validate and translate requests, then hand them to the records
// module's DnaSamples.
#pragma once

#include "encuentro/v1/dna.grpc.pb.h"
#include "records/dna_samples.h"
#include "services/gatekeeper.h"
#include "services/parsed_service.h"

namespace encuentro::services {

// Requests are parsed by ParsedService, which names a field holding invalid UTF-8. Thread-safe
// (DnaSamples is).
class DnaSampleServiceImpl final : public ParsedService<v1::DnaSampleService> {
 public:
  DnaSampleServiceImpl(Gatekeeper* gate, records::DnaSamples* samples)
      : gate_(gate), samples_(samples) {
    ServeUnary(&DnaSampleServiceImpl::CreateDnaSample);
    ServeUnary(&DnaSampleServiceImpl::GetDnaSample);
    ServeUnary(&DnaSampleServiceImpl::ListDnaSamples);
    ServeUnary(&DnaSampleServiceImpl::UpdateDnaSample);
    ServeUnary(&DnaSampleServiceImpl::DeleteDnaSample);
  }

  grpc::Status CreateDnaSample(grpc::ServerContext* context,
                               const v1::CreateDnaSampleRequest* request,
                               v1::DnaSample* response) override;
  grpc::Status GetDnaSample(grpc::ServerContext* context, const v1::GetDnaSampleRequest* request,
                            v1::DnaSample* response) override;
  grpc::Status ListDnaSamples(grpc::ServerContext* context,
                              const v1::ListDnaSamplesRequest* request,
                              v1::ListDnaSamplesResponse* response) override;
  grpc::Status UpdateDnaSample(grpc::ServerContext* context,
                               const v1::UpdateDnaSampleRequest* request,
                               v1::DnaSample* response) override;
  grpc::Status DeleteDnaSample(grpc::ServerContext* context,
                               const v1::DeleteDnaSampleRequest* request,
                               v1::DnaSample* response) override;

 private:
  Gatekeeper* gate_;
  records::DnaSamples* samples_;
};

}  // namespace encuentro::services
