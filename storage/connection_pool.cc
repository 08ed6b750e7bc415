#include "storage/connection_pool.h"

#include "absl/strings/str_cat.h"
#include "common/text.h"

namespace encuentro::storage {

ConnectionPool::ConnectionPool(std::string connection_string, std::string assume_role, int max_size)
    : connection_string_(std::move(connection_string)),
      assume_role_(std::move(assume_role)),
      max_size_(max_size < 1 ? 1 : max_size) {}

absl::StatusOr<std::unique_ptr<pqxx::connection>> ConnectionPool::Connect() const {
  try {
    auto conn = std::make_unique<pqxx::connection>(connection_string_);
    if (!assume_role_.empty()) {
      pqxx::nontransaction tx(*conn);
      tx.exec0("SET ROLE " + tx.quote_name(assume_role_));
    }
    return conn;
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the database: ", OneLine(e.what())));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("database session set-up: ", OneLine(e.what())));
  }
}

PoolUse ConnectionPool::use() const {
  std::lock_guard lock(mu_);
  return {open_ - static_cast<int>(idle_.size()), open_, max_size_};
}

absl::Status ConnectionPool::Run(const std::function<void(pqxx::connection&)>& fn) {
  std::unique_ptr<pqxx::connection> conn;
  {
    std::unique_lock lock(mu_);
    available_.wait(lock, [&] { return !idle_.empty() || open_ < max_size_; });
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;
    }
  }
  // Returns the slot (and the connection, if still usable) however we leave.
  auto give_back = [&](bool keep) {
    std::lock_guard lock(mu_);
    if (keep && conn && conn->is_open()) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
    available_.notify_one();
  };
  if (!conn || !conn->is_open()) {
    absl::StatusOr<std::unique_ptr<pqxx::connection>> fresh = Connect();
    if (!fresh.ok()) {
      conn.reset();
      give_back(false);
      return fresh.status();
    }
    conn = std::move(*fresh);
  }
  try {
    fn(*conn);
    give_back(true);
    return absl::OkStatus();
  } catch (const pqxx::broken_connection& e) {
    give_back(false);
    return absl::UnavailableError(absl::StrCat("database connection lost: ", OneLine(e.what())));
  } catch (const pqxx::in_doubt_error& e) {
    // The connection broke while COMMIT was on its way (a failover, a restart): the change may or
    // may not have been made. A retry with the same request id finds out without doing it twice.
    give_back(false);
    return absl::UnavailableError(
        absl::StrCat("database connection lost while committing; the change may or may not have "
                     "been made, retry with the same request id: ",
                     OneLine(e.what())));
  } catch (const pqxx::serialization_failure& e) {
    give_back(true);
    return absl::AbortedError(OneLine(e.what()));
  } catch (const pqxx::insufficient_privilege& e) {
    give_back(true);
    return absl::PermissionDeniedError(OneLine(e.what()));
  } catch (const std::exception& e) {
    // A server shutting down ends its sessions with an error (SQLSTATE class 57) rather than a
    // closed socket; whatever the error, a connection no longer open means "try again".
    const bool lost = !conn->is_open();
    give_back(!lost);
    if (lost) {
      return absl::UnavailableError(absl::StrCat("database connection lost: ", OneLine(e.what())));
    }
    return absl::InternalError(OneLine(e.what()));
  }
}

}  // namespace encuentro::storage
