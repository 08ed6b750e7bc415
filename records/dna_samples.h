// The DNA-sample use cases (tracking only, no kinship computation): record, read, list, change
// and soft-delete the family reference samples of a missing person and the post-mortem samples
// of remains. A sample follows its record's scope; every access is audited.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/case_scope.h"
#include "auth/principal.h"
#include "records/model.h"
#include "records/names.h"
#include "records/request_key.h"
#include "storage/case_record_store.h"
#include "storage/dna_sample_store.h"

namespace encuentro::records {

// Thread-safe (the stores are).
class DnaSamples {
 public:
  // `records` keeps the audit log of reads.
  DnaSamples(storage::DnaSampleStore* store, storage::CaseRecordStore* records,
             const auth::CaseScope* scope,
             std::function<Timestamp()> clock = std::chrono::system_clock::now);

  // `sample.owner_kind` and `owner_id` say where. INVALID_ARGUMENT with field violations;
  // NOT_FOUND for an unknown record; FAILED_PRECONDITION for a deleted one.
  absl::StatusOr<DnaSample> CreateSample(const auth::Principal& caller, DnaSample sample,
                                         const RequestKey& key);
  absl::StatusOr<DnaSample> GetSample(const auth::Principal& caller, const PartRef& ref);
  absl::StatusOr<Page<DnaSample>> ListSamples(const auth::Principal& caller, RecordKind kind,
                                              int64_t owner_id, bool show_deleted, int page_size,
                                              int64_t after_id);
  // Copies the fields named by `update_mask` from `values` (e.g. "status" as results arrive).
  absl::StatusOr<DnaSample> UpdateSample(const auth::Principal& caller, const PartRef& ref,
                                         const DnaSample& values,
                                         const std::vector<std::string>& update_mask,
                                         std::optional<int64_t> expected_revision);
  absl::StatusOr<DnaSample> DeleteSample(const auth::Principal& caller, const PartRef& ref,
                                         const std::string& reason,
                                         std::optional<int64_t> expected_revision);

 private:
  Date Today() const;

  storage::DnaSampleStore* store_;
  storage::CaseRecordStore* records_;
  const auth::CaseScope* scope_;
  std::function<Timestamp()> clock_;
};

}  // namespace encuentro::records
