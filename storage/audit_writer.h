// Appends audit entries inside the caller's transaction, so that a change and its entry commit
// or roll back together. Private to storage.
#pragma once

#include <pqxx/pqxx>

#include "audit/audit_event.h"

namespace encuentro::storage {

void AppendAuditEntry(pqxx::transaction_base& tx, const audit::AuditEvent& event);

}  // namespace encuentro::storage
