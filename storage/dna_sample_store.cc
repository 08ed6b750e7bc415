#include "storage/dna_sample_store.h"

#include "absl/strings/str_cat.h"
#include "records/names.h"
#include "storage/audit_writer.h"
#include "storage/connection_pool.h"
#include "storage/record_children.h"
#include "storage/sql_values.h"

namespace encuentro::storage {
namespace {

using records::DnaSample;
using records::RecordKind;

// Indexed by the enums' values (records/model.h); the CHECK constraints of migration 0014.
constexpr const char* kStatuses[] = {"collected", "sent", "profiled", "failed"};
constexpr const char* kRelationships[] = {
    "unspecified", "mother",     "father", "child",  "sibling", "half_sibling",
    "grandparent", "aunt_uncle", "cousin", "spouse", "other"};

template <typename Enum, size_t N>
Enum Named(const std::string& text, const char* const (&names)[N]) {
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i]) return static_cast<Enum>(i);
  }
  return static_cast<Enum>(0);
}

constexpr char kSelect[] =
    "SELECT s.id, coalesce(p.organization, r.organization), "
    "(extract(epoch from s.create_time) * 1e6)::bigint, "
    "(extract(epoch from s.update_time) * 1e6)::bigint, s.revision, "
    "(extract(epoch from s.delete_time) * 1e6)::bigint, s.delete_reason, s.missing_person_id, "
    "s.remains_id, s.donor_name, s.relationship, s.skeletal_element, s.lab, s.kit_id, "
    "s.collected_date, s.status, s.notes FROM dna_samples s LEFT JOIN missing_persons p ON "
    "p.id = s.missing_person_id LEFT JOIN remains r ON r.id = s.remains_id ";

DnaSample ReadSample(const pqxx::row& row) {
  DnaSample s;
  s.meta.id = row[0].as<int64_t>();
  s.meta.organization = row[1].as<std::string>();
  s.meta.create_time = MicrosField(row[2]);
  s.meta.update_time = MicrosField(row[3]);
  s.meta.revision = row[4].as<int64_t>();
  s.meta.delete_time = OptionalMicrosField(row[5]);
  s.meta.delete_reason = TextField(row[6]);
  s.owner_kind = row[7].is_null() ? RecordKind::kRemains : RecordKind::kMissingPerson;
  s.owner_id = row[7].is_null() ? row[8].as<int64_t>() : row[7].as<int64_t>();
  s.donor_name = row[9].as<std::string>();
  s.relationship = Named<records::KinRelationship>(row[10].as<std::string>(), kRelationships);
  s.skeletal_element = row[11].as<std::string>();
  s.lab = row[12].as<std::string>();
  s.kit_id = row[13].as<std::string>();
  s.collected_date = DateField(row[14]);
  s.status = Named<records::DnaSampleStatus>(row[15].as<std::string>(), kStatuses);
  s.notes = row[16].as<std::string>();
  return s;
}

constexpr char kValueColumns[] =
    "donor_name, relationship, skeletal_element, lab, kit_id, collected_date, status, notes";

void BindValues(const DnaSample& s, SqlParams& params) {
  params.Add(s.donor_name)
      .Add(kRelationships[static_cast<int>(s.relationship)])
      .Add(s.skeletal_element)
      .Add(s.lab)
      .Add(s.kit_id)
      .Add(s.collected_date)
      .Add(kStatuses[static_cast<int>(s.status)])
      .Add(s.notes);
}

std::optional<DnaSample> SelectSample(pqxx::transaction_base& tx, RecordKind kind, int64_t owner_id,
                                      int64_t id, bool for_update) {
  pqxx::result rows = SqlParams().Add(id).Add(owner_id).Exec(
      tx, absl::StrCat(kSelect, "WHERE s.id = $1 AND s.", OwnerColumn(kind), " = $2",
                       for_update ? " FOR UPDATE OF s" : ""));
  if (rows.empty()) return std::nullopt;
  return ReadSample(rows[0]);
}

absl::Status NotFound(RecordKind kind, int64_t owner_id, int64_t id) {
  return absl::NotFoundError(
      absl::StrCat(records::DnaSampleName(kind, owner_id, id), " not found"));
}

}  // namespace

absl::StatusOr<DnaSample> DnaSampleStore::InsertSample(
    const DnaSample& sample, const std::string& request_id,
    const std::function<absl::Status(const OwningRecord&)>& admit, const audit::AuditEvent& event) {
  std::optional<DnaSample> result;
  absl::Status outcome = absl::OkStatus();
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    std::optional<OwningRecord> owner =
        SelectOwningRecord(tx, sample.owner_kind, sample.owner_id, /*lock=*/true);
    if (!owner) {
      outcome = absl::NotFoundError(
          absl::StrCat(records::RecordName(sample.owner_kind, sample.owner_id), " not found"));
      return;
    }
    outcome = admit(*owner);
    if (!outcome.ok()) return;
    const char* column = OwnerColumn(sample.owner_kind);
    SqlParams params;
    params.Add(sample.owner_id).Add(request_id.empty() ? std::nullopt : std::optional(request_id));
    BindValues(sample, params);
    pqxx::result inserted = params.Exec(
        tx,
        absl::StrCat("INSERT INTO dna_samples (", column, ", create_request_id, ", kValueColumns,
                     ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (", column,
                     ", create_request_id) DO NOTHING RETURNING id"));
    int64_t id = 0;
    if (inserted.empty()) {
      id = SqlParams()
               .Add(sample.owner_id)
               .Add(request_id)
               .Exec(tx, absl::StrCat("SELECT id FROM dna_samples WHERE ", column,
                                      " = $1 AND create_request_id = $2"))
               .at(0)[0]
               .as<int64_t>();
    } else {
      id = inserted[0][0].as<int64_t>();
      audit::AuditEvent entry = event;
      entry.targets.push_back(records::DnaSampleName(sample.owner_kind, sample.owner_id, id));
      AppendAuditEntry(tx, entry);
    }
    result = SelectSample(tx, sample.owner_kind, sample.owner_id, id, false);
    tx.commit();
  });
  if (!status.ok()) return status;
  if (!outcome.ok()) return outcome;
  return *result;
}

