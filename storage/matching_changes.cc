#include "storage/matching_changes.h"

#include <algorithm>
#include <pqxx/pqxx>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/text.h"

namespace encuentro::storage {

constexpr char kChannel[] = "encuentro_matching";

namespace {

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& connection, std::vector<int64_t>* heard)
      : pqxx::notification_receiver(connection, kChannel), heard_(heard) {}

  void operator()(const std::string& payload, int /*backend_pid*/) override {
    int64_t id = 0;
    if (absl::SimpleAtoi(payload, &id)) heard_->push_back(id);
  }

 private:
  std::vector<int64_t>* heard_;
};

}  // namespace

// Members in this order: the receiver unlistens while the connection still exists.
struct MatchingChangeListener::Session {
  Session(const std::string& connection_string, std::vector<int64_t>* heard)
      : connection(connection_string), receiver(connection, heard) {}
  pqxx::connection connection;
  Receiver receiver;
};

MatchingChangeListener::MatchingChangeListener(DatabaseOptions options)
    : options_(std::move(options)) {}

MatchingChangeListener::~MatchingChangeListener() = default;

absl::Status MatchingChangeListener::Listen() {
  try {
    session_ = std::make_unique<Session>(options_.connection_string, &heard_);
  } catch (const std::exception& e) {
    session_.reset();
    return absl::UnavailableError(
        absl::StrCat("listening for matching changes: ", OneLine(e.what())));
  }
  return absl::OkStatus();
}

absl::StatusOr<MatchingChanges> MatchingChangeListener::Wait(std::chrono::milliseconds timeout) {
  MatchingChanges changes;
  try {
    if (!session_ || !session_->connection.is_open()) {
      session_.reset();
      // Listening starts here: what committed before is caught up with by comparison.
      session_ = std::make_unique<Session>(options_.connection_string, &heard_);
      changes.catch_up = true;
    }
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout - seconds);
    session_->connection.await_notification(static_cast<long>(seconds.count()),
                                            static_cast<long>(micros.count()));
    session_->connection.get_notifs();  // any that arrived with the first
  } catch (const std::exception& e) {
    session_.reset();
    heard_.clear();
    return absl::UnavailableError(
        absl::StrCat("listening for matching changes: ", OneLine(e.what())));
  }
  std::sort(heard_.begin(), heard_.end());
  heard_.erase(std::unique(heard_.begin(), heard_.end()), heard_.end());
  changes.people.swap(heard_);
  return changes;
}

}  // namespace encuentro::storage
