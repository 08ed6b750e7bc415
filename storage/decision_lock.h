// Serializes, until the transaction ends, the writers of one candidate pair's decisions, so that
// a lead raised by cross-matching and a reviewer's decision on the same pair never interleave.
// Private to storage.
#pragma once

#include <cstdint>
#include <pqxx/pqxx>

namespace encuentro::storage {

void LockCandidatePair(pqxx::transaction_base& tx, int64_t remains_id, int64_t missing_person_id);

}  // namespace encuentro::storage
