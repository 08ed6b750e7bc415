#include "services/audit_service.h"

#include "common/field_violations.h"
#include "records/names.h"
#include "services/gatekeeper.h"
#include "services/page_token.h"
#include "services/rpc_helpers.h"
#include "services/status_conversion.h"

namespace encuentro::services {
namespace {

v1::AuditCheckpoint ToProto(const audit::Checkpoint& c) {
  v1::AuditCheckpoint out;
  out.set_tree_size(c.tree_size);
  out.set_head_hash(c.head_hash);
  out.set_time(c.time);
  out.set_signature(c.signature);
  out.set_public_key(c.public_key);
  return out;
}

}  // namespace

grpc::Status AuditServiceImpl::ListEntries(grpc::ServerContext* context,
                                           const v1::ListAuditEntriesRequest* request,
                                           v1::ListAuditEntriesResponse* response) {
  return Serve(
      gate_, *context, "encuentro.v1.AuditService.ListEntries",
      [&](const auth::Principal& caller) -> absl::Status {
        if (!request->target().empty() && !records::ParseRecordName(request->target())) {
          return InvalidFields({{"target", "must be a name like remains/1 or missingPersons/1"}});
        }
        absl::StatusOr<int> page_size = EffectivePageSize(request->page_size(), 100, 1000);
        if (!page_size.ok()) return page_size.status();
        const std::string fingerprint = "audit:" + request->target();
        absl::StatusOr<int64_t> after = DecodePageToken(request->page_token(), fingerprint);
        if (!after.ok()) return after.status();
        absl::StatusOr<std::vector<storage::StoredAuditEntry>> entries = log_->ListEntries(
            caller, {.target = request->target(), .after_position = *after, .limit = *page_size});
        if (!entries.ok()) return entries.status();
        // Paged by bytes as well as by count (kMaxPageBytes), as every listing is.
        size_t bytes = 0;
        bool cut = false;
        for (const auto& e : *entries) {
          bytes += e.entry.size() + 2 * e.entry_hash.size();
          if (response->entries_size() > 0 && bytes > kMaxPageBytes) {
            cut = true;
            break;
          }
          v1::AuditEntry* out = response->add_entries();
          out->set_position(e.position);
          out->set_entry(e.entry);
          out->set_prev_hash(e.prev_hash);
          out->set_hash(e.entry_hash);
        }
        if (cut || static_cast<int>(entries->size()) == *page_size) {
          response->set_next_page_token(EncodePageToken(
              response->entries(response->entries_size() - 1).position(), fingerprint));
        }
        return absl::OkStatus();
      });
}

grpc::Status AuditServiceImpl::GetCheckpoint(grpc::ServerContext* context,
                                             const v1::GetCheckpointRequest*,
                                             v1::AuditCheckpoint* response) {
  absl::StatusOr<auth::Principal> caller =
      gate_->Admit(*context, "encuentro.v1.AuditService.GetCheckpoint");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<std::optional<audit::Checkpoint>> latest = log_->LatestCheckpoint();
  if (!latest.ok()) return ToGrpcStatus(latest.status());
  if (!latest->has_value()) {
    return ToGrpcStatus(absl::NotFoundError("no checkpoint has been signed yet"));
  }
  *response = ToProto(**latest);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::CreateCheckpoint(grpc::ServerContext* context,
                                                const v1::CreateCheckpointRequest*,
                                                v1::AuditCheckpoint* response) {
  absl::StatusOr<auth::Principal> caller =
      gate_->Admit(*context, "encuentro.v1.AuditService.CreateCheckpoint");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<audit::Checkpoint> made = log_->CreateCheckpoint();
  if (!made.ok()) return ToGrpcStatus(made.status());
  *response = ToProto(*made);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::Export(grpc::ServerContext* context,
                                      const v1::ExportAuditEntriesRequest*,
                                      ResponseWriter<v1::ExportAuditEntriesChunk>* writer) {
  return Serve(gate_, *context, "encuentro.v1.AuditService.ExportEntries",
               [&](const auth::Principal& caller) -> absl::Status {
                 constexpr size_t kChunkBytes = 1 << 20;
                 v1::ExportAuditEntriesChunk chunk;
                 size_t bytes = 0;
                 const auto flush = [&] {
                   const bool ok = context->IsCancelled() ? false : writer->Write(chunk);
                   chunk.Clear();
                   bytes = 0;
                   return ok;
                 };
                 absl::StatusOr<int64_t> written =
                     log_->Export(caller, [&](const std::string& line) {
                       chunk.add_lines(line);
                       bytes += line.size();
                       return bytes < kChunkBytes || flush();
                     });
                 if (!written.ok()) return written.status();
                 if (chunk.lines_size() > 0 && !flush()) {
                   return absl::CancelledError("the client went away");
                 }
                 return absl::OkStatus();
               });
}

}  // namespace encuentro::services
