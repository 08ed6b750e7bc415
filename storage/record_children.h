// The parts of a record kept in tables of their own (distinguishing marks, the dental chart):
// their owner column and owning record, and reading them inside another store's transaction so
// that a record is read with its parts in one snapshot. Private to storage.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <unordered_map>
#include <vector>

#include "records/model.h"
#include "storage/owning_record.h"

namespace encuentro::storage {

// "missing_person_id" or "remains_id".
const char* OwnerColumn(records::RecordKind kind);
// The owning record, its row share-locked when `lock`; nullopt when there is none.
std::optional<OwningRecord> SelectOwningRecord(pqxx::transaction_base& tx, records::RecordKind kind,
                                               int64_t id, bool lock);

// The live marks of each of `owner_ids` (all live records of `kind` when `owner_ids` is null),
// by owner, each owner's in id order.
std::unordered_map<int64_t, std::vector<records::DistinguishingMark>> LiveMarksOf(
    pqxx::transaction_base& tx, records::RecordKind kind, const std::vector<int64_t>* owner_ids);

// The live effects of each of `owner_ids` (all live records of `kind` when null), by owner.
std::unordered_map<int64_t, std::vector<records::PersonalEffect>> LiveEffectsOf(
    pqxx::transaction_base& tx, records::RecordKind kind, const std::vector<int64_t>* owner_ids);

// The dental chart of each of `owner_ids` that has one (all records of `kind` when null).
std::unordered_map<int64_t, records::DentalChart> DentalChartsOf(
    pqxx::transaction_base& tx, records::RecordKind kind, const std::vector<int64_t>* owner_ids);

// The identification of each of `owner_ids` that was identified.
std::unordered_map<int64_t, records::Identification> IdentificationsOf(
    pqxx::transaction_base& tx, records::RecordKind kind, const std::vector<int64_t>& owner_ids);

// The organization's other live records of `kind` sharing a case folio (trimmed, case folded) with
// each of `owner_ids`, by owner, in id order.
std::unordered_map<int64_t, std::vector<int64_t>> SameFolioRecordsOf(
    pqxx::transaction_base& tx, records::RecordKind kind, const std::vector<int64_t>& owner_ids);

// Fills each record's same_folio_ids, distinguishing_marks and effects with its live ones,
// dental_chart with its chart and identification with its identification.
template <typename Record>
void AttachRecordParts(pqxx::transaction_base& tx, records::RecordKind kind,
                       std::vector<Record>& records) {
  if (records.empty()) return;
  std::vector<int64_t> ids;
  ids.reserve(records.size());
  for (const Record& r : records) ids.push_back(r.meta.id);
  auto marks = LiveMarksOf(tx, kind, &ids);
  auto charts = DentalChartsOf(tx, kind, &ids);
  auto effects = LiveEffectsOf(tx, kind, &ids);
  auto identifications = IdentificationsOf(tx, kind, ids);
  auto same_folio = SameFolioRecordsOf(tx, kind, ids);
  for (Record& r : records) {
    if (auto it = same_folio.find(r.meta.id); it != same_folio.end()) {
      r.meta.same_folio_ids = std::move(it->second);
    }
    if (auto it = identifications.find(r.meta.id); it != identifications.end()) {
      r.identification = std::move(it->second);
    }
    if (auto it = marks.find(r.meta.id); it != marks.end()) {
      r.distinguishing_marks = std::move(it->second);
    }
    if (auto it = charts.find(r.meta.id); it != charts.end()) {
      r.dental_chart = std::move(it->second);
    }
    if (auto it = effects.find(r.meta.id); it != effects.end()) r.effects = std::move(it->second);
  }
}

const char* MarkKindToSql(records::MarkKind kind);
records::MarkKind MarkKindFromSql(const std::string& text);
const char* BodyRegionToSql(records::BodyRegion region);
records::BodyRegion BodyRegionFromSql(const std::string& text);

}  // namespace encuentro::storage
