#include "storage/dental_store.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "records/names.h"
#include "storage/audit_writer.h"
#include "storage/connection_pool.h"
#include "storage/cross_match_enqueue.h"
#include "storage/record_children.h"
#include "storage/sql_values.h"

namespace encuentro::storage {
namespace {

using records::DentalChart;
using records::RecordKind;

// Indexed by the enums' values (records/model.h); the CHECK constraint of migration 0011.
constexpr const char* kSources[] = {"unspecified",          "dental_record", "radiograph",
                                    "clinical_examination", "family_report", "other"};
constexpr const char* kStates[] = {"not_examined", "present", "missing_am", "missing_pm",
                                   "unerupted"};
constexpr const char* kRestorations[] = {"filling", "crown",   "root_canal",
                                         "bridge",  "implant", "prosthesis"};
constexpr const char* kMaterials[] = {"unspecified",   "amalgam",   "composite",
                                      "ceramic",       "gold",      "other_metal",
                                      "glass_ionomer", "temporary", "other"};

template <typename Enum, size_t N>
Enum Named(const std::string& text, const char* const (&names)[N]) {
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i]) return static_cast<Enum>(i);
  }
  return static_cast<Enum>(0);
}

nlohmann::json TeethJson(const std::vector<records::Tooth>& teeth) {
  nlohmann::json json = nlohmann::json::object();
  for (const records::Tooth& t : teeth) {
    nlohmann::json tooth = {{"state", kStates[static_cast<int>(t.state)]}};
    if (!t.restorations.empty()) {
      nlohmann::json restorations = nlohmann::json::array();
      for (const records::Restoration& r : t.restorations) {
        restorations.push_back({{"kind", kRestorations[static_cast<int>(r.kind)]},
                                {"surfaces", r.surfaces},
                                {"material", kMaterials[static_cast<int>(r.material)]}});
      }
      tooth["restorations"] = std::move(restorations);
    }
    json[std::to_string(t.fdi)] = std::move(tooth);
  }
  return json;
}

std::vector<records::Tooth> TeethFromJson(const std::string& text) {
  std::vector<records::Tooth> teeth;
  const nlohmann::json json = nlohmann::json::parse(text);  // outlives the loop over its items
  for (const auto& [fdi, tooth] : json.items()) {
    records::Tooth& t = teeth.emplace_back();
    t.fdi = std::stoi(fdi);
    t.state = Named<records::ToothState>(tooth.at("state").get<std::string>(), kStates);
    if (tooth.contains("restorations")) {
      for (const auto& r : tooth["restorations"]) {
        t.restorations.push_back(
            {Named<records::RestorationKind>(r.at("kind").get<std::string>(), kRestorations),
             r.at("surfaces").get<uint8_t>(),
             Named<records::DentalMaterial>(r.at("material").get<std::string>(), kMaterials)});
      }
    }
  }
  std::sort(teeth.begin(), teeth.end(),
            [](const records::Tooth& a, const records::Tooth& b) { return a.fdi < b.fdi; });
  return teeth;
}

constexpr char kColumns[] =
    "id, (extract(epoch from create_time) * 1e6)::bigint, "
    "(extract(epoch from update_time) * 1e6)::bigint, revision, source, source_date, notes, "
    "teeth::text, coalesce(missing_person_id, remains_id)";

DentalChart ReadChart(const pqxx::row& row) {
  DentalChart c;
  c.meta.id = row[0].as<int64_t>();
  c.meta.create_time = MicrosField(row[1]);
  c.meta.update_time = MicrosField(row[2]);
  c.meta.revision = row[3].as<int64_t>();
  c.source = Named<records::DentalSource>(row[4].as<std::string>(), kSources);
  c.source_date = DateField(row[5]);
  c.notes = row[6].as<std::string>();
  c.teeth = TeethFromJson(row[7].as<std::string>());
  return c;
}

std::optional<DentalChart> SelectChart(pqxx::transaction_base& tx, RecordKind kind, int64_t owner,
                                       bool for_update) {
  pqxx::result rows = SqlParams().Add(owner).Exec(
      tx, absl::StrCat("SELECT ", kColumns, " FROM dental_charts WHERE ", OwnerColumn(kind),
                       " = $1", for_update ? " FOR UPDATE" : ""));
  if (rows.empty()) return std::nullopt;
  return ReadChart(rows[0]);
}

