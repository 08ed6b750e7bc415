#include "audit/audit_log.h"

#include "common/logging.h"

namespace encuentro::audit {

AuditLog::~AuditLog() { StopCheckpoints(); }

absl::StatusOr<Checkpoint> AuditLog::CreateCheckpoint() {
  absl::StatusOr<std::pair<int64_t, std::string>> head = store_->Head();
  if (!head.ok()) return head.status();
  return store_->SaveCheckpoint(
      key_->Sign(head->first, head->second, Rfc3339Utc(std::chrono::system_clock::now())));
}

absl::StatusOr<std::optional<Checkpoint>> AuditLog::LatestCheckpoint() {
  return store_->LatestCheckpoint();
}

absl::StatusOr<std::vector<storage::StoredAuditEntry>> AuditLog::ListEntries(
    const auth::Principal&, const storage::AuditQuery& query) {
  return store_->List(query);
}

absl::StatusOr<int64_t> AuditLog::Export(const auth::Principal&,
                                         const std::function<bool(const std::string&)>& write) {
  absl::StatusOr<std::pair<int64_t, std::string>> head = store_->Head();
  if (!head.ok()) return head.status();
  int64_t written = 0;
  bool open = true;
  absl::Status status = store_->ForEach(head->first, [&](const storage::StoredAuditEntry& e) {
    open = write(ExportEntryLine(e.position, e.entry, e.prev_hash, e.entry_hash));
    if (open) ++written;
    return open;
  });
  if (!status.ok()) return status;
  if (!open) return absl::CancelledError("export stopped by the reader");
  absl::StatusOr<std::vector<Checkpoint>> checkpoints = store_->Checkpoints(head->first);
  if (!checkpoints.ok()) return checkpoints.status();
  for (const Checkpoint& c : *checkpoints) {
    if (!write(ExportCheckpointLine(c)))
      return absl::CancelledError("export stopped by the reader");
  }
  return written;
}

void AuditLog::StartCheckpoints(std::chrono::seconds interval) {
  std::lock_guard lock(mu_);
  stopping_ = false;
  checkpointer_ = std::thread([this, interval] {
    int64_t signed_size = -1;
    std::unique_lock sleeping(mu_);
    while (!wake_.wait_for(sleeping, interval, [this] { return stopping_; })) {
      sleeping.unlock();
      absl::StatusOr<std::pair<int64_t, std::string>> head = store_->Head();
      if (head.ok() && head->first != signed_size) {
        absl::StatusOr<Checkpoint> made = CreateCheckpoint();
        if (made.ok()) {
          signed_size = made->tree_size;
        } else {
          spdlog::warn("audit: checkpoint failed: {}", made.status());
        }
      }
      sleeping.lock();
    }
  });
}

void AuditLog::StopCheckpoints() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
}

}  // namespace encuentro::audit
