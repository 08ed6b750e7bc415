#include "storage/case_record_store.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/text.h"
#include "records/names.h"
#include "storage/audit_writer.h"
#include "storage/connection_pool.h"
#include "storage/cross_match_enqueue.h"
#include "storage/record_children.h"
#include "storage/sql_values.h"

namespace encuentro::storage {
namespace {

using records::MissingPerson;
using records::Page;
using records::RecordKind;
using records::RecordQuery;
using records::RequestKey;
using records::UnidentifiedRemains;

// Bookkeeping columns, selected first by every record query (see ReadMeta).
constexpr char kMetaColumns[] =
    "id, organization, (extract(epoch from create_time) * 1e6)::bigint, "
    "(extract(epoch from update_time) * 1e6)::bigint, revision, "
    "(extract(epoch from delete_time) * 1e6)::bigint, delete_reason";
constexpr int kMetaCount = 7;

records::RecordMetadata ReadMeta(const pqxx::row& row) {
  records::RecordMetadata meta;
  meta.id = row[0].as<int64_t>();
  meta.organization = row[1].as<std::string>();
  meta.create_time = MicrosField(row[2]);
  meta.update_time = MicrosField(row[3]);
  meta.revision = row[4].as<int64_t>();
  meta.delete_time = OptionalMicrosField(row[5]);
  meta.delete_reason = TextField(row[6]);
  return meta;
}

const char* StatusToSql(records::MissingPersonStatus status) {
  switch (status) {
    case records::MissingPersonStatus::kMissing:
      return "missing";
    case records::MissingPersonStatus::kLocatedAlive:
      return "located_alive";
    case records::MissingPersonStatus::kLocatedDeceased:
      return "located_deceased";
    case records::MissingPersonStatus::kWithdrawn:
      return "withdrawn";
  }
  return "missing";
}

records::MissingPersonStatus StatusFromSql(const std::string& text) {
  if (text == "located_alive") return records::MissingPersonStatus::kLocatedAlive;
  if (text == "located_deceased") return records::MissingPersonStatus::kLocatedDeceased;
  if (text == "withdrawn") return records::MissingPersonStatus::kWithdrawn;
  return records::MissingPersonStatus::kMissing;
}

constexpr const char* kConditions[] = {"unspecified", "complete", "decomposed", "skeletonized",
                                       "fragmentary", "burned",   "commingled"};

records::RemainsCondition ConditionFromSql(const std::string& text) {
  for (size_t i = 0; i < std::size(kConditions); ++i) {
    if (text == kConditions[i]) return static_cast<records::RemainsCondition>(i);
  }
  return records::RemainsCondition::kUnspecified;
}

void AddLocation(const std::optional<records::GeoPoint>& point, SqlParams& params) {
  params.Add(point ? std::optional<double>(point->latitude) : std::nullopt);
  params.Add(point ? std::optional<double>(point->longitude) : std::nullopt);
}

std::optional<records::GeoPoint> ReadLocation(const pqxx::field& lat, const pqxx::field& lon) {
  if (lat.is_null() || lon.is_null()) return std::nullopt;
  return records::GeoPoint{lat.as<double>(), lon.as<double>()};
}

// What differs between record tables; the transaction logic below is shared.
struct MissingPersonTable {
  using Record = MissingPerson;
  static constexpr char kTable[] = "missing_persons";
  static constexpr records::RecordKind kKind = records::RecordKind::kMissingPerson;
  static constexpr char kDateColumn[] = "last_seen_date";
  static constexpr char kSexColumn[] = "sex";
  static constexpr const char* kDataColumns[] = {"case_folio",
                                                 "issuing_authority",
                                                 "given_names",
                                                 "family_names",
                                                 "aliases",
                                                 "sex",
                                                 "date_of_birth",
                                                 "age_at_disappearance_years",
                                                 "age_uncertainty_years",
                                                 "last_seen_date",
                                                 "last_seen_place",
                                                 "last_seen_latitude",
                                                 "last_seen_longitude",
                                                 "reported_height_cm",
                                                 "reported_height_precision_cm",
                                                 "status",
                                                 "date_of_birth_precision",
                                                 "last_seen_precision"};

