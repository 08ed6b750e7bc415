// The web console in a real headless Chromium, against the real encuentrod and its database:
// staff log in, find a planted lead, compare, decide and see the decision in the history; a
// families' collective sees only its linked case and verifies an export in the browser; CSRF,
// foreign origins and expired sessions are refused. Screenshots of each page are kept under
// ENCUENTRO_TEST_ARTIFACTS_DIR.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "browser/headless_chromium.h"
#include "encuentro/v1/server.grpc.pb.h"
#include "storage/embedded_cluster.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace encuentro {
namespace {

using browser::HeadlessChromium;
using std::chrono::seconds;
using testing::CommandResult;
using testing::RunCommand;
using testing::ServerProcess;

constexpr char kFaces[] = "/usr/share/doc/libdlib19.1/examples/faces";

// One server, database and planted lead for the whole suite: starting them is most of its time.
struct Registry {
  std::unique_ptr<testing::TempDir> dir;
  std::unique_ptr<storage::EmbeddedCluster> database;
  std::string database_url;
  std::unique_ptr<ServerProcess> server;
  std::string address;  // gRPC
  std::string console;  // "http://127.0.0.1:PORT"
  std::string admin, staff, family;
  // The imports run in parallel: which id Ana (A-1, whose face the remains have) gets varies.
  std::string ana, berta;
  std::string public_key_hex;
};

Registry* registry = nullptr;

class ConsoleBrowserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!browser::FindChromium().ok()) return;
    registry = new Registry();
    Registry& r = *registry;
    r.dir = std::make_unique<testing::TempDir>("encuentro-console");
    auto started = storage::EmbeddedCluster::Start({.data_dir = r.dir->path() / "db"});
    ASSERT_TRUE(started.ok()) << started.status();
    r.database = *std::move(started);
    r.database_url = r.database->SuperuserConnectionString();
    const auto var = r.dir->path() / "var";
    r.admin = testing::BootstrapAdmin(ENCUENTROD_PATH, var, r.dir->path(), r.database_url);
    ASSERT_FALSE(r.admin.empty());
    r.server = std::make_unique<ServerProcess>(
        ENCUENTROD_PATH,
        std::vector<std::string>{"--data-dir", var.string(), "--database-url", r.database_url,
                                 "--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0",
                                 "--rate-limit-per-minute", "0"},
        r.dir->path());
    std::optional<std::string> address = r.server->WaitForListening(seconds(60));
    ASSERT_TRUE(address) << r.server->Stderr();
    r.address = *address;
    const std::string out = r.server->Stdout();
    const size_t at = out.find("web console on ");
    ASSERT_NE(at, std::string::npos) << out;
    r.console = out.substr(at + 15, out.find('/', out.find("//", at) + 2) - at - 15);
    r.staff = testing::MakeCaller(ENCUENTRO_CLI_PATH, r.address, r.admin, "ana", "cbp-bc",
                                  "commission_staff", r.dir->path());
    r.family = testing::MakeCaller(ENCUENTRO_CLI_PATH, r.address, r.admin, "rosa",
                                   "colectivo-buscadoras", "family_auditor", r.dir->path());
    std::ifstream key(var / "audit-signing.key.pub");
    key >> r.public_key_hex;

    // Two missing persons and remains with Ana's face: cross-matching raises one lead.
    const auto people = r.dir->path() / "people.csv";
    std::ofstream(people) << "case_folio,issuing_authority,given_names,sex,last_seen_date,photos\n"
                          << "A-1,FGE,Ana,female,2020-01-01,2008_002506.jpg\n"
                          << "A-2,FGE,Berta,female,2020-01-01,2009_004587.jpg\n";
    ASSERT_EQ(Cli(r.staff, {"import", "missing", people.string(), "--photos", kFaces}).exit_code,
              0);
    const auto remains = r.dir->path() / "remains.csv";
    std::ofstream(remains) << "case_folio,lab,found_date,condition,photos\n"
                           << "PM-9,SEMEFO,2021-05-01,decomposed,2008_002506.jpg\n";
    ASSERT_EQ(Cli(r.staff, {"import", "remains", remains.string(), "--photos", kFaces}).exit_code,
              0);
    std::string leads;
    for (int i = 0; i < 120 && leads.find("remains/1") == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      leads = Cli(r.staff, {"--json", "candidates", "--current", "pending"}).out;
    }
    ASSERT_NE(leads.find("remains/1"), std::string::npos) << leads;
    r.ana = nlohmann::json::parse(leads.substr(0, leads.find('\n')))["missing_person"];
    const std::string folio = Cli(r.staff, {"--json", "missing", "get", r.ana}).out;
    ASSERT_NE(folio.find("\"A-1\""), std::string::npos) << folio;
    r.berta = r.ana == "missingPersons/1" ? "missingPersons/2" : "missingPersons/1";
    ASSERT_EQ(Cli(r.staff, {"admin", "link-case", "colectivo-buscadoras", r.ana, "--consent",
                            "acta de consentimiento 12/2026"})
                  .exit_code,
              0);
    ASSERT_EQ(Cli(r.admin, {"audit", "checkpoint", "--create"}).exit_code, 0);
  }

  static void TearDownTestSuite() {
    delete registry;
    registry = nullptr;
  }

  void SetUp() override {
    if (registry == nullptr) GTEST_SKIP() << "no Chromium: install it with tools/install-deps.sh";
    ASSERT_FALSE(registry->console.empty());
    auto started = HeadlessChromium::Start({});
    ASSERT_TRUE(started.ok()) << started.status();
    browser_ = *std::move(started);
  }

  static CommandResult Cli(const std::string& token, std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", registry->address, "--token", token, "--timeout", "60"});
    return RunCommand(ENCUENTRO_CLI_PATH, args, registry->dir->path(), seconds(120));
  }

  // Waits for the console to show `page` with its data loaded.
  void WaitForPage(const std::string& page) {
    const absl::Status s = browser_->WaitFor("document.body.dataset.page === '" + page +
                                             "' && document.body.dataset.ready === 'true'");
    ASSERT_TRUE(s.ok()) << s << "\nshowing: " << Text("body") << "\nconsole: " << Console();
  }

  void LogIn(const std::string& token, const std::string& landing) {
    ASSERT_TRUE(browser_->Navigate(registry->console + "/").ok());
    ASSERT_NO_FATAL_FAILURE(WaitForPage("login"));
    ASSERT_TRUE(browser_->Type("[data-test=login-token]", token).ok());
    ASSERT_TRUE(browser_->Click("[data-test=login-submit]").ok());
    ASSERT_NO_FATAL_FAILURE(WaitForPage(landing));
  }

  void Screenshot(const std::string& name) {
    absl::StatusOr<std::string> png = browser_->Screenshot();
    ASSERT_TRUE(png.ok()) << png.status();
    std::filesystem::create_directories(ENCUENTRO_TEST_ARTIFACTS_DIR);
    std::ofstream(std::filesystem::path(ENCUENTRO_TEST_ARTIFACTS_DIR) / (name + ".png"),
                  std::ios::binary)
        << *png;
  }

  nlohmann::json Eval(const std::string& expression) {
    absl::StatusOr<nlohmann::json> value = browser_->Evaluate(expression);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? *value : nlohmann::json();
  }
  std::string Text(const std::string& selector) {
    const nlohmann::json text =
        Eval("(document.querySelector(" + Quoted(selector) + ") || {textContent: ''}).textContent");
    return text.is_string() ? text.get<std::string>() : "";
  }
  int Count(const std::string& selector) {
    return Eval("document.querySelectorAll(" + Quoted(selector) + ").length").get<int>();
  }
  // A JavaScript string literal.
  static std::string Quoted(const std::string& text) { return nlohmann::json(text).dump(); }
  std::string Console() {
    std::string all;
    for (const std::string& line : browser_->ConsoleMessages()) all += line + "\n";
    return all;
  }
  // The status of a fetch made by the page itself (same origin, with its cookie).
  int FetchStatus(const std::string& url, const std::string& init = "{}") {
    return Eval("fetch('" + url + "', " + init + ").then(r => r.status)").get<int>();
  }
  std::string SessionCookie() {
    absl::StatusOr<nlohmann::json> cookies = browser_->Cookies({registry->console + "/"});
    if (!cookies.ok()) return "";
    for (const auto& c : *cookies) {
      if (c["name"] == "__Host-encuentro_session") return c["value"];
    }
    return "";
  }

  std::unique_ptr<HeadlessChromium> browser_;
};

