#include "browser/headless_chromium.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace encuentro::browser {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// A data: URL for an HTML document ('#' must be escaped in data: URLs).
std::string Page(const std::string& html) {
  std::string url = "data:text/html;charset=utf-8,";
  for (char c : html) {
    if (c == '#') {
      url += "%23";
    } else if (c == '%') {
      url += "%25";
    } else {
      url += c;
    }
  }
  return url;
}

// One browser for the whole suite: starting Chromium takes most of a second.
class HeadlessChromiumTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!FindChromium().ok()) return;
    absl::StatusOr<std::unique_ptr<HeadlessChromium>> started =
        HeadlessChromium::Start({.timeout = std::chrono::seconds(20)});
    if (started.ok()) {
      browser_ = std::move(*started);
    } else {
      start_error_ = started.status().ToString();
    }
  }
  static void TearDownTestSuite() { browser_.reset(); }
  void SetUp() override {
    if (absl::StatusOr<std::string> found = FindChromium(); !found.ok()) {
      GTEST_SKIP() << found.status();
    }
    ASSERT_NE(browser_, nullptr) << start_error_;
  }
  void TearDown() override {
    if (HasFailure() && browser_ != nullptr) {
      for (const std::string& line : browser_->ConsoleMessages()) ADD_FAILURE() << line;
    }
  }

  static std::unique_ptr<HeadlessChromium> browser_;
  static std::string start_error_;
};

std::unique_ptr<HeadlessChromium> HeadlessChromiumTest::browser_;
std::string HeadlessChromiumTest::start_error_;

TEST(FindChromium, ConfiguredButMissingIsNotFound) {
  EXPECT_EQ(FindChromium("/nonexistent/chromium").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FindChromium("no-such-browser-encuentro").status().code(), absl::StatusCode::kNotFound);
}

TEST(HeadlessChromiumStart, ProgramThatIsNotChromiumFails) {
  absl::StatusOr<std::unique_ptr<HeadlessChromium>> started =
      HeadlessChromium::Start({.executable = "/bin/false", .timeout = std::chrono::seconds(5)});
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), absl::StatusCode::kUnavailable) << started.status();
  EXPECT_NE(started.status().message().find("exited with status 1"), std::string::npos)
      << started.status();
}

TEST_F(HeadlessChromiumTest, EvaluatesExpressionsAndAwaitsPromises) {
  ASSERT_TRUE(browser_->Navigate(Page("<title>T</title><p>x</p>")).ok());
  EXPECT_EQ(*browser_->Evaluate("1 + 2"), json(3));
  EXPECT_EQ(*browser_->Evaluate("document.title"), json("T"));
  EXPECT_EQ(*browser_->Evaluate("({a: [1, 'b'], c: null})"),
            json::parse(R"({"a":[1,"b"],"c":null})"));
  EXPECT_EQ(*browser_->Evaluate("undefined"), json());
  EXPECT_EQ(*browser_->Evaluate("new Promise(r => setTimeout(() => r('late'), 50))"), json("late"));
  EXPECT_EQ(*browser_->Evaluate("'ünïcode ✓'"), json("ünïcode ✓"));
}

TEST_F(HeadlessChromiumTest, ThrowingExpressionIsAnErrorWithTheExceptionText) {
  ASSERT_TRUE(browser_->Navigate(Page("<p>x</p>")).ok());
  absl::StatusOr<json> thrown = browser_->Evaluate("(() => { throw new Error('boom'); })()");
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(thrown.status().message().find("Error: boom"), std::string::npos) << thrown.status();

  absl::StatusOr<json> rejected = browser_->Evaluate("Promise.reject(new TypeError('nope'))");
  ASSERT_FALSE(rejected.ok());
  EXPECT_NE(rejected.status().message().find("TypeError: nope"), std::string::npos)
      << rejected.status();
  // The page is still usable afterwards.
  EXPECT_EQ(*browser_->Evaluate("40 + 2"), json(42));
}

TEST_F(HeadlessChromiumTest, ClickRunsTheHandler) {
  ASSERT_TRUE(browser_
                  ->Navigate(Page("<h1 id=title>Before</h1><div style='height:3000px'></div>"
                                  "<button id=go onclick=\"document.getElementById('title')"
                                  ".textContent = 'After'\">Go</button>"))
                  .ok());
  ASSERT_TRUE(browser_->Click("#go").ok());
  EXPECT_EQ(*browser_->Evaluate("document.getElementById('title').textContent"), json("After"));
  EXPECT_EQ(browser_->Click("#absent").code(), absl::StatusCode::kNotFound);
}

