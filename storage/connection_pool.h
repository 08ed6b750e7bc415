// A bounded pool of libpq connections, private to the storage module: the only place that holds
// pqxx connections, so SQL stays in storage.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/database.h"

namespace encuentro::storage {

// Thread-safe. Connections are made lazily up to `max_size`; a borrower waits when all are in
// use. A connection found broken is replaced on its next borrow.
class ConnectionPool {
 public:
  ConnectionPool(std::string connection_string, std::string assume_role, int max_size);

  // Borrows a connection for the duration of `fn`, converting pqxx errors into statuses: broken
  // connections, commits whose outcome is in doubt and any error that leaves the connection
  // closed to UNAVAILABLE, serialization failures to ABORTED, others to INTERNAL.
  absl::Status Run(const std::function<void(pqxx::connection&)>& fn);

  // How busy the pool is, for metrics: connections lent out, open (lent or idle), the limit.
  PoolUse use() const;

 private:
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect() const;

  const std::string connection_string_;
  const std::string assume_role_;
  const int max_size_;
  mutable std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;  // guarded by mu_
  int open_ = 0;                                         // guarded by mu_
};

}  // namespace encuentro::storage
