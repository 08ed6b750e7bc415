#include "matching/cross_matcher.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/logging.h"
#include "nlohmann/json.hpp"
#include "records/names.h"

namespace encuentro::matching {
namespace {

// "posterior 0.97, log10 LR 4.91: face +3.48, sex +0.27, place prior +0.30" — why the machine
// raised the lead.
std::string LeadReason(double posterior, const PairEvidence& evidence) {
  std::string reason =
      absl::StrFormat("cross-match posterior %.2f, log10 LR %.2f:", posterior, evidence.log10_lr);
  for (size_t i = 0; i < evidence.factors.size(); ++i) {
    const Factor& f = evidence.factors[i];
    absl::StrAppend(&reason, i ? "," : "", " ", std::string(f.name), f.prior ? " prior" : "",
                    absl::StrFormat(" %+.2f", f.log10_lr));
  }
  return reason;
}

}  // namespace

auth::Principal CrossMatchPrincipal() {
  return {"encuentrod/cross-match", "encuentro", auth::Role::kAdmin};
}

CrossMatcher::CrossMatcher(const Matcher* matcher, storage::CaseRecordStore* records,
                           storage::CrossMatchQueue* queue, CrossMatchOptions options)
    : matcher_(matcher), records_(records), queue_(queue), options_(options) {}

CrossMatcher::~CrossMatcher() { Stop(); }

void CrossMatcher::Start() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

void CrossMatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

void CrossMatcher::WorkerLoop() {
  const storage::CrossMatchQueue::Work work = [this](const storage::CrossMatchJob& job) {
    return Run(job);
  };
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    absl::StatusOr<bool> ran = queue_->RunNext(work);
    if (!ran.ok()) spdlog::warn("cross-match: cannot take a job: {}", ran.status());
    if (ran.ok() && *ran) continue;
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, options_.idle_poll, [this] { return stopping_; });
  }
}

absl::StatusOr<int> CrossMatcher::RunUntilIdle() {
  const storage::CrossMatchQueue::Work work = [this](const storage::CrossMatchJob& job) {
    return Run(job);
  };
  int runs = 0;
  for (;;) {
    absl::StatusOr<bool> ran = queue_->RunNext(work);
    if (!ran.ok()) return ran.status();
    if (!*ran) return runs;
    ++runs;
  }
}

absl::StatusOr<storage::CrossMatchOutcome> CrossMatcher::Run(
    const storage::CrossMatchJob& job) const {
  storage::CrossMatchOutcome outcome;
  audit::AuditEvent& event = outcome.event;
  event.principal = CrossMatchPrincipal();
  event.purpose = "continuous_cross_match";
  event.legal_basis = absl::StrCat("queued: ", job.reason);
  event.targets.push_back(records::RecordName(job.kind, job.record_id));
  nlohmann::json found = nlohmann::json::array();
  std::string skipped;
  absl::StatusOr<double> prior = matcher_->LeadPrior();
  if (!prior.ok()) return prior.status();

  if (job.kind == records::RecordKind::kRemains) {
    event.method = "CrossMatch/Remains";
    absl::StatusOr<records::UnidentifiedRemains> remains = records_->GetRemains(job.record_id);
    if (absl::IsNotFound(remains.status())) {
      skipped = "record not found";
    } else if (!remains.ok()) {
      return remains.status();
    } else if (remains->meta.delete_time) {
      skipped = "record deleted";
    } else if (remains->identification) {
      skipped = "remains identified";
    } else {
      absl::StatusOr<SearchResult> ranked =
          matcher_->Rank(*remains, options_.top_n, /*include_excluded=*/false);
      if (!ranked.ok()) return ranked.status();
      for (const RankedCandidate& c : ranked->candidates) {
        const double posterior =
            PosteriorProbability(c.evidence.log10_lr + c.evidence.log10_prior_weight, *prior);
        found.push_back({{"candidate", records::MissingPersonName(c.person.meta.id)},
                         {"log10_lr", c.evidence.log10_lr},
                         {"lead_posterior", posterior}});
        // In a small registry the prior alone can reach the threshold: a lead also needs
        // evidence for the pair.
        if (posterior < options_.lead_posterior || c.evidence.log10_lr <= 0) continue;
        outcome.leads.push_back({job.record_id, c.person.meta.id, LeadReason(posterior, c.evidence),
                                 posterior, c.evidence.log10_lr});
      }
    }
  } else {
    event.method = "CrossMatch/MissingPerson";
    absl::StatusOr<records::MissingPerson> person = records_->GetMissingPerson(job.record_id);
    if (absl::IsNotFound(person.status())) {
      skipped = "record not found";
    } else if (!person.ok()) {
      return person.status();
    } else if (person->meta.delete_time) {
      skipped = "record deleted";
    } else if (person->status == records::MissingPersonStatus::kLocatedAlive ||
               person->status == records::MissingPersonStatus::kWithdrawn ||
               person->identification) {
      skipped = "person no longer sought";
    } else {
      absl::StatusOr<std::vector<RankedRemains>> ranked =
          matcher_->RankRemainsFor(*person, options_.top_n);
      if (!ranked.ok()) return ranked.status();
      for (const RankedRemains& r : *ranked) {
        const double posterior =
            PosteriorProbability(r.evidence.log10_lr + r.evidence.log10_prior_weight, *prior);
        found.push_back({{"candidate", records::RemainsName(r.remains.meta.id)},
                         {"log10_lr", r.evidence.log10_lr},
                         {"lead_posterior", posterior}});
        if (posterior < options_.lead_posterior || r.evidence.log10_lr <= 0) continue;
        outcome.leads.push_back({r.remains.meta.id, job.record_id,
                                 LeadReason(posterior, r.evidence), posterior,
                                 r.evidence.log10_lr});
      }
    }
  }
  nlohmann::json description = {
      {"status", "OK"}, {"job", job.id}, {"lead_prior", *prior}, {"candidates", found}};
  if (!skipped.empty()) description["skipped"] = skipped;
  event.outcome_json = description.dump();
  return outcome;
}

}  // namespace encuentro::matching
