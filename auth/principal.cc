#include "auth/principal.h"

namespace encuentro::auth {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kCommissionStaff:
      return "commission_staff";
    case Role::kForensicLab:
      return "forensic_lab";
    case Role::kFamilyAuditor:
      return "family_auditor";
  }
  return "unknown";
}

bool ParseRole(const std::string& name, Role* role) {
  for (Role r : {Role::kAdmin, Role::kCommissionStaff, Role::kForensicLab, Role::kFamilyAuditor}) {
    if (name == RoleName(r)) {
      *role = r;
      return true;
    }
  }
  return false;
}

const char* OrganizationKindName(OrganizationKind kind) {
  switch (kind) {
    case OrganizationKind::kSearchCommission:
      return "search_commission";
    case OrganizationKind::kForensicLab:
      return "forensic_lab";
    case OrganizationKind::kFamiliesCollective:
      return "families_collective";
    case OrganizationKind::kOperator:
      return "operator";
  }
  return "unknown";
}

bool ParseOrganizationKind(const std::string& name, OrganizationKind* kind) {
  for (OrganizationKind k : {OrganizationKind::kSearchCommission, OrganizationKind::kForensicLab,
                             OrganizationKind::kFamiliesCollective, OrganizationKind::kOperator}) {
    if (name == OrganizationKindName(k)) {
      *kind = k;
      return true;
    }
  }
  return false;
}

Role RoleOf(OrganizationKind kind) {
  switch (kind) {
    case OrganizationKind::kSearchCommission:
      return Role::kCommissionStaff;
    case OrganizationKind::kForensicLab:
      return Role::kForensicLab;
    case OrganizationKind::kFamiliesCollective:
      return Role::kFamilyAuditor;
    case OrganizationKind::kOperator:
      break;
  }
  return Role::kAdmin;
}

}  // namespace encuentro::auth
