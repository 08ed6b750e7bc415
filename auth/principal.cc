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

}  // namespace encuentro::auth
