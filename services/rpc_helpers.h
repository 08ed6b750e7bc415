// The steps every resource method of the services repeats: admit the caller, read an etag and an
// update mask, and page a listing. One place, so that every service answers alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/field_violations.h"
#include "google/protobuf/field_mask.pb.h"
#include "records/names.h"
#include "services/gatekeeper.h"
#include "services/page_token.h"
#include "services/status_conversion.h"

namespace encuentro::services {

// Admits the caller (see Gatekeeper), runs `fn`, and converts its status for the wire.
template <typename Fn>
grpc::Status Serve(Gatekeeper* gate, const grpc::ServerContextBase& context, const char* method,
                   Fn fn) {
  absl::StatusOr<auth::Principal> caller = gate->Admit(context, method);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ToGrpcStatus(fn(*caller));
}

// The revision an etag names; nullopt for an empty etag (no check).
inline absl::StatusOr<std::optional<int64_t>> OptionalRevision(const std::string& etag,
                                                               const std::string& field) {
  if (etag.empty()) return std::optional<int64_t>();
  std::optional<int64_t> revision = records::ParseEtag(etag);
  if (!revision) return InvalidFields({{field, "is not an etag this server issued"}});
  return revision;
}

inline std::vector<std::string> MaskPaths(const google::protobuf::FieldMask& mask) {
  return {mask.paths().begin(), mask.paths().end()};
}

// Listings return 50 by default and at most 1000 (records::kMaxPageSize).
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxListPageSize = 1000;

struct PagePosition {
  int size = kDefaultPageSize;
  int64_t after_id = 0;
};

// Where a listing request's page starts; its page token must have been made for the same
// filters (every field but page_size and page_token).
template <typename Request>
absl::StatusOr<PagePosition> PagePositionOf(const Request& request) {
  Request filters = request;
  filters.clear_page_size();
  filters.clear_page_token();
  absl::StatusOr<int> size =
      EffectivePageSize(request.page_size(), kDefaultPageSize, kMaxListPageSize);
  if (!size.ok()) return size.status();
  absl::StatusOr<int64_t> after =
      DecodePageToken(request.page_token(), filters.SerializeAsString());
  if (!after.ok()) return after.status();
  return PagePosition{*size, *after};
}

// The token of the page after the one that ended at `next_after_id` (0: there is none).
template <typename Request>
std::string NextPageToken(const Request& request, int64_t next_after_id) {
  if (next_after_id == 0) return "";
  Request filters = request;
  filters.clear_page_size();
  filters.clear_page_token();
  return EncodePageToken(next_after_id, filters.SerializeAsString());
}

}  // namespace encuentro::services
