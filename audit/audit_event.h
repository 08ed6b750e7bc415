// One entry of the audit log as the domain describes it: who did what to which records, why,
// and with what outcome. Storage appends it in the same transaction as the change it records.
#pragma once

#include <string>
#include <vector>

#include "auth/principal.h"

namespace encuentro::audit {

struct AuditEvent {
  auth::Principal principal;
  // The RPC or operation, e.g. "encuentro.v1.MissingPersonService/CreateMissingPerson".
  std::string method;
  // Resource names touched; storage adds the name of a record it creates.
  std::vector<std::string> targets;
  // For searches: the stated purpose and legal basis (e.g. an investigation folio).
  std::string purpose;
  std::string legal_basis;
  // A JSON object describing the outcome (status, returned ids and scores).
  std::string outcome_json = "{}";
};

// The event of `principal` calling `method` on `targets`.
inline AuditEvent EventFor(const auth::Principal& principal, std::string method,
                           std::vector<std::string> targets = {}) {
  AuditEvent event;
  event.principal = principal;
  event.method = std::move(method);
  event.targets = std::move(targets);
  return event;
}

}  // namespace encuentro::audit
