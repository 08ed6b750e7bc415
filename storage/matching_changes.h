// Which missing persons' matching data changed, in this process or any other, as PostgreSQL
// announces them at commit (migration 0020's triggers on channel encuentro_matching). Each
// encuentrod replica follows them to keep its in-memory gallery and candidate pool in step.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/database.h"

namespace encuentro::storage {

struct MatchingChanges {
  // True on the first wait after (re)connecting: announcements made before it were not heard,
  // so the follower must compare everything with the database.
  bool catch_up = false;
  std::vector<int64_t> people;  // each once
};

// Holds one connection of its own (LISTEN needs a session), made from `options`. Not
// thread-safe: one follower thread owns it.
class MatchingChangeListener {
 public:
  // A connection quiet for `check_every` is asked a trivial query, so that a dead one is noticed
  // (and replaced, with a catch-up) rather than waited on forever.
  explicit MatchingChangeListener(DatabaseOptions options,
                                  std::chrono::seconds check_every = std::chrono::seconds(10));
  ~MatchingChangeListener();

  // Starts listening now: what commits from here on is heard, so state loaded after this call
  // needs no catch-up at the first Wait. UNAVAILABLE when the database cannot be reached.
  absl::Status Listen();

  // Waits up to `timeout` for announcements (listening first if not yet, or no longer). UNAVAILABLE
  // while the database cannot be reached (the next call tries to connect again).
  absl::StatusOr<MatchingChanges> Wait(std::chrono::milliseconds timeout);

 private:
  // The listening connection and its receiver (pqxx stays private to storage's sources).
  struct Session;
  const DatabaseOptions options_;
  const std::chrono::seconds check_every_;
  std::unique_ptr<Session> session_;  // null until connected, and after a loss
  std::vector<int64_t> heard_;
};

}  // namespace encuentro::storage
