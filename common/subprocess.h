// Runs an external program (initdb, pg_ctl, …) to completion and captures what it printed,
// optionally as another, unprivileged user.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace encuentro {

// An operating-system account to run a child process as.
struct SystemUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Looks up an account by name; NOT_FOUND if it does not exist.
absl::StatusOr<SystemUser> LookupSystemUser(const std::string& name);

struct ProcessOptions {
  // argv[0] must be an absolute path; no shell is involved.
  std::vector<std::string> argv;
  // Drop to this user in the child (requires running as root).
  std::optional<SystemUser> run_as;
  // Put the child in its own session, so a Ctrl-C meant for us never reaches it
  // (daemons that pg_ctl starts inherit this).
  bool new_session = false;
};

struct ProcessResult {
  int exit_code = 0;
  // stdout and stderr, interleaved as written.
  std::string output;
};

// Thread-safe. Fails only if the program could not be started or was killed by a signal;
// a non-zero exit is reported in ProcessResult::exit_code.
absl::StatusOr<ProcessResult> RunProcess(const ProcessOptions& options);

}  // namespace encuentro
