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
#include "records/model.h"
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
  absl::Status status = fn(*caller);
  // A scope refusal (another organization's record) is recorded like a role refusal.
  if (absl::Status s = gate->RecordRefusal(*caller, method, status); !s.ok()) status = s;
  return ToGrpcStatus(status);
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

// Listings page by bytes as well as by count: a page ends before the item that would take it past
// kMaxPageBytes (the first item always goes), so that no row, however large an older server let
// it be, can make a listing fail with RESOURCE_EXHAUSTED for good.
inline constexpr size_t kMaxPageBytes = 4u << 20;

// Appends convert(item) of each of `page.records` to `out` within kMaxPageBytes, and returns the
// id to continue after: the last appended item's when the page was cut, else the page's own.
template <typename Record, typename Proto, typename Convert>
int64_t AppendWithinBytes(const records::Page<Record>& page,
                          google::protobuf::RepeatedPtrField<Proto>* out, Convert convert) {
  size_t bytes = 0;
  for (size_t i = 0; i < page.records.size(); ++i) {
    Proto item = convert(page.records[i]);
    bytes += item.ByteSizeLong();
    if (i > 0 && bytes > kMaxPageBytes) {
      const Record& last = page.records[i - 1];
      if constexpr (requires { last.meta.id; }) {
        return last.meta.id;
      } else {
        return last.id;
      }
    }
    *out->Add() = std::move(item);
  }
  return page.next_after_id;
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
