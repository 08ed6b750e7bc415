// encuentro.v1.AuditService: the audit log's entries, checkpoints and exports, translated to
// audit::AuditLog.
#pragma once

#include "audit/audit_log.h"
#include "encuentro/v1/audit.grpc.pb.h"
#include "services/gatekeeper.h"

namespace encuentro::services {

// Thread-safe (AuditLog is).
class AuditServiceImpl final : public v1::AuditService::Service {
 public:
  AuditServiceImpl(Gatekeeper* gate, audit::AuditLog* log) : gate_(gate), log_(log) {}

  grpc::Status ListEntries(grpc::ServerContext* context, const v1::ListAuditEntriesRequest* request,
                           v1::ListAuditEntriesResponse* response) override;
  grpc::Status GetCheckpoint(grpc::ServerContext* context, const v1::GetCheckpointRequest* request,
                             v1::AuditCheckpoint* response) override;
  grpc::Status CreateCheckpoint(grpc::ServerContext* context,
                                const v1::CreateCheckpointRequest* request,
                                v1::AuditCheckpoint* response) override;
  grpc::Status ExportEntries(grpc::ServerContext* context,
                             const v1::ExportAuditEntriesRequest* request,
                             grpc::ServerWriter<v1::ExportAuditEntriesChunk>* writer) override;

 private:
  Gatekeeper* gate_;
  audit::AuditLog* log_;
};

}  // namespace encuentro::services
