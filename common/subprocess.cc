#include "common/subprocess.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace encuentro {

absl::StatusOr<SystemUser> LookupSystemUser(const std::string& name) {
  std::array<char, 4096> buffer{};
  passwd entry{};
  passwd* found = nullptr;
  if (getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
      found == nullptr) {
    return absl::NotFoundError(absl::StrCat("no system user named '", name, "'"));
  }
  return SystemUser{name, found->pw_uid, found->pw_gid};
}

absl::StatusOr<ProcessResult> RunProcess(const ProcessOptions& options) {
  if (options.argv.empty()) return absl::InvalidArgumentError("empty argv");
  std::vector<char*> argv;
  for (const std::string& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls from here to exec.
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    // The parent may block SIGTERM/SIGINT for its signal thread; the child must not inherit that.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (options.new_session) setsid();
    if (options.run_as) {
      const gid_t gid = options.run_as->gid;
      if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(options.run_as->uid) != 0) {
        _exit(126);
      }
    }
    // The unprivileged user may not be able to enter our working directory.
    if (chdir("/") != 0) _exit(126);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  ProcessResult result;
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t n = read(pipe_fds[0], buffer.data(), buffer.size());
    if (n > 0) {
      result.output.append(buffer.data(), static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
  }
  if (WIFSIGNALED(status)) {
    return absl::InternalError(
        absl::StrCat(options.argv[0], " killed by signal ", WTERMSIG(status)));
  }
  result.exit_code = WEXITSTATUS(status);
  if (result.exit_code == 127) {
    return absl::NotFoundError(absl::StrCat("cannot execute ", options.argv[0]));
  }
  if (result.exit_code == 126 && options.run_as) {
    return absl::PermissionDeniedError(absl::StrCat("cannot switch to user '", options.run_as->name,
                                                    "' to run ", options.argv[0]));
  }
  return result;
}

}  // namespace encuentro
