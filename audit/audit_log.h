// The audit log as its readers see it: entries by target, exports that a families' organization
// verifies offline with `encuentro audit verify`, and Ed25519-signed checkpoints of the chain's
// head, made on demand and periodically.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/chain.h"
#include "auth/principal.h"
#include "storage/audit_store.h"
#include "storage/principal_store.h"

namespace encuentro::audit {

// Thread-safe. The periodic checkpointer runs from StartCheckpoints() until StopCheckpoints() or
// destruction.
class AuditLog {
 public:
  // `links` says which cases a families' collective may audit; null: none.
  AuditLog(storage::AuditStore* store, const SigningKey* key, storage::PrincipalStore* links)
      : store_(store), key_(key), links_(links) {}
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Signs the current head; if a checkpoint of that size exists, returns it.
  absl::StatusOr<Checkpoint> CreateCheckpoint();
  absl::StatusOr<std::optional<Checkpoint>> LatestCheckpoint();
  // Entries in chain order after `query.after_position`. A family auditor must name a case
  // linked to their collective (else PERMISSION_DENIED) and gets each entry redacted to what
  // concerns that case (marked "redacted"; its hash then covers the unredacted text).
  absl::StatusOr<std::vector<storage::StoredAuditEntry>> ListEntries(
      const auth::Principal& caller, const storage::AuditQuery& query);
  // The whole chain as export lines (see chain.h), then every checkpoint it covers; for a family
  // auditor, entries that touch none of their linked cases are given by hash only. `write`
  // returning false stops the export. Returns the number of entries written.
  absl::StatusOr<int64_t> Export(const auth::Principal& caller,
                                 const std::function<bool(const std::string& line)>& write);
  std::string public_key_hex() const { return key_->public_key_hex(); }

  // Checkpoints the head every `interval` when it has moved.
  void StartCheckpoints(std::chrono::seconds interval);
  void StopCheckpoints();

 private:
  // Appends the entry recording that `caller` read the log (about `target`, if one).
  absl::Status RecordRead(const auth::Principal& caller, const char* method,
                          const std::string& target);

  storage::AuditStore* store_;
  const SigningKey* key_;
  storage::PrincipalStore* links_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread checkpointer_;
};

}  // namespace encuentro::audit
