// Runs a real encuentrod (or encuentro) binary for end-to-end tests, capturing its output.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace encuentro::testing {

// Not thread-safe. The destructor kills a process still running (SIGKILL) and reaps it.
class ServerProcess {
 public:
  // Starts `binary args...` with stdout and stderr sent to files under `log_dir`.
  ServerProcess(const std::string& binary, const std::vector<std::string>& args,
                const std::filesystem::path& log_dir);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Waits for encuentrod's "listening on ADDRESS" line; returns ADDRESS, or nullopt if the
  // process exited or the timeout passed.
  std::optional<std::string> WaitForListening(std::chrono::seconds timeout);
  // Waits for the process to exit; returns its exit code, or -signal, or nullopt on timeout.
  std::optional<int> WaitForExit(std::chrono::seconds timeout);
  void Signal(int signal_number);

  pid_t pid() const { return pid_; }
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
};

// Runs a command to completion: exit code and stdout/stderr.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args,
                         const std::filesystem::path& log_dir,
                         std::chrono::seconds timeout = std::chrono::seconds(60));

// Creates the operator organization and an admin user in `data_dir` (or in `database_url`'s
// database, when given) with `encuentrod admin bootstrap` (the server must not be running) and
// returns the admin's API token; a test failure and "" when that fails.
std::string BootstrapAdmin(const std::string& encuentrod, const std::filesystem::path& data_dir,
                           const std::filesystem::path& log_dir,
                           const std::string& database_url = "");

// Through a running server and the `encuentro admin` commands: makes the organization (of the
// kind `role` belongs to) if it does not exist, the user, and returns a new token for them.
std::string MakeCaller(const std::string& cli, const std::string& address,
                       const std::string& admin_token, const std::string& user,
                       const std::string& organization, const std::string& role,
                       const std::filesystem::path& log_dir);

}  // namespace encuentro::testing