  static std::string Name(int64_t id) { return records::MissingPersonName(id); }

  static void Bind(const Record& p, SqlParams& params) {
    params.Add(p.case_folio).Add(p.issuing_authority).Add(p.given_names).Add(p.family_names);
    params.Add(nlohmann::json(p.aliases).dump()).Add(SexToSql(p.sex)).Add(p.date_of_birth);
    params.Add(p.age_at_disappearance ? std::optional(p.age_at_disappearance->years)
                                      : std::nullopt);
    params.Add(p.age_at_disappearance ? std::optional(p.age_at_disappearance->uncertainty_years)
                                      : std::nullopt);
    params.Add(p.last_seen_date).Add(p.last_seen_place.description);
    AddLocation(p.last_seen_place.location, params);
    params.Add(p.reported_height ? std::optional(p.reported_height->cm) : std::nullopt);
    params.Add(p.reported_height ? std::optional(p.reported_height->precision_cm) : std::nullopt);
    params.Add(StatusToSql(p.status));
    params.Add(PrecisionToSql(p.date_of_birth_precision))
        .Add(PrecisionToSql(p.last_seen_precision));
  }

  static Record Read(const pqxx::row& row) {
    Record p;
    p.meta = ReadMeta(row);
    int i = kMetaCount;
    p.case_folio = row[i++].as<std::string>();
    p.issuing_authority = row[i++].as<std::string>();
    p.given_names = row[i++].as<std::string>();
    p.family_names = row[i++].as<std::string>();
    p.aliases = nlohmann::json::parse(row[i++].as<std::string>()).get<std::vector<std::string>>();
    p.sex = SexFromSql(row[i++].as<std::string>());
    p.date_of_birth = DateField(row[i++]);
    std::optional<double> age = DoubleField(row[i++]);
    std::optional<double> age_uncertainty = DoubleField(row[i++]);
    if (age)
      p.age_at_disappearance = records::AgeAtDisappearance{*age, age_uncertainty.value_or(0)};
    p.last_seen_date = DateField(row[i++]);
    p.last_seen_place.description = row[i++].as<std::string>();
    p.last_seen_place.location = ReadLocation(row[i], row[i + 1]);
    i += 2;
    std::optional<double> height = DoubleField(row[i++]);
    std::optional<double> precision = DoubleField(row[i++]);
    if (height) p.reported_height = records::ReportedHeight{*height, precision.value_or(0)};
    p.status = StatusFromSql(row[i++].as<std::string>());
    p.date_of_birth_precision = PrecisionFromSql(row[i++].as<std::string>());
    p.last_seen_precision = PrecisionFromSql(row[i++].as<std::string>());
    return p;
  }

  static void AddFilters(const RecordQuery& query, std::string& where, SqlParams& params, int& n) {
    if (!query.statuses.empty()) {
      nlohmann::json statuses = nlohmann::json::array();
      for (auto s : query.statuses) statuses.push_back(StatusToSql(s));
      where += absl::StrCat(" AND status IN (SELECT jsonb_array_elements_text($", ++n, "::jsonb))");
      params.Add(statuses.dump());
    }
  }
};

struct RemainsTable {
  using Record = UnidentifiedRemains;
  static constexpr char kTable[] = "remains";
  static constexpr records::RecordKind kKind = records::RecordKind::kRemains;
  static constexpr char kDateColumn[] = "found_date";
  static constexpr char kSexColumn[] = "sex_estimate";
  static constexpr const char* kDataColumns[] = {"case_folio",
                                                 "lab",
                                                 "responsible_expert",
                                                 "found_date",
                                                 "found_place",
                                                 "found_latitude",
                                                 "found_longitude",
                                                 "pmi_min_days",
                                                 "pmi_max_days",
                                                 "sex_estimate",
                                                 "sex_probability",
                                                 "sex_method",
                                                 "sex_author",
                                                 "age_min_years",
                                                 "age_max_years",
                                                 "age_method",
                                                 "age_author",
                                                 "stature_min_cm",
                                                 "stature_max_cm",
                                                 "stature_method",
                                                 "stature_author",
                                                 "condition",
                                                 "notes",
                                                 "sex_method_kind",
                                                 "sex_error_rate",
                                                 "stature_cm",
                                                 "stature_se_cm",
                                                 "stature_formula_id",
                                                 "marks_examined",
                                                 "found_precision"};

