#include "records/dna_samples.h"

#include "absl/strings/str_cat.h"
#include "common/field_violations.h"
#include "common/text.h"
#include "records/field_mask.h"
#include "records/validation.h"

namespace encuentro::records {

DnaSamples::DnaSamples(storage::DnaSampleStore* store, storage::CaseRecordStore* records,
                       const auth::CaseScope* scope, std::function<Timestamp()> clock)
    : store_(store), records_(records), scope_(scope), clock_(std::move(clock)) {}

Date DnaSamples::Today() const { return Date(std::chrono::floor<std::chrono::days>(clock_())); }

absl::StatusOr<DnaSample> DnaSamples::CreateSample(const auth::Principal& caller, DnaSample sample,
                                                   const RequestKey& key) {
  if (absl::Status s = InvalidFields(ValidateDnaSample(sample, Today())); !s.ok()) return s;
  if (absl::Status s = ValidateRequestKey(key); !s.ok()) return s;
  sample.meta = RecordMetadata{};
  const RecordKind kind = sample.owner_kind;
  const int64_t owner_id = sample.owner_id;
  return store_->InsertSample(
      sample, key,
      [&](const storage::OwningRecord& owner) -> absl::Status {
        if (absl::Status s = scope_->CheckWrite(caller, kind, owner.organization); !s.ok()) {
          return s;
        }
        if (owner.deleted) {
          return absl::FailedPreconditionError(
              absl::StrCat(RecordName(kind, owner_id), " is deleted and takes no new samples"));
        }
        return absl::OkStatus();
      },
      audit::EventFor(caller, "DnaSampleService/CreateDnaSample"));
}

absl::StatusOr<DnaSample> DnaSamples::GetSample(const auth::Principal& caller, const PartRef& ref) {
  absl::StatusOr<DnaSample> sample = store_->GetSample(ref.parent.kind, ref.parent.id, ref.id);
  if (!sample.ok()) return sample;
  if (absl::Status s =
          scope_->CheckRead(caller, ref.parent.kind, ref.parent.id, sample->meta.organization);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = records_->AppendAudit(
          audit::EventFor(caller, "DnaSampleService/GetDnaSample",
                          {DnaSampleName(ref.parent.kind, ref.parent.id, ref.id)}));
      !s.ok()) {
    return s;
  }
  return sample;
}

absl::StatusOr<Page<DnaSample>> DnaSamples::ListSamples(const auth::Principal& caller,
                                                        RecordKind kind, int64_t owner_id,
                                                        bool show_deleted, int page_size,
                                                        int64_t after_id) {
  if (page_size < 1 || page_size > 1000) {
    return InvalidFields({{"page_size", "must be between 1 and 1000"}});
  }
  absl::StatusOr<storage::OwningRecord> owner = store_->GetOwner(kind, owner_id);
  if (!owner.ok()) return owner.status();
  if (absl::Status s = scope_->CheckRead(caller, kind, owner_id, owner->organization); !s.ok()) {
    return s;
  }
  absl::StatusOr<Page<DnaSample>> page =
      store_->ListSamples(kind, owner_id, show_deleted, page_size, after_id);
  if (!page.ok()) return page;
  std::vector<std::string> targets = {RecordName(kind, owner_id)};
  for (const DnaSample& s : page->records) {
    targets.push_back(DnaSampleName(kind, owner_id, s.meta.id));
  }
  if (absl::Status s = records_->AppendAudit(
          audit::EventFor(caller, "DnaSampleService/ListDnaSamples", std::move(targets)));
      !s.ok()) {
    return s;
  }
  return page;
}

absl::StatusOr<DnaSample> DnaSamples::UpdateSample(const auth::Principal& caller,
                                                   const PartRef& ref, const DnaSample& values,
                                                   const std::vector<std::string>& update_mask,
                                                   std::optional<int64_t> expected_revision) {
  const Date today = Today();
  return store_->UpdateSample(
      ref.parent.kind, ref.parent.id, ref.id, expected_revision,
      [&](const storage::OwningRecord& owner, DnaSample& sample) -> absl::Status {
        if (absl::Status s = scope_->CheckWrite(caller, ref.parent.kind, owner.organization);
            !s.ok()) {
          return s;
        }
        if (sample.meta.delete_time || owner.deleted) {
          return absl::FailedPreconditionError("the sample or its record is deleted");
        }
        if (absl::Status s = ApplyUpdateMask(values, update_mask, sample); !s.ok()) return s;
        return InvalidFields(ValidateDnaSample(sample, today));
      },
      audit::EventFor(caller, "DnaSampleService/UpdateDnaSample"));
}

absl::StatusOr<DnaSample> DnaSamples::DeleteSample(const auth::Principal& caller,
                                                   const PartRef& ref, const std::string& reason,
                                                   std::optional<int64_t> expected_revision) {
  if (absl::Status s = ValidateWithdrawalReason(reason, "the sample"); !s.ok()) return s;
  const Timestamp now = clock_();
  return store_->UpdateSample(
      ref.parent.kind, ref.parent.id, ref.id, expected_revision,
      [&](const storage::OwningRecord& owner, DnaSample& sample) -> absl::Status {
        if (absl::Status s = scope_->CheckWrite(caller, ref.parent.kind, owner.organization);
            !s.ok()) {
          return s;
        }
        if (!sample.meta.delete_time) {
          sample.meta.delete_time = now;
          sample.meta.delete_reason = reason;
        }
        return absl::OkStatus();
      },
      audit::EventFor(caller, "DnaSampleService/DeleteDnaSample"));
}

}  // namespace encuentro::records
