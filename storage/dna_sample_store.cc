#include "storage/dna_sample_store.h"

#include "absl/strings/str_cat.h"
#include "records/names.h"
#include "storage/audit_writer.h"
#include "storage/connection_pool.h"
#include "storage/record_children.h"
#include "storage/record_part_table.h"
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

// The samples table as parts::* need it (storage/record_part_table.h).
struct SampleTable {
  using Part = DnaSample;
  static constexpr char kTable[] = "dna_samples";
  static constexpr char kAlias[] = "s";
  static constexpr const char* kSelect = storage::kSelect;
  static constexpr const char* kValueColumns = storage::kValueColumns;
  static constexpr int kValueCount = 8;
  // Samples are tracked, not compared: a change queues no cross-match.
  static constexpr const char* kCrossMatchReason = nullptr;
  static Part Read(const pqxx::row& row) { return ReadSample(row); }
  static std::string ValueExpressions(int first) {
    std::string values;
    for (int i = 0; i < kValueCount; ++i) absl::StrAppend(&values, i ? ", $" : "$", first + i);
    return values;
  }
  static void Bind(const Part& sample, SqlParams& params) { BindValues(sample, params); }
  static std::string Name(RecordKind kind, int64_t owner_id, int64_t id) {
    return records::DnaSampleName(kind, owner_id, id);
  }
};

}  // namespace

absl::StatusOr<DnaSample> DnaSampleStore::InsertSample(
    const DnaSample& sample, const records::RequestKey& key,
    const std::function<absl::Status(const OwningRecord&)>& admit, const audit::AuditEvent& event) {
  return parts::Insert<SampleTable>(*database_, sample, key, admit, event);
}

absl::StatusOr<DnaSample> DnaSampleStore::GetSample(RecordKind kind, int64_t owner_id,
                                                    int64_t sample_id) {
  return parts::Get<SampleTable>(*database_, kind, owner_id, sample_id);
}

absl::StatusOr<OwningRecord> DnaSampleStore::GetOwner(RecordKind kind, int64_t owner_id) {
  return parts::GetOwner(*database_, kind, owner_id);
}

absl::StatusOr<records::Page<DnaSample>> DnaSampleStore::ListSamples(
    RecordKind kind, int64_t owner_id, bool show_deleted, int page_size, int64_t after_id) {
  return parts::List<SampleTable>(*database_, kind, owner_id, show_deleted, page_size, after_id);
}

absl::StatusOr<DnaSample> DnaSampleStore::UpdateSample(
    RecordKind kind, int64_t owner_id, int64_t sample_id, std::optional<int64_t> expected_revision,
    const std::function<absl::Status(const OwningRecord&, DnaSample&)>& mutate,
    const audit::AuditEvent& event) {
  return parts::Update<SampleTable>(*database_, kind, owner_id, sample_id, expected_revision,
                                    mutate, event);
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
