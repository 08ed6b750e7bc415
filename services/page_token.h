// Opaque page tokens (AIP-158): where the next page starts, bound to the filter that made it so
// that a token cannot be replayed against a different query.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace encuentro::services {

// `filter_fingerprint` is any string that identifies the query's filters.
std::string EncodePageToken(int64_t after_id, const std::string& filter_fingerprint);

// The id to continue after; 0 for an empty token. INVALID_ARGUMENT (field "page_token") for a
// malformed token or one made for other filters.
absl::StatusOr<int64_t> DecodePageToken(const std::string& token,
                                        const std::string& filter_fingerprint);

// AIP page size: 0 means `default_size`; larger than `max_size` is clamped; negative is an error.
absl::StatusOr<int> EffectivePageSize(int requested, int default_size, int max_size);

}  // namespace encuentro::services
