// Queues a cross-match run inside the caller's transaction, so that a change and its job commit
// or roll back together. Private to storage.
#pragma once

#include <cstdint>
#include <pqxx/pqxx>
#include <string>

#include "records/model.h"

namespace encuentro::storage {

void EnqueueCrossMatch(pqxx::transaction_base& tx, records::RecordKind kind, int64_t record_id,
                       const std::string& reason);

}  // namespace encuentro::storage
