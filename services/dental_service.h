// encuentro.v1.DentalService: validate and translate requests, then hand them to the records
// module's DentalCharts.
#pragma once

#include <grpcpp/support/server_callback.h>

#include "encuentro/v1/dental.grpc.pb.h"
#include "records/dental.h"
#include "services/gatekeeper.h"

namespace encuentro::services {

// UpdateDentalChart takes free text and receives its request raw (see request_parsing.h).
// Thread-safe (DentalCharts is).
class DentalServiceImpl final : public v1::DentalService::WithRawCallbackMethod_UpdateDentalChart<
                                    v1::DentalService::Service> {
 public:
  DentalServiceImpl(Gatekeeper* gate, records::DentalCharts* charts)
      : gate_(gate), charts_(charts) {}

  grpc::Status GetDentalChart(grpc::ServerContext* context,
                              const v1::GetDentalChartRequest* request,
                              v1::DentalChart* response) override;
  grpc::ServerUnaryReactor* UpdateDentalChart(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;

 private:
  grpc::Status Update(const grpc::ServerContextBase& context,
                      const v1::UpdateDentalChartRequest& request, v1::DentalChart* response);

  Gatekeeper* gate_;
  records::DentalCharts* charts_;
};

}  // namespace encuentro::services
