// Drives a headless Chromium over the DevTools protocol on a private pipe (no network port):
// the command-line client prints pages to PDF with it, and browser tests click through the console.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace encuentro::browser {

struct ChromiumOptions {
  // Empty: $ENCUENTRO_CHROMIUM, else /usr/bin/chromium, else chromium on PATH.
  std::string executable;
  int window_width = 1280;
  int window_height = 900;
  // The default wait for any one step (starting, navigating, evaluating, waiting).
  std::chrono::milliseconds timeout{30000};
  // Passed after ours, e.g. --ignore-certificate-errors-spki-list=...
  std::vector<std::string> extra_arguments;
};

// Finds the Chromium executable: `configured` if given (a path, or a name looked up on PATH),
// else as ChromiumOptions::executable says. NOT_FOUND when there is none.
absl::StatusOr<std::string> FindChromium(const std::string& configured = "");

// One headless Chromium process with one page. Not thread-safe: one caller at a time.
//
// Every call waits at most ChromiumOptions::timeout (DEADLINE_EXCEEDED). Once Chromium has
// exited or closed the pipe, every call fails with UNAVAILABLE and the tail of Chromium's log.
//
// Writing to a dead Chromium cannot kill the caller with SIGPIPE: the signal is blocked in the
// writing thread around each write and the EPIPE handled (processes should still ignore SIGPIPE,
// as encuentrod does).
class HeadlessChromium {
 public:
  // Starts chromium --headless=new --remote-debugging-pipe with a fresh temporary profile
  // (removed on destruction), opens one page (about:blank) and enables its Page and Runtime
  // domains.
  static absl::StatusOr<std::unique_ptr<HeadlessChromium>> Start(const ChromiumOptions& options);

  // Closes the browser; kills it if it has not exited within 5 s; removes the profile.
  ~HeadlessChromium();

  HeadlessChromium(const HeadlessChromium&) = delete;
  HeadlessChromium& operator=(const HeadlessChromium&) = delete;

  // Navigates the page and waits for its load event. A network error (net::ERR_...) is
  // UNAVAILABLE; an HTTP error status is not an error.
  absl::Status Navigate(const std::string& url);

  // Evaluates a JavaScript expression in the page, awaiting a promise, and returns its value as
  // JSON (undefined is null). A thrown exception is INTERNAL with the exception's text.
  absl::StatusOr<nlohmann::json> Evaluate(const std::string& expression);

  // Polls a JavaScript expression every 50 ms until it is truthy (an exception counts as false).
  // A zero timeout means ChromiumOptions::timeout. DEADLINE_EXCEEDED when it never is.
  absl::Status WaitFor(const std::string& js_condition, std::chrono::milliseconds timeout = {});
  absl::Status WaitForSelector(const std::string& css_selector,
                               std::chrono::milliseconds timeout = {});

  // Scrolls the first element matching the selector into view and clicks it.
  // NOT_FOUND if there is none.
  absl::Status Click(const std::string& css_selector);

  // Focuses an input, textarea or select and replaces its value, dispatching input and change
  // events. NOT_FOUND if absent; INVALID_ARGUMENT if it is another kind of element or a select
  // has no option with that value.
  absl::Status Type(const std::string& css_selector, const std::string& text);

  // Sets the files of an <input type=file> (paths made absolute; each must exist).
  absl::Status SetFileInput(const std::string& css_selector, const std::vector<std::string>& paths);

  // Sets a cookie: a Network.setCookie object (name, value, url or domain, path, secure,
  // httpOnly, sameSite, expires).
  absl::Status SetCookie(const nlohmann::json& cookie);

  // The cookies (Network.Cookie objects, as an array) that requests to `urls` would carry;
  // with no urls, the current page's.
  absl::StatusOr<nlohmann::json> Cookies(const std::vector<std::string>& urls = {});

  // A PNG of the whole page, beyond the viewport.
  absl::StatusOr<std::string> Screenshot();

  // The page printed as PDF, with backgrounds, honouring CSS @page sizes.
  absl::StatusOr<std::string> PrintToPdf();

  // Sends a raw DevTools command to the page and returns its result object.
  absl::StatusOr<nlohmann::json> Send(const std::string& method, nlohmann::json params = {});

  // Console messages and uncaught exceptions the page produced during earlier calls, as
  // "type: text" lines (at most the last 1000), for test diagnostics.
  std::vector<std::string> ConsoleMessages() const;

 private:
  using Clock = std::chrono::steady_clock;

  explicit HeadlessChromium(const ChromiumOptions& options);

  absl::Status Launch(const std::string& executable);
  absl::Status OpenPage();
  void Shutdown();

  // A command on the browser (empty session) or the page session; returns its result object.
  absl::StatusOr<nlohmann::json> Command(const std::string& method, nlohmann::json params,
                                         const std::string& session_id, Clock::time_point deadline);
  absl::StatusOr<nlohmann::json> PageCommand(const std::string& method, nlohmann::json params,
                                             Clock::time_point deadline);
  absl::StatusOr<nlohmann::json> EvaluateBefore(const std::string& expression,
                                                Clock::time_point deadline);
  // Waits for an event of the page session for which `matches` holds, consuming it.
  template <typename Predicate>
  absl::StatusOr<nlohmann::json> WaitForEvent(Predicate matches, Clock::time_point deadline);

  absl::Status WriteMessage(const std::string& message, Clock::time_point deadline);
  // The next message from Chromium; DEADLINE_EXCEEDED if none arrives in time.
  absl::StatusOr<nlohmann::json> ReadMessage(Clock::time_point deadline);
  // Reads what is available into read_buffer_; false (and broken_ set) on EOF or error.
  bool ReadAvailable();
  // Takes note of an event (console, crash, detach); true if it is the page's, to be queued.
  bool Observe(const nlohmann::json& event);
  void HandleEvent(nlohmann::json event);  // Observe, and queue it if it is the page's
  // Marks the connection as lost, with Chromium's exit status and log tail.
  void Break(const std::string& why);
  std::string LogTail() const;
  Clock::time_point Deadline(std::chrono::milliseconds timeout = {}) const;

  ChromiumOptions options_;
  std::string profile_dir_;
  pid_t pid_ = -1;
  int to_chromium_ = -1;    // our end of Chromium's fd 3
  int from_chromium_ = -1;  // our end of Chromium's fd 4
  std::string read_buffer_;
  size_t scanned_ = 0;  // read_buffer_[0, scanned_) holds no NUL
  int64_t next_id_ = 1;
  std::string target_id_;
  std::string session_id_;
  std::deque<nlohmann::json> events_;  // page-session events not yet consumed
  std::deque<std::string> console_;
  absl::Status broken_;     // set once the pipe is gone: every call fails with it
  absl::Status page_lost_;  // set once the page crashed or was detached
};

}  // namespace encuentro::browser
