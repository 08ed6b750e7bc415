#include "storage/measurement_store.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "records/names.h"
#include "storage/audit_writer.h"
#include "storage/connection_pool.h"
#include "storage/sql_values.h"

namespace encuentro::storage {
namespace {

using anthropology::MeasurementOrigin;

const char* OriginToSql(MeasurementOrigin origin) {
  return origin == MeasurementOrigin::kLandmarks ? "derived_from_landmarks" : "measured";
}

MeasurementOrigin OriginFromSql(const std::string& text) {
  return text == "derived_from_landmarks" ? MeasurementOrigin::kLandmarks
                                          : MeasurementOrigin::kDirect;
}

constexpr char kSetColumns[] =
    "id, remains_id, version, origin, observer, instrument, measured_date, notes, "
    "allow_outliers, organization, created_by, (extract(epoch from create_time) * 1e6)::bigint";

// Reads the sets `rows` selected with kSetColumns, then their values and landmarks.
std::vector<StoredMeasurementSet> ReadSets(pqxx::transaction_base& tx, const pqxx::result& rows) {
  std::vector<StoredMeasurementSet> sets;
  std::map<int64_t, size_t> by_id;
  std::string ids;
  for (const auto& row : rows) {
    StoredMeasurementSet set;
    set.remains_id = row[1].as<int64_t>();
    set.version = row[2].as<int64_t>();
    set.origin = OriginFromSql(row[3].as<std::string>());
    set.observer = row[4].as<std::string>();
    set.instrument = row[5].as<std::string>();
    set.measured_date = DateField(row[6]);
    set.notes = row[7].as<std::string>();
    set.allow_outliers = row[8].as<bool>();
    set.organization = row[9].as<std::string>();
    set.created_by = row[10].as<std::string>();
    set.create_time = MicrosField(row[11]);
    const int64_t id = row[0].as<int64_t>();
    by_id[id] = sets.size();
    absl::StrAppend(&ids, ids.empty() ? "" : ",", id);
    sets.push_back(std::move(set));
  }
  if (sets.empty()) return sets;
  const std::string id_array = absl::StrCat("{", ids, "}");
  pqxx::result values = SqlParams().Add(id_array).Exec(
      tx,
      "SELECT measurement_set_id, code, value_mm, origin FROM measurement_values "
      "WHERE measurement_set_id = ANY($1::bigint[]) ORDER BY measurement_set_id, position");
  for (const auto& row : values) {
    StoredMeasurementSet& set = sets[by_id.at(row[0].as<int64_t>())];
    set.measurements.push_back({row[1].as<std::string>(), row[2].as<double>(), "mm",
                                OriginFromSql(row[3].as<std::string>())});
  }
  pqxx::result landmarks = SqlParams().Add(id_array).Exec(
      tx,
      "SELECT measurement_set_id, landmark, x_mm, y_mm, z_mm FROM measurement_landmarks "
      "WHERE measurement_set_id = ANY($1::bigint[]) ORDER BY measurement_set_id, position");
  for (const auto& row : landmarks) {
    StoredMeasurementSet& set = sets[by_id.at(row[0].as<int64_t>())];
    anthropology::LandmarkPoint point;
    point.name = row[1].as<std::string>();
    point.position = {row[2].as<double>(), row[3].as<double>(), row[4].as<double>()};
    set.landmarks.push_back(std::move(point));
  }
  return sets;
}

}  // namespace

std::string MeasurementSetName(int64_t remains_id, int64_t version) {
  return absl::StrCat(records::RemainsName(remains_id), "/measurementSets/", version);
}

absl::StatusOr<StoredMeasurementSet> MeasurementStore::Insert(const StoredMeasurementSet& set,
                                                              const audit::AuditEvent& event) {
  std::optional<StoredMeasurementSet> stored;
  absl::Status refused = absl::OkStatus();
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    // The lock serializes version numbering per remains record.
    pqxx::result owner =
        SqlParams()
            .Add(set.remains_id)
            .Exec(tx, "SELECT delete_time IS NOT NULL FROM remains WHERE id = $1 FOR UPDATE");
    if (owner.empty()) {
      refused = absl::NotFoundError(records::RemainsName(set.remains_id) + " not found");
      return;
    }
    if (owner[0][0].as<bool>()) {
      refused = absl::FailedPreconditionError(records::RemainsName(set.remains_id) +
                                              " is deleted; measurements cannot be added");
      return;
    }
    pqxx::result last =
        SqlParams()
            .Add(set.remains_id)
            .Exec(tx,
                  "SELECT COALESCE(MAX(version), 0) FROM measurement_sets WHERE remains_id = $1");
    const int64_t version = last[0][0].as<int64_t>() + 1;
    pqxx::result inserted =
        SqlParams()
            .Add(set.remains_id)
            .Add(version)
            .Add(OriginToSql(set.origin))
            .Add(set.observer)
            .Add(set.instrument)
            .Add(set.measured_date)
            .Add(set.notes)
            .Add(set.allow_outliers)
            .Add(set.organization)
            .Add(set.created_by)
            .Exec(tx,
                  "INSERT INTO measurement_sets (remains_id, version, origin, observer, "
                  "instrument, measured_date, notes, allow_outliers, organization, created_by) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id");
    const int64_t id = inserted[0][0].as<int64_t>();
    for (size_t i = 0; i < set.measurements.size(); ++i) {
      const anthropology::Measurement& m = set.measurements[i];
      SqlParams()
          .Add(id)
          .Add(static_cast<int64_t>(i))
          .Add(m.code)
          .Add(m.value)
          .Add(OriginToSql(m.origin))
          .Exec(tx,
                "INSERT INTO measurement_values (measurement_set_id, position, code, value_mm, "
                "origin) VALUES ($1, $2, $3, $4, $5)");
    }
    for (size_t i = 0; i < set.landmarks.size(); ++i) {
      const anthropology::LandmarkPoint& p = set.landmarks[i];
      SqlParams()
          .Add(id)
          .Add(static_cast<int64_t>(i))
          .Add(p.name)
          .Add(p.position.x)
          .Add(p.position.y)
          .Add(p.position.z)
          .Exec(tx,
                "INSERT INTO measurement_landmarks (measurement_set_id, position, landmark, x_mm, "
                "y_mm, z_mm) VALUES ($1, $2, $3, $4, $5, $6)");
    }
    audit::AuditEvent entry = event;
    entry.targets.push_back(records::RemainsName(set.remains_id));
    entry.targets.push_back(MeasurementSetName(set.remains_id, version));
    AppendAuditEntry(*database_, tx, entry);
    pqxx::result row = SqlParams().Add(id).Exec(
        tx, absl::StrCat("SELECT ", kSetColumns, " FROM measurement_sets WHERE id = $1"));
    std::vector<StoredMeasurementSet> sets = ReadSets(tx, row);
    tx.commit();
    stored = std::move(sets.at(0));
  });
  if (!status.ok()) return status;
  if (!refused.ok()) return refused;
  return *std::move(stored);
}

