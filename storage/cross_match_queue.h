// The durable queue of continuous cross-matching: jobs are written with the changes that cause
// them (see migrations/0005) and taken here by background workers. A job's results commit with its
// removal from the queue, so a run is never lost or half-applied, whatever kills the server.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit_event.h"
#include "records/model.h"
#include "storage/database.h"

namespace encuentro::storage {

struct CrossMatchJob {
  int64_t id = 0;
  records::RecordKind kind = records::RecordKind::kRemains;
  int64_t record_id = 0;
  std::string reason;
  int attempts = 0;  // earlier failed runs
};

// A candidate pair a run found above the threshold; it becomes a "pending" decision unless the
// pair already has one (a reviewer's word is never overwritten by the machine).
struct PendingLead {
  int64_t remains_id = 0;
  int64_t missing_person_id = 0;
  std::string reason;
  double posterior = 0;
  double log10_lr = 0;
};

struct CrossMatchOutcome {
  std::vector<PendingLead> leads;
  // Recorded with the leads; its targets gain the pairs that became pending.
  audit::AuditEvent event;
};

struct CrossMatchQueueStats {
  int64_t queued = 0;  // waiting or being worked on
  int64_t failed = 0;  // gave up after too many attempts
  // Age of the oldest job still queued (0 when none), and how many are being retried.
  double oldest_queued_seconds = 0;
  int64_t retrying = 0;
  // The newest failed job's error, for an operator to read ("" when none failed).
  std::string last_error;
};

// Thread-safe: each call runs on its own pooled connection; concurrent workers never take the
// same job.
class CrossMatchQueue {
 public:
  using Work = std::function<absl::StatusOr<CrossMatchOutcome>(const CrossMatchJob&)>;

  // Failed runs are retried after 2^attempts seconds (at most an hour); after `max_attempts` the
  // job is kept, marked failed.
  explicit CrossMatchQueue(Database* database, int max_attempts = 8)
      : database_(database), max_attempts_(max_attempts) {}

  // Takes the oldest due job no other worker holds and runs `work` on it while holding it. On
  // success the leads, the audit entry and the removal of this job (and of later duplicates for
  // the same record that nobody holds) commit together; on failure the attempt is recorded.
  // Returns false when no job was due.
  absl::StatusOr<bool> RunNext(const Work& work);

  absl::StatusOr<CrossMatchQueueStats> Stats();

 private:
  Database* database_;
  const int max_attempts_;
};

}  // namespace encuentro::storage
