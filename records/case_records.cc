#include "records/case_records.h"

#include "absl/strings/str_cat.h"
#include "common/field_violations.h"
#include "common/text.h"
#include "records/effects.h"
#include "records/field_mask.h"
#include "records/names.h"
#include "records/validation.h"

namespace encuentro::records {
namespace {

// Documents found with a record are shown to staff and labs only (records/effects.h).
void HideDocuments(const auth::Principal& caller, std::vector<PersonalEffect>& effects) {
  if (MaySeeDocuments(caller)) return;
  std::erase_if(effects,
                [](const PersonalEffect& e) { return e.category == EffectCategory::kDocument; });
}

absl::Status CheckPageSize(const RecordQuery& query) {
  if (query.page_size < 1 || query.page_size > kMaxPageSize) {
    return InvalidFields({{"page_size", absl::StrCat("must be between 1 and ", kMaxPageSize)}});
  }
  return absl::OkStatus();
}

// The shared shape of an update: apply the mask, refuse changes to a deleted record, validate
// the result, all inside the store's transaction.
template <typename Record, typename Validate>
std::function<absl::Status(Record&)> UpdateMutation(const RecordPatch<Record>& patch,
                                                    Validate validate) {
  return [&patch, validate](Record& record) -> absl::Status {
    if (record.meta.delete_time) {
      return absl::FailedPreconditionError("the record is deleted and can no longer change");
    }
    if (absl::Status s = ApplyUpdateMask(patch.values, patch.update_mask, record); !s.ok()) {
      return s;
    }
    return InvalidFields(validate(record));
  };
}

template <typename Record>
std::function<absl::Status(Record&)> DeleteMutation(const SoftDelete& request, Timestamp now) {
  return [&request, now](Record& record) -> absl::Status {
    if (record.meta.delete_time) return absl::OkStatus();  // deleting twice changes nothing
    record.meta.delete_time = now;
    record.meta.delete_reason = request.reason;
    return absl::OkStatus();
  };
}

}  // namespace

template <typename Record>
std::function<absl::Status(Record&)> CaseRecords::Scoped(
    const auth::Principal& caller, RecordKind kind,
    std::function<absl::Status(Record&)> mutate) const {
  // Checked on the row as locked for the update, so a concurrent change cannot slip past it.
  return [this, &caller, kind, mutate = std::move(mutate)](Record& record) -> absl::Status {
    if (absl::Status s = scope_->CheckWrite(caller, kind, record.meta.organization); !s.ok()) {
      return s;
    }
    return mutate(record);
  };
}

CaseRecords::CaseRecords(storage::CaseRecordStore* store, const auth::CaseScope* scope,
                         std::function<Timestamp()> clock)
    : store_(store), scope_(scope), clock_(std::move(clock)) {}

Date CaseRecords::Today() const { return Date(std::chrono::floor<std::chrono::days>(clock_())); }

absl::StatusOr<MissingPerson> CaseRecords::CreateMissingPerson(const auth::Principal& caller,
                                                               MissingPerson person,
                                                               const RequestKey& key) {
  if (absl::Status s = InvalidFields(ValidateMissingPerson(person, Today())); !s.ok()) return s;
  if (absl::Status s = ValidateRequestKey(key); !s.ok()) return s;
  person.meta = RecordMetadata{};
  person.meta.organization = caller.organization;
  absl::StatusOr<MissingPerson> created = store_->InsertMissingPerson(
      person, key, audit::EventFor(caller, "MissingPersonService/CreateMissingPerson"));
  if (created.ok() && observer_ != nullptr) observer_->MissingPersonCommitted(*created);
  return created;
}

absl::StatusOr<MissingPerson> CaseRecords::GetMissingPerson(const auth::Principal& caller,
                                                            int64_t id, const char* audited_as) {
  absl::StatusOr<MissingPerson> person = store_->GetMissingPerson(id);
  if (!person.ok()) return person;
  if (absl::Status s =
          scope_->CheckRead(caller, RecordKind::kMissingPerson, id, person->meta.organization);
      !s.ok()) {
    return s;
  }
  HideDocuments(caller, person->effects);
  if (audited_as == nullptr) return person;
  if (absl::Status s =
          store_->AppendAudit(audit::EventFor(caller, audited_as, {MissingPersonName(id)}));
      !s.ok()) {
    return s;
  }
  return person;
}

absl::StatusOr<Page<MissingPerson>> CaseRecords::ListMissingPersons(const auth::Principal& caller,
                                                                    const RecordQuery& query) {
  if (absl::Status s = CheckPageSize(query); !s.ok()) return s;
  RecordQuery scoped = query;
  if (absl::Status s = scope_->NarrowListing(caller, RecordKind::kMissingPerson, &scoped);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<Page<MissingPerson>> page = store_->ListMissingPersons(scoped);
  if (!page.ok()) return page;
  std::vector<std::string> names;
  for (const MissingPerson& p : page->records) names.push_back(MissingPersonName(p.meta.id));
  if (absl::Status s = store_->AppendAudit(
          audit::EventFor(caller, "MissingPersonService/ListMissingPersons", std::move(names)));
      !s.ok()) {
    return s;
  }
  return page;
}

absl::StatusOr<MissingPerson> CaseRecords::UpdateMissingPerson(
    const auth::Principal& caller, const RecordPatch<MissingPerson>& patch) {
  const Date today = Today();
  absl::StatusOr<MissingPerson> updated = store_->UpdateMissingPerson(
      patch.id, patch.expected_revision,
      Scoped(
          caller, RecordKind::kMissingPerson,
          UpdateMutation(
              patch, [today](const MissingPerson& p) { return ValidateMissingPerson(p, today); })),
      audit::EventFor(caller, "MissingPersonService/UpdateMissingPerson"));
  if (updated.ok() && observer_ != nullptr) observer_->MissingPersonCommitted(*updated);
  return updated;
}

absl::StatusOr<MissingPerson> CaseRecords::DeleteMissingPerson(const auth::Principal& caller,
                                                               const SoftDelete& request) {
  if (absl::Status s = ValidateWithdrawalReason(request.reason, "the record"); !s.ok()) return s;
  absl::StatusOr<MissingPerson> deleted = store_->UpdateMissingPerson(
      request.id, request.expected_revision,
      Scoped(caller, RecordKind::kMissingPerson, DeleteMutation<MissingPerson>(request, clock_())),
      audit::EventFor(caller, "MissingPersonService/DeleteMissingPerson"));
  if (deleted.ok() && observer_ != nullptr) {
    observer_->RecordRemoved(RecordKind::kMissingPerson, request.id);
    observer_->MissingPersonCommitted(*deleted);
  }
  return deleted;
}

absl::StatusOr<UnidentifiedRemains> CaseRecords::CreateRemains(const auth::Principal& caller,
                                                               UnidentifiedRemains remains,
                                                               const RequestKey& key) {
  if (absl::Status s = InvalidFields(ValidateRemains(remains, Today())); !s.ok()) return s;
  if (absl::Status s = ValidateRequestKey(key); !s.ok()) return s;
  remains.meta = RecordMetadata{};
  remains.meta.organization = caller.organization;
  return store_->InsertRemains(remains, key,
                               audit::EventFor(caller, "RemainsService/CreateRemains"));
}

absl::StatusOr<UnidentifiedRemains> CaseRecords::GetRemains(const auth::Principal& caller,
                                                            int64_t id, const char* audited_as) {
  absl::StatusOr<UnidentifiedRemains> remains = store_->GetRemains(id);
  if (!remains.ok()) return remains;
  if (absl::Status s =
          scope_->CheckRead(caller, RecordKind::kRemains, id, remains->meta.organization);
      !s.ok()) {
    return s;
  }
  HideDocuments(caller, remains->effects);
  if (audited_as == nullptr) return remains;
  if (absl::Status s = store_->AppendAudit(audit::EventFor(caller, audited_as, {RemainsName(id)}));
      !s.ok()) {
    return s;
  }
  return remains;
}

absl::StatusOr<Page<UnidentifiedRemains>> CaseRecords::ListRemains(const auth::Principal& caller,
                                                                   const RecordQuery& query) {
  if (absl::Status s = CheckPageSize(query); !s.ok()) return s;
  RecordQuery scoped = query;
  if (absl::Status s = scope_->NarrowListing(caller, RecordKind::kRemains, &scoped); !s.ok()) {
    return s;
  }
  absl::StatusOr<Page<UnidentifiedRemains>> page = store_->ListRemains(scoped);
  if (!page.ok()) return page;
  std::vector<std::string> names;
  for (const UnidentifiedRemains& r : page->records) names.push_back(RemainsName(r.meta.id));
  if (absl::Status s = store_->AppendAudit(
          audit::EventFor(caller, "RemainsService/ListRemains", std::move(names)));
      !s.ok()) {
    return s;
  }
  return page;
}

absl::StatusOr<UnidentifiedRemains> CaseRecords::UpdateRemains(
    const auth::Principal& caller, const RecordPatch<UnidentifiedRemains>& patch) {
  const Date today = Today();
  return store_->UpdateRemains(patch.id, patch.expected_revision,
                               Scoped(caller, RecordKind::kRemains,
                                      UpdateMutation(patch,
                                                     [today](const UnidentifiedRemains& r) {
                                                       return ValidateRemains(r, today);
                                                     })),
                               audit::EventFor(caller, "RemainsService/UpdateRemains"));
}

absl::StatusOr<UnidentifiedRemains> CaseRecords::DeleteRemains(const auth::Principal& caller,
                                                               const SoftDelete& request) {
  if (absl::Status s = ValidateWithdrawalReason(request.reason, "the record"); !s.ok()) return s;
  absl::StatusOr<UnidentifiedRemains> deleted = store_->UpdateRemains(
      request.id, request.expected_revision,
      Scoped(caller, RecordKind::kRemains, DeleteMutation<UnidentifiedRemains>(request, clock_())),
      audit::EventFor(caller, "RemainsService/DeleteRemains"));
  if (deleted.ok() && observer_ != nullptr)
    observer_->RecordRemoved(RecordKind::kRemains, request.id);
  return deleted;
}

absl::Status CaseRecords::CheckMayRead(const auth::Principal& caller, RecordKind kind, int64_t id,
                                       const std::string& organization) const {
  return scope_->CheckRead(caller, kind, id, organization);
}

absl::Status CaseRecords::CheckMayChange(const auth::Principal& caller, RecordKind kind,
                                         int64_t id) {
  if (kind == RecordKind::kMissingPerson) {
    absl::StatusOr<MissingPerson> person = store_->GetMissingPerson(id);
    if (!person.ok()) return person.status();
    return scope_->CheckWrite(caller, kind, person->meta.organization);
  }
  absl::StatusOr<UnidentifiedRemains> remains = store_->GetRemains(id);
  if (!remains.ok()) return remains.status();
  return scope_->CheckWrite(caller, kind, remains->meta.organization);
}

}  // namespace encuentro::records
