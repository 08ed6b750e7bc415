// The personal-effects use cases: record, read, list, change and soft-delete the clothing and
// effects of a missing person (as last seen) or found with remains, and search them by
// description. An effect follows its record's scope, except that documents are shown to staff
// and labs only; every access is audited.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/case_scope.h"
#include "auth/principal.h"
#include "records/matching_observer.h"
#include "records/model.h"
#include "records/names.h"
#include "records/request_key.h"
#include "storage/case_record_store.h"
#include "storage/effect_store.h"

namespace encuentro::records {

// Whether `caller` may see documents (identity papers found with a body): staff and labs only.
bool MaySeeDocuments(const auth::Principal& caller);

// Thread-safe (the stores are).
class PersonalEffects {
 public:
  // `records` reads a missing person again after their effects change, for the observer, and
  // keeps the audit log of reads.
  PersonalEffects(storage::EffectStore* store, storage::CaseRecordStore* records,
                  const auth::CaseScope* scope,
                  std::function<Timestamp()> clock = std::chrono::system_clock::now);

  absl::StatusOr<PersonalEffect> CreateEffect(const auth::Principal& caller, PersonalEffect effect,
                                              const RequestKey& key);
  absl::StatusOr<PersonalEffect> GetEffect(const auth::Principal& caller, const PartRef& ref);
  absl::StatusOr<Page<PersonalEffect>> ListEffects(const auth::Principal& caller, RecordKind kind,
                                                   int64_t owner_id, bool show_deleted,
                                                   int page_size, int64_t after_id);
  absl::StatusOr<PersonalEffect> UpdateEffect(const auth::Principal& caller, const PartRef& ref,
                                              const PersonalEffect& values,
                                              const std::vector<std::string>& update_mask,
                                              std::optional<int64_t> expected_revision);
  absl::StatusOr<PersonalEffect> DeleteEffect(const auth::Principal& caller, const PartRef& ref,
                                              const std::string& reason,
                                              std::optional<int64_t> expected_revision);
  // As MarkRecords::SearchMarks; documents are left out for callers who may not see them.
  absl::StatusOr<Page<PersonalEffect>> SearchEffects(const auth::Principal& caller,
                                                     storage::EffectSearch search);

  // Not owned; told when a missing person's effects change. Set before serving.
  void set_observer(MatchingObserver* observer) { observer_ = observer; }

 private:
  void Committed(const PersonalEffect& effect);

  storage::EffectStore* store_;
  storage::CaseRecordStore* records_;
  const auth::CaseScope* scope_;
  std::function<Timestamp()> clock_;
  MatchingObserver* observer_ = nullptr;
};

}  // namespace encuentro::records
