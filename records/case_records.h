// The case-record use cases of commission staff and forensic labs: create, read, list, update
// and soft-delete missing persons and unidentified remains. Validates everything first, then
// persists each change atomically with its audit entry.
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
#include "records/request_key.h"
#include "storage/case_record_store.h"

namespace encuentro::records {

// What an update changes, and which version it was based on.
template <typename Record>
struct RecordPatch {
  int64_t id = 0;
  Record values;
  std::vector<std::string> update_mask;
  // The revision the caller read (from its etag); nullopt: no check.
  std::optional<int64_t> expected_revision;
};

struct SoftDelete {
  int64_t id = 0;
  std::string reason;
  std::optional<int64_t> expected_revision;
};

// Thread-safe.
class CaseRecords {
 public:
  // `clock` gives "now"; dates in the future are refused against it.
  // `scope` decides which records each caller may see and change.
  CaseRecords(storage::CaseRecordStore* store, const auth::CaseScope* scope,
              std::function<Timestamp()> clock = std::chrono::system_clock::now);

  absl::StatusOr<MissingPerson> CreateMissingPerson(const auth::Principal& caller,
                                                    MissingPerson person, const RequestKey& key);
  // The read is audited under `audited_as` (the RPC that reads); null when the caller's own
  // audited entry in the same call records the access.
  absl::StatusOr<MissingPerson> GetMissingPerson(
      const auth::Principal& caller, int64_t id,
      const char* audited_as = "MissingPersonService/GetMissingPerson");
  absl::StatusOr<Page<MissingPerson>> ListMissingPersons(const auth::Principal& caller,
                                                         const RecordQuery& query);
  absl::StatusOr<MissingPerson> UpdateMissingPerson(const auth::Principal& caller,
                                                    const RecordPatch<MissingPerson>& patch);
  absl::StatusOr<MissingPerson> DeleteMissingPerson(const auth::Principal& caller,
                                                    const SoftDelete& request);

  absl::StatusOr<UnidentifiedRemains> CreateRemains(const auth::Principal& caller,
                                                    UnidentifiedRemains remains,
                                                    const RequestKey& key);
  // The read is audited under `audited_as` (the RPC that reads); null when the caller's own
  // audited change in the same call records the access.
  absl::StatusOr<UnidentifiedRemains> GetRemains(
      const auth::Principal& caller, int64_t id,
      const char* audited_as = "RemainsService/GetRemains");
  absl::StatusOr<Page<UnidentifiedRemains>> ListRemains(const auth::Principal& caller,
                                                        const RecordQuery& query);
  absl::StatusOr<UnidentifiedRemains> UpdateRemains(const auth::Principal& caller,
                                                    const RecordPatch<UnidentifiedRemains>& patch);
  absl::StatusOr<UnidentifiedRemains> DeleteRemains(const auth::Principal& caller,
                                                    const SoftDelete& request);

  // OK when `caller` may change record `id` of `kind`; NOT_FOUND or PERMISSION_DENIED otherwise.
  absl::Status CheckMayChange(const auth::Principal& caller, RecordKind kind, int64_t id);
  // OK when `caller` may read record `id` of `kind`, recorded by `organization` (read already,
  // e.g. a candidate of a search); PERMISSION_DENIED otherwise. Not audited: the calling method's
  // entry records the access.
  absl::Status CheckMayRead(const auth::Principal& caller, RecordKind kind, int64_t id,
                            const std::string& organization) const;

  // Not owned; told when a record's deletion takes its templates out of matching.
  void set_observer(MatchingObserver* observer) { observer_ = observer; }

 private:
  Date Today() const;
  // `mutate`, refused for records `caller` may not change.
  template <typename Record>
  std::function<absl::Status(Record&)> Scoped(const auth::Principal& caller, RecordKind kind,
                                              std::function<absl::Status(Record&)> mutate) const;

  storage::CaseRecordStore* store_;
  const auth::CaseScope* scope_;
  std::function<Timestamp()> clock_;
  MatchingObserver* observer_ = nullptr;
};

// Most records one List call returns.
inline constexpr int kMaxPageSize = 1000;

}  // namespace encuentro::records