  static std::string Name(int64_t id) { return records::RemainsName(id); }

  static void Bind(const Record& r, SqlParams& params) {
    params.Add(r.case_folio).Add(r.lab).Add(r.responsible_expert).Add(r.found_date);
    params.Add(r.found_place.description);
    AddLocation(r.found_place.location, params);
    const auto& pmi = r.post_mortem_interval;
    params.Add(pmi ? std::optional(pmi->min_days) : std::nullopt);
    params.Add(pmi ? std::optional(pmi->max_days) : std::nullopt);
    const auto& bio = r.biological_profile;
    if (bio.sex) {
      params.Add(SexToSql(bio.sex->sex)).Add(bio.sex->probability);
      params.Add(bio.sex->assessment.method).Add(bio.sex->assessment.author);
    } else {
      params.AddNull().AddNull().AddNull().AddNull();
    }
    if (bio.age) {
      params.Add(bio.age->min_years).Add(bio.age->max_years);
      params.Add(bio.age->assessment.method).Add(bio.age->assessment.author);
    } else {
      params.AddNull().AddNull().AddNull().AddNull();
    }
    if (bio.stature) {
      params.Add(bio.stature->min_cm).Add(bio.stature->max_cm);
      params.Add(bio.stature->assessment.method).Add(bio.stature->assessment.author);
    } else {
      params.AddNull().AddNull().AddNull().AddNull();
    }
    params.Add(kConditions[static_cast<int>(r.condition)]).Add(r.notes);
    params.Add(SexMethodToSql(bio.sex ? bio.sex->method : records::SexMethod::kUnspecified));
    params.Add(bio.sex ? bio.sex->error_rate : std::nullopt);
    params.Add(bio.stature ? bio.stature->point_cm : std::nullopt);
    params.Add(bio.stature ? bio.stature->standard_error_cm : std::nullopt);
    if (bio.stature && !bio.stature->formula_id.empty()) {
      params.Add(bio.stature->formula_id);
    } else {
      params.AddNull();
    }
    params.Add(r.marks_examined).Add(PrecisionToSql(r.found_precision));
  }

  static Record Read(const pqxx::row& row) {
    Record r;
    r.meta = ReadMeta(row);
    int i = kMetaCount;
    r.case_folio = row[i++].as<std::string>();
    r.lab = row[i++].as<std::string>();
    r.responsible_expert = row[i++].as<std::string>();
    r.found_date = DateField(row[i++]);
    r.found_place.description = row[i++].as<std::string>();
    r.found_place.location = ReadLocation(row[i], row[i + 1]);
    i += 2;
    std::optional<double> pmi_min = DoubleField(row[i++]);
    std::optional<double> pmi_max = DoubleField(row[i++]);
    if (pmi_min && pmi_max)
      r.post_mortem_interval = records::PostMortemInterval{*pmi_min, *pmi_max};
    auto& bio = r.biological_profile;
    if (!row[i].is_null()) {
      bio.sex = records::SexEstimate{SexFromSql(row[i].as<std::string>()),
                                     row[i + 1].as<double>(),
                                     {TextField(row[i + 2]), TextField(row[i + 3])}};
    }
    i += 4;
    if (!row[i].is_null()) {
      bio.age = records::AgeEstimate{row[i].as<double>(),
                                     row[i + 1].as<double>(),
                                     {TextField(row[i + 2]), TextField(row[i + 3])}};
    }
    i += 4;
    if (!row[i].is_null()) {
      bio.stature = records::StatureEstimate{row[i].as<double>(),
                                             row[i + 1].as<double>(),
                                             {TextField(row[i + 2]), TextField(row[i + 3])}};
    }
    i += 4;
    r.condition = ConditionFromSql(row[i++].as<std::string>());
    r.notes = row[i++].as<std::string>();
    const records::SexMethod sex_method = SexMethodFromSql(row[i++].as<std::string>());
    const std::optional<double> sex_error_rate = DoubleField(row[i++]);
    if (bio.sex) {
      bio.sex->method = sex_method;
      bio.sex->error_rate = sex_error_rate;
    }
    const std::optional<double> stature_cm = DoubleField(row[i++]);
    const std::optional<double> stature_se_cm = DoubleField(row[i++]);
    const std::string formula_id = TextField(row[i++]);
    if (bio.stature) {
      bio.stature->point_cm = stature_cm;
      bio.stature->standard_error_cm = stature_se_cm;
      bio.stature->formula_id = formula_id;
    }
    r.marks_examined = row[i++].as<bool>();
    r.found_precision = PrecisionFromSql(row[i++].as<std::string>());
    return r;
  }