absl::StatusOr<StoredMeasurementSet> MeasurementStore::Get(int64_t remains_id,
                                                           std::optional<int64_t> version) {
  std::vector<StoredMeasurementSet> sets;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    SqlParams params;
    params.Add(remains_id).Add(version);
    pqxx::result rows = params.Exec(
        tx,
        absl::StrCat("SELECT ", kSetColumns,
                     " FROM measurement_sets WHERE remains_id = $1 "
                     "AND ($2::integer IS NULL OR version = $2) ORDER BY version DESC LIMIT 1"));
    sets = ReadSets(tx, rows);
  });
  if (!status.ok()) return status;
  if (sets.empty()) {
    return absl::NotFoundError(version ? MeasurementSetName(remains_id, *version) + " not found"
                                       : records::RemainsName(remains_id) +
                                             " has no measurements recorded");
  }
  return std::move(sets.front());
}

absl::StatusOr<std::vector<StoredMeasurementSet>> MeasurementStore::List(int64_t remains_id,
                                                                         int page_size,
                                                                         int64_t before_version) {
  std::vector<StoredMeasurementSet> sets;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    pqxx::result rows =
        SqlParams()
            .Add(remains_id)
            .Add(before_version)
            .Add(page_size)
            .Exec(tx, absl::StrCat("SELECT ", kSetColumns,
                                   " FROM measurement_sets WHERE remains_id = $1 "
                                   "AND ($2 = 0 OR version < $2) ORDER BY version DESC LIMIT $3"));
    sets = ReadSets(tx, rows);
  });
  if (!status.ok()) return status;
  return sets;
}

}  // namespace encuentro::storage
