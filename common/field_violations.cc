#include "common/field_violations.h"

#include "absl/strings/cord.h"

namespace encuentro {
namespace {

constexpr char kPayloadType[] = "type.encuentro.dev/field-violations";

// Payload: "field\x1fdescription\x1e" per violation; the separators cannot occur in either.
constexpr char kUnit = '\x1f';
constexpr char kRecord = '\x1e';

}  // namespace

absl::Status InvalidFields(const std::vector<FieldViolation>& violations) {
  return FieldError(absl::StatusCode::kInvalidArgument, violations);
}

absl::Status FieldError(absl::StatusCode code, const std::vector<FieldViolation>& violations) {
  if (violations.empty()) return absl::OkStatus();
  std::string message = code == absl::StatusCode::kInvalidArgument ? "invalid request: " : "";
  std::string payload;
  for (size_t i = 0; i < violations.size(); ++i) {
    if (i > 0) message += "; ";
    message += violations[i].field + ": " + violations[i].description;
    payload += violations[i].field + kUnit + violations[i].description + kRecord;
  }
  absl::Status status(code, message);
  status.SetPayload(kPayloadType, absl::Cord(payload));
  return status;
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> violations;
  auto payload = status.GetPayload(kPayloadType);  // absl::optional in Debian's build
  if (!payload) return violations;
  const std::string text(*payload);
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find(kRecord, start);
    const std::string item = text.substr(start, end - start);
    const size_t unit = item.find(kUnit);
    violations.push_back({item.substr(0, unit), item.substr(unit + 1)});
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return violations;
}

std::vector<FieldViolation> WithFieldPrefix(std::vector<FieldViolation> violations,
                                            const std::string& prefix) {
  for (FieldViolation& v : violations) v.field = prefix + "." + v.field;
  return violations;
}

}  // namespace encuentro