TEST_F(ConsoleBrowserTest, StaffComparePlantedLeadDecideAndSeeItInTheHistory) {
  ASSERT_NO_FATAL_FAILURE(LogIn(registry->staff, "queue"));
  Screenshot("1-queue");
  // The cookie cannot be read by scripts and is never sent cross-site.
  absl::StatusOr<nlohmann::json> cookies = browser_->Cookies({registry->console + "/"});
  ASSERT_TRUE(cookies.ok()) << cookies.status();
  ASSERT_EQ(cookies->size(), 1u) << cookies->dump();
  EXPECT_EQ((*cookies)[0]["httpOnly"], true);
  EXPECT_EQ((*cookies)[0]["secure"], true);
  EXPECT_EQ((*cookies)[0]["sameSite"], "Strict");
  EXPECT_EQ(Eval("document.cookie"), "");

  const std::string lead =
      "[data-test=lead-row][data-remains='remains/1'][data-person='" + registry->ana + "']";
  ASSERT_EQ(Count(lead), 1) << Text("body");
  ASSERT_TRUE(browser_->Click(lead + " [data-test=lead-compare]").ok());
  // No search of these remains yet in this session: the console asks why, as the API does.
  ASSERT_TRUE(browser_->WaitForSelector("[data-test=search-legal-basis]").ok()) << Text("body");
  ASSERT_TRUE(browser_->Type("[data-test=search-purpose]", "identification").ok());
  ASSERT_TRUE(browser_->Type("[data-test=search-legal-basis]", "FGE-CI-2026-41").ok());
  ASSERT_TRUE(browser_->Click("[data-test=search-submit]").ok());
  ASSERT_NO_FATAL_FAILURE(WaitForPage("compare"));
  EXPECT_EQ(Count("[data-test=factor-row][data-factor=face]"), 1) << Text("body");
  EXPECT_TRUE(
      Eval("[...document.querySelectorAll('[data-test=remains-photo], "
           "[data-test=person-photo]')].every(i => i.complete && i.naturalWidth > 0)"))
      << Text("body");
  EXPECT_EQ(Count("[data-test=remains-photo]"), 1);
  EXPECT_EQ(Count("[data-test=person-photo]"), 1);
  EXPECT_GE(Count("[data-test=face-box]"), 2);
  Screenshot("2-compare");

  // A decision needs a reason: the browser refuses an empty one before asking the server.
  const int history = Count("[data-test=history-entry]");
  EXPECT_GE(history, 1);  // the lead itself
  ASSERT_TRUE(browser_->Type("[data-test=decision-select]", "POSSIBLE").ok());
  ASSERT_TRUE(browser_->Click("[data-test=decision-submit]").ok());
  ASSERT_TRUE(browser_
                  ->WaitFor("document.querySelector('[data-test=decision-error]') && "
                            "document.querySelector('[data-test=decision-error]').textContent")
                  .ok());
  EXPECT_EQ(Count("[data-test=history-entry]"), history);
  ASSERT_TRUE(browser_->Type("[data-test=decision-reason]", "Rostro y fechas concordantes").ok());
  ASSERT_TRUE(browser_->Click("[data-test=decision-submit]").ok());
  ASSERT_TRUE(browser_
                  ->WaitFor("document.querySelectorAll('[data-test=history-entry]').length === " +
                            std::to_string(history + 1))
                  .ok())
      << Text("body") << Console();
  EXPECT_NE(Text("[data-test=decision-history]").find("Rostro y fechas concordantes"),
            std::string::npos);
  Screenshot("3-decided");
  // The server has it, as the gRPC API reads it.
  CommandResult pairs = Cli(registry->staff, {"--json", "candidates", "remains/1"});
  EXPECT_NE(pairs.out.find("Rostro y fechas concordantes"), std::string::npos) << pairs.out;

  // The other pages.
  ASSERT_TRUE(browser_->Navigate(registry->console + "/#/remains/1").ok());
  ASSERT_NO_FATAL_FAILURE(WaitForPage("remains"));
  Screenshot("4-remains");
  ASSERT_TRUE(browser_->Navigate(registry->console + "/#/" + registry->ana).ok());
  ASSERT_NO_FATAL_FAILURE(WaitForPage("person"));
  Screenshot("5-person");
  ASSERT_TRUE(browser_->Navigate(registry->console + "/#/sheet/remains/1/" + registry->ana).ok());
  ASSERT_NO_FATAL_FAILURE(WaitForPage("sheet"));
  EXPECT_NE(Text("[data-test=sheet-footer]").find(std::to_string(1)), std::string::npos);
  Screenshot("6-sheet");
  absl::StatusOr<std::string> pdf = browser_->PrintToPdf();
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_EQ(pdf->substr(0, 5), "%PDF-");

  // The same sheet from the command line, for the case file.
  const auto sheet = registry->dir->path() / "sheet.pdf";
  CommandResult printed =
      Cli(registry->staff, {"sheet", "remains/1", registry->ana, "-o", sheet.string(), "--console",
                            registry->console, "--legal-basis", "FGE-CI-2026-41"});
  ASSERT_EQ(printed.exit_code, 0) << printed.out << printed.err;
  std::ifstream sheet_in(sheet, std::ios::binary);
  const std::string sheet_pdf((std::istreambuf_iterator<char>(sheet_in)),
                              std::istreambuf_iterator<char>());
  EXPECT_EQ(sheet_pdf.substr(0, 5), "%PDF-");
  EXPECT_GT(sheet_pdf.size(), 20000u);  // the photos are in it
  std::filesystem::copy_file(sheet,
                             std::filesystem::path(ENCUENTRO_TEST_ARTIFACTS_DIR) / "sheet.pdf",
                             std::filesystem::copy_options::overwrite_existing);

  // Logout ends the session on the server, not only in the browser.
  const std::string secret = SessionCookie();
  ASSERT_FALSE(secret.empty());
  ASSERT_TRUE(browser_->Click("[data-test=logout]").ok());
  ASSERT_NO_FATAL_FAILURE(WaitForPage("login"));
  httplib::Client client(registry->console);
  httplib::Result after =
      client.Get("/api/v1/session", {{"Cookie", "__Host-encuentro_session=" + secret}});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401) << after->body;
}

