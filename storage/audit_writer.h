// Appends audit entries inside the caller's transaction, so that a change and its entry commit
// or roll back together. Private to storage.
#pragma once

#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "audit/audit_event.h"
#include "storage/database.h"

namespace encuentro::storage {

// `database` is the one `tx` runs on; it is told how long the append took (waiting for the
// chain's lock, reading its head and inserting), as "audit_append".
void AppendAuditEntry(Database& database, pqxx::transaction_base& tx,
                      const audit::AuditEvent& event);

// The same in a transaction of its own, for events that change nothing else (reads, searches).
absl::Status AppendAuditEntry(Database& database, const audit::AuditEvent& event);

}  // namespace encuentro::storage
