// The first step of every RPC: who is calling (a bearer API token, a web console session, or a
// verified client certificate under mutual TLS), may their role call this method, and are they
// within their rate limit. Deny by default: a method missing from RpcRoles() is refused to
// everyone.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "auth/principal.h"
#include "auth/principals.h"

namespace encuentro::services {

// The roles allowed to call each RPC, by full method name ("encuentro.v1.MatchService.
// SearchCandidates"). Scoping within a method (whose records) is the method's own business.
const std::map<std::string, std::set<auth::Role>>& RpcRoles();

struct GatekeeperOptions {
  // Calls a principal may make per minute (a token bucket holding a minute's worth); 0: no limit.
  int requests_per_minute = 600;
  // The web console's in-process calls carry this key (kConsoleKeyHeader) with a session; it
  // never leaves the process, so a session secret sent from elsewhere (a stolen cookie) is
  // refused. Empty: no session is accepted.
  std::string console_key;
};

// The metadata that carries GatekeeperOptions::console_key.
inline constexpr char kConsoleKeyHeader[] = "x-encuentro-console-key";

// Thread-safe.
class Gatekeeper {
 public:
  Gatekeeper(auth::Principals* principals, GatekeeperOptions options = {})
      : principals_(principals), options_(options) {}

  // UNAUTHENTICATED without valid credentials; PERMISSION_DENIED when the role may not call
  // `method` (or `method` is not in the table); RESOURCE_EXHAUSTED over the rate limit.
  absl::StatusOr<auth::Principal> Admit(const grpc::ServerContextBase& context,
                                        std::string_view method);

  // Records a PERMISSION_DENIED answer to an authenticated caller in the audit log (Admit does
  // for roles; Serve for scopes). Other statuses are not recorded.
  absl::Status RecordRefusal(const auth::Principal& caller, std::string_view method,
                             const absl::Status& status);

  // Takes one more call from an admitted caller's rate limit, for an RPC that does the work of
  // many (each search of a BatchSearch stream). RESOURCE_EXHAUSTED over the limit.
  absl::Status Charge(const auth::Principal& caller);

  auth::Principals* principals() { return principals_; }

 private:
  absl::StatusOr<auth::Principal> Authenticate(const grpc::ServerContextBase& context);
  bool TakeToken(const std::string& user);

  auth::Principals* principals_;
  const GatekeeperOptions options_;
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
};

}  // namespace encuentro::services
