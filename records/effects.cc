#include "records/effects.h"

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

std::vector<std::string> Names(const Page<PersonalEffect>& page) {
  std::vector<std::string> names;
  for (const PersonalEffect& e : page.records) {
    names.push_back(EffectName(e.owner_kind, e.owner_id, e.meta.id));
  }
  return names;
}

}  // namespace

bool MaySeeDocuments(const auth::Principal& caller) {
  return caller.role == auth::Role::kCommissionStaff || caller.role == auth::Role::kForensicLab;
}

PersonalEffects::PersonalEffects(storage::EffectStore* store, storage::CaseRecordStore* records,
                                 const auth::CaseScope* scope, std::function<Timestamp()> clock)
    : store_(store), records_(records), scope_(scope), clock_(std::move(clock)) {}

void PersonalEffects::Committed(const PersonalEffect& effect) {
  if (observer_ == nullptr || effect.owner_kind != RecordKind::kMissingPerson) return;
  absl::StatusOr<MissingPerson> person = records_->GetMissingPerson(effect.owner_id);
  if (person.ok()) observer_->MissingPersonCommitted(*person);
}

absl::StatusOr<PersonalEffect> PersonalEffects::CreateEffect(const auth::Principal& caller,
                                                             PersonalEffect effect,
                                                             const RequestKey& key) {
  if (absl::Status s = InvalidFields(ValidateEffect(effect)); !s.ok()) return s;
  if (absl::Status s = ValidateRequestKey(key); !s.ok()) return s;
  effect.meta = RecordMetadata{};
  const RecordKind kind = effect.owner_kind;
  const int64_t owner_id = effect.owner_id;
  absl::StatusOr<PersonalEffect> created = store_->InsertEffect(
      effect, key,
      [&](const storage::OwningRecord& owner) -> absl::Status {
        if (absl::Status s = scope_->CheckWrite(caller, kind, owner.organization); !s.ok()) {
          return s;
        }
        if (owner.deleted) {
          return absl::FailedPreconditionError(
              absl::StrCat(RecordName(kind, owner_id), " is deleted and takes no new effects"));
        }
        return absl::OkStatus();
      },
      audit::EventFor(caller, "EffectService/CreateEffect"));
  if (created.ok()) Committed(*created);
  return created;
}

absl::StatusOr<PersonalEffect> PersonalEffects::GetEffect(const auth::Principal& caller,
                                                          const PartRef& ref) {
  absl::StatusOr<PersonalEffect> effect = store_->GetEffect(ref.parent.kind, ref.parent.id, ref.id);
  if (!effect.ok()) return effect;
  if (absl::Status s =
          scope_->CheckRead(caller, ref.parent.kind, ref.parent.id, effect->meta.organization);
      !s.ok()) {
    return s;
  }
  if (effect->category == EffectCategory::kDocument && !MaySeeDocuments(caller)) {
    return absl::PermissionDeniedError(
        "documents found with a record are shown to commission staff and labs only");
  }
  if (absl::Status s = records_->AppendAudit(audit::EventFor(
          caller, "EffectService/GetEffect", {EffectName(ref.parent.kind, ref.parent.id, ref.id)}));
      !s.ok()) {
    return s;
  }
  return effect;
}

absl::StatusOr<Page<PersonalEffect>> PersonalEffects::ListEffects(const auth::Principal& caller,
                                                                  RecordKind kind, int64_t owner_id,
                                                                  bool show_deleted, int page_size,
                                                                  int64_t after_id) {
  if (absl::Status s = CheckPage(page_size); !s.ok()) return s;
  absl::StatusOr<storage::OwningRecord> owner = store_->GetOwner(kind, owner_id);
  if (!owner.ok()) return owner.status();
  if (absl::Status s = scope_->CheckRead(caller, kind, owner_id, owner->organization); !s.ok()) {
    return s;
  }
  absl::StatusOr<Page<PersonalEffect>> page =
      store_->ListEffects(kind, owner_id, show_deleted, page_size, after_id);
  if (!page.ok()) return page;
  if (!MaySeeDocuments(caller)) {
    std::erase_if(page->records,
                  [](const PersonalEffect& e) { return e.category == EffectCategory::kDocument; });
  }
  std::vector<std::string> targets = Names(*page);
  targets.insert(targets.begin(), RecordName(kind, owner_id));
  if (absl::Status s = records_->AppendAudit(
          audit::EventFor(caller, "EffectService/ListEffects", std::move(targets)));
      !s.ok()) {
    return s;
  }
  return page;
}