  static void AddFilters(const RecordQuery&, std::string&, SqlParams&, int&) {}
};

template <typename Table>
std::string SelectColumns() {
  std::string columns = kMetaColumns;
  for (const char* c : Table::kDataColumns) absl::StrAppend(&columns, ", ", c);
  return columns;
}

template <typename Table>
std::optional<typename Table::Record> SelectById(pqxx::transaction_base& tx, int64_t id,
                                                 bool for_update) {
  pqxx::result rows = SqlParams().Add(id).Exec(
      tx, absl::StrCat("SELECT ", SelectColumns<Table>(), " FROM ", Table::kTable, " WHERE id = $1",
                       for_update ? " FOR UPDATE" : ""));
  if (rows.empty()) return std::nullopt;
  std::vector<typename Table::Record> record{Table::Read(rows[0])};
  AttachRecordParts(tx, Table::kKind, record);
  return std::move(record[0]);
}

absl::Status NotFound(const std::string& name) {
  return absl::NotFoundError(absl::StrCat(name, " not found"));
}

template <typename Table>
absl::StatusOr<typename Table::Record> Insert(Database& db, const typename Table::Record& record,
                                              const RequestKey& key,
                                              const audit::AuditEvent& event) {
  std::optional<typename Table::Record> result;
  absl::Status outcome = absl::OkStatus();
  absl::Status status = db.pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    SqlParams params;
    params.Add(record.meta.organization);
    params.Add(key.id.empty() ? std::nullopt : std::optional(key.id));
    params.Add(key.id.empty() ? std::nullopt : std::optional(key.digest));
    Table::Bind(record, params);
    std::string columns = "organization, create_request_id, create_request_digest";
    std::string values = "$1, $2, $3";
    int n = 3;
    for (const char* c : Table::kDataColumns) {
      absl::StrAppend(&columns, ", ", c);
      absl::StrAppend(&values, ", $", ++n);
    }
    pqxx::result inserted = params.Exec(
        tx,
        absl::StrCat("INSERT INTO ", Table::kTable, " (", columns, ") VALUES (", values,
                     ") ON CONFLICT (organization, create_request_id) DO NOTHING RETURNING id"));
    if (inserted.empty()) {
      // A retry of a create that already succeeded: hand back what it made, if it asked for
      // the same thing.
      pqxx::result existing =
          SqlParams()
              .Add(record.meta.organization)
              .Add(key.id)
              .Exec(tx, absl::StrCat("SELECT id, create_request_digest FROM ", Table::kTable,
                                     " WHERE organization = $1 AND "
                                     "create_request_id = $2"));
      const int64_t id = existing.at(0)[0].as<int64_t>();
      if (!existing[0][1].is_null() && existing[0][1].as<std::string>() != key.digest) {
        outcome = records::RequestIdReused(key, Table::Name(id));
        return;
      }
      result = SelectById<Table>(tx, id, false);
      tx.commit();
      return;
    }
    const int64_t id = inserted[0][0].as<int64_t>();
    audit::AuditEvent entry = event;
    entry.targets.push_back(Table::Name(id));
    AppendAuditEntry(db, tx, entry);
    EnqueueCrossMatch(tx, Table::kKind, id, "created");
    result = SelectById<Table>(tx, id, false);
    tx.commit();
  });
  if (!status.ok()) return status;
  if (!outcome.ok()) return outcome;
  return *result;
}

template <typename Table>
absl::StatusOr<typename Table::Record> Get(Database& db, int64_t id) {
  std::optional<typename Table::Record> result;
  absl::Status status = db.pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    result = SelectById<Table>(tx, id, false);
  });
  if (!status.ok()) return status;
  if (!result) return NotFound(Table::Name(id));
  return *result;
}

