#include "audit/audit_log.h"

#include <algorithm>

#include "common/logging.h"
#include "nlohmann/json.hpp"

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

namespace {

// What a family auditor may read of an entry about their case `target`: who, when, why, and the
// outcome as far as it concerns that case; other people's records are left out. `audit list` and
// `audit export` both show exactly this.
std::string RedactFor(const std::string& entry, const std::string& target) {
  nlohmann::json parsed = nlohmann::json::parse(entry, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return R"({"redacted":true})";
  nlohmann::json out;
  for (const char* key :
       {"v", "time", "principal", "organization", "role", "method", "purpose", "legal_basis"}) {
    if (parsed.contains(key)) out[key] = parsed[key];
  }
  out["targets"] = nlohmann::json::array({target});
  nlohmann::json outcome = nlohmann::json::object();
  if (parsed.contains("outcome") && parsed["outcome"].is_object()) {
    const nlohmann::json& full = parsed["outcome"];
    if (full.contains("status")) outcome["status"] = full["status"];
    if (full.contains("candidates") && full["candidates"].is_array()) {
      nlohmann::json mine = nlohmann::json::array();
      for (const auto& c : full["candidates"]) {
        if (c.is_object() && c.value("candidate", std::string()) == target) mine.push_back(c);
      }
      outcome["candidates"] = mine;
      outcome["candidates_returned"] = full["candidates"].size();
    }
  }
  out["outcome"] = outcome;
  out["redacted"] = true;
  return out.dump();
}

}  // namespace

absl::StatusOr<std::vector<storage::StoredAuditEntry>> AuditLog::ListEntries(
    const auth::Principal& caller, const storage::AuditQuery& query) {
  if (caller.role != auth::Role::kFamilyAuditor) {
    absl::StatusOr<std::vector<storage::StoredAuditEntry>> entries = store_->List(query);
    if (!entries.ok()) return entries.status();
    if (absl::Status s = RecordRead(caller, "AuditService/ListEntries", query.target); !s.ok()) {
      return s;
    }
    return entries;
  }
  if (query.target.empty()) {
    return absl::InvalidArgumentError(
        "target: a family auditor names a case linked to their collective");
  }
  std::vector<std::string> linked;
  if (links_ != nullptr) {
    absl::StatusOr<std::vector<std::string>> found = links_->LinkedRecords(caller.organization);
    if (!found.ok()) return found.status();
    linked = *found;
  }
  if (std::find(linked.begin(), linked.end(), query.target) == linked.end()) {
    return absl::PermissionDeniedError(
        "a family auditor reads the entries of a case linked to their collective: name it as "
        "the target");
  }
  absl::StatusOr<std::vector<storage::StoredAuditEntry>> entries = store_->List(query);
  if (!entries.ok()) return entries.status();
  for (storage::StoredAuditEntry& e : *entries) {
    e.entry = RedactFor(e.entry, query.target);
    e.targets = {query.target};
  }
  if (absl::Status s = RecordRead(caller, "AuditService/ListEntries", query.target); !s.ok()) {
    return s;
  }
  return entries;
}

absl::Status AuditLog::RecordRead(const auth::Principal& caller, const char* method,
                                  const std::string& target) {
  AuditEvent event = EventFor(caller, method);
  if (!target.empty()) event.targets.push_back(target);
  return store_->Append(event);
}

absl::StatusOr<int64_t> AuditLog::Export(const auth::Principal& caller,
                                         const std::function<bool(const std::string&)>& write) {
  // Recorded first, so that the export carries the record of itself.
  if (absl::Status s = RecordRead(caller, "AuditService/ExportEntries", ""); !s.ok()) return s;
  absl::StatusOr<std::pair<int64_t, std::string>> head = store_->Head();
  if (!head.ok()) return head.status();
  const bool family = caller.role == auth::Role::kFamilyAuditor;
  std::vector<std::string> linked;
  if (family && links_ != nullptr) {
    absl::StatusOr<std::vector<std::string>> found = links_->LinkedRecords(caller.organization);
    if (!found.ok()) return found.status();
    linked = *found;
  }
  // The first linked case the entry names (in the hashed entry's own targets); "" for none.
  const auto linked_target = [&](const storage::StoredAuditEntry& e) {
    for (const std::string& t : e.targets) {
      if (std::find(linked.begin(), linked.end(), t) != linked.end()) return t;
    }
    return std::string();
  };
  int64_t written = 0;
  bool open = true;
  absl::Status status = store_->ForEach(head->first, [&](const storage::StoredAuditEntry& e) {
    std::string line;
    if (!family) {
      line = ExportEntryLine(e.position, e.entry, e.prev_hash, e.entry_hash);
    } else if (const std::string target = linked_target(e); !target.empty()) {
      // The family's own case: what `audit list` shows them, beside the hashes that chain it.
      line = ExportRedactedLine(e.position, e.prev_hash, e.entry_hash, RedactFor(e.entry, target));
    } else {
      line = ExportRedactedLine(e.position, e.prev_hash, e.entry_hash);
    }
    open = write(line);
    if (open) ++written;
    return open;
  });
  if (!status.ok()) return status;
  if (!open) return absl::CancelledError("export stopped by the reader");
  absl::StatusOr<std::vector<Checkpoint>> checkpoints = store_->Checkpoints();
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
