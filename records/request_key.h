// A client's name for one create (AIP-155), bound to a digest of what the request asked for.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace encuentro::records {

// A retry with the same id and digest returns what the first call made; the same id with a
// different digest is refused, so that two different requests are never merged into one record.
struct RequestKey {
  std::string id;      // empty: the create is not idempotent
  std::string digest;  // hex SHA-256 of the request without its id
};

// INVALID_ARGUMENT naming `request_id` for an id that is not UTF-8 or is over 200 bytes.
absl::Status ValidateRequestKey(const RequestKey& key);

// ALREADY_EXISTS naming `request_id`: `key.id` made `existing_name` from a different request.
absl::Status RequestIdReused(const RequestKey& key, const std::string& existing_name);

}  // namespace encuentro::records