absl::StatusOr<DnaSample> DnaSampleStore::GetSample(RecordKind kind, int64_t owner_id,
                                                    int64_t sample_id) {
  std::optional<DnaSample> result;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    result = SelectSample(tx, kind, owner_id, sample_id, false);
  });
  if (!status.ok()) return status;
  if (!result) return NotFound(kind, owner_id, sample_id);
  return *result;
}

absl::StatusOr<OwningRecord> DnaSampleStore::GetOwner(RecordKind kind, int64_t owner_id) {
  std::optional<OwningRecord> owner;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    owner = SelectOwningRecord(tx, kind, owner_id, false);
  });
  if (!status.ok()) return status;
  if (!owner) {
    return absl::NotFoundError(absl::StrCat(records::RecordName(kind, owner_id), " not found"));
  }
  return *owner;
}

absl::StatusOr<records::Page<DnaSample>> DnaSampleStore::ListSamples(
    RecordKind kind, int64_t owner_id, bool show_deleted, int page_size, int64_t after_id) {
  records::Page<DnaSample> page;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    pqxx::result rows = SqlParams().Add(owner_id).Add(after_id).Exec(
        tx, absl::StrCat(kSelect, "WHERE s.", OwnerColumn(kind), " = $1 AND s.id > $2",
                         show_deleted ? "" : " AND s.delete_time IS NULL", " ORDER BY s.id LIMIT ",
                         page_size + 1));
    for (const auto& row : rows) {
      if (static_cast<int>(page.records.size()) == page_size) {
        page.next_after_id = page.records.back().meta.id;
        break;
      }
      page.records.push_back(ReadSample(row));
    }
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<DnaSample> DnaSampleStore::UpdateSample(
    RecordKind kind, int64_t owner_id, int64_t sample_id, std::optional<int64_t> expected_revision,
    const std::function<absl::Status(const OwningRecord&, DnaSample&)>& mutate,
    const audit::AuditEvent& event) {
  std::optional<DnaSample> result;
  absl::Status outcome = absl::OkStatus();
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    std::optional<OwningRecord> owner = SelectOwningRecord(tx, kind, owner_id, true);
    std::optional<DnaSample> current =
        owner ? SelectSample(tx, kind, owner_id, sample_id, true) : std::nullopt;
    if (!current) {
      outcome = NotFound(kind, owner_id, sample_id);
      return;
    }
    DnaSample updated = *current;
    // `mutate` first: it checks the caller's scope (see MarkStore::UpdateMark).
    outcome = mutate(*owner, updated);
    if (!outcome.ok()) return;
    if (expected_revision && *expected_revision != current->meta.revision) {
      outcome = absl::AbortedError(absl::StrCat(
          records::DnaSampleName(kind, owner_id, sample_id), " was changed by someone else (etag ",
          records::Etag(*expected_revision), " is stale, current is ",
          records::Etag(current->meta.revision), "); read it again and retry"));
      return;
    }
    SqlParams params;
    params.Add(sample_id);
    BindValues(updated, params);
    params.Add(updated.meta.delete_time)
        .Add(updated.meta.delete_time ? std::optional(updated.meta.delete_reason) : std::nullopt);
    params.Exec(tx, absl::StrCat("UPDATE dna_samples SET (", kValueColumns,
                                 ", delete_time, delete_reason, update_time, revision) = ($2, $3, "
                                 "$4, $5, $6, $7, $8, $9, to_timestamp($10), $11, now(), revision "
                                 "+ 1) WHERE id = $1"));
    audit::AuditEvent entry = event;
    entry.targets.push_back(records::DnaSampleName(kind, owner_id, sample_id));
    AppendAuditEntry(tx, entry);
    result = SelectSample(tx, kind, owner_id, sample_id, false);
    tx.commit();
  });
  if (!status.ok()) return status;
  if (!outcome.ok()) return outcome;
  return *result;
}

absl::StatusOr<std::unordered_map<int64_t, DnaSampleCounts>> DnaSampleStore::CountSamples(
    RecordKind kind, const std::vector<int64_t>& owner_ids) {
  std::unordered_map<int64_t, DnaSampleCounts> counts;
  if (owner_ids.empty()) return counts;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    const char* column = OwnerColumn(kind);
    for (const auto& row :
         SqlParams()
             .Add(IdArray(owner_ids))
             .Exec(tx, absl::StrCat(
                           "SELECT ", column,
                           ", count(*) FILTER (WHERE status = 'profiled'), count(*) FILTER "
                           "(WHERE status IN ('collected', 'sent')) FROM dna_samples WHERE ",
                           column, " = ANY($1::bigint[]) AND delete_time IS NULL GROUP BY 1"))) {
      counts[row[0].as<int64_t>()] = {row[1].as<int>(), row[2].as<int>()};
    }
  });
  if (!status.ok()) return status;
  return counts;
}

}  // namespace encuentro::storage
