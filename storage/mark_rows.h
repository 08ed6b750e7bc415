// Reading distinguishing marks inside another store's transaction, so that a record is read with
// its marks in one snapshot. Private to storage.
#pragma once

#include <cstdint>
#include <pqxx/pqxx>
#include <string>
#include <unordered_map>
#include <vector>

#include "records/model.h"

namespace encuentro::storage {

// The live marks of each of `owner_ids` (all live records of `kind` when `owner_ids` is null),
// by owner, each owner's in id order.
std::unordered_map<int64_t, std::vector<records::DistinguishingMark>> LiveMarksOf(
    pqxx::transaction_base& tx, records::RecordKind kind, const std::vector<int64_t>* owner_ids);

// Fills each record's distinguishing_marks with its live marks.
template <typename Record>
void AttachLiveMarks(pqxx::transaction_base& tx, records::RecordKind kind,
                     std::vector<Record>& records) {
  if (records.empty()) return;
  std::vector<int64_t> ids;
  ids.reserve(records.size());
  for (const Record& r : records) ids.push_back(r.meta.id);
  auto marks = LiveMarksOf(tx, kind, &ids);
  for (Record& r : records) {
    auto it = marks.find(r.meta.id);
    if (it != marks.end()) r.distinguishing_marks = std::move(it->second);
  }
}

const char* MarkKindToSql(records::MarkKind kind);
records::MarkKind MarkKindFromSql(const std::string& text);
const char* BodyRegionToSql(records::BodyRegion region);
records::BodyRegion BodyRegionFromSql(const std::string& text);

}  // namespace encuentro::storage
