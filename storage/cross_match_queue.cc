#include "storage/cross_match_queue.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "records/names.h"
#include "storage/audit_writer.h"
#include "storage/connection_pool.h"
#include "storage/cross_match_enqueue.h"
#include "storage/decision_lock.h"
#include "storage/sql_values.h"

namespace encuentro::storage {
namespace {

const char* KindToSql(records::RecordKind kind) {
  return kind == records::RecordKind::kRemains ? "remains" : "missing_person";
}

// Backoff of a failed run: 2^attempts seconds, at most an hour.
double RetryDelaySeconds(int attempts) {
  return std::min(3600.0, static_cast<double>(int64_t{1} << std::min(attempts, 12)));
}

}  // namespace

void EnqueueCrossMatch(pqxx::transaction_base& tx, records::RecordKind kind, int64_t record_id,
                       const std::string& reason) {
  SqlParams()
      .Add(KindToSql(kind))
      .Add(record_id)
      .Add(reason)
      .Exec(tx,
            "INSERT INTO cross_match_jobs (record_kind, record_id, reason) VALUES ($1, $2, $3)");
}

absl::StatusOr<bool> CrossMatchQueue::RunNext(const Work& work) {
  bool ran = false;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    // The row lock is the claim: it lasts as long as this transaction, and ends with the
    // connection if this process dies, which hands the job to the next worker.
    const pqxx::result claimed = tx.exec(
        "SELECT id, record_kind, record_id, reason, attempts FROM cross_match_jobs "
        "WHERE NOT failed AND not_before <= now() ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED");
    if (claimed.empty()) {
      tx.commit();
      return;
    }
    ran = true;
    CrossMatchJob job;
    job.id = claimed[0][0].as<int64_t>();
    job.kind = claimed[0][1].as<std::string>() == "remains" ? records::RecordKind::kRemains
                                                            : records::RecordKind::kMissingPerson;
    job.record_id = claimed[0][2].as<int64_t>();
    job.reason = claimed[0][3].as<std::string>();
    job.attempts = claimed[0][4].as<int>();
    // Other queued changes of the same record are covered by this run: they committed before it
    // reads anything. Changes that commit later keep their own jobs.
    std::string ids = absl::StrCat("{", job.id);
    for (const auto& row :
         SqlParams()
             .Add(KindToSql(job.kind))
             .Add(job.record_id)
             .Add(job.id)
             .Exec(tx,
                   "SELECT id FROM cross_match_jobs WHERE record_kind = $1 AND record_id = $2 "
                   "AND id <> $3 AND NOT failed FOR UPDATE SKIP LOCKED")) {
      absl::StrAppend(&ids, ",", row[0].as<int64_t>());
    }
    ids += "}";

    absl::StatusOr<CrossMatchOutcome> outcome = work(job);
    if (!outcome.ok()) {
      const int attempts = job.attempts + 1;
      SqlParams()
          .Add(job.id)
          .Add(std::string(outcome.status().message()))
          .Add(RetryDelaySeconds(attempts))
          .Add(attempts >= max_attempts_)
          .Exec(tx,
                "UPDATE cross_match_jobs SET attempts = attempts + 1, last_error = $2, "
                "not_before = now() + ($3::double precision * interval '1 second'), failed = $4 "
                "WHERE id = $1");
      tx.commit();
      return;
    }
    audit::AuditEvent event = outcome->event;
    // Pairs are locked in one global order, so that two workers never wait on each other.
    std::vector<PendingLead> leads = outcome->leads;
    std::sort(leads.begin(), leads.end(), [](const PendingLead& a, const PendingLead& b) {
      return std::pair(a.remains_id, a.missing_person_id) <
             std::pair(b.remains_id, b.missing_person_id);
    });
    for (const PendingLead& lead : leads) {
      LockCandidatePair(tx, lead.remains_id, lead.missing_person_id);
      const pqxx::result inserted =
          SqlParams()
              .Add(lead.remains_id)
              .Add(lead.missing_person_id)
              .Add(lead.reason)
              .Add(event.principal.user)
              .Add(event.principal.organization)
              .Add(lead.posterior)
              .Add(lead.log10_lr)
              .Exec(tx,
                    "INSERT INTO match_decisions (remains_id, missing_person_id, decision, "
                    "reason, principal, organization, lead_posterior, lead_log10_lr) SELECT $1, "
                    "$2, 'pending', $3, $4, $5, $6, $7 WHERE NOT EXISTS (SELECT 1 FROM "
                    "match_decisions WHERE remains_id = $1 AND "
                    "missing_person_id = $2) RETURNING id");
      if (!inserted.empty()) {
        event.targets.push_back(records::RemainsName(lead.remains_id));
        event.targets.push_back(records::MissingPersonName(lead.missing_person_id));
      }
    }
    AppendAuditEntry(*database_, tx, event);
    SqlParams().Add(ids).Exec(tx, "DELETE FROM cross_match_jobs WHERE id = ANY($1::bigint[])");
    tx.commit();
  });
  if (!status.ok()) return status;
  return ran;
}

absl::StatusOr<CrossMatchQueueStats> CrossMatchQueue::Stats() {
  CrossMatchQueueStats stats;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    const pqxx::row row = tx.exec1(
        "SELECT count(*) FILTER (WHERE NOT failed), count(*) FILTER (WHERE failed), "
        "coalesce(extract(epoch FROM now() - min(enqueue_time) FILTER (WHERE NOT failed)), 0), "
        "count(*) FILTER (WHERE NOT failed AND attempts > 0), "
        "(SELECT coalesce(last_error, '') FROM cross_match_jobs WHERE failed ORDER BY id DESC "
        "LIMIT 1) FROM cross_match_jobs");
    stats.queued = row[0].as<int64_t>();
    stats.failed = row[1].as<int64_t>();
    stats.oldest_queued_seconds = row[2].as<double>();
    stats.retrying = row[3].as<int64_t>();
    stats.last_error = row[4].is_null() ? "" : row[4].as<std::string>();
  });
  if (!status.ok()) return status;
  return stats;
}

}  // namespace encuentro::storage