template <typename Table>
absl::StatusOr<std::vector<typename Table::Record>> GetMany(Database& db,
                                                            const std::vector<int64_t>& ids) {
  std::vector<typename Table::Record> records;
  if (ids.empty()) return records;
  absl::Status status = db.pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    for (const auto& row :
         SqlParams()
             .Add(IdArray(ids))
             .Exec(tx, absl::StrCat("SELECT ", SelectColumns<Table>(), " FROM ", Table::kTable,
                                    " WHERE id = ANY($1::bigint[]) ORDER BY id"))) {
      records.push_back(Table::Read(row));
    }
    AttachRecordParts(tx, Table::kKind, records);
  });
  if (!status.ok()) return status;
  return records;
}

template <typename Table>
absl::StatusOr<Page<typename Table::Record>> List(Database& db, const RecordQuery& query) {
  Page<typename Table::Record> page;
  absl::Status status = db.pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    SqlParams params;
    params.Add(query.after_id);
    int n = 1;
    std::string where = "id > $1";
    if (!query.show_deleted) where += " AND delete_time IS NULL";
    if (query.sex) {
      absl::StrAppend(&where, " AND ", Table::kSexColumn, " = $", ++n);
      params.Add(SexToSql(*query.sex));
    }
    if (!query.organization.empty()) {
      absl::StrAppend(&where, " AND organization = $", ++n);
      params.Add(query.organization);
    }
    if (query.date_from) {
      absl::StrAppend(&where, " AND ", Table::kDateColumn, " >= $", ++n);
      params.Add(*query.date_from);
    }
    if (query.date_to) {
      absl::StrAppend(&where, " AND ", Table::kDateColumn, " <= $", ++n);
      params.Add(*query.date_to);
    }
    Table::AddFilters(query, where, params, n);
    // One extra row tells whether another page follows.
    pqxx::result rows =
        params.Exec(tx, absl::StrCat("SELECT ", SelectColumns<Table>(), " FROM ", Table::kTable,
                                     " WHERE ", where, " ORDER BY id LIMIT ", query.page_size + 1));
    for (const auto& row : rows) {
      if (static_cast<int>(page.records.size()) == query.page_size) {
        page.next_after_id = page.records.back().meta.id;
        break;
      }
      page.records.push_back(Table::Read(row));
    }
    AttachRecordParts(tx, Table::kKind, page.records);
  });
  if (!status.ok()) return status;
  return page;
}

template <typename Table>
absl::StatusOr<typename Table::Record> Update(
    Database& db, int64_t id, std::optional<int64_t> expected_revision,
    const std::function<absl::Status(typename Table::Record&)>& mutate,
    const audit::AuditEvent& event) {
  std::optional<typename Table::Record> result;
  absl::Status outcome = absl::OkStatus();
  absl::Status status = db.pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    std::optional<typename Table::Record> current = SelectById<Table>(tx, id, /*for_update=*/true);
    if (!current) {
      outcome = NotFound(Table::Name(id));
      return;
    }
    typename Table::Record updated = *current;
    // `mutate` first: it checks the caller's scope, and a caller out of scope learns nothing of
    // the record's revision from a stale etag.
    outcome = mutate(updated);
    if (!outcome.ok()) return;
    if (expected_revision && *expected_revision != current->meta.revision) {
      outcome = absl::AbortedError(
          absl::StrCat(Table::Name(id), " was changed by someone else (etag ",
                       records::Etag(*expected_revision), " is stale, current is ",
                       records::Etag(current->meta.revision), "); read it again and retry"));
      return;
    }
    SqlParams params;
    params.Add(id);
    Table::Bind(updated, params);
    std::string sets;
    int n = 1;
    for (const char* c : Table::kDataColumns) absl::StrAppend(&sets, c, " = $", ++n, ", ");
    params.Add(updated.meta.delete_time)
        .Add(updated.meta.delete_time ? std::optional(updated.meta.delete_reason) : std::nullopt);
    absl::StrAppend(&sets, "delete_time = to_timestamp($", n + 1, "), delete_reason = $", n + 2,
                    ", update_time = now(), revision = revision + 1");
    params.Exec(tx, absl::StrCat("UPDATE ", Table::kTable, " SET ", sets, " WHERE id = $1"));
    audit::AuditEvent entry = event;
    if (entry.targets.empty()) entry.targets.push_back(Table::Name(id));
    AppendAuditEntry(db, tx, entry);
    if (!updated.meta.delete_time) EnqueueCrossMatch(tx, Table::kKind, id, "updated");
    result = SelectById<Table>(tx, id, false);
    tx.commit();
  });
  if (!status.ok()) return status;
  if (!outcome.ok()) return outcome;
  return *result;
}

}  // namespace

