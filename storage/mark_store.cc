#include "storage/mark_store.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "records/names.h"
#include "storage/audit_writer.h"
#include "storage/connection_pool.h"
#include "storage/cross_match_enqueue.h"
#include "storage/record_children.h"
#include "storage/record_part_table.h"
#include "storage/sql_values.h"

namespace encuentro::storage {
namespace {

using records::BodyRegion;
using records::BodySide;
using records::DistinguishingMark;
using records::MarkKind;
using records::RecordKind;

// Indexed by the enums' values (records/model.h); the CHECK constraints of migration 0010.
// kUnspecified is never stored: validation refuses it.
constexpr const char* kKinds[] = {"unspecified", "tattoo",    "scar",
                                  "birthmark",   "piercing",  "amputation",
                                  "other",       "deformity", "medical_implant"};
constexpr const char* kRegions[] = {"unspecified", "head",    "neck", "chest", "abdomen", "back",
                                    "arm",         "forearm", "hand", "thigh", "leg",     "foot"};
constexpr const char* kSides[] = {"unspecified", "left", "right", "midline"};

template <typename Enum, size_t N>
Enum FromSql(const std::string& text, const char* const (&names)[N], Enum otherwise) {
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i]) return static_cast<Enum>(i);
  }
  return otherwise;
}

// The mark and its owner's organization; read by ReadMark in this order.
constexpr char kSelect[] =
    "SELECT m.id, coalesce(p.organization, r.organization), "
    "(extract(epoch from m.create_time) * 1e6)::bigint, "
    "(extract(epoch from m.update_time) * 1e6)::bigint, m.revision, "
    "(extract(epoch from m.delete_time) * 1e6)::bigint, m.delete_reason, m.missing_person_id, "
    "m.remains_id, m.kind, m.body_region, m.body_side, m.location_detail, m.description, "
    "array_to_json(m.keywords)::text, m.implant_manufacturer, m.implant_serial_number "
    "FROM distinguishing_marks m LEFT JOIN missing_persons p ON p.id = m.missing_person_id "
    "LEFT JOIN remains r ON r.id = m.remains_id ";

DistinguishingMark ReadMark(const pqxx::row& row) {
  DistinguishingMark m;
  m.meta.id = row[0].as<int64_t>();
  m.meta.organization = row[1].as<std::string>();
  m.meta.create_time = MicrosField(row[2]);
  m.meta.update_time = MicrosField(row[3]);
  m.meta.revision = row[4].as<int64_t>();
  m.meta.delete_time = OptionalMicrosField(row[5]);
  m.meta.delete_reason = TextField(row[6]);
  if (!row[7].is_null()) {
    m.owner_kind = RecordKind::kMissingPerson;
    m.owner_id = row[7].as<int64_t>();
  } else {
    m.owner_kind = RecordKind::kRemains;
    m.owner_id = row[8].as<int64_t>();
  }
  m.kind = MarkKindFromSql(row[9].as<std::string>());
  m.region = BodyRegionFromSql(row[10].as<std::string>());
  m.side = FromSql(row[11].as<std::string>(), kSides, BodySide::kUnspecified);
  m.location_detail = row[12].as<std::string>();
  m.description = row[13].as<std::string>();
  m.keywords = nlohmann::json::parse(row[14].as<std::string>()).get<std::vector<std::string>>();
  m.implant_manufacturer = row[15].as<std::string>();
  m.implant_serial_number = row[16].as<std::string>();
  return m;
}

// The mark's values as parameters $first.. in the order of kValueColumns, and the expression of
// its search document over them.
constexpr char kValueColumns[] =
    "kind, body_region, body_side, location_detail, description, keywords, "
    "implant_manufacturer, implant_serial_number, search_document";

