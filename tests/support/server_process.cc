#include "tests/support/server_process.h"

#include <fcntl.h>
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

}  // namespace encuentro::testing
