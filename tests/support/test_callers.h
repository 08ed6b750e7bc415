// Real callers for service tests: organizations, users and API tokens made in the test's own
// database through auth::Principals, the Gatekeeper that checks them, and client contexts that
// carry the tokens. No identity is ever taken on trust.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "auth/case_scope.h"
#include "auth/principals.h"
#include "services/gatekeeper.h"
#include "storage/database.h"
#include "storage/principal_store.h"

namespace encuentro::testing {

// Thread-safe.
class TestCallers {
 public:
  // Rate limits are off unless `options` set them.
  explicit TestCallers(storage::Database* database,
                       services::GatekeeperOptions options = {.requests_per_minute = 0});

  services::Gatekeeper* gatekeeper() { return &gatekeeper_; }
  auth::Principals* principals() { return &principals_; }
  // The production scoping rules over these principals' case links.
  const auth::CaseScope* scope() const { return &scope_; }

  // The token of (user, organization, role), making the organization (of the kind the role
  // belongs to), the user and the token on first use.
  std::string Token(const std::string& user, const std::string& organization,
                    const std::string& role);
  // A context carrying that token, with a 30 s deadline.
  std::unique_ptr<grpc::ClientContext> Context(const std::string& user = "ana",
                                               const std::string& organization = "cbp-bc",
                                               const std::string& role = "commission_staff");

 private:
  storage::PrincipalStore store_;
  auth::Principals principals_;
  auth::CaseScope scope_;
  services::Gatekeeper gatekeeper_;
  std::mutex mu_;
  // guarded by mu_
  std::map<std::tuple<std::string, std::string, std::string>, std::string> tokens_;
};

// A context carrying `token` (empty: none), with a 30 s deadline.
std::unique_ptr<grpc::ClientContext> TokenContext(const std::string& token);

}  // namespace encuentro::testing
