#include "browser/headless_chromium.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/logging.h"

extern char** environ;

namespace encuentro::browser {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxQueuedEvents = 1000;
constexpr size_t kMaxConsoleMessages = 1000;
constexpr size_t kLogTailBytes = 3000;
constexpr std::streamoff kLogReadBytes = 64 * 1024;
constexpr auto kShutdownGrace = std::chrono::seconds(5);
constexpr auto kPollInterval = std::chrono::milliseconds(50);

// Serializes without ever throwing: invalid UTF-8 in a caller's string becomes U+FFFD.
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A member of a JSON object, or null if `value` is not an object or lacks it.
const json& Member(const json& value, const char* key) {
  static const json kNull;
  if (!value.is_object()) return kNull;
  auto it = value.find(key);
  return it == value.end() ? kNull : *it;
}

std::string StringMember(const json& value, const char* key) {
  const json& member = Member(value, key);
  return member.is_string() ? member.get<std::string>() : std::string();
}

// As a JavaScript string literal (JSON's is one).
std::string JsString(const std::string& text) { return Dump(json(text)); }

std::string Errno(const char* what) { return absl::StrCat(what, ": ", std::strerror(errno)); }

int RemainingMs(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 1 << 30));
}

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::string SearchPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/", name);
    if (IsExecutableFile(candidate)) return candidate;
  }
  return "";
}

// Writes to a pipe whose reader may be gone, without letting SIGPIPE kill the process: the
// signal is blocked in this thread for the write and a SIGPIPE it raised is consumed.
ssize_t WriteNoSigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_set, old_set, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  sigemptyset(&pending);
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  const ssize_t n = write(fd, data, size);
  const int saved_errno = errno;
  if (n < 0 && saved_errno == EPIPE && !was_pending) {
    const timespec zero{};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = saved_errno;
  return n;
}

// The text of a Runtime.ExceptionDetails: "Uncaught Error: boom\n    at ...".
std::string ExceptionText(const json& details) {
  std::string text = StringMember(details, "text");
  const json& exception = Member(details, "exception");
  std::string description = StringMember(exception, "description");
  if (description.empty() && exception.contains("value")) {
    const json& value = exception["value"];
    description = value.is_string() ? value.get<std::string>() : Dump(value);
  }
  if (description.empty()) return text;
  return text.empty() ? description : absl::StrCat(text, " ", description);
}

// A Runtime.RemoteObject as console text.
std::string RemoteObjectText(const json& object) {
  const json& value = Member(object, "value");
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_null()) return Dump(value);
  if (std::string s = StringMember(object, "unserializableValue"); !s.empty()) return s;
  if (std::string s = StringMember(object, "description"); !s.empty()) return s;
  return StringMember(object, "type");
}

absl::Status ProtocolError(const std::string& method, const json& error) {
  std::string message = absl::StrCat(method, ": ", StringMember(error, "message"));
  if (std::string data = StringMember(error, "data"); !data.empty()) {
    absl::StrAppend(&message, " (", data, ")");
  }
  const json& code = Member(error, "code");
  switch (code.is_number_integer() ? code.get<int64_t>() : 0) {
    case -32601:  // method not found
      return absl::UnimplementedError(message);
    case -32602:  // invalid params
      return absl::InvalidArgumentError(message);
    default:
      return absl::InternalError(message);
  }
}

// Parses the result of Runtime.evaluate with returnByValue.
absl::StatusOr<json> EvaluationValue(const json& result) {
  if (const json& details = Member(result, "exceptionDetails"); !details.is_null()) {
    return absl::InternalError(ExceptionText(details));
  }
  const json& object = Member(result, "result");
  if (object.contains("value")) return object["value"];
  if (std::string s = StringMember(object, "unserializableValue"); !s.empty()) return json(s);
  return json();  // undefined
}

}  // namespace

absl::StatusOr<std::string> FindChromium(const std::string& configured) {
  auto resolve = [](const std::string& name,
                    const std::string& source) -> absl::StatusOr<std::string> {
    std::string path = name.find('/') == std::string::npos ? SearchPath(name) : name;
    if (path.empty() || !IsExecutableFile(path)) {
      return absl::NotFoundError(
          absl::StrCat("no executable Chromium at '", name, "' (", source, ")"));
    }
    return path;
  };
  if (!configured.empty()) return resolve(configured, "configured");
  if (const char* env = std::getenv("ENCUENTRO_CHROMIUM"); env != nullptr && *env != '\0') {
    return resolve(env, "$ENCUENTRO_CHROMIUM");
  }
  if (IsExecutableFile("/usr/bin/chromium")) return std::string("/usr/bin/chromium");
  if (std::string path = SearchPath("chromium"); !path.empty()) return path;
  return absl::NotFoundError(
      "no Chromium: set $ENCUENTRO_CHROMIUM or install /usr/bin/chromium (apt install chromium)");
}

