#include "storage/audit_store.h"

#include <nlohmann/json.hpp>

#include "storage/audit_writer.h"
#include "storage/connection_pool.h"
#include "storage/sql_values.h"

namespace encuentro::storage {
namespace {

constexpr char kEntryColumns[] = "SELECT position, entry, prev_hash, entry_hash FROM audit_log ";

// The targets a reader relies on are those inside the hashed entry: the `targets` column is an
// unhashed copy that an edit could change without breaking the chain, so it is never read.
StoredAuditEntry ReadEntry(const pqxx::row& row) {
  StoredAuditEntry e;
  e.position = row[0].as<int64_t>();
  e.entry = row[1].as<std::string>();
  e.prev_hash = row[2].as<std::string>();
  e.entry_hash = row[3].as<std::string>();
  const nlohmann::json parsed = nlohmann::json::parse(e.entry, nullptr, false);
  if (parsed.is_object() && parsed.contains("targets") && parsed["targets"].is_array()) {
    for (const auto& t : parsed["targets"]) {
      if (t.is_string()) e.targets.push_back(t.get<std::string>());
    }
  }
  return e;
}

constexpr char kCheckpointColumns[] =
    "SELECT tree_size, head_hash, to_char(time AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), signature, public_key FROM audit_checkpoints ";

audit::Checkpoint ReadCheckpoint(const pqxx::row& row) {
  return {row[0].as<int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(),
          row[3].as<std::string>(), row[4].as<std::string>()};
}

}  // namespace

absl::StatusOr<std::vector<StoredAuditEntry>> AuditStore::List(const AuditQuery& query) {
  std::vector<StoredAuditEntry> entries;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    SqlParams params;
    params.Add(query.after_position).Add(query.limit);
    std::string where = "WHERE position > $1";
    if (!query.target.empty()) {
      params.Add(query.target);
      // The hashed entry's targets (index of migration 0019), not the unhashed column.
      where += " AND (entry::jsonb -> 'targets') ? $3";
    }
    for (const auto& row :
         params.Exec(tx, std::string(kEntryColumns) + where + " ORDER BY position LIMIT $2")) {
      entries.push_back(ReadEntry(row));
    }
  });
  if (!status.ok()) return status;
  return entries;
}

absl::Status AuditStore::ForEach(int64_t last_position,
                                 const std::function<bool(const StoredAuditEntry&)>& fn) {
  constexpr int kBatch = 2000;
  int64_t after = 0;
  while (after < last_position) {
    std::vector<StoredAuditEntry> batch;
    absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
      pqxx::read_transaction tx(conn);
      for (const auto& row :
           SqlParams()
               .Add(after)
               .Add(last_position)
               .Add(kBatch)
               .Exec(tx, std::string(kEntryColumns) +
                             "WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3")) {
        batch.push_back(ReadEntry(row));
      }
    });
    if (!status.ok()) return status;
    if (batch.empty()) break;  // entries missing from the table: the verifier will say where
    for (const StoredAuditEntry& entry : batch) {
      if (!fn(entry)) return absl::OkStatus();
    }
    after = batch.back().position;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::pair<int64_t, std::string>> AuditStore::Head() {
  std::pair<int64_t, std::string> head{0, audit::GenesisHash()};
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    const pqxx::result row =
        tx.exec("SELECT position, entry_hash FROM audit_log ORDER BY position DESC LIMIT 1");
    if (!row.empty()) head = {row[0][0].as<int64_t>(), row[0][1].as<std::string>()};
  });
  if (!status.ok()) return status;
  return head;
}

absl::StatusOr<audit::Checkpoint> AuditStore::SaveCheckpoint(const audit::Checkpoint& checkpoint) {
  std::optional<audit::Checkpoint> stored;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    SqlParams()
        .Add(checkpoint.tree_size)
        .Add(checkpoint.head_hash)
        .Add(checkpoint.time)
        .Add(audit::CheckpointMessage(checkpoint.tree_size, checkpoint.head_hash, checkpoint.time))
        .Add(checkpoint.signature)
        .Add(checkpoint.public_key)
        .Exec(tx,
              "INSERT INTO audit_checkpoints (tree_size, head_hash, time, message, signature, "
              "public_key) VALUES ($1, $2, $3::timestamptz, $4, $5, $6) "
              "ON CONFLICT (tree_size) DO NOTHING");
    stored = ReadCheckpoint(SqlParams()
                                .Add(checkpoint.tree_size)
                                .Exec(tx, std::string(kCheckpointColumns) + "WHERE tree_size = $1")
                                .at(0));
    tx.commit();
  });
  if (!status.ok()) return status;
  return *stored;
}

absl::Status AuditStore::Append(const audit::AuditEvent& event) {
  return AppendAuditEntry(*database_, event);
}

absl::StatusOr<std::vector<audit::Checkpoint>> AuditStore::Checkpoints() {
  std::vector<audit::Checkpoint> checkpoints;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    for (const auto& row : tx.exec(std::string(kCheckpointColumns) + "ORDER BY tree_size, time")) {
      checkpoints.push_back(ReadCheckpoint(row));
    }
  });
  if (!status.ok()) return status;
  return checkpoints;
}

absl::StatusOr<std::optional<audit::Checkpoint>> AuditStore::LatestCheckpoint() {
  std::optional<audit::Checkpoint> latest;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    const pqxx::result rows =
        tx.exec(std::string(kCheckpointColumns) + "ORDER BY tree_size DESC LIMIT 1");
    if (!rows.empty()) latest = ReadCheckpoint(rows[0]);
  });
  if (!status.ok()) return status;
  return latest;
}

}  // namespace encuentro::storage
