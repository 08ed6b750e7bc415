// The persistence every part of a record kept in a table of its own shares (distinguishing
// marks, DNA samples): insert under a live owner with a request id scoped to it, read, list,
// and change with a revision check, each change with its audit entry. Private to storage.
//
// A Table describes one kind of part:
//   using Part = ...;                      // has meta, owner_kind, owner_id
//   static constexpr char kTable[];        // "dna_samples"
//   static constexpr char kSelect[];       // SELECT ... FROM kTable x LEFT JOIN owners ...,
//                                          // read by Read, ending in a space
//   static constexpr char kAlias[];        // "x"
//   static Part Read(const pqxx::row&);
//   static constexpr char kValueColumns[]; // the part's own columns, in Bind's order
//   static std::string ValueExpressions(int first);  // their values from parameter $first on
//   static constexpr int kValueCount;
//   static void Bind(const Part&, SqlParams&);
//   static std::string Name(records::RecordKind, int64_t owner_id, int64_t id);
//   static constexpr const char* kCrossMatchReason;  // queued with each change; null: none
#pragma once

#include <functional>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "audit/audit_event.h"
#include "records/model.h"
#include "records/names.h"
#include "records/request_key.h"
#include "storage/audit_writer.h"
#include "storage/connection_pool.h"
#include "storage/cross_match_enqueue.h"
#include "storage/database.h"
#include "storage/owning_record.h"
#include "storage/record_children.h"
#include "storage/sql_values.h"

namespace encuentro::storage::parts {

inline absl::Status OwnerNotFound(records::RecordKind kind, int64_t id) {
  return absl::NotFoundError(absl::StrCat(records::RecordName(kind, id), " not found"));
}

template <typename Table>
std::optional<typename Table::Part> Select(pqxx::transaction_base& tx, records::RecordKind kind,
                                           int64_t owner_id, int64_t id, bool for_update) {
  pqxx::result rows = SqlParams().Add(id).Add(owner_id).Exec(
      tx, absl::StrCat(Table::kSelect, "WHERE ", Table::kAlias, ".id = $1 AND ", Table::kAlias, ".",
                       OwnerColumn(kind), " = $2",
                       for_update ? absl::StrCat(" FOR UPDATE OF ", Table::kAlias) : ""));
  if (rows.empty()) return std::nullopt;
  return Table::Read(rows[0]);
}

template <typename Table>
absl::StatusOr<typename Table::Part> Insert(
    Database& db, const typename Table::Part& part, const records::RequestKey& key,
    const std::function<absl::Status(const OwningRecord&)>& admit, const audit::AuditEvent& event) {
  std::optional<typename Table::Part> result;
  absl::Status outcome = absl::OkStatus();
  absl::Status status = db.pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    std::optional<OwningRecord> owner =
        SelectOwningRecord(tx, part.owner_kind, part.owner_id, /*lock=*/true);
    if (!owner) {
      outcome = OwnerNotFound(part.owner_kind, part.owner_id);
      return;
    }
    outcome = admit(*owner);
    if (!outcome.ok()) return;
    const char* column = OwnerColumn(part.owner_kind);
    SqlParams params;
    params.Add(part.owner_id).Add(key.id.empty() ? std::nullopt : std::optional(key.id));
    params.Add(key.id.empty() ? std::nullopt : std::optional(key.digest));
    Table::Bind(part, params);
    pqxx::result inserted = params.Exec(
        tx, absl::StrCat("INSERT INTO ", Table::kTable, " (", column,
                         ", create_request_id, create_request_digest, ", Table::kValueColumns,
                         ") VALUES ($1, $2, $3, ", Table::ValueExpressions(4), ") ON CONFLICT (",
                         column, ", create_request_id) DO NOTHING RETURNING id"));
    int64_t id = 0;
    if (inserted.empty()) {
      // A retry of a create that already succeeded: hand back what it made, if it asked for the
      // same thing.
      const pqxx::result existing =
          SqlParams()
              .Add(part.owner_id)
              .Add(key.id)
              .Exec(tx, absl::StrCat("SELECT id, create_request_digest FROM ", Table::kTable,
                                     " WHERE ", column, " = $1 AND create_request_id = $2"));
      id = existing.at(0)[0].template as<int64_t>();
      if (!existing[0][1].is_null() && existing[0][1].template as<std::string>() != key.digest) {
        outcome = records::RequestIdReused(key, Table::Name(part.owner_kind, part.owner_id, id));
        return;
      }
    } else {
      id = inserted[0][0].template as<int64_t>();
      audit::AuditEvent entry = event;
      entry.targets.push_back(Table::Name(part.owner_kind, part.owner_id, id));
      AppendAuditEntry(db, tx, entry);
      if (Table::kCrossMatchReason != nullptr) {
        EnqueueCrossMatch(tx, part.owner_kind, part.owner_id, Table::kCrossMatchReason);
      }
    }
    result = Select<Table>(tx, part.owner_kind, part.owner_id, id, false);
    tx.commit();
  });
  if (!status.ok()) return status;
  if (!outcome.ok()) return outcome;
  return *result;
}