HeadlessChromium::HeadlessChromium(const ChromiumOptions& options) : options_(options) {}

HeadlessChromium::~HeadlessChromium() { Shutdown(); }

absl::StatusOr<std::unique_ptr<HeadlessChromium>> HeadlessChromium::Start(
    const ChromiumOptions& options) {
  if (options.window_width <= 0 || options.window_height <= 0 || options.timeout.count() <= 0) {
    return absl::InvalidArgumentError("window size and timeout must be positive");
  }
  absl::StatusOr<std::string> executable = FindChromium(options.executable);
  if (!executable.ok()) return executable.status();
  const Clock::time_point started = Clock::now();
  std::unique_ptr<HeadlessChromium> chromium(new HeadlessChromium(options));
  absl::Status status = chromium->Launch(*executable);
  if (status.ok()) status = chromium->OpenPage();
  if (!status.ok()) {
    std::string message = std::string(status.message());
    // Break() already appended the log when Chromium died; otherwise add it here.
    if (chromium->broken_.ok()) {
      std::string tail = chromium->LogTail();
      if (!tail.empty()) absl::StrAppend(&message, "; chromium log:\n", tail);
    }
    return absl::Status(status.code(), absl::StrCat("starting ", *executable, ": ", message));
  }
  spdlog::debug(
      "chromium {} (pid {}) ready in {} ms", *executable, chromium->pid_,
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
  return chromium;
}

absl::Status HeadlessChromium::Launch(const std::string& executable) {
  std::error_code ec;
  std::filesystem::path temp = std::filesystem::temp_directory_path(ec);
  if (ec) temp = "/tmp";
  std::string dir_template = (temp / "encuentro-chromium-XXXXXX").string();
  if (mkdtemp(dir_template.data()) == nullptr) return absl::InternalError(Errno("mkdtemp"));
  profile_dir_ = dir_template;
  const std::string log_path = profile_dir_ + "/chromium.log";

  std::vector<std::string> args = {
      executable,
      "--headless=new",
      "--remote-debugging-pipe",
      "--user-data-dir=" + profile_dir_,
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-gpu",
      "--disable-extensions",
      absl::StrCat("--window-size=", options_.window_width, ",", options_.window_height),
  };
  // Chromium's sandbox refuses to run as root.
  if (getuid() == 0) args.push_back("--no-sandbox");
  args.insert(args.end(), options_.extra_arguments.begin(), options_.extra_arguments.end());
  args.push_back("about:blank");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  char** const envp = environ;

  // commands: we write [1], Chromium reads [0] as fd 3; replies: Chromium writes [1] as fd 4.
  int commands[2], replies[2];
  if (pipe2(commands, O_CLOEXEC) != 0) return absl::InternalError(Errno("pipe"));
  if (pipe2(replies, O_CLOEXEC) != 0) {
    close(commands[0]);
    close(commands[1]);
    return absl::InternalError(Errno("pipe"));
  }
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  auto close_all = [&] {
    for (int fd : {commands[0], commands[1], replies[0], replies[1], log_fd, null_fd}) {
      if (fd >= 0) close(fd);
    }
  };
  if (log_fd < 0 || null_fd < 0) {
    const std::string error = Errno("open chromium.log or /dev/null");
    close_all();
    return absl::InternalError(error);
  }

  const pid_t pid = fork();
  if (pid < 0) {
    const std::string error = Errno("fork");
    close_all();
    return absl::InternalError(error);
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls from here to exec. Move the pipe ends above fd 4
    // first so that placing them on 3 and 4 cannot clobber one another; dup2 clears CLOEXEC.
    const int in = fcntl(commands[0], F_DUPFD_CLOEXEC, 10);
    const int out = fcntl(replies[1], F_DUPFD_CLOEXEC, 10);
    if (in < 0 || out < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0 ||
        dup2(log_fd, STDERR_FILENO) < 0 || dup2(in, 3) < 0 || dup2(out, 4) < 0) {
      _exit(126);
    }
    // Its own process group, so that a terminal's Ctrl-C reaches us, not it, and so that the
    // destructor can sweep up its helpers; and signals as a fresh process has them.
    setpgid(0, 0);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int sig : {SIGPIPE, SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
      sigaction(sig, &default_action, nullptr);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(argv[0], argv.data(), envp);
    _exit(127);
  }
  setpgid(pid, pid);  // also here, so that it holds whichever runs first
  pid_ = pid;
  close(commands[0]);
  close(replies[1]);
  close(log_fd);
  close(null_fd);
  to_chromium_ = commands[1];
  from_chromium_ = replies[0];
  fcntl(to_chromium_, F_SETFL, fcntl(to_chromium_, F_GETFL) | O_NONBLOCK);
  fcntl(from_chromium_, F_SETFL, fcntl(from_chromium_, F_GETFL) | O_NONBLOCK);
  return absl::OkStatus();
}

absl::Status HeadlessChromium::OpenPage() {
  const Clock::time_point deadline = Deadline();
  absl::StatusOr<json> target =
      Command("Target.createTarget", {{"url", "about:blank"}}, "", deadline);
  if (!target.ok()) return target.status();
  target_id_ = StringMember(*target, "targetId");
  absl::StatusOr<json> attached =
      Command("Target.attachToTarget", {{"targetId", target_id_}, {"flatten", true}}, "", deadline);
  if (!attached.ok()) return attached.status();
  session_id_ = StringMember(*attached, "sessionId");
  if (target_id_.empty() || session_id_.empty()) {
    return absl::InternalError("no target or session id from Chromium");
  }
  for (const char* method : {"Page.enable", "Runtime.enable"}) {
    if (absl::StatusOr<json> r = PageCommand(method, json::object(), deadline); !r.ok()) {
      return r.status();
    }
  }
  absl::StatusOr<json> lifecycle =
      PageCommand("Page.setLifecycleEventsEnabled", {{"enabled", true}}, deadline);
  return lifecycle.status();
}

void HeadlessChromium::Shutdown() {
  if (pid_ > 0) {
    const Clock::time_point deadline = Clock::now() + kShutdownGrace;
    if (broken_.ok() && to_chromium_ >= 0) {
      const std::string close_command =
          Dump({{"id", next_id_++}, {"method", "Browser.close"}}) + std::string(1, '\0');
      WriteMessage(close_command, deadline).IgnoreError();
    }
    // Chromium also quits when its command pipe closes.
    if (to_chromium_ >= 0) close(to_chromium_);
    to_chromium_ = -1;
    // Wait for it to exit (without reaping it, so that its process group cannot be reused),
    // draining its replies meanwhile.
    for (;;) {
      siginfo_t info{};
      if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
          info.si_pid == pid_ || Clock::now() >= deadline) {
        break;
      }
      if (from_chromium_ >= 0) {
        pollfd fd{from_chromium_, POLLIN, 0};
        if (poll(&fd, 1, 10) > 0) {
          char sink[65536];
          if (read(from_chromium_, sink, sizeof(sink)) == 0) {
            close(from_chromium_);
            from_chromium_ = -1;
          }
        }
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    // Kills Chromium if it is still running, and whatever helpers it left behind.
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  for (int* fd : {&to_chromium_, &from_chromium_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  if (!profile_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(profile_dir_, ec);
    if (ec) spdlog::warn("cannot remove Chromium profile {}: {}", profile_dir_, ec.message());
    profile_dir_.clear();
  }
}

HeadlessChromium::Clock::time_point HeadlessChromium::Deadline(
    std::chrono::milliseconds timeout) const {
  return Clock::now() + (timeout.count() > 0 ? timeout : options_.timeout);
}

std::string HeadlessChromium::LogTail() const {
  if (profile_dir_.empty()) return "";
  std::ifstream log(profile_dir_ + "/chromium.log", std::ios::binary);
  if (!log) return "";
  log.seekg(0, std::ios::end);
  const std::streamoff size = log.tellg();
  const std::streamoff start = std::max<std::streamoff>(0, size - kLogReadBytes);
  log.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  log.read(text.data(), static_cast<std::streamsize>(text.size()));
  // Without a D-Bus (containers, servers) Chromium logs a stream of harmless complaints about
  // it that would bury the line that matters.
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    if (line.find(":ERROR:dbus/") == absl::string_view::npos) lines.emplace_back(line);
  }
  std::string tail;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (!tail.empty() && tail.size() + it->size() > kLogTailBytes) break;
    tail.insert(0, *it + (tail.empty() ? "" : "\n"));
  }
  if (tail.size() > kLogTailBytes) tail.erase(0, tail.size() - kLogTailBytes);
  return tail;
}

void HeadlessChromium::Break(const std::string& why) {
  if (!broken_.ok()) return;
  std::string message = absl::StrCat("chromium: ", why);
  // Give a dying Chromium a moment so that its exit status can be told.
  for (int i = 0; i < 50 && pid_ > 0; ++i) {
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) break;
    if (info.si_pid == pid_) {
      if (info.si_code == CLD_EXITED) {
        absl::StrAppend(&message, "; exited with status ", info.si_status,
                        info.si_status == 127 ? " (cannot execute)" : "");
      } else {
        absl::StrAppend(&message, "; killed by signal ", info.si_status);
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (std::string tail = LogTail(); !tail.empty()) {
    absl::StrAppend(&message, "; chromium log:\n", tail);
  }
  broken_ = absl::UnavailableError(message);
}

absl::Status HeadlessChromium::WriteMessage(const std::string& message,
                                            Clock::time_point deadline) {
  if (!broken_.ok()) return broken_;
  size_t written = 0;
  while (written < message.size()) {
    // Read while we write, so that neither side can block the other on a full pipe.
    pollfd fds[2] = {{to_chromium_, POLLOUT, 0}, {from_chromium_, POLLIN, 0}};
    const int ready = poll(fds, 2, RemainingMs(deadline));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(Errno("poll"));
    }
    if (ready == 0) return absl::DeadlineExceededError("timed out writing to chromium");
    if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !ReadAvailable()) return broken_;
    if ((fds[0].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      const ssize_t n =
          WriteNoSigpipe(to_chromium_, message.data() + written, message.size() - written);
      if (n > 0) {
        written += static_cast<size_t>(n);
      } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
        Break(errno == EPIPE ? "closed its command pipe" : Errno("write"));
        return broken_;
      }
    }
  }
  return absl::OkStatus();
}

bool HeadlessChromium::ReadAvailable() {
  char chunk[65536];
  for (;;) {
    const ssize_t n = read(from_chromium_, chunk, sizeof(chunk));
    if (n > 0) {
      read_buffer_.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    Break(n == 0 ? "closed the DevTools pipe" : Errno("read"));
    return false;
  }
}

absl::StatusOr<json> HeadlessChromium::ReadMessage(Clock::time_point deadline) {
  for (;;) {
    const size_t end = read_buffer_.find('\0', scanned_);
    if (end != std::string::npos) {
      json message = json::parse(read_buffer_.begin(), read_buffer_.begin() + end, nullptr,
                                 /*allow_exceptions=*/false);
      read_buffer_.erase(0, end + 1);
      scanned_ = 0;
      if (message.is_discarded() || !message.is_object()) {
        return absl::InternalError("chromium sent a message that is not a JSON object");
      }
      return message;
    }
    scanned_ = read_buffer_.size();
    if (!broken_.ok()) return broken_;
    pollfd fd{from_chromium_, POLLIN, 0};
    const int ready = poll(&fd, 1, RemainingMs(deadline));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(Errno("poll"));
    }
    if (ready == 0) return absl::DeadlineExceededError("timed out waiting for chromium");
    if (!ReadAvailable()) return broken_;
  }
}

void HeadlessChromium::HandleEvent(json event) {
  if (Observe(event)) {
    events_.push_back(std::move(event));
    if (events_.size() > kMaxQueuedEvents) events_.pop_front();
  }
}

bool HeadlessChromium::Observe(const json& event) {
  const std::string method = StringMember(event, "method");
  const std::string session = StringMember(event, "sessionId");
  const json& params = Member(event, "params");
  if (session.empty()) {
    if ((method == "Target.targetCrashed" && StringMember(params, "targetId") == target_id_) ||
        (method == "Target.detachedFromTarget" &&
         StringMember(params, "sessionId") == session_id_)) {
      if (page_lost_.ok()) page_lost_ = absl::UnavailableError("chromium: the page " + method);
    }
    return false;
  }
  if (session != session_id_) return false;
  if (method == "Inspector.detached" || method == "Inspector.targetCrashed") {
    if (page_lost_.ok()) {
      page_lost_ = absl::UnavailableError(
          absl::StrCat("chromium: the page ", method, " ", StringMember(params, "reason")));
    }
    return false;
  }
  std::string line;
  if (method == "Runtime.consoleAPICalled") {
    std::vector<std::string> parts;
    if (const json& args = Member(params, "args"); args.is_array()) {
      for (const json& arg : args) parts.push_back(RemoteObjectText(arg));
    }
    line = absl::StrCat(StringMember(params, "type"), ": ", absl::StrJoin(parts, " "));
  } else if (method == "Runtime.exceptionThrown") {
    line = absl::StrCat("exception: ", ExceptionText(Member(params, "exceptionDetails")));
  }
  if (!line.empty()) {
    console_.push_back(std::move(line));
    if (console_.size() > kMaxConsoleMessages) console_.pop_front();
  }
  return true;
}

absl::StatusOr<json> HeadlessChromium::Command(const std::string& method, json params,
                                               const std::string& session_id,
                                               Clock::time_point deadline) {
  if (!broken_.ok()) return broken_;
  const bool on_page = !session_id.empty();
  if (on_page && !page_lost_.ok()) return page_lost_;
  const int64_t id = next_id_++;
  json message = {{"id", id},
                  {"method", method},
                  {"params", params.is_null() ? json::object() : std::move(params)}};
  if (on_page) message["sessionId"] = session_id;
  if (absl::Status s = WriteMessage(Dump(message) + std::string(1, '\0'), deadline); !s.ok()) {
    return s;
  }
  for (;;) {
    absl::StatusOr<json> reply = ReadMessage(deadline);
    if (!reply.ok()) {
      if (absl::IsDeadlineExceeded(reply.status())) {
        return absl::DeadlineExceededError(absl::StrCat("timed out waiting for ", method));
      }
      return reply.status();
    }
    const json& reply_id = Member(*reply, "id");
    if (reply_id.is_null()) {
      HandleEvent(std::move(*reply));
      if (on_page && !page_lost_.ok()) return page_lost_;
      continue;
    }
    if (!reply_id.is_number_integer() || reply_id.get<int64_t>() != id) continue;  // stale
    if (const json& error = Member(*reply, "error"); !error.is_null()) {
      return ProtocolError(method, error);
    }
    const json& result = Member(*reply, "result");
    return result.is_object() ? result : json::object();
  }
}

absl::StatusOr<json> HeadlessChromium::PageCommand(const std::string& method, json params,
                                                   Clock::time_point deadline) {
  return Command(method, std::move(params), session_id_, deadline);
}

template <typename Predicate>
absl::StatusOr<json> HeadlessChromium::WaitForEvent(Predicate matches, Clock::time_point deadline) {
  for (auto it = events_.begin(); it != events_.end(); ++it) {
    if (matches(*it)) {
      json event = std::move(*it);
      events_.erase(it);
      return event;
    }
  }
  for (;;) {
    if (!page_lost_.ok()) return page_lost_;
    absl::StatusOr<json> message = ReadMessage(deadline);
    if (!message.ok()) return message.status();
    if (!Member(*message, "id").is_null()) continue;  // a reply to a command that gave up
    if (!Observe(*message)) continue;
    if (matches(*message)) return message;
    events_.push_back(std::move(*message));
    if (events_.size() > kMaxQueuedEvents) events_.pop_front();
  }
}

absl::Status HeadlessChromium::Navigate(const std::string& url) {
  const Clock::time_point deadline = Deadline();
  std::erase_if(events_,
                [](const json& e) { return StringMember(e, "method") == "Page.lifecycleEvent"; });
  absl::StatusOr<json> result = PageCommand("Page.navigate", {{"url", url}}, deadline);
  if (!result.ok()) return result.status();
  if (std::string error = StringMember(*result, "errorText"); !error.empty()) {
    return absl::UnavailableError(absl::StrCat("navigating to ", url, ": ", error));
  }
  const std::string loader = StringMember(*result, "loaderId");
  const std::string frame = StringMember(*result, "frameId");
  if (loader.empty()) return absl::OkStatus();  // a same-document navigation: nothing loads
  absl::StatusOr<json> loaded = WaitForEvent(
      [&](const json& e) {
        const json& params = Member(e, "params");
        return StringMember(e, "method") == "Page.lifecycleEvent" &&
               StringMember(params, "name") == "load" &&
               StringMember(params, "loaderId") == loader &&
               StringMember(params, "frameId") == frame;
      },
      deadline);
  if (absl::IsDeadlineExceeded(loaded.status())) {
    return absl::DeadlineExceededError(absl::StrCat("timed out loading ", url));
  }
  return loaded.status();
}

absl::StatusOr<json> HeadlessChromium::EvaluateBefore(const std::string& expression,
                                                      Clock::time_point deadline) {
  absl::StatusOr<json> result = PageCommand("Runtime.evaluate",
                                            {{"expression", expression},
                                             {"returnByValue", true},
                                             {"awaitPromise", true},
                                             {"userGesture", true}},
                                            deadline);
  if (!result.ok()) return result.status();
  return EvaluationValue(*result);
}

absl::StatusOr<json> HeadlessChromium::Evaluate(const std::string& expression) {
  return EvaluateBefore(expression, Deadline());
}

absl::Status HeadlessChromium::WaitFor(const std::string& js_condition,
                                       std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Deadline(timeout);
  // The newlines keep a trailing // comment in the condition from swallowing the rest.
  const std::string expression = absl::StrCat("(async () => !!(await (\n", js_condition, "\n)))()");
  std::string last_error;
  for (;;) {
    absl::StatusOr<json> value = EvaluateBefore(expression, deadline);
    if (value.ok() && value->is_boolean() && value->get<bool>()) return absl::OkStatus();
    if (!value.ok()) {
      if (absl::IsUnavailable(value.status())) return value.status();  // Chromium or page gone
      last_error = std::string(value.status().message());
    }
    if (Clock::now() + kPollInterval >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("timed out waiting for ", js_condition,
                       last_error.empty() ? "" : "; last error: ", last_error));
    }
    // Wait, while still taking in events.
    const Clock::time_point next = Clock::now() + kPollInterval;
    while (Clock::now() < next) {
      absl::StatusOr<json> message = ReadMessage(next);
      if (!message.ok()) {
        if (absl::IsDeadlineExceeded(message.status())) break;
        return message.status();
      }
      if (Member(*message, "id").is_null()) HandleEvent(std::move(*message));
    }
  }
}

absl::Status HeadlessChromium::WaitForSelector(const std::string& css_selector,
                                               std::chrono::milliseconds timeout) {
  return WaitFor(absl::StrCat("document.querySelector(", JsString(css_selector), ") !== null"),
                 timeout);
}

absl::Status HeadlessChromium::Click(const std::string& css_selector) {
  absl::StatusOr<json> clicked = Evaluate(absl::StrCat(
      "(() => { const e = document.querySelector(", JsString(css_selector),
      "); if (!e) return false;"
      " e.scrollIntoView({block: 'center', inline: 'center'}); e.click(); return true; })()"));
  if (!clicked.ok()) return clicked.status();
  if (*clicked != json(true)) return absl::NotFoundError("no element matches " + css_selector);
  return absl::OkStatus();
}

absl::Status HeadlessChromium::Type(const std::string& css_selector, const std::string& text) {
  // The prototype's value setter, not `e.value =`, so that frameworks that track the value
  // (React) see the change.
  absl::StatusOr<json> typed = Evaluate(absl::StrCat(
      "((selector, text) => {"
      " const e = document.querySelector(selector);"
      " if (!e) return 'missing';"
      " if (!(e instanceof HTMLInputElement || e instanceof HTMLTextAreaElement ||"
      "       e instanceof HTMLSelectElement)) return 'not an input, textarea or select';"
      " e.scrollIntoView({block: 'center', inline: 'center'});"
      " e.focus();"
      " Object.getOwnPropertyDescriptor(Object.getPrototypeOf(e), 'value').set.call(e, text);"
      " if (e instanceof HTMLSelectElement && e.value !== text) return 'no option with that value';"
      " e.dispatchEvent(new Event('input', {bubbles: true}));"
      " e.dispatchEvent(new Event('change', {bubbles: true}));"
      " return 'ok'; })(",
      JsString(css_selector), ", ", JsString(text), ")"));
  if (!typed.ok()) return typed.status();
  const std::string outcome = typed->is_string() ? typed->get<std::string>() : "";
  if (outcome == "ok") return absl::OkStatus();
  if (outcome == "missing") return absl::NotFoundError("no element matches " + css_selector);
  return absl::InvalidArgumentError(absl::StrCat(css_selector, ": ", outcome));
}

absl::Status HeadlessChromium::SetFileInput(const std::string& css_selector,
                                            const std::vector<std::string>& paths) {
  json files = json::array();
  for (const std::string& path : paths) {
    std::error_code ec;
    const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
    if (ec || !std::filesystem::is_regular_file(absolute, ec)) {
      return absl::NotFoundError(absl::StrCat("no file ", path));
    }
    files.push_back(absolute.string());
  }
  const Clock::time_point deadline = Deadline();
  absl::StatusOr<json> document = PageCommand("DOM.getDocument", {{"depth", 0}}, deadline);
  if (!document.ok()) return document.status();
  const json& root_id = Member(Member(*document, "root"), "nodeId");
  absl::StatusOr<json> node =
      PageCommand("DOM.querySelector", {{"nodeId", root_id}, {"selector", css_selector}}, deadline);
  if (!node.ok()) return node.status();
  const json& node_id = Member(*node, "nodeId");
  if (!node_id.is_number_integer() || node_id.get<int64_t>() == 0) {
    return absl::NotFoundError("no element matches " + css_selector);
  }
  return PageCommand("DOM.setFileInputFiles", {{"nodeId", node_id}, {"files", files}}, deadline)
      .status();
}

absl::Status HeadlessChromium::SetCookie(const json& cookie) {
  if (!cookie.is_object() || !Member(cookie, "name").is_string() ||
      !Member(cookie, "value").is_string()) {
    return absl::InvalidArgumentError("a cookie is an object with a name and a value");
  }
  absl::StatusOr<json> result = PageCommand("Network.setCookie", cookie, Deadline());
  if (!result.ok()) return result.status();
  if (Member(*result, "success") == json(false)) {
    return absl::InvalidArgumentError("chromium refused cookie " + Dump(cookie));
  }
  return absl::OkStatus();
}

absl::StatusOr<json> HeadlessChromium::Cookies(const std::vector<std::string>& urls) {
  json params = json::object();
  if (!urls.empty()) params["urls"] = urls;
  absl::StatusOr<json> result = PageCommand("Network.getCookies", std::move(params), Deadline());
  if (!result.ok()) return result.status();
  const json& cookies = Member(*result, "cookies");
  return cookies.is_array() ? cookies : json::array();
}

absl::StatusOr<std::string> HeadlessChromium::Screenshot() {
  const Clock::time_point deadline = Deadline();
  absl::StatusOr<json> metrics = PageCommand("Page.getLayoutMetrics", json::object(), deadline);
  if (!metrics.ok()) return metrics.status();
  const json* size = &Member(*metrics, "cssContentSize");
  if (size->is_null()) size = &Member(*metrics, "contentSize");
  const json& width = Member(*size, "width");
  const json& height = Member(*size, "height");
  json params = {{"format", "png"}, {"captureBeyondViewport", true}};
  if (width.is_number() && height.is_number() && width.get<double>() >= 1 &&
      height.get<double>() >= 1) {
    params["clip"] = {{"x", 0},
                      {"y", 0},
                      {"width", std::ceil(width.get<double>())},
                      {"height", std::ceil(height.get<double>())},
                      {"scale", 1}};
  }
  absl::StatusOr<json> shot = PageCommand("Page.captureScreenshot", std::move(params), deadline);
  if (!shot.ok()) return shot.status();
  std::string png;
  if (!absl::Base64Unescape(StringMember(*shot, "data"), &png) || png.empty()) {
    return absl::InternalError("Page.captureScreenshot: no image data");
  }
  return png;
}

absl::StatusOr<std::string> HeadlessChromium::PrintToPdf() {
  absl::StatusOr<json> printed = PageCommand(
      "Page.printToPDF", {{"printBackground", true}, {"preferCSSPageSize", true}}, Deadline());
  if (!printed.ok()) return printed.status();
  std::string pdf;
  if (!absl::Base64Unescape(StringMember(*printed, "data"), &pdf) || pdf.empty()) {
    return absl::InternalError("Page.printToPDF: no PDF data");
  }
  return pdf;
}

absl::StatusOr<json> HeadlessChromium::Send(const std::string& method, json params) {
  return PageCommand(method, std::move(params), Deadline());
}

std::vector<std::string> HeadlessChromium::ConsoleMessages() const {
  return std::vector<std::string>(console_.begin(), console_.end());
}

}  // namespace encuentro::browser
