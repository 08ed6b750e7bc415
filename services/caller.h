// Who is calling an RPC. Until token authentication lands, the caller states its identity in
// request headers; every service already takes the resulting Principal, so the switch to real
// authentication changes only this function.
#pragma once

#include <grpcpp/server_context.h>

#include "absl/status/statusor.h"
#include "auth/principal.h"

namespace encuentro::services {

inline constexpr char kUserHeader[] = "x-encuentro-user";
inline constexpr char kOrganizationHeader[] = "x-encuentro-organization";
inline constexpr char kRoleHeader[] = "x-encuentro-role";

// UNAUTHENTICATED if a header is missing or the role is unknown.
absl::StatusOr<auth::Principal> AuthenticateCaller(const grpc::ServerContextBase& context);

}  // namespace encuentro::services