TEST_F(ConsoleBrowserTest, CsrfForeignOriginsAndExpiredSessionsAreRefused) {
  ASSERT_NO_FATAL_FAILURE(LogIn(registry->staff, "queue"));
  const std::string decision =
      R"({method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify()"
      R"({remains: 'remains/1', missingPerson: ')" +
      registry->berta +
      R"(', decision: 'EXCLUDED', )"
      R"(reason: 'forged'})})";
  // Without the CSRF token, even from the console's own page.
  EXPECT_EQ(FetchStatus("/api/v1/candidates:recordDecision", decision), 403);
  const std::string secret = SessionCookie();
  const std::string csrf = Eval(
                               "fetch('/api/v1/session').then(r => r.json()).then(s => "
                               "s.csrfToken)")
                               .get<std::string>();
  httplib::Client client(registry->console);
  const std::string body = R"({"remains": "remains/1", "missingPerson": ")" + registry->berta +
                           R"(", "decision": "EXCLUDED",)"
                           R"( "reason": "forged"})";
  // With the token but from another site's page.
  httplib::Result foreign = client.Post("/api/v1/candidates:recordDecision",
                                        {{"Cookie", "__Host-encuentro_session=" + secret},
                                         {"X-CSRF-Token", csrf},
                                         {"Origin", "https://evil.example"}},
                                        body, "application/json");
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 403) << foreign->body;
  // A wrong token.
  httplib::Result wrong = client.Post(
      "/api/v1/candidates:recordDecision",
      {{"Cookie", "__Host-encuentro_session=" + secret}, {"X-CSRF-Token", std::string(64, '0')}},
      body, "application/json");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 403) << wrong->body;
  EXPECT_EQ(Cli(registry->staff, {"--json", "candidates", "remains/1"}).out.find("forged"),
            std::string::npos);
  // Bad input is refused with the field named, and nothing is written.
  httplib::Result no_reason =
      client.Post("/api/v1/candidates:recordDecision",
                  {{"Cookie", "__Host-encuentro_session=" + secret}, {"X-CSRF-Token", csrf}},
                  R"({"remains": "remains/1", "missingPerson": ")" + registry->berta +
                      R"(",)"
                      R"( "decision": "EXCLUDED", "reason": ""})",
                  "application/json");
  ASSERT_TRUE(no_reason);
  EXPECT_EQ(no_reason->status, 400) << no_reason->body;
  EXPECT_NE(no_reason->body.find("\"field\":\"reason\""), std::string::npos) << no_reason->body;
  // A body that is not JSON (a form's) is refused as such, and nothing is written.
  httplib::Result form = client.Post(
      "/api/v1/candidates:recordDecision",
      {{"Cookie", "__Host-encuentro_session=" + secret}, {"X-CSRF-Token", csrf}},
      "remains=remains%2F1&decision=EXCLUDED&reason=forged", "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 400) << form->body;
  EXPECT_NE(form->body.find("Content-Type: application/json"), std::string::npos) << form->body;
  EXPECT_EQ(Cli(registry->staff, {"--json", "candidates", "remains/1"}).out.find("forged"),
            std::string::npos);
  // A read from another site's page (a sibling site sends a SameSite=Strict cookie too).
  httplib::Result sibling = client.Get(
      "/api/v1/remains/1",
      {{"Cookie", "__Host-encuentro_session=" + secret}, {"Sec-Fetch-Site", "same-site"}});
  ASSERT_TRUE(sibling);
  EXPECT_EQ(sibling->status, 403) << sibling->body;
  // A session is the console's alone: sent to the gRPC port (a stolen cookie), it is refused.
  auto stub = v1::ServerService::NewStub(
      grpc::CreateChannel(registry->address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Session " + secret);
  v1::ServerInfo info;
  EXPECT_EQ(stub->GetServerInfo(&context, v1::GetServerInfoRequest(), &info).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // A method a resource does not take is named with those it does.
  httplib::Result deleted =
      client.Delete("/api/v1/remains/1",
                    {{"Cookie", "__Host-encuentro_session=" + secret}, {"X-CSRF-Token", csrf}});
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 405) << deleted->body;
  EXPECT_EQ(deleted->get_header_value("Allow"), "GET");
  // Every answer carries the console's security headers.
  EXPECT_NE(no_reason->get_header_value("Content-Security-Policy").find("script-src 'self'"),
            std::string::npos);
  EXPECT_EQ(no_reason->get_header_value("Cache-Control"), "no-store");

  // The session expires (as if its lifetime had passed): the API and the console refuse it.
  pqxx::connection conn(registry->database_url);
  pqxx::work tx(conn);
  tx.exec(
      "UPDATE web_sessions SET expire_time = now() - interval '1 minute' WHERE revoke_time "
      "IS NULL");
  tx.commit();
  EXPECT_EQ(FetchStatus("/api/v1/remains/1"), 401);
  // A fresh load (the same URL but for its fragment would not reload the page).
  ASSERT_TRUE(browser_->Navigate("about:blank").ok());
  ASSERT_TRUE(browser_->Navigate(registry->console + "/#/queue").ok());
  ASSERT_NO_FATAL_FAILURE(WaitForPage("login"));
}

TEST_F(ConsoleBrowserTest, FamilySeesOnlyTheirCaseAndVerifiesTheExportInTheBrowser) {
  ASSERT_NO_FATAL_FAILURE(LogIn(registry->family, "family"));
  ASSERT_EQ(Count("[data-test=linked-case]"), 1) << Text("body");
  EXPECT_NE(Text("[data-test=linked-case]").find("A-1"), std::string::npos) << Text("body");
  EXPECT_GE(Count("[data-test=audit-entry]"), 1);
  // Another family's case, and photos, are not theirs to see.
  EXPECT_EQ(FetchStatus("/api/v1/" + registry->berta), 403);
  EXPECT_EQ(FetchStatus("/api/v1/" + registry->ana + "/photos"), 403);
  EXPECT_EQ(FetchStatus("/api/v1/remains/1/photos/3:content"), 403);

  ASSERT_TRUE(browser_->Type("[data-test=verify-pubkey]", registry->public_key_hex).ok());
  ASSERT_TRUE(browser_->Click("[data-test=verify-button]").ok());
  ASSERT_TRUE(browser_->WaitForSelector("[data-test=verify-result][data-ok]").ok())
      << Text("body") << Console();
  EXPECT_EQ(Eval("document.querySelector('[data-test=verify-result]').dataset.ok"), "true")
      << Text("[data-test=verify-result]");
  Screenshot("7-family");

  // A copy with one entry changed fails, in the browser.
  httplib::Client client(registry->console);
  httplib::Result exported = client.Get(
      "/api/v1/auditEntries:export", {{"Cookie", "__Host-encuentro_session=" + SessionCookie()}});
  ASSERT_TRUE(exported);
  ASSERT_EQ(exported->status, 200) << exported->body;
  // The second line's hash, one digit changed: the chain breaks there.
  std::string tampered = exported->body;
  const size_t second = tampered.find('\n') + 1;
  const size_t hash = tampered.find("\"hash\":\"", second);
  ASSERT_NE(hash, std::string::npos) << tampered.substr(0, 2000);
  char& digit = tampered[hash + 8];
  digit = digit == '0' ? '1' : '0';
  const auto file = registry->dir->path() / "tampered.jsonl";
  std::ofstream(file) << tampered;
  ASSERT_TRUE(browser_
                  ->Evaluate("document.querySelector('[data-test=verify-result]')"
                             ".removeAttribute('data-ok')")
                  .ok());
  ASSERT_TRUE(browser_->SetFileInput("[data-test=verify-file]", {file.string()}).ok());
  ASSERT_TRUE(browser_->WaitForSelector("[data-test=verify-result][data-ok]").ok()) << Text("body");
  EXPECT_EQ(Eval("document.querySelector('[data-test=verify-result]').dataset.ok"), "false");
  Screenshot("8-family-tampered");
}

// Over HTTPS, as the console is served off loopback: with the gRPC certificate, and HSTS; and
// `encuentro sheet` checks the certificate against the CA and has Chromium trust that key alone.
TEST_F(ConsoleBrowserTest, OverHttpsTheSheetTrustsOnlyTheVerifiedKey) {
  Registry& r = *registry;
  const auto pki = r.dir->path() / "pki";
  std::filesystem::create_directories(pki);
  const auto p = [&](const std::string& name) { return (pki / name).string(); };
  const auto openssl = [&](std::vector<std::string> args) {
    CommandResult result = RunCommand("/usr/bin/openssl", args, r.dir->path());
    ASSERT_EQ(result.exit_code, 0) << result.err;
  };
  std::ofstream(pki / "server.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  ASSERT_NO_FATAL_FAILURE(
      openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"), "-out",
               p("ca.crt"), "-days", "2", "-subj", "/CN=Encuentro Test CA"}));
  ASSERT_NO_FATAL_FAILURE(
      openssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", p("server.key"), "-out",
               p("server.csr"), "-subj", "/CN=localhost"}));
  ASSERT_NO_FATAL_FAILURE(openssl({"x509", "-req", "-in", p("server.csr"), "-CA", p("ca.crt"),
                                   "-CAkey", p("ca.key"), "-CAcreateserial", "-out",
                                   p("server.crt"), "-days", "2", "-extfile", p("server.ext")}));
  // A second server on the same database and audit chain (a replica), over TLS.
  const auto var = r.dir->path() / "tls-var";
  std::filesystem::create_directories(var);
  for (const char* key : {"audit-signing.key", "audit-signing.key.pub"}) {
    std::filesystem::copy_file(r.dir->path() / "var" / key, var / key);
  }
  ServerProcess server(
      ENCUENTROD_PATH,
      {"--data-dir", var.string(), "--database-url", r.database_url, "--listen", "127.0.0.1:0",
       "--http-listen", "127.0.0.1:0", "--tls-cert", p("server.crt"), "--tls-key", p("server.key"),
       "--cross-match-workers", "0", "--rate-limit-per-minute", "0"},
      r.dir->path());
  std::optional<std::string> address = server.WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server.Stderr();
  const std::string out = server.Stdout();
  const size_t at = out.find("web console on https://");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string console = out.substr(at + 15, out.find('/', at + 23) - at - 15);

  httplib::Client client(console);
  client.set_ca_cert_path(p("ca.crt").c_str());
  client.enable_server_certificate_verification(true);
  httplib::Result page = client.Get("/");
  ASSERT_TRUE(page) << httplib::to_string(page.error());
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Strict-Transport-Security"), "");

  const auto sheet = r.dir->path() / "sheet-https.pdf";
  const std::vector<std::string> print = {"sheet", "remains/1",     registry->ana,
                                          "-o",    sheet.string(),  "--console",
                                          console, "--legal-basis", "FGE-CI-2026-41"};
  std::vector<std::string> with_ca = {"--token", r.staff, "--tls-ca", p("ca.crt")};
  with_ca.insert(with_ca.end(), print.begin(), print.end());
  CommandResult printed = RunCommand(ENCUENTRO_CLI_PATH, with_ca, r.dir->path(), seconds(120));
  ASSERT_EQ(printed.exit_code, 0) << printed.out << printed.err;
  std::ifstream in(sheet, std::ios::binary);
  const std::string pdf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
  // Without the CA that signed it, the certificate is not trusted, by the client or Chromium.
  std::vector<std::string> without_ca = {"--token", r.staff};
  without_ca.insert(without_ca.end(), print.begin(), print.end());
  CommandResult refused = RunCommand(ENCUENTRO_CLI_PATH, without_ca, r.dir->path(), seconds(120));
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  server.Signal(SIGTERM);
  EXPECT_EQ(server.WaitForExit(seconds(60)), 0) << server.Stderr();
}

}  // namespace
}  // namespace encuentro
