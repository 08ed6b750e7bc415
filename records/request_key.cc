#include "records/request_key.h"

#include "common/field_violations.h"
#include "common/text.h"

namespace encuentro::records {

absl::Status ValidateRequestKey(const RequestKey& key) {
  if (!IsValidUtf8(key.id) || key.id.size() > kMaxShortText) {
    return InvalidFields({{"request_id", "must be valid UTF-8 of at most " +
                                             std::to_string(kMaxShortText) + " bytes"}});
  }
  return absl::OkStatus();
}

absl::Status RequestIdReused(const RequestKey& key, const std::string& existing_name) {
  return FieldError(absl::StatusCode::kAlreadyExists,
                    {{"request_id", "\"" + key.id + "\" already made " + existing_name +
                                        " from a different request; use a new request id to "
                                        "create another record, or update " +
                                        existing_name}});
}

}  // namespace encuentro::records
