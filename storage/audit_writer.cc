#include "storage/audit_writer.h"

#include <nlohmann/json.hpp>

#include "storage/sql_values.h"

namespace encuentro::storage {

void AppendAuditEntry(pqxx::transaction_base& tx, const audit::AuditEvent& event) {
  SqlParams()
      .Add(event.principal.user)
      .Add(event.principal.organization)
      .Add(auth::RoleName(event.principal.role))
      .Add(event.method)
      .Add(nlohmann::json(event.targets).dump())
      .Add(event.purpose)
      .Add(event.legal_basis)
      .Add(event.outcome_json)
      .Exec(tx,
            "INSERT INTO audit_log (principal, organization, role, method, targets, purpose, "
            "legal_basis, outcome) VALUES ($1, $2, $3, $4, "
            "ARRAY(SELECT jsonb_array_elements_text($5::jsonb)), $6, $7, $8::jsonb)");
}

}  // namespace encuentro::storage
