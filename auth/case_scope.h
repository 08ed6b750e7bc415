// Which case records a caller may see and change. Search commissions see their own missing
// persons and every set of remains; labs see the remains they recorded; a families' collective
// sees only the cases staff linked it to, with the family's consent; administrators manage
// principals and the audit log, not cases. Out of scope is PERMISSION_DENIED.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "auth/principal.h"
#include "records/model.h"
#include "storage/principal_store.h"

namespace encuentro::auth {

// Thread-safe (the store is).
class CaseScope {
 public:
  // `links` answers which cases families' collectives are linked to; null: none are.
  explicit CaseScope(storage::PrincipalStore* links) : links_(links) {}

  // May `caller` read record `id` of `kind`, recorded by `organization`?
  absl::Status CheckRead(const Principal& caller, records::RecordKind kind, int64_t id,
                         const std::string& organization) const;
  // May `caller` change it (or add photos to it)?
  absl::Status CheckWrite(const Principal& caller, records::RecordKind kind,
                          const std::string& organization) const;
  // Narrows a listing to what `caller` may read; PERMISSION_DENIED for callers who read single
  // linked records only (families' collectives) or none.
  absl::Status NarrowListing(const Principal& caller, records::RecordKind kind,
                             records::RecordQuery* query) const;
  // Narrows a search of distinguishing marks on records of `kind` to the owners' `organization`
  // `caller` may search. As NarrowListing, except that families' collectives may search the
  // marks of every set of remains: post-mortem descriptions of marks and effects are what they
  // circulate to find their relatives (as NamUs publishes them); the record itself stays closed.
  absl::Status NarrowMarkSearch(const Principal& caller, records::RecordKind kind,
                                std::string* organization) const;

 private:
  storage::PrincipalStore* links_;
};

}  // namespace encuentro::auth
