// Reads of the audit log and its signed checkpoints (appends happen inside the transactions of
// the changes they record; see audit_writer.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/chain.h"
#include "storage/database.h"

namespace encuentro::storage {

// One link of the chain as stored: the canonical entry text and the hashes around it.
struct StoredAuditEntry {
  int64_t position = 0;
  std::string entry;
  std::string prev_hash;
  std::string entry_hash;
  std::vector<std::string> targets;
};

struct AuditQuery {
  // Only entries naming this resource (e.g. "remains/7"); empty: all.
  std::string target;
  int64_t after_position = 0;
  int limit = 100;
};

// Thread-safe: each call runs on a pooled connection.
class AuditStore {
 public:
  explicit AuditStore(Database* database) : database_(database) {}

  // Entries in chain order.
  absl::StatusOr<std::vector<StoredAuditEntry>> List(const AuditQuery& query);
  // Calls `fn` on entries 1..`last_position` in order, reading them in batches; stops early
  // when `fn` returns false.
  absl::Status ForEach(int64_t last_position,
                       const std::function<bool(const StoredAuditEntry&)>& fn);
  // The chain's length and head hash (0 and the genesis hash when empty).
  absl::StatusOr<std::pair<int64_t, std::string>> Head();

  // Stores a checkpoint; one already stored for that tree size is kept and returned instead.
  absl::StatusOr<audit::Checkpoint> SaveCheckpoint(const audit::Checkpoint& checkpoint);
  // Appends `event` to the chain (e.g. that someone read the log).
  absl::Status Append(const audit::AuditEvent& event);
  // Every checkpoint, ascending by size: an export carries them all, so that one signed for more
  // entries than the chain now holds shows the tail was cut.
  absl::StatusOr<std::vector<audit::Checkpoint>> Checkpoints();
  absl::StatusOr<std::optional<audit::Checkpoint>> LatestCheckpoint();

 private:
  Database* database_;
};

}  // namespace encuentro::storage
