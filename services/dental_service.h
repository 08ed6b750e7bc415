// encuentro.v1.DentalService: validate and translate requests, then hand them to the records
// module's DentalCharts.
#pragma once

#include "encuentro/v1/dental.grpc.pb.h"
#include "records/dental.h"
#include "services/gatekeeper.h"
#include "services/parsed_service.h"

namespace encuentro::services {

// Requests are parsed by ParsedService, which names a field holding invalid UTF-8. Thread-safe
// (DentalCharts is).
class DentalServiceImpl final : public ParsedService<v1::DentalService> {
 public:
  DentalServiceImpl(Gatekeeper* gate, records::DentalCharts* charts)
      : gate_(gate), charts_(charts) {
    ServeUnary(&DentalServiceImpl::GetDentalChart);
    ServeUnary(&DentalServiceImpl::UpdateDentalChart);
  }

  grpc::Status GetDentalChart(grpc::ServerContext* context,
                              const v1::GetDentalChartRequest* request,
                              v1::DentalChart* response) override;
  grpc::Status UpdateDentalChart(grpc::ServerContext* context,
                                 const v1::UpdateDentalChartRequest* request,
                                 v1::DentalChart* response) override;

 private:
  Gatekeeper* gate_;
  records::DentalCharts* charts_;
};

}  // namespace encuentro::services
