#include "records/marks.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/field_violations.h"
#include "common/text.h"
#include "records/field_mask.h"
#include "records/validation.h"

namespace encuentro::records {
namespace {

absl::Status CheckPage(int page_size) {
  if (page_size < 1 || page_size > 1000) {
    return InvalidFields({{"page_size", "must be between 1 and 1000"}});
  }
  return absl::OkStatus();
}

std::vector<std::string> Names(const Page<DistinguishingMark>& page) {
  std::vector<std::string> names;
  names.reserve(page.records.size());
  for (const DistinguishingMark& m : page.records) {
    names.push_back(MarkName(m.owner_kind, m.owner_id, m.meta.id));
  }
  return names;
}

}  // namespace

MarkRecords::MarkRecords(storage::MarkStore* store, storage::CaseRecordStore* records,
                         const auth::CaseScope* scope, std::function<Timestamp()> clock)
    : store_(store), records_(records), scope_(scope), clock_(std::move(clock)) {}

void MarkRecords::Committed(const DistinguishingMark& mark) {
  if (observer_ == nullptr || mark.owner_kind != RecordKind::kMissingPerson) return;
  // The pool follows the person as stored, marks included; a failed read leaves it a change
  // behind until the next one (or a restart), which matching's cross-match job also covers.
  absl::StatusOr<MissingPerson> person = records_->GetMissingPerson(mark.owner_id);
  if (person.ok()) observer_->MissingPersonCommitted(*person);
}

absl::StatusOr<DistinguishingMark> MarkRecords::CreateMark(const auth::Principal& caller,
                                                           DistinguishingMark mark,
                                                           const RequestKey& key) {
  if (absl::Status s = InvalidFields(ValidateMark(mark)); !s.ok()) return s;
  if (absl::Status s = ValidateRequestKey(key); !s.ok()) return s;
  mark.meta = RecordMetadata{};
  const RecordKind kind = mark.owner_kind;
  absl::StatusOr<DistinguishingMark> created = store_->InsertMark(
      mark, key,
      [&](const storage::OwningRecord& owner) -> absl::Status {
        if (absl::Status s = scope_->CheckWrite(caller, kind, owner.organization); !s.ok()) {
          return s;
        }
        if (owner.deleted) {
          return absl::FailedPreconditionError(
              absl::StrCat(RecordName(kind, mark.owner_id), " is deleted and takes no new marks"));
        }
        return absl::OkStatus();
      },
      audit::EventFor(caller, "MarkService/CreateMark"));
  if (created.ok()) Committed(*created);
  return created;
}

absl::StatusOr<DistinguishingMark> MarkRecords::GetMark(const auth::Principal& caller,
                                                        const PartRef& ref) {
  absl::StatusOr<DistinguishingMark> mark = store_->GetMark(ref.parent.kind, ref.parent.id, ref.id);
  if (!mark.ok()) return mark;
  if (absl::Status s =
          scope_->CheckRead(caller, ref.parent.kind, ref.parent.id, mark->meta.organization);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = records_->AppendAudit(audit::EventFor(
          caller, "MarkService/GetMark", {MarkName(ref.parent.kind, ref.parent.id, ref.id)}));
      !s.ok()) {
    return s;
  }
  return mark;
}

absl::StatusOr<Page<DistinguishingMark>> MarkRecords::ListMarks(const auth::Principal& caller,
                                                                RecordKind kind, int64_t owner_id,
                                                                bool show_deleted, int page_size,
                                                                int64_t after_id) {
  if (absl::Status s = CheckPage(page_size); !s.ok()) return s;
  absl::StatusOr<storage::OwningRecord> owner = store_->GetOwner(kind, owner_id);
  if (!owner.ok()) return owner.status();
  if (absl::Status s = scope_->CheckRead(caller, kind, owner_id, owner->organization); !s.ok()) {
    return s;
  }
  absl::StatusOr<Page<DistinguishingMark>> page =
      store_->ListMarks(kind, owner_id, show_deleted, page_size, after_id);
  if (!page.ok()) return page;
  std::vector<std::string> targets = Names(*page);
  targets.insert(targets.begin(), RecordName(kind, owner_id));
  if (absl::Status s = records_->AppendAudit(
          audit::EventFor(caller, "MarkService/ListMarks", std::move(targets)));
      !s.ok()) {
    return s;
  }
  return page;
}

absl::StatusOr<DistinguishingMark> MarkRecords::UpdateMark(
    const auth::Principal& caller, const PartRef& ref, const DistinguishingMark& values,
    const std::vector<std::string>& update_mask, std::optional<int64_t> expected_revision) {
  absl::StatusOr<DistinguishingMark> updated = store_->UpdateMark(
      ref.parent.kind, ref.parent.id, ref.id, expected_revision,
      [&](const storage::OwningRecord& owner, DistinguishingMark& mark) -> absl::Status {
        if (absl::Status s = scope_->CheckWrite(caller, ref.parent.kind, owner.organization);
            !s.ok()) {
          return s;
        }
        if (mark.meta.delete_time || owner.deleted) {
          return absl::FailedPreconditionError("the mark or its record is deleted");
        }
        if (absl::Status s = ApplyUpdateMask(values, update_mask, mark); !s.ok()) return s;
        return InvalidFields(ValidateMark(mark));
      },
      audit::EventFor(caller, "MarkService/UpdateMark"));
  if (updated.ok()) Committed(*updated);
  return updated;
}

absl::StatusOr<DistinguishingMark> MarkRecords::DeleteMark(
    const auth::Principal& caller, const PartRef& ref, const std::string& reason,
    std::optional<int64_t> expected_revision) {
  if (absl::Status s = ValidateWithdrawalReason(reason, "the mark"); !s.ok()) return s;
  const Timestamp now = clock_();
  absl::StatusOr<DistinguishingMark> deleted = store_->UpdateMark(
      ref.parent.kind, ref.parent.id, ref.id, expected_revision,
      [&](const storage::OwningRecord& owner, DistinguishingMark& mark) -> absl::Status {
        if (absl::Status s = scope_->CheckWrite(caller, ref.parent.kind, owner.organization);
            !s.ok()) {
          return s;
        }
        if (!mark.meta.delete_time) {
          mark.meta.delete_time = now;
          mark.meta.delete_reason = reason;
        }
        return absl::OkStatus();
      },
      audit::EventFor(caller, "MarkService/DeleteMark"));
  if (deleted.ok()) Committed(*deleted);
  return deleted;
}

absl::StatusOr<Page<DistinguishingMark>> MarkRecords::SearchMarks(const auth::Principal& caller,
                                                                  storage::MarkSearch search) {
  if (absl::Status s = CheckPage(search.page_size); !s.ok()) return s;
  if (!IsValidUtf8(search.text) || search.text.size() > kMaxShortText) {
    return InvalidFields(
        {{"query", absl::StrCat("must be valid UTF-8 of at most ", kMaxShortText, " bytes")}});
  }
  if (absl::Status s = scope_->NarrowMarkSearch(caller, search.owner_kind, &search.organization);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<Page<DistinguishingMark>> page = store_->SearchMarks(search);
  if (!page.ok()) return page;
  // What was searched for is part of the access: families auditing the log see the words.
  audit::AuditEvent event = audit::EventFor(caller, "MarkService/SearchMarks", Names(*page));
  nlohmann::json kinds = nlohmann::json::array();
  for (MarkKind kind : search.kinds) kinds.push_back(static_cast<int>(kind));
  event.outcome_json = nlohmann::json{{"query", search.text},
                                      {"kinds", kinds},
                                      {"region", static_cast<int>(search.region)},
                                      {"side", static_cast<int>(search.side)},
                                      {"returned", page->records.size()}}
                           .dump();
  if (absl::Status s = records_->AppendAudit(event); !s.ok()) return s;
  return page;
}

}  // namespace encuentro::records