std::string ValueExpressions(int first) {
  const auto p = [first](int i) { return absl::StrCat("$", first + i); };
  return absl::StrCat(p(0), ", ", p(1), ", ", p(2), ", ", p(3), ", ", p(4),
                      ", ARRAY(SELECT jsonb_array_elements_text(", p(5), "::jsonb)), ", p(6), ", ",
                      p(7), ", to_tsvector('spanish', unaccent(", p(4), " || ' ' || ", p(3),
                      " || ' ' || array_to_string(ARRAY(SELECT jsonb_array_elements_text(", p(5),
                      "::jsonb)), ' ')))");
}

void BindValues(const DistinguishingMark& m, SqlParams& params) {
  params.Add(MarkKindToSql(m.kind))
      .Add(BodyRegionToSql(m.region))
      .Add(kSides[static_cast<int>(m.side)])
      .Add(m.location_detail)
      .Add(m.description)
      .Add(nlohmann::json(m.keywords).dump())
      .Add(m.implant_manufacturer)
      .Add(m.implant_serial_number);
}

// The marks table as parts::* need it (storage/record_part_table.h).
struct MarkTable {
  using Part = DistinguishingMark;
  static constexpr char kTable[] = "distinguishing_marks";
  static constexpr char kAlias[] = "m";
  static constexpr const char* kSelect = storage::kSelect;
  static constexpr const char* kValueColumns = storage::kValueColumns;
  static constexpr int kValueCount = 8;
  static constexpr const char* kCrossMatchReason = "marks changed";
  static Part Read(const pqxx::row& row) { return ReadMark(row); }
  static std::string ValueExpressions(int first) { return storage::ValueExpressions(first); }
  static void Bind(const Part& mark, SqlParams& params) { BindValues(mark, params); }
  static std::string Name(RecordKind kind, int64_t owner_id, int64_t id) {
    return records::MarkName(kind, owner_id, id);
  }
};

}  // namespace

const char* OwnerColumn(RecordKind kind) {
  return kind == RecordKind::kMissingPerson ? "missing_person_id" : "remains_id";
}

std::optional<OwningRecord> SelectOwningRecord(pqxx::transaction_base& tx, RecordKind kind,
                                               int64_t id, bool lock) {
  pqxx::result rows = SqlParams().Add(id).Exec(
      tx, absl::StrCat("SELECT organization, delete_time IS NOT NULL FROM ",
                       kind == RecordKind::kMissingPerson ? "missing_persons" : "remains",
                       " WHERE id = $1", lock ? " FOR SHARE" : ""));
  if (rows.empty()) return std::nullopt;
  return OwningRecord{rows[0][0].as<std::string>(), rows[0][1].as<bool>()};
}

const char* MarkKindToSql(MarkKind kind) { return kKinds[static_cast<int>(kind)]; }
const char* BodyRegionToSql(BodyRegion region) { return kRegions[static_cast<int>(region)]; }
MarkKind MarkKindFromSql(const std::string& text) {
  return FromSql(text, kKinds, MarkKind::kOther);
}
BodyRegion BodyRegionFromSql(const std::string& text) {
  return FromSql(text, kRegions, BodyRegion::kUnspecified);
}

std::unordered_map<int64_t, std::vector<DistinguishingMark>> LiveMarksOf(
    pqxx::transaction_base& tx, RecordKind kind, const std::vector<int64_t>* owner_ids) {
  std::unordered_map<int64_t, std::vector<DistinguishingMark>> marks;
  std::string where =
      absl::StrCat("WHERE m.delete_time IS NULL AND m.", OwnerColumn(kind),
                   kind == RecordKind::kMissingPerson ? " IS NOT NULL AND p.delete_time IS NULL"
                                                      : " IS NOT NULL AND r.delete_time IS NULL");
  SqlParams params;
  if (owner_ids != nullptr) {
    params.Add(IdArray(*owner_ids));
    absl::StrAppend(&where, " AND m.", OwnerColumn(kind), " = ANY($1::bigint[])");
  }
  for (const auto& row : params.Exec(tx, absl::StrCat(kSelect, where, " ORDER BY m.id"))) {
    DistinguishingMark m = ReadMark(row);
    marks[m.owner_id].push_back(std::move(m));
  }
  return marks;
}

