// Continuous cross-matching: each new or changed missing person, face photo or remains record is
// matched against the other side in the background, and pairs scoring above a threshold become
// "pending" leads for staff to review (as NamUs and DVI systems do). Work comes from the durable
// queue in PostgreSQL, so restarts and crashes lose nothing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "matching/matcher.h"
#include "storage/case_record_store.h"
#include "storage/cross_match_queue.h"

namespace encuentro::matching {

struct CrossMatchOptions {
  // A pair becomes a pending lead from this posterior probability, under a prior of 1 in the
  // registry's live missing persons (Matcher::LeadPosterior), whichever side was searched.
  double lead_posterior = 0.5;
  // Candidates looked at per run.
  int top_n = 20;
  // Background threads; 0 leaves the queue to fill (it is worked off once workers run again).
  int workers = 1;
  // How long an idle worker waits before looking at the queue again.
  std::chrono::milliseconds idle_poll{1000};
};

// The identity cross-matching acts under in decisions and audit entries.
auth::Principal CrossMatchPrincipal();

// Thread-safe. Background workers run from Start() until Stop() or destruction.
class CrossMatcher {
 public:
  CrossMatcher(const Matcher* matcher, storage::CaseRecordStore* records,
               storage::CrossMatchQueue* queue, CrossMatchOptions options = {});
  ~CrossMatcher();
  CrossMatcher(const CrossMatcher&) = delete;
  CrossMatcher& operator=(const CrossMatcher&) = delete;

  void Start();
  // Waits for runs in progress to commit; queued jobs stay for the next start.
  void Stop();

  // Works the queue on the calling thread until no job is due; returns how many ran.
  absl::StatusOr<int> RunUntilIdle();
  // One job's match run: the leads above the threshold and the audit entry describing it.
  absl::StatusOr<storage::CrossMatchOutcome> Run(const storage::CrossMatchJob& job) const;

 private:
  void WorkerLoop();

  const Matcher* matcher_;
  storage::CaseRecordStore* records_;
  storage::CrossMatchQueue* queue_;
  const CrossMatchOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::vector<std::thread> workers_;
};

}  // namespace encuentro::matching
