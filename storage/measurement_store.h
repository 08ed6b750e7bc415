// Persistence of remains' measurement sets: append-only versions with their values, provenance
// and the 3-D landmarks they were derived from, each committed with its audit entry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "anthropology/landmarks.h"
#include "anthropology/measurement.h"
#include "audit/audit_event.h"
#include "records/model.h"
#include "storage/database.h"

namespace encuentro::storage {

// One version of a remains record's measurements.
struct StoredMeasurementSet {
  int64_t remains_id = 0;
  // Assigned by Insert: 1, 2, ... per remains record.
  int64_t version = 0;
  // kLandmarks when the values were derived from `landmarks`, else kDirect.
  anthropology::MeasurementOrigin origin = anthropology::MeasurementOrigin::kDirect;
  anthropology::MeasurementSet measurements;
  std::vector<anthropology::LandmarkPoint> landmarks;
  std::string observer;
  std::string instrument;
  std::optional<records::Date> measured_date;
  std::string notes;
  bool allow_outliers = false;
  std::string organization;
  std::string created_by;
  // Set by Insert.
  records::Timestamp create_time;
};

// Thread-safe: each call runs in its own transaction on a pooled connection.
class MeasurementStore {
 public:
  explicit MeasurementStore(Database* database) : database_(database) {}

  // Stores `set` as the next version of its remains record, in one transaction with the audit
  // entry (which gains the new set's name as a target). Locks the remains row so that concurrent
  // inserts get distinct versions. NOT_FOUND if the remains record does not exist,
  // FAILED_PRECONDITION if it was deleted.
  absl::StatusOr<StoredMeasurementSet> Insert(const StoredMeasurementSet& set,
                                              const audit::AuditEvent& event);
  // `version` nullopt: the latest. NOT_FOUND if there is no such set.
  absl::StatusOr<StoredMeasurementSet> Get(int64_t remains_id, std::optional<int64_t> version);
  // Newest first, at most `page_size`, only versions below `before_version` (0: no bound).
  absl::StatusOr<std::vector<StoredMeasurementSet>> List(int64_t remains_id, int page_size,
                                                         int64_t before_version);

 private:
  Database* database_;
};

// "remains/{remains}/measurementSets/{version}".
std::string MeasurementSetName(int64_t remains_id, int64_t version);

}  // namespace encuentro::storage