absl::StatusOr<DistinguishingMark> MarkStore::InsertMark(
    const DistinguishingMark& mark, const records::RequestKey& key,
    const std::function<absl::Status(const OwningRecord&)>& admit, const audit::AuditEvent& event) {
  return parts::Insert<MarkTable>(*database_, mark, key, admit, event);
}

absl::StatusOr<DistinguishingMark> MarkStore::GetMark(RecordKind kind, int64_t owner_id,
                                                      int64_t mark_id) {
  return parts::Get<MarkTable>(*database_, kind, owner_id, mark_id);
}

absl::StatusOr<OwningRecord> MarkStore::GetOwner(RecordKind kind, int64_t owner_id) {
  return parts::GetOwner(*database_, kind, owner_id);
}

absl::StatusOr<records::Page<DistinguishingMark>> MarkStore::ListMarks(
    RecordKind kind, int64_t owner_id, bool show_deleted, int page_size, int64_t after_id) {
  return parts::List<MarkTable>(*database_, kind, owner_id, show_deleted, page_size, after_id);
}

absl::StatusOr<DistinguishingMark> MarkStore::UpdateMark(
    RecordKind kind, int64_t owner_id, int64_t mark_id, std::optional<int64_t> expected_revision,
    const std::function<absl::Status(const OwningRecord&, DistinguishingMark&)>& mutate,
    const audit::AuditEvent& event) {
  return parts::Update<MarkTable>(*database_, kind, owner_id, mark_id, expected_revision, mutate,
                                  event);
}

absl::StatusOr<records::Page<DistinguishingMark>> MarkStore::SearchMarks(const MarkSearch& search) {
  records::Page<DistinguishingMark> page;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    const RecordKind kind = search.owner_kind;
    SqlParams params;
    params.Add(search.after_id);
    int n = 1;
    std::string where = absl::StrCat(
        "WHERE m.id > $1 AND m.delete_time IS NULL AND m.", OwnerColumn(kind), " IS NOT NULL AND ",
        kind == RecordKind::kMissingPerson ? "p" : "r", ".delete_time IS NULL");
    if (!search.text.empty()) {
      absl::StrAppend(&where, " AND m.search_document @@ plainto_tsquery('spanish', unaccent($",
                      ++n, "))");
      params.Add(search.text);
    }
    if (!search.kinds.empty()) {
      nlohmann::json kinds = nlohmann::json::array();
      for (MarkKind k : search.kinds) kinds.push_back(MarkKindToSql(k));
      absl::StrAppend(&where, " AND m.kind IN (SELECT jsonb_array_elements_text($", ++n,
                      "::jsonb))");
      params.Add(kinds.dump());
    }
    if (search.region != BodyRegion::kUnspecified) {
      absl::StrAppend(&where, " AND m.body_region = $", ++n);
      params.Add(BodyRegionToSql(search.region));
    }
    if (search.side != BodySide::kUnspecified) {
      absl::StrAppend(&where, " AND m.body_side = $", ++n);
      params.Add(kSides[static_cast<int>(search.side)]);
    }
    if (!search.organization.empty()) {
      absl::StrAppend(&where, " AND ", kind == RecordKind::kMissingPerson ? "p" : "r",
                      ".organization = $", ++n);
      params.Add(search.organization);
    }
    pqxx::result rows = params.Exec(
        tx, absl::StrCat(kSelect, where, " ORDER BY m.id LIMIT ", search.page_size + 1));
    for (const auto& row : rows) {
      if (static_cast<int>(page.records.size()) == search.page_size) {
        page.next_after_id = page.records.back().meta.id;
        break;
      }
      page.records.push_back(ReadMark(row));
    }
  });
  if (!status.ok()) return status;
  return page;
}

}  // namespace encuentro::storage