absl::StatusOr<MissingPerson> CaseRecordStore::InsertMissingPerson(const MissingPerson& person,
                                                                   const RequestKey& key,
                                                                   const audit::AuditEvent& event) {
  return Insert<MissingPersonTable>(*database_, person, key, event);
}

absl::StatusOr<MissingPerson> CaseRecordStore::GetMissingPerson(int64_t id) {
  return Get<MissingPersonTable>(*database_, id);
}

absl::StatusOr<std::vector<MissingPerson>> CaseRecordStore::GetMissingPersons(
    const std::vector<int64_t>& ids) {
  return GetMany<MissingPersonTable>(*database_, ids);
}

absl::StatusOr<Page<MissingPerson>> CaseRecordStore::ListMissingPersons(const RecordQuery& query) {
  return List<MissingPersonTable>(*database_, query);
}

absl::StatusOr<MissingPerson> CaseRecordStore::UpdateMissingPerson(
    int64_t id, std::optional<int64_t> expected_revision,
    const std::function<absl::Status(MissingPerson&)>& mutate, const audit::AuditEvent& event) {
  return Update<MissingPersonTable>(*database_, id, expected_revision, mutate, event);
}

absl::StatusOr<UnidentifiedRemains> CaseRecordStore::InsertRemains(
    const UnidentifiedRemains& remains, const RequestKey& key, const audit::AuditEvent& event) {
  return Insert<RemainsTable>(*database_, remains, key, event);
}

absl::StatusOr<UnidentifiedRemains> CaseRecordStore::GetRemains(int64_t id) {
  return Get<RemainsTable>(*database_, id);
}

absl::StatusOr<std::vector<UnidentifiedRemains>> CaseRecordStore::GetRemainsMany(
    const std::vector<int64_t>& ids) {
  return GetMany<RemainsTable>(*database_, ids);
}

absl::StatusOr<Page<UnidentifiedRemains>> CaseRecordStore::ListRemains(const RecordQuery& query) {
  return List<RemainsTable>(*database_, query);
}

absl::StatusOr<UnidentifiedRemains> CaseRecordStore::UpdateRemains(
    int64_t id, std::optional<int64_t> expected_revision,
    const std::function<absl::Status(UnidentifiedRemains&)>& mutate,
    const audit::AuditEvent& event) {
  return Update<RemainsTable>(*database_, id, expected_revision, mutate, event);
}

absl::Status CaseRecordStore::AppendAudit(const audit::AuditEvent& event) {
  return AppendAuditEntry(*database_, event);
}

std::unordered_map<int64_t, std::vector<int64_t>> SameFolioRecordsOf(
    pqxx::transaction_base& tx, RecordKind kind, const std::vector<int64_t>& owner_ids) {
  std::unordered_map<int64_t, std::vector<int64_t>> found;
  const char* table = kind == RecordKind::kMissingPerson ? "missing_persons" : "remains";
  // Matches the expression of the folio indexes of migration 0017.
  for (const auto& row :
       SqlParams()
           .Add(IdArray(owner_ids))
           .Exec(tx, absl::StrCat(
                         "SELECT a.id, b.id FROM ", table, " a JOIN ", table,
                         " b ON b.organization = a.organization AND lower(btrim(b.case_folio)) "
                         "= lower(btrim(a.case_folio)) AND b.id <> a.id AND b.delete_time IS "
                         "NULL WHERE a.id = ANY($1::bigint[]) ORDER BY a.id, b.id"))) {
    found[row[0].as<int64_t>()].push_back(row[1].as<int64_t>());
  }
  return found;
}

}  // namespace encuentro::storage