absl::Status OwnerNotFound(RecordKind kind, int64_t id) {
  return absl::NotFoundError(absl::StrCat(records::RecordName(kind, id), " not found"));
}

}  // namespace

std::unordered_map<int64_t, DentalChart> DentalChartsOf(pqxx::transaction_base& tx, RecordKind kind,
                                                        const std::vector<int64_t>* owner_ids) {
  std::unordered_map<int64_t, DentalChart> charts;
  std::string where = absl::StrCat("WHERE ", OwnerColumn(kind), " IS NOT NULL");
  SqlParams params;
  if (owner_ids != nullptr) {
    params.Add(IdArray(*owner_ids));
    absl::StrAppend(&where, " AND ", OwnerColumn(kind), " = ANY($1::bigint[])");
  }
  for (const auto& row :
       params.Exec(tx, absl::StrCat("SELECT ", kColumns, " FROM dental_charts ", where))) {
    charts[row[8].as<int64_t>()] = ReadChart(row);
  }
  return charts;
}

absl::StatusOr<std::pair<OwningRecord, DentalChart>> DentalStore::GetChart(RecordKind kind,
                                                                           int64_t owner_id) {
  std::optional<OwningRecord> owner;
  std::optional<DentalChart> chart;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    owner = SelectOwningRecord(tx, kind, owner_id, false);
    if (owner) chart = SelectChart(tx, kind, owner_id, false);
  });
  if (!status.ok()) return status;
  if (!owner) return OwnerNotFound(kind, owner_id);
  if (!chart) chart.emplace();
  chart->meta.organization = owner->organization;
  return std::pair(*owner, *std::move(chart));
}

absl::StatusOr<DentalChart> DentalStore::UpdateChart(
    RecordKind kind, int64_t owner_id, std::optional<int64_t> expected_revision,
    const std::function<absl::Status(const OwningRecord&, DentalChart&)>& mutate,
    const audit::AuditEvent& event) {
  std::optional<DentalChart> result;
  absl::Status outcome = absl::OkStatus();
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    // The owner's row lock serializes the first write of a chart, which has no row to lock yet.
    tx.exec_params(absl::StrCat("SELECT 1 FROM ",
                                kind == RecordKind::kMissingPerson ? "missing_persons" : "remains",
                                " WHERE id = $1 FOR UPDATE"),
                   owner_id);
    std::optional<OwningRecord> owner = SelectOwningRecord(tx, kind, owner_id, /*lock=*/false);
    if (!owner) {
      outcome = OwnerNotFound(kind, owner_id);
      return;
    }
    DentalChart chart = SelectChart(tx, kind, owner_id, true).value_or(DentalChart{});
    const int64_t current = chart.meta.revision;
    // `mutate` first: it checks the caller's scope, and a caller out of scope learns nothing of
    // the chart's revision.
    outcome = mutate(*owner, chart);
    if (!outcome.ok()) return;
    if (expected_revision && *expected_revision != current) {
      outcome = absl::AbortedError(absl::StrCat(
          records::DentalChartName(kind, owner_id), " was changed by someone else (etag ",
          records::Etag(*expected_revision), " is stale, current is ", records::Etag(current),
          "); read it again and retry"));
      return;
    }
    SqlParams params;
    params.Add(owner_id)
        .Add(kSources[static_cast<int>(chart.source)])
        .Add(chart.source_date)
        .Add(chart.notes)
        .Add(TeethJson(chart.teeth).dump());
    const char* column = OwnerColumn(kind);
    params.Exec(tx, absl::StrCat("INSERT INTO dental_charts (", column,
                                 ", source, source_date, notes, teeth) VALUES ($1, $2, $3, $4, "
                                 "$5::jsonb) ON CONFLICT (",
                                 column,
                                 ") DO UPDATE SET source = $2, source_date = $3, notes = $4, "
                                 "teeth = $5::jsonb, update_time = now(), revision = "
                                 "dental_charts.revision + 1"));
    audit::AuditEvent entry = event;
    entry.targets.push_back(records::DentalChartName(kind, owner_id));
    AppendAuditEntry(*database_, tx, entry);
    EnqueueCrossMatch(tx, kind, owner_id, "dental chart changed");
    result = SelectChart(tx, kind, owner_id, false);
    result->meta.organization = owner->organization;
    tx.commit();
  });
  if (!status.ok()) return status;
  if (!outcome.ok()) return outcome;
  return *result;
}

}  // namespace encuentro::storage
