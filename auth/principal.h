// Who is calling: the authenticated user, their organization and role. Every domain operation
// that reads or changes case data takes one, so that it can be scoped and audited.
#pragma once

#include <string>

namespace encuentro::auth {

enum class Role { kAdmin, kCommissionStaff, kForensicLab, kFamilyAuditor };

// What an organization is; it fixes the one role its users may have.
enum class OrganizationKind { kSearchCommission, kForensicLab, kFamiliesCollective, kOperator };

struct Principal {
  std::string user;
  std::string organization;
  Role role = Role::kCommissionStaff;
};

// "admin", "commission_staff", "forensic_lab", "family_auditor".
const char* RoleName(Role role);
// Parses a RoleName; false if unknown.
bool ParseRole(const std::string& name, Role* role);

// "search_commission", "forensic_lab", "families_collective", "operator".
const char* OrganizationKindName(OrganizationKind kind);
bool ParseOrganizationKind(const std::string& name, OrganizationKind* kind);
// The role users of such an organization have: staff in commissions, lab staff in labs,
// auditors in families' collectives, administrators in the operator.
Role RoleOf(OrganizationKind kind);

}  // namespace encuentro::auth