TEST_F(HeadlessChromiumTest, TypeSetsValuesAndFiresEvents) {
  ASSERT_TRUE(browser_
                  ->Navigate(Page("<input id=name><textarea id=notes></textarea>"
                                  "<select id=sex><option value=''>?</option><option value=F>F"
                                  "</option><option value=M>M</option></select><div id=d></div>"
                                  "<script>window.seen = [];"
                                  "for (const e of document.querySelectorAll('input,textarea,"
                                  "select')) for (const t of ['input', 'change'])"
                                  " e.addEventListener(t, () => seen.push(e.id + ':' + t));"
                                  "</script>"))
                  .ok());
  ASSERT_TRUE(browser_->Type("#name", "María José").ok());
  ASSERT_TRUE(browser_->Type("#notes", "line 1\nline \"2\"").ok());
  ASSERT_TRUE(browser_->Type("#sex", "F").ok());
  EXPECT_EQ(*browser_->Evaluate("document.getElementById('name').value"), json("María José"));
  EXPECT_EQ(*browser_->Evaluate("document.getElementById('notes').value"),
            json("line 1\nline \"2\""));
  EXPECT_EQ(*browser_->Evaluate("document.getElementById('sex').value"), json("F"));
  EXPECT_EQ(*browser_->Evaluate("document.activeElement.id"), json("sex"));
  EXPECT_EQ(*browser_->Evaluate("seen"), json({"name:input", "name:change", "notes:input",
                                               "notes:change", "sex:input", "sex:change"}));

  EXPECT_EQ(browser_->Type("#sex", "X").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(browser_->Type("#d", "text").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(browser_->Type("#absent", "text").code(), absl::StatusCode::kNotFound);
}

TEST_F(HeadlessChromiumTest, SetFileInputAttachesFiles) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                     ("encuentro-upload-" + std::to_string(getpid()) + ".csv");
  std::ofstream(file) << "case,site\nC-1,S-1\n";
  ASSERT_TRUE(browser_
                  ->Navigate(Page("<input type=file id=f><script>window.changed = 0;"
                                  "f.addEventListener('change', () => changed++);</script>"))
                  .ok());
  absl::Status set = browser_->SetFileInput("#f", {file.string()});
  ASSERT_TRUE(set.ok()) << set;
  EXPECT_EQ(*browser_->Evaluate("document.getElementById('f').files[0].name"),
            json(file.filename().string()));
  EXPECT_EQ(*browser_->Evaluate("document.getElementById('f').files[0].text()"),
            json("case,site\nC-1,S-1\n"));
  EXPECT_EQ(*browser_->Evaluate("changed"), json(1));
  EXPECT_EQ(browser_->SetFileInput("#absent", {file.string()}).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(browser_->SetFileInput("#f", {"/nonexistent/file.csv"}).code(),
            absl::StatusCode::kNotFound);
  std::filesystem::remove(file);
}

TEST_F(HeadlessChromiumTest, WaitForSelectorSeesElementsAddedLater) {
  ASSERT_TRUE(browser_
                  ->Navigate(Page("<script>setTimeout(() => { const p = "
                                  "document.createElement('p'); p.className = 'late';"
                                  " document.body.append(p); }, 200);</script>"))
                  .ok());
  EXPECT_EQ(*browser_->Evaluate("document.querySelector('p.late') === null"), json(true));
  absl::Status waited = browser_->WaitForSelector("p.late", milliseconds(5000));
  EXPECT_TRUE(waited.ok()) << waited;
  EXPECT_TRUE(browser_->WaitFor("document.querySelectorAll('p').length === 1").ok());
}

TEST_F(HeadlessChromiumTest, WaitingForAnAbsentSelectorTimesOut) {
  ASSERT_TRUE(browser_->Navigate(Page("<p>x</p>")).ok());
  const auto started = std::chrono::steady_clock::now();
  absl::Status waited = browser_->WaitForSelector("#never", milliseconds(300));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(waited.code(), absl::StatusCode::kDeadlineExceeded) << waited;
  EXPECT_GE(elapsed, milliseconds(250));
  EXPECT_LT(elapsed, milliseconds(2000));
  // A condition that throws counts as false, and its error is reported.
  waited = browser_->WaitFor("document.querySelector('#never').value === 1", milliseconds(200));
  EXPECT_EQ(waited.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(waited.message().find("TypeError"), std::string::npos) << waited;
}

TEST_F(HeadlessChromiumTest, ScreenshotIsAPng) {
  ASSERT_TRUE(browser_->Navigate(Page("<h1>Shot</h1><div style='height:2000px'></div>")).ok());
  absl::StatusOr<std::string> png = browser_->Screenshot();
  ASSERT_TRUE(png.ok()) << png.status();
  ASSERT_GT(png->size(), 24u);
  EXPECT_EQ(png->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // The IHDR height is the whole page, beyond the 900-pixel window.
  const auto height = (static_cast<uint32_t>(static_cast<uint8_t>((*png)[20])) << 24) |
                      (static_cast<uint32_t>(static_cast<uint8_t>((*png)[21])) << 16) |
                      (static_cast<uint32_t>(static_cast<uint8_t>((*png)[22])) << 8) |
                      static_cast<uint32_t>(static_cast<uint8_t>((*png)[23]));
  EXPECT_GT(height, 2000u);
}

TEST_F(HeadlessChromiumTest, PrintsToPdf) {
  ASSERT_TRUE(browser_->Navigate(Page("<style>@page { size: A4; }</style><h1>Ficha</h1>")).ok());
  absl::StatusOr<std::string> pdf = browser_->PrintToPdf();
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_EQ(pdf->substr(0, 5), "%PDF-");
}

TEST_F(HeadlessChromiumTest, CookiesCanBeSetAndRead) {
  const std::string url = "http://127.0.0.1:9/console/";
  ASSERT_TRUE(browser_
                  ->SetCookie({{"name", "encuentro_session"},
                               {"value", "s3cr3t"},
                               {"url", url},
                               {"httpOnly", true},
                               {"sameSite", "Strict"}})
                  .ok());
  absl::StatusOr<json> cookies = browser_->Cookies({url});
  ASSERT_TRUE(cookies.ok()) << cookies.status();
  bool found = false;
  for (const json& cookie : *cookies) {
    if (cookie.value("name", "") != "encuentro_session") continue;
    found = true;
    EXPECT_EQ(cookie.value("value", ""), "s3cr3t");
    EXPECT_EQ(cookie.value("httpOnly", false), true);
    EXPECT_EQ(cookie.value("sameSite", ""), "Strict");
    EXPECT_EQ(cookie.value("domain", ""), "127.0.0.1");
  }
  EXPECT_TRUE(found) << cookies->dump();
  EXPECT_EQ(browser_->SetCookie({{"value", "no name"}}).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(HeadlessChromiumTest, NavigationErrorIsUnavailable) {
  absl::Status navigated = browser_->Navigate("http://127.0.0.1:1/");
  EXPECT_EQ(navigated.code(), absl::StatusCode::kUnavailable) << navigated;
  EXPECT_NE(navigated.message().find("net::ERR_"), std::string::npos) << navigated;
}

TEST_F(HeadlessChromiumTest, RecordsConsoleMessagesAndUncaughtExceptions) {
  ASSERT_TRUE(browser_
                  ->Navigate(Page("<script>console.log('hello', 42);"
                                  "console.error('bad thing');"
                                  "setTimeout(() => { throw new Error('uncaught one'); });"
                                  "</script>"))
                  .ok());
  ASSERT_TRUE(browser_->WaitFor("new Promise(r => setTimeout(() => r(true), 50))").ok());
  const std::vector<std::string> messages = browser_->ConsoleMessages();
  auto has = [&](const std::string& text) {
    for (const std::string& m : messages) {
      if (m.find(text) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("log: hello 42"));
  EXPECT_TRUE(has("error: bad thing"));
  EXPECT_TRUE(has("Error: uncaught one"));
}

TEST_F(HeadlessChromiumTest, SendsRawCommands) {
  ASSERT_TRUE(browser_->Navigate(Page("<title>Raw</title>")).ok());
  absl::StatusOr<json> history = browser_->Send("Page.getNavigationHistory");
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_TRUE(history->contains("entries"));
  EXPECT_EQ(browser_->Send("No.suchMethod").status().code(), absl::StatusCode::kUnimplemented);
}

// Its own browser, since the page does not survive.
TEST(HeadlessChromiumCrash, CrashedPageIsUnavailable) {
  if (absl::StatusOr<std::string> found = FindChromium(); !found.ok()) {
    GTEST_SKIP() << found.status();
  }
  absl::StatusOr<std::unique_ptr<HeadlessChromium>> browser =
      HeadlessChromium::Start({.timeout = std::chrono::seconds(20)});
  ASSERT_TRUE(browser.ok()) << browser.status();
  ASSERT_TRUE((*browser)->Navigate(Page("<p>x</p>")).ok());
  EXPECT_FALSE((*browser)->Send("Page.crash").ok());
  EXPECT_EQ((*browser)->Evaluate("1").status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace encuentro::browser
