#include "tests/support/server_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace encuentro::testing {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::atomic<int> g_sequence{0};  // unique log file names within one test binary

}  // namespace

ServerProcess::ServerProcess(const std::string& binary, const std::vector<std::string>& args,
                             const std::filesystem::path& log_dir) {
  const int n = ++g_sequence;
  stdout_path_ = log_dir / ("process-" + std::to_string(n) + ".out");
  stderr_path_ = log_dir / ("process-" + std::to_string(n) + ".err");
  std::vector<std::string> argv_storage = {binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    const int out = open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::optional<std::string> ServerProcess::WaitForListening(std::chrono::seconds timeout) {
  static const std::regex kListening("listening on (\\S+)");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    const std::string out = Stdout();
    if (std::regex_search(out, match, kListening)) return match[1].str();
    if (reaped_) return std::nullopt;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      continue;  // one more look at the output it left
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::nullopt;
}

std::optional<int> ServerProcess::WaitForExit(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      reaped_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    if (done < 0) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::nullopt;
}

void ServerProcess::Signal(int signal_number) { kill(pid_, signal_number); }

std::string ServerProcess::Stdout() const { return ReadAll(stdout_path_); }
std::string ServerProcess::Stderr() const { return ReadAll(stderr_path_); }

CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args,
                         const std::filesystem::path& log_dir, std::chrono::seconds timeout) {
  ServerProcess process(binary, args, log_dir);
  CommandResult result;
  result.exit_code = process.WaitForExit(timeout).value_or(-1);
  result.out = process.Stdout();
  result.err = process.Stderr();
  return result;
}

std::string BootstrapAdmin(const std::string& encuentrod, const std::filesystem::path& data_dir,
                           const std::filesystem::path& log_dir, const std::string& database_url) {
  std::vector<std::string> args = {"admin", "bootstrap",  "--user",
                                   "root",  "--data-dir", data_dir.string()};
  if (!database_url.empty()) args.insert(args.end(), {"--database-url", database_url});
  const CommandResult result = RunCommand(encuentrod, args, log_dir, std::chrono::seconds(120));
  const size_t at = result.out.rfind("enc_");
  if (result.exit_code != 0 || at == std::string::npos) {
    ADD_FAILURE() << "encuentrod admin bootstrap failed: " << result.out << result.err;
    return "";
  }
  return result.out.substr(at, 68);
}

std::string MakeCaller(const std::string& cli, const std::string& address,
                       const std::string& admin_token, const std::string& user,
                       const std::string& organization, const std::string& role,
                       const std::filesystem::path& log_dir) {
  const std::string kind = role == "commission_staff" ? "search_commission"
                           : role == "forensic_lab"   ? "forensic_lab"
                           : role == "family_auditor" ? "families_collective"
                                                      : "operator";
  const auto admin = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", address, "--token", admin_token, "--timeout", "30"});
    return RunCommand(cli, args, log_dir);
  };
  const CommandResult org = admin({"admin", "create-org", organization, "--kind", kind});
  if (org.exit_code != 0 && org.err.find("ALREADY_EXISTS") == std::string::npos) {
    ADD_FAILURE() << "create-org " << organization << ": " << org.err;
  }
  const CommandResult made =
      admin({"admin", "create-user", user, "--org", organization, "--role", role});
  if (made.exit_code != 0) ADD_FAILURE() << "create-user " << user << ": " << made.err;
  const CommandResult token = admin({"--json", "admin", "issue-token", user});
  const size_t at = token.out.find("enc_");
  if (token.exit_code != 0 || at == std::string::npos) {
    ADD_FAILURE() << "issue-token " << user << ": " << token.err;
    return "";
  }
  return token.out.substr(at, 68);
}

}  // namespace encuentro::testing
