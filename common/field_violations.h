// Validation failures as values: every bad field of a request, carried inside an
// INVALID_ARGUMENT absl::Status so that the RPC layer can send them as google.rpc.BadRequest.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace encuentro {

// A field that failed validation, named by its API path (e.g. "reported_height.cm").
struct FieldViolation {
  std::string field;
  std::string description;
};

// INVALID_ARGUMENT listing every violation (in the message too, for logs and simple clients).
// OK if `violations` is empty.
absl::Status InvalidFields(const std::vector<FieldViolation>& violations);

// A status of `code` (e.g. ALREADY_EXISTS) that names the fields at fault, as InvalidFields does.
absl::Status FieldError(absl::StatusCode code, const std::vector<FieldViolation>& violations);

// The violations an InvalidFields status carries; empty for any other status.
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);

// Prefixes every violation's field with `prefix` + "." (e.g. the request's resource field).
std::vector<FieldViolation> WithFieldPrefix(std::vector<FieldViolation> violations,
                                            const std::string& prefix);

}  // namespace encuentro
