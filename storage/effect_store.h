// Persistence of clothing and personal effects: each change commits with its audit entry and a
// cross-match job for the owning record, and is checked against the revision the caller read.
// Also the full-text search of effects by description (Spanish stemming, accents ignored).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit_event.h"
#include "records/model.h"
#include "records/request_key.h"
#include "storage/database.h"
#include "storage/owning_record.h"

namespace encuentro::storage {

// Effects on records of one kind matching every set member; unset members do not filter.
struct EffectSearch {
  records::RecordKind owner_kind = records::RecordKind::kRemains;
  // As MarkSearch::text: every word, Spanish stemming, accents ignored.
  std::string text;
  std::vector<records::EffectCategory> categories;
  // Leave documents out (for callers who may not see them).
  bool exclude_documents = false;
  std::string organization;
  int page_size = 50;
  int64_t after_id = 0;
};

// Thread-safe: each call runs in its own transaction on a pooled connection.
class EffectStore {
 public:
  explicit EffectStore(Database* database) : database_(database) {}

  // As MarkStore::InsertMark.
  absl::StatusOr<records::PersonalEffect> InsertEffect(
      const records::PersonalEffect& effect, const records::RequestKey& key,
      const std::function<absl::Status(const OwningRecord&)>& admit,
      const audit::AuditEvent& event);
  absl::StatusOr<records::PersonalEffect> GetEffect(records::RecordKind kind, int64_t owner_id,
                                                    int64_t effect_id);
  absl::StatusOr<OwningRecord> GetOwner(records::RecordKind kind, int64_t owner_id);
  absl::StatusOr<records::Page<records::PersonalEffect>> ListEffects(records::RecordKind kind,
                                                                     int64_t owner_id,
                                                                     bool show_deleted,
                                                                     int page_size,
                                                                     int64_t after_id);
  // As MarkStore::UpdateMark.
  absl::StatusOr<records::PersonalEffect> UpdateEffect(
      records::RecordKind kind, int64_t owner_id, int64_t effect_id,
      std::optional<int64_t> expected_revision,
      const std::function<absl::Status(const OwningRecord&, records::PersonalEffect&)>& mutate,
      const audit::AuditEvent& event);
  // Live effects of live records, by effect id.
  absl::StatusOr<records::Page<records::PersonalEffect>> SearchEffects(const EffectSearch& search);

 private:
  Database* database_;
};

}  // namespace encuentro::storage
