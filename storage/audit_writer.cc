#include "storage/audit_writer.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "audit/chain.h"
#include "common/step_durations.h"
#include "storage/connection_pool.h"
#include "storage/sql_values.h"

namespace encuentro::storage {
namespace {

// Serializes appends from reading the chain head to commit, so that concurrent writers never
// fork the chain: each waits for the previous appender's commit, then reads the new head.
constexpr int64_t kAuditChainLock = 0x656e637561756469;  // "encuaudi"

}  // namespace

void AppendAuditEntry(Database& database, pqxx::transaction_base& tx,
                      const audit::AuditEvent& event) {
  common::StepTimer timer(database.step_durations(), "audit_append");
  SqlParams().Add(kAuditChainLock).Exec(tx, "SELECT pg_advisory_xact_lock($1)");
  // Read committed: this statement's snapshot is taken after the lock, so it sees the previous
  // appender's entry.
  const pqxx::result head =
      tx.exec("SELECT position, entry_hash FROM audit_log ORDER BY position DESC LIMIT 1");
  const int64_t position = head.empty() ? 1 : head[0][0].as<int64_t>() + 1;
  const std::string prev_hash = head.empty() ? audit::GenesisHash() : head[0][1].as<std::string>();
  const records::Timestamp now = std::chrono::system_clock::now();
  const std::string entry = audit::CanonicalEntry(event, now);
  SqlParams()
      .Add(now)
      .Add(event.principal.user)
      .Add(event.principal.organization)
      .Add(auth::RoleName(event.principal.role))
      .Add(event.method)
      .Add(nlohmann::json(event.targets)
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
      .Add(event.purpose)
      .Add(event.legal_basis)
      .Add(event.outcome_json)
      .Add(position)
      .Add(entry)
      .Add(prev_hash)
      .Add(audit::ChainHash(prev_hash, entry))
      .Exec(
          tx,
          "INSERT INTO audit_log (time, principal, organization, role, method, targets, "
          "purpose, legal_basis, outcome, position, entry, prev_hash, entry_hash) VALUES "
          "(to_timestamp($1), $2, $3, $4, $5, ARRAY(SELECT jsonb_array_elements_text($6::jsonb)), "
          "$7, $8, $9::jsonb, $10, $11, $12, $13)");
}

absl::Status AppendAuditEntry(Database& database, const audit::AuditEvent& event) {
  return database.pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    AppendAuditEntry(database, tx, event);
    tx.commit();
  });
}

}  // namespace encuentro::storage
