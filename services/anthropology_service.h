// encuentro.v1.AnthropologyService: measurement sets and landmark imports of remains records,
// and sex and stature estimates, translated to the anthropology module, the measurement store
// and (for saving estimates) the records module.
#pragma once

#include <string>

#include "anthropology/catalog.h"
#include "anthropology/reference_sample.h"
#include "encuentro/v1/anthropology.grpc.pb.h"
#include "records/case_records.h"
#include "services/gatekeeper.h"
#include "services/parsed_service.h"
#include "storage/measurement_store.h"

namespace encuentro::services {

struct AnthropologyServiceOptions {
  // The operator's craniometric reference sample for EstimateSex; nullptr when none was
  // configured, in which case EstimateSex answers FAILED_PRECONDITION.
  const anthropology::ReferenceSample* cranio_reference = nullptr;
  // How saved estimates name the reference (e.g. the file's name).
  std::string cranio_reference_label;
};

// Thread-safe: the catalog and reference sample are immutable, the store and CaseRecords are
// thread-safe. Every pointer must outlive the service.
class AnthropologyServiceImpl final : public ParsedService<v1::AnthropologyService> {
 public:
  AnthropologyServiceImpl(Gatekeeper* gate, storage::MeasurementStore* store,
                          records::CaseRecords* records,
                          const anthropology::MeasurementCatalog* catalog,
                          AnthropologyServiceOptions options);

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
  storage::MeasurementStore* store_;
  records::CaseRecords* records_;
  const anthropology::MeasurementCatalog* catalog_;
  AnthropologyServiceOptions options_;
};

}  // namespace encuentro::services