absl::StatusOr<PersonalEffect> PersonalEffects::UpdateEffect(
    const auth::Principal& caller, const PartRef& ref, const PersonalEffect& values,
    const std::vector<std::string>& update_mask, std::optional<int64_t> expected_revision) {
  absl::StatusOr<PersonalEffect> updated = store_->UpdateEffect(
      ref.parent.kind, ref.parent.id, ref.id, expected_revision,
      [&](const storage::OwningRecord& owner, PersonalEffect& effect) -> absl::Status {
        if (absl::Status s = scope_->CheckWrite(caller, ref.parent.kind, owner.organization);
            !s.ok()) {
          return s;
        }
        if (effect.meta.delete_time || owner.deleted) {
          return absl::FailedPreconditionError("the effect or its record is deleted");
        }
        if (absl::Status s = ApplyUpdateMask(values, update_mask, effect); !s.ok()) return s;
        return InvalidFields(ValidateEffect(effect));
      },
      audit::EventFor(caller, "EffectService/UpdateEffect"));
  if (updated.ok()) Committed(*updated);
  return updated;
}

absl::StatusOr<PersonalEffect> PersonalEffects::DeleteEffect(
    const auth::Principal& caller, const PartRef& ref, const std::string& reason,
    std::optional<int64_t> expected_revision) {
  if (absl::Status s = ValidateWithdrawalReason(reason, "the effect"); !s.ok()) return s;
  const Timestamp now = clock_();
  absl::StatusOr<PersonalEffect> deleted = store_->UpdateEffect(
      ref.parent.kind, ref.parent.id, ref.id, expected_revision,
      [&](const storage::OwningRecord& owner, PersonalEffect& effect) -> absl::Status {
        if (absl::Status s = scope_->CheckWrite(caller, ref.parent.kind, owner.organization);
            !s.ok()) {
          return s;
        }
        if (!effect.meta.delete_time) {
          effect.meta.delete_time = now;
          effect.meta.delete_reason = reason;
        }
        return absl::OkStatus();
      },
      audit::EventFor(caller, "EffectService/DeleteEffect"));
  if (deleted.ok()) Committed(*deleted);
  return deleted;
}

absl::StatusOr<Page<PersonalEffect>> PersonalEffects::SearchEffects(const auth::Principal& caller,
                                                                    storage::EffectSearch search) {
  if (absl::Status s = CheckPage(search.page_size); !s.ok()) return s;
  if (!IsValidUtf8(search.text) || search.text.size() > kMaxShortText) {
    return InvalidFields(
        {{"query", absl::StrCat("must be valid UTF-8 of at most ", kMaxShortText, " bytes")}});
  }
  if (absl::Status s = scope_->NarrowMarkSearch(caller, search.owner_kind, &search.organization);
      !s.ok()) {
    return s;
  }
  search.exclude_documents = !MaySeeDocuments(caller);
  absl::StatusOr<Page<PersonalEffect>> page = store_->SearchEffects(search);
  if (!page.ok()) return page;
  audit::AuditEvent event = audit::EventFor(caller, "EffectService/SearchEffects", Names(*page));
  nlohmann::json categories = nlohmann::json::array();
  for (EffectCategory c : search.categories) categories.push_back(static_cast<int>(c));
  event.outcome_json =
      nlohmann::json{
          {"query", search.text}, {"categories", categories}, {"returned", page->records.size()}}
          .dump();
  if (absl::Status s = records_->AppendAudit(event); !s.ok()) return s;
  return page;
}

}  // namespace encuentro::records
