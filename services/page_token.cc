#include "services/page_token.h"

#include <charconv>

#include "absl/strings/escaping.h"
#include "common/field_violations.h"
#include "common/sha256.h"

namespace encuentro::services {
namespace {

std::string ShortHash(const std::string& text) { return Sha256Hex(text).substr(0, 16); }

}  // namespace

std::string EncodePageToken(int64_t after_id, const std::string& filter_fingerprint) {
  return absl::WebSafeBase64Escape(std::to_string(after_id) + ":" + ShortHash(filter_fingerprint));
}

absl::StatusOr<int64_t> DecodePageToken(const std::string& token,
                                        const std::string& filter_fingerprint) {
  if (token.empty()) return 0;
  std::string raw;
  const auto invalid = [] {
    return InvalidFields({{"page_token", "is not a token from a previous page of this query"}});
  };
  if (!absl::WebSafeBase64Unescape(token, &raw)) return invalid();
  const size_t colon = raw.find(':');
  if (colon == std::string::npos || raw.substr(colon + 1) != ShortHash(filter_fingerprint)) {
    return invalid();
  }
  int64_t id = 0;
  auto [end, error] = std::from_chars(raw.data(), raw.data() + colon, id);
  if (error != std::errc() || end != raw.data() + colon || id < 0) return invalid();
  return id;
}

absl::StatusOr<int> EffectivePageSize(int requested, int default_size, int max_size) {
  if (requested < 0) return InvalidFields({{"page_size", "must not be negative"}});
  if (requested == 0) return default_size;
  return std::min(requested, max_size);
}

}  // namespace encuentro::services
