// Who is calling: the authenticated user, their organization and role. Every domain operation
// that reads or changes case data takes one, so that it can be scoped and audited.
#pragma once

#include <string>

namespace encuentro::auth {

enum class Role { kAdmin, kCommissionStaff, kForensicLab, kFamilyAuditor };

struct Principal {
  std::string user;
  std::string organization;
  Role role = Role::kCommissionStaff;
};

// "admin", "commission_staff", "forensic_lab", "family_auditor".
const char* RoleName(Role role);
// Parses a RoleName; false if unknown.
bool ParseRole(const std::string& name, Role* role);

}  // namespace encuentro::auth
