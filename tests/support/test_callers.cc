#include "tests/support/test_callers.h"

#include <gtest/gtest.h>

#include <chrono>

#include "common/logging.h"

namespace encuentro::testing {
namespace {

auth::OrganizationKind KindFor(auth::Role role) {
  switch (role) {
    case auth::Role::kCommissionStaff:
      return auth::OrganizationKind::kSearchCommission;
    case auth::Role::kForensicLab:
      return auth::OrganizationKind::kForensicLab;
    case auth::Role::kFamilyAuditor:
      return auth::OrganizationKind::kFamiliesCollective;
    case auth::Role::kAdmin:
      break;
  }
  return auth::OrganizationKind::kOperator;
}

// Reported as a test failure; the caller then gets an empty token, so its calls are refused.
std::string Fail(const std::string& what, const absl::Status& status) {
  ADD_FAILURE() << "TestCallers: " << what << ": " << status;
  return "";
}

}  // namespace

TestCallers::TestCallers(storage::Database* database, services::GatekeeperOptions options)
    : store_(database), principals_(&store_), scope_(&store_), gatekeeper_(&principals_, options) {}

std::string TestCallers::Token(const std::string& user, const std::string& organization,
                               const std::string& role) {
  const auto key = std::make_tuple(user, organization, role);
  std::lock_guard lock(mu_);
  if (auto it = tokens_.find(key); it != tokens_.end()) return it->second;
  auth::Role parsed;
  if (!auth::ParseRole(role, &parsed))
    return Fail("role " + role, absl::InvalidArgumentError(role));
  const auth::Principal setup{"test-setup", "operator", auth::Role::kAdmin};
  absl::Status org = principals_.CreateOrganization(setup, organization, KindFor(parsed));
  if (!org.ok() && !absl::IsAlreadyExists(org)) return Fail("organization " + organization, org);
  absl::StatusOr<storage::StoredUser> made =
      principals_.CreateUser(setup, user, organization, parsed, "");
  if (!made.ok()) return Fail("user " + user, made.status());
  absl::StatusOr<auth::IssuedToken> issued =
      principals_.IssueToken(setup, user, std::chrono::seconds(0), "test");
  if (!issued.ok()) return Fail("token for " + user, issued.status());
  tokens_[key] = issued->token;
  return issued->token;
}

std::unique_ptr<grpc::ClientContext> TestCallers::Context(const std::string& user,
                                                          const std::string& organization,
                                                          const std::string& role) {
  return TokenContext(Token(user, organization, role));
}

std::unique_ptr<grpc::ClientContext> TokenContext(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  return context;
}

}  // namespace encuentro::testing
