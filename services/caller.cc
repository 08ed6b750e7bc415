#include "services/caller.h"

#include <string>

namespace encuentro::services {
namespace {

std::string Header(const grpc::ServerContextBase& context, const char* key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(key);
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

absl::StatusOr<auth::Principal> AuthenticateCaller(const grpc::ServerContextBase& context) {
  auth::Principal principal;
  principal.user = Header(context, kUserHeader);
  principal.organization = Header(context, kOrganizationHeader);
  const std::string role = Header(context, kRoleHeader);
  if (principal.user.empty() || principal.organization.empty() || role.empty()) {
    return absl::UnauthenticatedError(std::string("missing caller identity: send the ") +
                                      kUserHeader + ", " + kOrganizationHeader + " and " +
                                      kRoleHeader + " headers");
  }
  if (!auth::ParseRole(role, &principal.role)) {
    return absl::UnauthenticatedError("unknown role '" + role + "'");
  }
  return principal;
}

}  // namespace encuentro::services
