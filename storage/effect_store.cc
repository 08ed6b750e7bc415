#include "storage/effect_store.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "records/names.h"
#include "storage/record_children.h"
#include "storage/record_part_table.h"
#include "storage/sql_values.h"

namespace encuentro::storage {
namespace {

using records::EffectCategory;
using records::PersonalEffect;
using records::RecordKind;

// Indexed by EffectCategory; the CHECK constraint of migration 0015. kUnspecified is never
// stored: validation refuses it.
constexpr const char* kCategories[] = {"unspecified", "clothing", "footwear", "jewelry",
                                       "accessory",   "document", "phone",    "other"};

EffectCategory CategoryFromSql(const std::string& text) {
  for (size_t i = 0; i < std::size(kCategories); ++i) {
    if (text == kCategories[i]) return static_cast<EffectCategory>(i);
  }
  return EffectCategory::kOther;
}

constexpr char kSelect[] =
    "SELECT e.id, coalesce(p.organization, r.organization), "
    "(extract(epoch from e.create_time) * 1e6)::bigint, "
    "(extract(epoch from e.update_time) * 1e6)::bigint, e.revision, "
    "(extract(epoch from e.delete_time) * 1e6)::bigint, e.delete_reason, e.missing_person_id, "
    "e.remains_id, e.category, e.description, e.colour, e.brand, e.size, "
    "array_to_json(e.keywords)::text FROM personal_effects e LEFT JOIN missing_persons p ON "
    "p.id = e.missing_person_id LEFT JOIN remains r ON r.id = e.remains_id ";

PersonalEffect ReadEffect(const pqxx::row& row) {
  PersonalEffect e;
  e.meta.id = row[0].as<int64_t>();
  e.meta.organization = row[1].as<std::string>();
  e.meta.create_time = MicrosField(row[2]);
  e.meta.update_time = MicrosField(row[3]);
  e.meta.revision = row[4].as<int64_t>();
  e.meta.delete_time = OptionalMicrosField(row[5]);
  e.meta.delete_reason = TextField(row[6]);
  e.owner_kind = row[7].is_null() ? RecordKind::kRemains : RecordKind::kMissingPerson;
  e.owner_id = row[7].is_null() ? row[8].as<int64_t>() : row[7].as<int64_t>();
  e.category = CategoryFromSql(row[9].as<std::string>());
  e.description = row[10].as<std::string>();
  e.colour = row[11].as<std::string>();
  e.brand = row[12].as<std::string>();
  e.size = row[13].as<std::string>();
  e.keywords = nlohmann::json::parse(row[14].as<std::string>()).get<std::vector<std::string>>();
  return e;
}

struct EffectTable {
  using Part = PersonalEffect;
  static constexpr char kTable[] = "personal_effects";
  static constexpr char kAlias[] = "e";
  static constexpr const char* kSelect = storage::kSelect;
  static constexpr const char* kValueColumns =
      "category, description, colour, brand, size, keywords, search_document";
  static constexpr int kValueCount = 6;
  static constexpr const char* kCrossMatchReason = "effects changed";
  static Part Read(const pqxx::row& row) { return ReadEffect(row); }
  static std::string ValueExpressions(int first) {
    const auto p = [first](int i) { return absl::StrCat("$", first + i); };
    const std::string keywords =
        absl::StrCat("ARRAY(SELECT jsonb_array_elements_text(", p(5), "::jsonb))");
    return absl::StrCat(p(0), ", ", p(1), ", ", p(2), ", ", p(3), ", ", p(4), ", ", keywords,
                        ", to_tsvector('spanish', unaccent(", p(1), " || ' ' || ", p(2),
                        " || ' ' || ", p(3), " || ' ' || array_to_string(", keywords, ", ' ')))");
  }
  static void Bind(const Part& e, SqlParams& params) {
    params.Add(kCategories[static_cast<int>(e.category)])
        .Add(e.description)
        .Add(e.colour)
        .Add(e.brand)
        .Add(e.size)
        .Add(nlohmann::json(e.keywords).dump());
  }
  static std::string Name(RecordKind kind, int64_t owner_id, int64_t id) {
    return records::EffectName(kind, owner_id, id);
  }
};

}  // namespace

std::unordered_map<int64_t, std::vector<PersonalEffect>> LiveEffectsOf(
    pqxx::transaction_base& tx, RecordKind kind, const std::vector<int64_t>* owner_ids) {
  std::unordered_map<int64_t, std::vector<PersonalEffect>> effects;
  std::string where =
      absl::StrCat("WHERE e.delete_time IS NULL AND e.", OwnerColumn(kind), " IS NOT NULL");
  SqlParams params;
  if (owner_ids != nullptr) {
    params.Add(IdArray(*owner_ids));
    absl::StrAppend(&where, " AND e.", OwnerColumn(kind), " = ANY($1::bigint[])");
  }
  for (const auto& row : params.Exec(tx, absl::StrCat(kSelect, where, " ORDER BY e.id"))) {
    PersonalEffect e = ReadEffect(row);
    effects[e.owner_id].push_back(std::move(e));
  }
  return effects;
}

absl::StatusOr<PersonalEffect> EffectStore::InsertEffect(
    const PersonalEffect& effect, const records::RequestKey& key,
    const std::function<absl::Status(const OwningRecord&)>& admit, const audit::AuditEvent& event) {
  return parts::Insert<EffectTable>(*database_, effect, key, admit, event);
}

absl::StatusOr<PersonalEffect> EffectStore::GetEffect(RecordKind kind, int64_t owner_id,
                                                      int64_t effect_id) {
  return parts::Get<EffectTable>(*database_, kind, owner_id, effect_id);
}

absl::StatusOr<OwningRecord> EffectStore::GetOwner(RecordKind kind, int64_t owner_id) {
  return parts::GetOwner(*database_, kind, owner_id);
}

absl::StatusOr<records::Page<PersonalEffect>> EffectStore::ListEffects(
    RecordKind kind, int64_t owner_id, bool show_deleted, int page_size, int64_t after_id) {
  return parts::List<EffectTable>(*database_, kind, owner_id, show_deleted, page_size, after_id);
}

absl::StatusOr<PersonalEffect> EffectStore::UpdateEffect(
    RecordKind kind, int64_t owner_id, int64_t effect_id, std::optional<int64_t> expected_revision,
    const std::function<absl::Status(const OwningRecord&, PersonalEffect&)>& mutate,
    const audit::AuditEvent& event) {
  return parts::Update<EffectTable>(*database_, kind, owner_id, effect_id, expected_revision,
                                    mutate, event);
}

absl::StatusOr<records::Page<PersonalEffect>> EffectStore::SearchEffects(
    const EffectSearch& search) {
  records::Page<PersonalEffect> page;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    const RecordKind kind = search.owner_kind;
    const char* owner = kind == RecordKind::kMissingPerson ? "p" : "r";
    SqlParams params;
    params.Add(search.after_id);
    int n = 1;
    std::string where =
        absl::StrCat("WHERE e.id > $1 AND e.delete_time IS NULL AND e.", OwnerColumn(kind),
                     " IS NOT NULL AND ", owner, ".delete_time IS NULL");
    if (!search.text.empty()) {
      absl::StrAppend(&where, " AND e.search_document @@ plainto_tsquery('spanish', unaccent($",
                      ++n, "))");
      params.Add(search.text);
    }
    if (!search.categories.empty()) {
      nlohmann::json categories = nlohmann::json::array();
      for (EffectCategory c : search.categories)
        categories.push_back(kCategories[static_cast<int>(c)]);
      absl::StrAppend(&where, " AND e.category IN (SELECT jsonb_array_elements_text($", ++n,
                      "::jsonb))");
      params.Add(categories.dump());
    }
    if (search.exclude_documents) absl::StrAppend(&where, " AND e.category <> 'document'");
    if (!search.organization.empty()) {
      absl::StrAppend(&where, " AND ", owner, ".organization = $", ++n);
      params.Add(search.organization);
    }
    for (const auto& row : params.Exec(
             tx, absl::StrCat(kSelect, where, " ORDER BY e.id LIMIT ", search.page_size + 1))) {
      if (static_cast<int>(page.records.size()) == search.page_size) {
        page.next_after_id = page.records.back().meta.id;
        break;
      }
      page.records.push_back(ReadEffect(row));
    }
  });
  if (!status.ok()) return status;
  return page;
}

}  // namespace encuentro::storage
