// encuentro.v1.AuditService: the audit log's entries, checkpoints and exports, translated to
// audit::AuditLog.
#pragma once

#include "audit/audit_log.h"
#include "encuentro/v1/audit.grpc.pb.h"
#include "services/gatekeeper.h"
#include "services/parsed_service.h"

namespace encuentro::services {

// Thread-safe (AuditLog is).
class AuditServiceImpl final : public ParsedService<v1::AuditService> {
 public:
  AuditServiceImpl(Gatekeeper* gate, audit::AuditLog* log) : gate_(gate), log_(log) {
    ServeUnary(&AuditServiceImpl::ListEntries);
    ServeUnary(&AuditServiceImpl::GetCheckpoint);
    ServeUnary(&AuditServiceImpl::CreateCheckpoint);
    ServeServerStream(&AuditServiceImpl::Export);
  }

  grpc::Status ListEntries(grpc::ServerContext* context, const v1::ListAuditEntriesRequest* request,
                           v1::ListAuditEntriesResponse* response) override;
  grpc::Status GetCheckpoint(grpc::ServerContext* context, const v1::GetCheckpointRequest* request,
                             v1::AuditCheckpoint* response) override;
  grpc::Status CreateCheckpoint(grpc::ServerContext* context,
                                const v1::CreateCheckpointRequest* request,
                                v1::AuditCheckpoint* response) override;

 private:
  // ExportEntries.
  grpc::Status Export(grpc::ServerContext* context, const v1::ExportAuditEntriesRequest* request,
                      ResponseWriter<v1::ExportAuditEntriesChunk>* writer);

  Gatekeeper* gate_;
  audit::AuditLog* log_;
};

}  // namespace encuentro::services
