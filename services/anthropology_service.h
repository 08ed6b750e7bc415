// encuentro.v1.AnthropologyService: measurement sets and landmark imports of remains records,
// and sex and stature estimates, translated to records::MeasurementRecords.
#pragma once

#include "encuentro/v1/anthropology.grpc.pb.h"
#include "records/measurements.h"
#include "services/gatekeeper.h"
#include "services/parsed_service.h"

namespace encuentro::services {

// Thread-safe (MeasurementRecords is). `measurements` must outlive the service.
class AnthropologyServiceImpl final : public ParsedService<v1::AnthropologyService> {
 public:
  AnthropologyServiceImpl(Gatekeeper* gate, records::MeasurementRecords* measurements);

  grpc::Status ListCatalog(grpc::ServerContext* context, const v1::ListCatalogRequest* request,
                           v1::ListCatalogResponse* response) override;
  grpc::Status RecordMeasurements(grpc::ServerContext* context,
                                  const v1::RecordMeasurementsRequest* request,
                                  v1::RecordMeasurementsResponse* response) override;
  grpc::Status ListMeasurementVersions(grpc::ServerContext* context,
                                       const v1::ListMeasurementVersionsRequest* request,
                                       v1::ListMeasurementVersionsResponse* response) override;
  grpc::Status ImportLandmarks(grpc::ServerContext* context,
                               const v1::ImportLandmarksRequest* request,
                               v1::ImportLandmarksResponse* response) override;
  grpc::Status EstimateSex(grpc::ServerContext* context, const v1::EstimateSexRequest* request,
                           v1::EstimateSexResponse* response) override;
  grpc::Status EstimateStature(grpc::ServerContext* context,
                               const v1::EstimateStatureRequest* request,
                               v1::EstimateStatureResponse* response) override;

 private:
  Gatekeeper* gate_;
  records::MeasurementRecords* measurements_;
};

}  // namespace encuentro::services
