// The record a mark, a dental chart or another part of a record belongs to, as a change to that
// part needs it: whose it is, and whether it is deleted.
#pragma once

#include <string>

namespace encuentro::storage {

struct OwningRecord {
  std::string organization;
  bool deleted = false;
};

}  // namespace encuentro::storage