template <typename Table>
absl::StatusOr<typename Table::Part> Get(Database& db, records::RecordKind kind, int64_t owner_id,
                                         int64_t id) {
  std::optional<typename Table::Part> result;
  absl::Status status = db.pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    result = Select<Table>(tx, kind, owner_id, id, false);
  });
  if (!status.ok()) return status;
  if (!result)
    return absl::NotFoundError(absl::StrCat(Table::Name(kind, owner_id, id), " not found"));
  return *result;
}

inline absl::StatusOr<OwningRecord> GetOwner(Database& db, records::RecordKind kind,
                                             int64_t owner_id) {
  std::optional<OwningRecord> owner;
  absl::Status status = db.pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    owner = SelectOwningRecord(tx, kind, owner_id, false);
  });
  if (!status.ok()) return status;
  if (!owner) return OwnerNotFound(kind, owner_id);
  return *owner;
}

template <typename Table>
absl::StatusOr<records::Page<typename Table::Part>> List(Database& db, records::RecordKind kind,
                                                         int64_t owner_id, bool show_deleted,
                                                         int page_size, int64_t after_id) {
  records::Page<typename Table::Part> page;
  absl::Status status = db.pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    const std::string a = Table::kAlias;
    // One extra row tells whether another page follows.
    pqxx::result rows = SqlParams().Add(owner_id).Add(after_id).Exec(
        tx, absl::StrCat(Table::kSelect, "WHERE ", a, ".", OwnerColumn(kind), " = $1 AND ", a,
                         ".id > $2",
                         show_deleted ? "" : absl::StrCat(" AND ", a, ".delete_time IS NULL"),
                         " ORDER BY ", a, ".id LIMIT ", page_size + 1));
    for (const auto& row : rows) {
      if (static_cast<int>(page.records.size()) == page_size) {
        page.next_after_id = page.records.back().meta.id;
        break;
      }
      page.records.push_back(Table::Read(row));
    }
  });
  if (!status.ok()) return status;
  return page;
}

template <typename Table>
absl::StatusOr<typename Table::Part> Update(
    Database& db, records::RecordKind kind, int64_t owner_id, int64_t id,
    std::optional<int64_t> expected_revision,
    const std::function<absl::Status(const OwningRecord&, typename Table::Part&)>& mutate,
    const audit::AuditEvent& event) {
  std::optional<typename Table::Part> result;
  absl::Status outcome = absl::OkStatus();
  absl::Status status = db.pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    std::optional<OwningRecord> owner = SelectOwningRecord(tx, kind, owner_id, /*lock=*/true);
    std::optional<typename Table::Part> current =
        owner ? Select<Table>(tx, kind, owner_id, id, /*for_update=*/true) : std::nullopt;
    if (!current) {
      outcome = absl::NotFoundError(absl::StrCat(Table::Name(kind, owner_id, id), " not found"));
      return;
    }
    typename Table::Part updated = *current;
    // `mutate` first: it checks the caller's scope, and a caller out of scope learns nothing of
    // the part's revision.
    outcome = mutate(*owner, updated);
    if (!outcome.ok()) return;
    if (expected_revision && *expected_revision != current->meta.revision) {
      outcome = absl::AbortedError(
          absl::StrCat(Table::Name(kind, owner_id, id), " was changed by someone else (etag ",
                       records::Etag(*expected_revision), " is stale, current is ",
                       records::Etag(current->meta.revision), "); read it again and retry"));
      return;
    }
    SqlParams params;
    params.Add(id);
    Table::Bind(updated, params);
    params.Add(updated.meta.delete_time)
        .Add(updated.meta.delete_time ? std::optional(updated.meta.delete_reason) : std::nullopt);
    const int n = Table::kValueCount;
    params.Exec(tx, absl::StrCat("UPDATE ", Table::kTable, " SET (", Table::kValueColumns,
                                 ", delete_time, delete_reason, update_time, revision) = (",
                                 Table::ValueExpressions(2), ", to_timestamp($", n + 2, "), $",
                                 n + 3, ", now(), revision + 1) WHERE id = $1"));
    audit::AuditEvent entry = event;
    entry.targets.push_back(Table::Name(kind, owner_id, id));
    AppendAuditEntry(db, tx, entry);
    if (Table::kCrossMatchReason != nullptr) {
      EnqueueCrossMatch(tx, kind, owner_id, Table::kCrossMatchReason);
    }
    result = Select<Table>(tx, kind, owner_id, id, false);
    tx.commit();
  });
  if (!status.ok()) return status;
  if (!outcome.ok()) return outcome;
  return *result;
}

}  // namespace encuentro::storage::parts
