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

// The listening connection dies quietly when its server vanishes (a failover to another host):
// keepalives and a connect timeout make that an error within a minute rather than hours.
std::string WithTimeouts(const std::string& connection_string) {
  constexpr char kKeywords[] =
      "connect_timeout=5 keepalives=1 keepalives_idle=20 keepalives_interval=5 "
      "keepalives_count=3";
  const bool url = connection_string.rfind("postgresql://", 0) == 0 ||
                   connection_string.rfind("postgres://", 0) == 0;
  if (!url) return connection_string + " " + kKeywords;
  std::string query = kKeywords;
  std::replace(query.begin(), query.end(), ' ', '&');
  return connection_string + (connection_string.find('?') == std::string::npos ? "?" : "&") + query;
}

}  // namespace

// Members in this order: the receiver unlistens while the connection still exists.
struct MatchingChangeListener::Session {
  Session(const std::string& connection_string, std::vector<int64_t>* heard)
      : connection(WithTimeouts(connection_string)), receiver(connection, heard) {
    // A lost connection is reported, never silently re-made: announcements made while it was
    // down were missed, and only a new session (with its catch-up) may follow.
    // pqxx 6 marks reactivation deprecated (pqxx 7 never reactivates); until then, turn it off.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    connection.inhibit_reactivation(true);
#pragma GCC diagnostic pop
  }
  pqxx::connection connection;
  Receiver receiver;
  std::chrono::steady_clock::time_point last_checked = std::chrono::steady_clock::now();
};

MatchingChangeListener::MatchingChangeListener(DatabaseOptions options,
                                               std::chrono::seconds check_every)
    : options_(std::move(options)), check_every_(check_every) {}

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
    // A quiet connection may be a dead one: ask it something now and then.
    if (std::chrono::steady_clock::now() - session_->last_checked >= check_every_) {
      pqxx::nontransaction(session_->connection).exec1("SELECT 1");
      session_->last_checked = std::chrono::steady_clock::now();
    }
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
