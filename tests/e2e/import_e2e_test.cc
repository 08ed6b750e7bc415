// End to end: `encuentro import` loads a CSV of people with real photos into a running
// encuentrod, reports rejects, and resumes without duplicating anything.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "nlohmann/json.hpp"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace encuentro {
namespace {

using std::chrono::seconds;
using testing::CommandResult;
using testing::RunCommand;
using testing::ServerProcess;

constexpr char kFaces[] = "/usr/share/doc/libdlib19.1/examples/faces";
const char* const kPortraits[] = {"2007_007763.jpg",           "2008_001009.jpg", "2008_001322.jpg",
                                  "2008_002079.jpg",           "2008_002470.jpg", "2008_002506.jpg",
                                  "2008_004176.jpg",           "2008_007676.jpg", "2009_004587.jpg",
                                  "Tom_Cruise_avp_2014_4.jpg", "bald_guys.jpg"};

class ImportE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string admin =
        testing::BootstrapAdmin(ENCUENTROD_PATH, dir_.path() / "var", dir_.path());
    server_ = std::make_unique<ServerProcess>(
        ENCUENTROD_PATH,
        std::vector<std::string>{"--data-dir", (dir_.path() / "var").string(), "--listen",
                                 "127.0.0.1:0"},
        dir_.path());
    std::optional<std::string> address = server_->WaitForListening(seconds(60));
    ASSERT_TRUE(address) << server_->Stderr();
    address_ = *address;
    token_ = testing::MakeCaller(ENCUENTRO_CLI_PATH, address_, admin, "ana", "cbp-bc",
                                 "commission_staff", dir_.path());
  }
  void TearDown() override {
    server_->Signal(SIGTERM);
    EXPECT_EQ(server_->WaitForExit(seconds(60)), 0);
  }

  CommandResult Cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", address_, "--token", token_, "--timeout", "60"});
    return RunCommand(ENCUENTRO_CLI_PATH, args, dir_.path(), seconds(300));
  }

  testing::TempDir dir_{"encuentro-import"};
  std::unique_ptr<ServerProcess> server_;
  std::string address_;
  std::string token_;
};

TEST_F(ImportE2E, ImportsTwentyPeopleReportsRejectsAndResumes) {
  const auto csv = dir_.path() / "people.csv";
  {
    std::ofstream out(csv);
    out << "case_folio,issuing_authority,given_names,family_names,sex,date_of_birth,"
           "last_seen_date,last_seen_place,height_cm,status,photos\n";
    for (int i = 0; i < 22; ++i) {
      out << "FGE-" << i << ",FGE BC,Persona " << i << ",\"Apellido, Segundo\","
          << (i % 2 ? "male" : "female") << ",1985-02-0" << (1 + i % 9) << ",2022-10-1" << (i % 10)
          << ",\"Tijuana, B.C.\"," << 150 + i << ",missing," << kPortraits[i % 11]
          << (i == 10 ? "#1" : "") << "@2015-01-01\n";  // FGE-10: the second face, chosen
    }
    out << "FGE-BAD,FGE BC,Sin Altura,X,female,1990-01-01,2022-01-01,Mexicali,300,missing,\n";
    out << "FGE-NOFILE,FGE BC,Sin Foto,X,male,1990-01-01,2022-01-01,Ensenada,170,missing,"
           "missing.jpg\n";
    out << "FGE-DOG,FGE BC,Perro,X,male,1990-01-01,2022-01-01,Tecate,170,missing,dogs.jpg\n";
    out << "FGE-LATIN1,FGE BC,Jos\xe9,X,male,1990-01-01,2022-01-01,Tecate,170,missing,\n";
    // Paths a CSV must not make the importer read: outside the folder, and a device.
    out << "FGE-ESCAPE,FGE BC,Fuera,X,male,1990-01-01,2022-01-01,Tecate,170,missing,"
           "../../../../../../etc/hostname\n";
    out << "FGE-DEVICE,FGE BC,Cero,X,male,1990-01-01,2022-01-01,Tecate,170,missing,/dev/zero\n";
  }
  CommandResult first =
      Cli({"--json", "import", "missing", csv.string(), "--photos", kFaces, "--jobs", "3"});
  ASSERT_EQ(first.exit_code, 1) << first.err;  // rejects make the exit code 1
  nlohmann::json report = nlohmann::json::parse(first.out);
  EXPECT_EQ(report["rows"], 28);
  EXPECT_EQ(report["imported"], 23);
  EXPECT_EQ(report["photos"], 23);
  ASSERT_EQ(report["rejects"].size(), 5u) << first.out;
  EXPECT_EQ(report["rejects"][0]["case_folio"], "FGE-BAD");
  EXPECT_NE(report["rejects"][0]["reason"].get<std::string>().find(
                "bad field missing_person.reported_height.cm"),
            std::string::npos);
  EXPECT_EQ(report["rejects"][1]["case_folio"], "FGE-NOFILE");
  EXPECT_NE(report["rejects"][1]["reason"].get<std::string>().find("file missing"),
            std::string::npos);
  EXPECT_EQ(report["rejects"][2]["reason"], "bad field given_names: not UTF-8");
  EXPECT_NE(report["rejects"][3]["reason"].get<std::string>().find("resolves outside --photos"),
            std::string::npos)
      << first.out;
  EXPECT_NE(report["rejects"][4]["reason"].get<std::string>().find("relative to --photos"),
            std::string::npos)
      << first.out;
  // One photo has no face; group photos taken without a face index are flagged, with the face
  // used; the row that named its face (FGE-10) is not.
  int no_face = 0, several = 0;
  for (const auto& warning : report["warnings"]) {
    const std::string reason = warning["reason"];
    if (reason.find("no face: dogs.jpg") != std::string::npos) ++no_face;
    if (reason.find(" faces in ") != std::string::npos) ++several;
    EXPECT_NE(warning["case_folio"], "FGE-10") << reason;
  }
  EXPECT_EQ(no_face, 1);
  EXPECT_GT(several, 0);
  EXPECT_EQ(no_face + several, static_cast<int>(report["warnings"].size())) << first.out;

  // Listed back: every row whose record was valid is there.
  CommandResult list = Cli({"--json", "missing", "list", "--all", "--page-size", "7"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(std::count(list.out.begin(), list.out.end(), '\n'), 26);
  EXPECT_NE(list.out.find("\"given_names\":\"Persona 21\""), std::string::npos);

  // A rerun skips what is in, retries the rest, and duplicates nothing.
  CommandResult second = Cli({"--json", "import", "missing", csv.string(), "--photos", kFaces});
  report = nlohmann::json::parse(second.out);
  EXPECT_EQ(report["skipped"], 23);
  EXPECT_EQ(report["rejects"].size(), 5u);
  list = Cli({"--json", "missing", "list", "--all"});
  EXPECT_EQ(std::count(list.out.begin(), list.out.end(), '\n'), 26);

  // Rows go in parallel, so ids follow no order: find FGE-0 (a portrait) by its folio.
  std::string name;
  std::istringstream lines(list.out);
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json person = nlohmann::json::parse(line);
    if (person["case_folio"] == "FGE-0") name = person["name"];
  }
  ASSERT_FALSE(name.empty()) << list.out;
  CommandResult photos = Cli({"photos", "list", name});
  EXPECT_EQ(photos.exit_code, 0) << photos.err;
  EXPECT_NE(photos.out.find("template from face"), std::string::npos) << photos.out;
}

// A bulk import waits out the per-user rate limit instead of rejecting rows.
TEST_F(ImportE2E, ResumeFollowsRowsNotLinesAndBelongsToOneDatabase) {
  const auto csv = dir_.path() / "folios.csv";
  const std::string header =
      "case_folio,issuing_authority,given_names,family_names,sex,date_of_birth,last_seen_date,"
      "height_cm,status\n";
  auto write = [&](const std::vector<std::string>& rows) {
    std::ofstream out(csv);
    out << header;
    for (const auto& row : rows) out << row << "\n";
  };
  auto count_people = [&] {
    CommandResult list = Cli({"--json", "missing", "list", "--all"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    return std::count(list.out.begin(), list.out.end(), '\n');
  };
  // Two different people under one folio: both are kept, and flagged as possible duplicates.
  const std::string ana = "FGE-7,FGE BC,Ana,Ruiz,female,1990-01-01,2022-01-01,160,missing";
  const std::string eva = "FGE-7,FGE BC,Eva,Soto,female,1991-03-04,2022-01-01,155,missing";
  write({ana, eva});
  CommandResult first = Cli({"--json", "import", "missing", csv.string(), "--jobs", "1"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  nlohmann::json report = nlohmann::json::parse(first.out);
  EXPECT_EQ(report["imported"], 2);
  ASSERT_EQ(report["warnings"].size(), 1u) << first.out;
  EXPECT_NE(report["warnings"][0]["reason"].get<std::string>().find("possible duplicate"),
            std::string::npos);
  EXPECT_EQ(count_people(), 2);

  // A row inserted above them shifts every line: the done rows are still known by their ids.
  const std::string luis = "FGE-8,FGE BC,Luis,Paz,male,1980-05-05,2021-01-01,170,missing";
  write({luis, ana, eva});
  CommandResult second = Cli({"--json", "import", "missing", csv.string()});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  report = nlohmann::json::parse(second.out);
  EXPECT_EQ(report["skipped"], 2);
  EXPECT_EQ(report["imported"], 1);
  EXPECT_EQ(count_people(), 3);

  // An edited row keeps its id; the server refuses it instead of merging it or adding a copy.
  std::string taller = ana;
  taller.replace(taller.find(",160,"), 5, ",162,");
  write({luis, taller, eva});
  const std::string state = csv.string() + ".import-state";
  std::filesystem::remove(state);
  CommandResult third = Cli({"--json", "import", "missing", csv.string()});
  EXPECT_EQ(third.exit_code, 1) << third.out;
  report = nlohmann::json::parse(third.out);
  ASSERT_EQ(report["rejects"].size(), 1u) << third.out;
  EXPECT_NE(report["rejects"][0]["reason"].get<std::string>().find("already made missingPersons/"),
            std::string::npos)
      << third.out;
  EXPECT_EQ(count_people(), 3);

  // A state file made against another database is not believed: every row is sent again, and
  // the server recognizes its own retries.
  write({luis, ana, eva});
  {
    std::ifstream in(state);
    std::stringstream body;
    body << in.rdbuf();
    std::string text = body.str();
    text.replace(text.find("database ") + 9, 36, "00000000-0000-0000-0000-000000000000");
    std::ofstream(state) << text;
  }
  CommandResult fourth = Cli({"--json", "import", "missing", csv.string()});
  ASSERT_EQ(fourth.exit_code, 0) << fourth.out << fourth.err;
  report = nlohmann::json::parse(fourth.out);
  EXPECT_EQ(report["skipped"], 0);
  EXPECT_EQ(report["imported"], 3);
  EXPECT_EQ(count_people(), 3);
}

TEST(ImportRateLimitE2E, ImportWaitsOutTheRateLimit) {
  testing::TempDir dir("encuentro-import-limit");
  const std::string admin =
      testing::BootstrapAdmin(ENCUENTROD_PATH, dir.path() / "var", dir.path());
  ServerProcess server(ENCUENTROD_PATH,
                       {"--data-dir", (dir.path() / "var").string(), "--listen", "127.0.0.1:0",
                        "--rate-limit-per-minute", "60"},
                       dir.path());
  std::optional<std::string> address = server.WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server.Stderr();
  const std::string token = testing::MakeCaller(ENCUENTRO_CLI_PATH, *address, admin, "ana",
                                                "cbp-bc", "commission_staff", dir.path());
  const auto csv = dir.path() / "people.csv";
  {
    std::ofstream out(csv);
    out << "case_folio,issuing_authority,given_names,sex\n";
    for (int i = 0; i < 64; ++i) out << "L-" << i << ",FGE,Persona " << i << ",female\n";
  }
  CommandResult imported = RunCommand(
      ENCUENTRO_CLI_PATH,
      {"--server", *address, "--token", token, "--json", "import", "missing", csv.string()},
      dir.path(), seconds(120));
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  const nlohmann::json report = nlohmann::json::parse(imported.out);
  EXPECT_EQ(report["imported"], 64) << imported.out;
  EXPECT_TRUE(report["rejects"].empty()) << imported.out;
  server.Signal(SIGTERM);
  EXPECT_EQ(server.WaitForExit(seconds(60)), 0);
}

TEST_F(ImportE2E, ImportsRemainsWithPostMortemPhotos) {
  const auto csv = dir_.path() / "remains.csv";
  {
    std::ofstream out(csv);
    out << "case_folio,lab,found_date,found_place,sex,sex_probability,sex_method,sex_author,"
           "sex_method_kind,sex_error_rate,age_min,age_max,age_method,age_author,stature_min_cm,"
           "stature_max_cm,stature_method,stature_author,stature_cm,stature_se_cm,"
           "stature_formula_id,condition,photos\n"
        << "PM-1,SEMEFO Tijuana,2024-01-09,Valle de las Palmas,female,0.9,Phenice,C. Ortega,"
           "skeletal_morphology,0.12,20,35,Suchey-Brooks,C. Ortega,155,169,Genoves,C. Ortega,162,"
           "3.5,genoves1967_dac2004_female_femur,decomposed,2008_002506.jpg\n"
        << "PM-2,SEMEFO Tijuana,2024-02-01,Rosarito,,,,,,,,,,,,,,,,,,skeletonized,\n"
        << "PM-3,SEMEFO Tijuana,2024-02-01,Rosarito,,,,,,,40,30,x,y,,,,,,,,skeletonized,\n";
  }
  CommandResult result = Cli({"--json", "import", "remains", csv.string(), "--photos", kFaces});
  nlohmann::json report = nlohmann::json::parse(result.out);
  EXPECT_EQ(report["imported"], 2);
  ASSERT_EQ(report["rejects"].size(), 1u);
  EXPECT_NE(report["rejects"][0]["reason"].get<std::string>().find(
                "remains.biological_profile.age.age_at_death"),
            std::string::npos);
  // Rows are imported in parallel, so ids follow no order: find PM-1 by its folio.
  CommandResult list = Cli({"--json", "remains", "list"});
  bool found = false;
  std::istringstream lines(list.out);
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json remains = nlohmann::json::parse(line);
    if (remains["case_folio"] != "PM-1") continue;
    found = true;
    EXPECT_EQ(remains["condition"], "DECOMPOSED");
    const nlohmann::json& bio = remains["biological_profile"];
    EXPECT_EQ(bio["sex"]["sex"], "FEMALE");
    EXPECT_EQ(bio["sex"]["method_kind"], "SKELETAL_MORPHOLOGY");
    EXPECT_EQ(bio["sex"]["error_rate"], 0.12);
    EXPECT_EQ(bio["stature"]["stature_cm"], 162);
    EXPECT_EQ(bio["stature"]["standard_error_cm"], 3.5);
    EXPECT_EQ(bio["stature"]["formula_id"], "genoves1967_dac2004_female_femur");
  }
  EXPECT_TRUE(found) << list.out;
}

}  // namespace
}  // namespace encuentro

namespace encuentro {
namespace {

// Matching through the CLI, and the gallery snapshot across restarts.
TEST(MatchE2E, CandidatesThroughTheCliAndSnapshotAcrossRestarts) {
  testing::TempDir dir("encuentro-match");
  const std::vector<std::string> server_args = {"--data-dir", (dir.path() / "var").string(),
                                                "--listen", "127.0.0.1:0"};
  const std::string admin =
      testing::BootstrapAdmin(ENCUENTROD_PATH, dir.path() / "var", dir.path());
  auto server = std::make_unique<ServerProcess>(ENCUENTROD_PATH, server_args, dir.path());
  std::optional<std::string> address = server->WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server->Stderr();
  const std::string token = testing::MakeCaller(ENCUENTRO_CLI_PATH, *address, admin, "ana",
                                                "cbp-bc", "commission_staff", dir.path());
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", *address, "--token", token, "--timeout", "60"});
    return RunCommand(ENCUENTRO_CLI_PATH, args, dir.path(), seconds(120));
  };
  const auto people = dir.path() / "people.csv";
  std::ofstream(people) << "case_folio,issuing_authority,given_names,sex,last_seen_date,photos\n"
                        << "A-1,FGE,Ana,female,2020-01-01,2008_002506.jpg\n"
                        << "A-2,FGE,Berta,female,2020-01-01,2009_004587.jpg\n"
                        << "A-3,FGE,Carla,female,2023-01-01,\n";
  ASSERT_EQ(cli({"import", "missing", people.string(), "--photos", kFaces}).exit_code, 0);
  const auto remains = dir.path() / "remains.csv";
  std::ofstream(remains) << "case_folio,lab,found_date,condition,photos\n"
                         << "PM-9,SEMEFO,2021-05-01,decomposed,2008_002506.jpg\n";
  ASSERT_EQ(cli({"import", "remains", remains.string(), "--photos", kFaces}).exit_code, 0);

  CommandResult missing_basis = cli({"match", "remains/1", "--legal-basis", ""});
  EXPECT_EQ(missing_basis.exit_code, 1);
  EXPECT_NE(missing_basis.err.find("legal_basis"), std::string::npos) << missing_basis.err;

  CommandResult match =
      cli({"--json", "match", "remains/1", "--legal-basis", "FGE-CI-2024-7", "--include-excluded"});
  ASSERT_EQ(match.exit_code, 0) << match.err;
  nlohmann::json result = nlohmann::json::parse(match.out);
  ASSERT_GE(result["candidates"].size(), 2u) << match.out;
  EXPECT_EQ(result["candidates"][0]["case_folio"], "A-1");
  EXPECT_EQ(result["candidates"][0]["factors"][0]["name"], "face");
  EXPECT_EQ(result["candidates"][0]["factors"][0]["light"], "MATCH");
  bool carla_excluded = false;
  for (const auto& c : result["candidates"]) {
    if (c["case_folio"] == "A-3") carla_excluded = c["excluded"].get<bool>();
  }
  EXPECT_TRUE(carla_excluded) << match.out;  // last seen after the remains were found
  CommandResult table = cli({"match", "remains/1", "--legal-basis", "FGE-CI-2024-7"});
  EXPECT_NE(table.out.find("#1  missingPersons/"), std::string::npos) << table.out;
  const std::string top = result["candidates"][0]["missing_person"];
  CommandResult decided = cli({"decide", "remains/1", top, "--decision", "sent_for_dna", "--reason",
                               "reference samples requested"});
  ASSERT_EQ(decided.exit_code, 0) << decided.err;

  // Batch searches: results appended per remains, a rerun skips what is already answered.
  const auto batch = dir.path() / "batch.txt";
  std::ofstream(batch) << "remains/1\nremains/999\n";
  const auto results = dir.path() / "results.csv";
  CommandResult first = cli({"match", "--batch", batch.string(), "--output", results.string(),
                             "--legal-basis", "FGE-CI-2024-7"});
  EXPECT_EQ(first.exit_code, 1) << first.err;  // remains/999 does not exist
  EXPECT_NE(first.out.find("2 searched, 0 already"), std::string::npos) << first.out;
  std::ifstream csv_in(results);
  const std::string csv((std::istreambuf_iterator<char>(csv_in)), std::istreambuf_iterator<char>());
  EXPECT_NE(csv.find("remains/1,1,missingPersons/"), std::string::npos) << csv;
  EXPECT_NE(csv.find("remains/999,,,,,,"), std::string::npos) << csv;
  CommandResult again = cli({"match", "--batch", batch.string(), "--output", results.string(),
                             "--legal-basis", "FGE-CI-2024-7"});
  EXPECT_NE(again.out.find("0 searched, 2 already"), std::string::npos) << again.out;

  // A clean stop writes the snapshot; the next start uses it.
  server->Signal(SIGTERM);
  ASSERT_EQ(server->WaitForExit(seconds(60)), 0) << server->Stderr();
  server = std::make_unique<ServerProcess>(ENCUENTROD_PATH, server_args, dir.path());
  address = server->WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server->Stderr();
  EXPECT_NE(server->Stderr().find("gallery: 2 templates from snapshot"), std::string::npos)
      << server->Stderr();
  // Decisions persist across the restart and show in later results.
  CommandResult pairs = cli({"--json", "candidates", "remains/1"});
  ASSERT_EQ(pairs.exit_code, 0) << pairs.err;
  EXPECT_NE(pairs.out.find("SENT_FOR_DNA"), std::string::npos) << pairs.out;
  CommandResult later = cli({"--json", "match", "remains/1", "--legal-basis", "FGE-CI-2024-7"});
  EXPECT_EQ(nlohmann::json::parse(later.out)["candidates"][0]["decision"]["decision"],
            "SENT_FOR_DNA");
  // A change, then a crash: the snapshot no longer matches the database and is rebuilt.
  std::ofstream(people, std::ios::app) << "A-4,FGE,Dora,female,2020-01-01,2008_001322.jpg\n";
  ASSERT_EQ(cli({"import", "missing", people.string(), "--photos", kFaces}).exit_code, 0);
  server->Signal(SIGKILL);
  server->WaitForExit(seconds(10));
  server = std::make_unique<ServerProcess>(ENCUENTROD_PATH, server_args, dir.path());
  address = server->WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server->Stderr();
  EXPECT_NE(server->Stderr().find("snapshot is stale"), std::string::npos) << server->Stderr();
  EXPECT_NE(server->Stderr().find("gallery: 3 templates built from the database"),
            std::string::npos)
      << server->Stderr();
  server->Signal(SIGTERM);
  EXPECT_EQ(server->WaitForExit(seconds(60)), 0);
  // The snapshot that stop wrote agrees with the database.
  std::vector<std::string> check_args = server_args;
  check_args.insert(check_args.begin(), "check-index");
  CommandResult check = RunCommand(ENCUENTROD_PATH, check_args, dir.path(), seconds(120));
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("consistent"), std::string::npos) << check.out;
}

// Continuous cross-matching: jobs queued while no worker runs survive a kill -9, and the
// restarted server turns them into pending leads that staff can list.
TEST(MatchE2E, CrossMatchQueueSurvivesAKillAndRaisesPendingLeads) {
  testing::TempDir dir("encuentro-cross");
  std::vector<std::string> server_args = {"--data-dir",  (dir.path() / "var").string(), "--listen",
                                          "127.0.0.1:0", "--cross-match-workers",       "0"};
  const std::string admin =
      testing::BootstrapAdmin(ENCUENTROD_PATH, dir.path() / "var", dir.path());
  auto server = std::make_unique<ServerProcess>(ENCUENTROD_PATH, server_args, dir.path());
  std::optional<std::string> address = server->WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server->Stderr();
  const std::string token = testing::MakeCaller(ENCUENTRO_CLI_PATH, *address, admin, "ana",
                                                "cbp-bc", "commission_staff", dir.path());
  std::string as = token;
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", *address, "--token", as, "--timeout", "60"});
    return RunCommand(ENCUENTRO_CLI_PATH, args, dir.path(), seconds(120));
  };
  const auto people = dir.path() / "people.csv";
  std::ofstream(people) << "case_folio,issuing_authority,given_names,sex,last_seen_date,photos\n"
                        << "A-1,FGE,Ana,female,2020-01-01,2008_002506.jpg\n"
                        << "A-2,FGE,Berta,female,2020-01-01,2009_004587.jpg\n";
  ASSERT_EQ(cli({"import", "missing", people.string(), "--photos", kFaces}).exit_code, 0);
  const auto remains = dir.path() / "remains.csv";
  std::ofstream(remains) << "case_folio,lab,found_date,condition,photos\n"
                         << "PM-9,SEMEFO,2021-05-01,decomposed,2008_002506.jpg\n";
  ASSERT_EQ(cli({"import", "remains", remains.string(), "--photos", kFaces}).exit_code, 0);
  CommandResult none = cli({"candidates", "--current", "pending"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_NE(none.out.find("no candidate pairs"), std::string::npos) << none.out;
  CommandResult no_filter = cli({"candidates"});
  EXPECT_EQ(no_filter.exit_code, 2);

  server->Signal(SIGKILL);
  server->WaitForExit(seconds(10));
  server_args.resize(4);  // default: one cross-match worker
  server = std::make_unique<ServerProcess>(ENCUENTROD_PATH, server_args, dir.path());
  address = server->WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server->Stderr();
  std::string leads;
  for (int i = 0; i < 120 && leads.find("remains/1") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CommandResult listed = cli({"--json", "candidates", "--current", "pending"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    leads = listed.out;
  }
  ASSERT_NE(leads.find("remains/1"), std::string::npos) << server->Stderr();
  nlohmann::json lead = nlohmann::json::parse(leads.substr(0, leads.find('\n')));
  EXPECT_EQ(lead["current"]["decision"], "PENDING");
  EXPECT_EQ(lead["current"]["author"], "encuentrod/cross-match");
  EXPECT_EQ(std::count(leads.begin(), leads.end(), '\n'), 1) << leads;  // only Ana's face matches
  CommandResult person = cli({"--json", "missing", "get", lead["missing_person"]});
  ASSERT_EQ(person.exit_code, 0) << person.err;
  EXPECT_EQ(nlohmann::json::parse(person.out)["case_folio"], "A-1") << person.out;

  // The audit log, as a families' organization checks it: export, then verify offline with the
  // server's public key, and see a tampered copy fail. Staff may not sign checkpoints.
  EXPECT_EQ(cli({"audit", "checkpoint", "--create"}).exit_code, 1);
  as = admin;
  ASSERT_EQ(cli({"audit", "checkpoint", "--create"}).exit_code, 0);
  CommandResult entries = cli({"audit", "list", "--target", "remains/1"});
  EXPECT_NE(entries.out.find("CrossMatch/Remains"), std::string::npos) << entries.out;
  const auto exported = dir.path() / "audit.jsonl";
  CommandResult export_run = cli({"audit", "export", exported.string()});
  ASSERT_EQ(export_run.exit_code, 0) << export_run.err;
  server->Signal(SIGTERM);
  EXPECT_EQ(server->WaitForExit(seconds(60)), 0);
  const std::string public_key = (dir.path() / "var" / "audit-signing.key.pub").string();
  CommandResult verified =
      RunCommand(ENCUENTRO_CLI_PATH, {"audit", "verify", exported.string(), "--pubkey", public_key},
                 dir.path());
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("OK: "), std::string::npos) << verified.out;
  std::ifstream in(exported);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t at = text.find("CrossMatch/Remains");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 5, "Xross");
  const auto tampered = dir.path() / "tampered.jsonl";
  std::ofstream(tampered) << text;
  CommandResult broken =
      RunCommand(ENCUENTRO_CLI_PATH, {"audit", "verify", tampered.string(), "--pubkey", public_key},
                 dir.path());
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.out.find("BROKEN at line"), std::string::npos) << broken.out;
  EXPECT_NE(broken.out.find("was altered"), std::string::npos) << broken.out;
}

}  // namespace
}  // namespace encuentro

namespace encuentro {
namespace {

// A stature estimate saved from the anthropology service is what matching then uses.
TEST(MatchE2E, SavedAnthropologyEstimateDrivesTheStatureEvidence) {
  testing::TempDir dir("encuentro-anthro-match");
  const std::string admin =
      testing::BootstrapAdmin(ENCUENTROD_PATH, dir.path() / "var", dir.path());
  auto server = std::make_unique<ServerProcess>(
      ENCUENTROD_PATH,
      std::vector<std::string>{"--data-dir", (dir.path() / "var").string(), "--listen",
                               "127.0.0.1:0"},
      dir.path());
  std::optional<std::string> address = server->WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server->Stderr();
  const std::string staff = testing::MakeCaller(ENCUENTRO_CLI_PATH, *address, admin, "ana",
                                                "cbp-bc", "commission_staff", dir.path());
  const std::string lab = testing::MakeCaller(ENCUENTRO_CLI_PATH, *address, admin, "lab1",
                                              "semefo-tij", "forensic_lab", dir.path());
  std::string as = staff;
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", *address, "--token", as, "--timeout", "60"});
    return RunCommand(ENCUENTRO_CLI_PATH, args, dir.path(), seconds(120));
  };
  const auto people = dir.path() / "people.csv";
  std::ofstream(people) << "case_folio,issuing_authority,given_names,sex,last_seen_date,height_cm\n"
                        << "S-1,FGE,Alto,male,2020-01-01,188\n"
                        << "S-2,FGE,Medio,male,2020-01-01,168\n";
  ASSERT_EQ(cli({"import", "missing", people.string()}).exit_code, 0);
  as = lab;  // the lab records the remains and measures them
  const auto remains = dir.path() / "remains.csv";
  std::ofstream(remains)
      << "case_folio,lab,found_date,condition\nPM-5,SEMEFO,2021-05-01,skeletonized\n";
  ASSERT_EQ(cli({"import", "remains", remains.string()}).exit_code, 0);

  // A 45.0 cm femur: Genovés (corrected) gives 165.68 cm, 158.8-172.5 cm at +/- 2 SE.
  CommandResult recorded =
      cli({"anthro", "record", "remains/1", "--value", "FEM_MAXL=450", "--observer", "C. Ortega"});
  ASSERT_EQ(recorded.exit_code, 0) << recorded.err;
  CommandResult saved = cli(
      {"anthro", "stature", "remains/1", "--formula", "genoves1967_dac2004_male_femur", "--save"});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;

  // The commission whose people they are reviews the candidates (to the lab they are references).
  as = staff;
  CommandResult match = cli({"--json", "match", "remains/1", "--legal-basis", "FGE-CI-1"});
  ASSERT_EQ(match.exit_code, 0) << match.err;
  nlohmann::json result = nlohmann::json::parse(match.out);
  ASSERT_EQ(result["candidates"].size(), 2u) << match.out;
  EXPECT_EQ(result["candidates"][0]["case_folio"], "S-2");  // 168 cm fits 158.8-172.5 cm
  bool stature_seen = false;
  for (const auto& f : result["candidates"][0]["factors"]) {
    if (f["name"] != "stature") continue;
    stature_seen = true;
    EXPECT_EQ(f["light"], "MATCH");
    // The saved point estimate and the formula's standard error, not the range, drive it.
    EXPECT_NE(f["reason"].get<std::string>().find("estimated 166 cm (SE 3.4 cm)"),
              std::string::npos)
        << f["reason"];
  }
  EXPECT_TRUE(stature_seen) << match.out;
  server->Signal(SIGTERM);
  EXPECT_EQ(server->WaitForExit(seconds(60)), 0);
}

// Faceless remains, as most in Mexico are: marks and dental charts recorded on both sides,
// imported in bulk, decide the ranking; a tooth lost in life but present on the body excludes;
// and a skeletonised body is not held to marks nobody could see on it.
TEST(MatchE2E, MatchingTattooAndTeethRankFirstWithoutAnyFace) {
  testing::TempDir dir("encuentro-marks-match");
  const std::string admin =
      testing::BootstrapAdmin(ENCUENTROD_PATH, dir.path() / "var", dir.path());
  auto server = std::make_unique<ServerProcess>(
      ENCUENTROD_PATH,
      std::vector<std::string>{"--data-dir", (dir.path() / "var").string(), "--listen",
                               "127.0.0.1:0"},
      dir.path());
  std::optional<std::string> address = server->WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server->Stderr();
  const std::string staff = testing::MakeCaller(ENCUENTRO_CLI_PATH, *address, admin, "ana",
                                                "cbp-bc", "commission_staff", dir.path());
  const std::string lab = testing::MakeCaller(ENCUENTRO_CLI_PATH, *address, admin, "lab1",
                                              "semefo-tij", "forensic_lab", dir.path());
  std::string as = staff;
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", *address, "--token", as, "--timeout", "60"});
    return RunCommand(ENCUENTRO_CLI_PATH, args, dir.path(), seconds(120));
  };
  // Three men alike in everything but their marks and teeth.
  const auto people = dir.path() / "people.csv";
  std::ofstream(people)
      << "case_folio,issuing_authority,given_names,sex,last_seen_date,age_at_disappearance,"
         "marks,dental,dental_source,effects,dna_samples\n"
      << "T-1,FGE,Rosendo,male,2020-01-01,30,\"tattoo|forearm|left|Rosas con el nombre "
         "MARÍA|rosas,María\",16:missing_am; 26:filling/MO/amalgam; 36:crown,dental_record,"
         "clothing|playera de futbol|roja|Chivas|M,Rosa López|mother|Genética FGE|KIT-42||"
         "profiled\n"
      << "T-2,FGE,Ramiro,male,2020-01-01,30,\"tattoo|chest||Virgen de Guadalupe|Virgen,"
         "Guadalupe\",16:present,family_report\n"
      << "T-3,FGE,Raúl,male,2020-01-01,30,,46:missing_am,radiograph\n";
  CommandResult imported = cli({"import", "missing", people.string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  as = lab;
  const auto remains = dir.path() / "remains.csv";
  std::ofstream(remains)
      << "case_folio,lab,found_date,condition,marks_examined,marks,dental,effects,dna_samples\n"
      << "PM-1,SEMEFO,2021-05-01,decomposed,true,\"tattoo|forearm|left|Rosa con letras: "
         "MARIA|rosa,maria\",16:missing_am; 26:filling/MOD/amalgam; 36:crown; 46:present,"
         "clothing|camiseta rojiblanca|roja y blanca|Chivas,petrous|Genética FGE|PM-1||sent\n"
      << "PM-2,SEMEFO,2021-05-01,skeletonized,true,,\n";
  imported = cli({"import", "remains", remains.string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;

  // The importer works rows in parallel: find each record's name by its folio.
  as = staff;
  std::map<std::string, std::string> names;
  for (const char* kind : {"remains", "missing"}) {
    CommandResult listed = cli({"--json", kind, "list"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    std::istringstream lines(listed.out);
    for (std::string line; std::getline(lines, line);) {
      const nlohmann::json record = nlohmann::json::parse(line);
      names[record["case_folio"].get<std::string>()] = record["name"].get<std::string>();
    }
  }
  CommandResult samples = cli({"--json", "dna", "list", names["T-1"]});
  ASSERT_EQ(samples.exit_code, 0) << samples.err;
  EXPECT_NE(samples.out.find("\"PROFILED\""), std::string::npos) << samples.out;
  CommandResult chart = cli({"dental", "get", names["T-1"]});
  ASSERT_EQ(chart.exit_code, 0) << chart.err;
  EXPECT_NE(chart.out.find("16:missing_am; 26:present+filling/MO/amalgam; 36:present+crown"),
            std::string::npos)
      << chart.out;

  // T-1 first, on the tattoo and the teeth; T-3's tooth 46, lost in life, is on the remains:
  // excluded.
  CommandResult match = cli({"--json", "match", names["PM-1"], "--legal-basis", "FGE-CI-1"});
  ASSERT_EQ(match.exit_code, 0) << match.err;
  nlohmann::json result = nlohmann::json::parse(match.out);
  ASSERT_EQ(result["candidates"].size(), 2u) << match.out;
  EXPECT_EQ(result["candidates"][0]["case_folio"], "T-1") << match.out;
  for (const auto& f : result["candidates"][0]["factors"]) {
    if (f["name"] == "marks" || f["name"] == "dental") {
      EXPECT_EQ(f["light"], "MATCH") << f;
      EXPECT_GT(f.value("log10_lr", 0.0), 2) << f;
    }
    if (f["name"] == "effects") {
      EXPECT_EQ(f["light"], "MATCH") << f;  // the same team's shirt: a weak line
      EXPECT_NEAR(f.value("log10_lr", 0.0), 0.3, 1e-9) << f;
    }
  }
  match =
      cli({"--json", "match", names["PM-1"], "--legal-basis", "FGE-CI-1", "--include-excluded"});
  ASSERT_EQ(match.exit_code, 0) << match.err;
  result = nlohmann::json::parse(match.out);
  ASSERT_EQ(result["candidates"].size(), 3u) << match.out;
  EXPECT_EQ(result["candidates"][2]["case_folio"], "T-3") << match.out;
  EXPECT_TRUE(result["candidates"][2].value("excluded", false)) << match.out;
  // The skeleton shows no skin: T-1's and T-2's tattoos are not held against it.
  match = cli({"--json", "match", names["PM-2"], "--legal-basis", "FGE-CI-1"});
  ASSERT_EQ(match.exit_code, 0) << match.err;
  result = nlohmann::json::parse(match.out);
  ASSERT_EQ(result["candidates"].size(), 3u) << match.out;
  for (const auto& candidate : result["candidates"]) {
    for (const auto& f : candidate["factors"]) {
      if (f["name"] == "marks") {
        EXPECT_EQ(f.value("log10_lr", 0.0), 0.0) << f;
      }
    }
  }

  // DNA confirms it and the board decides: the case closes. The person is found dead, both
  // records carry the identification, and neither is compared again.
  CommandResult identified =
      cli({"--json", "identify", names["PM-1"], names["T-1"], "--evidence",
           "dna_report:GEN-BC-2021-0457@2021-08-02", "--evidence", "dental_comparison:OD-2021-88",
           "--board", "ACTA-IDENT-2021-031", "--board-date", "2021-08-20", "--reason",
           "perfil genético concordante con la madre; carta dental concordante"});
  ASSERT_EQ(identified.exit_code, 0) << identified.err;
  CommandResult person = cli({"--json", "missing", "get", names["T-1"]});
  ASSERT_EQ(person.exit_code, 0) << person.err;
  const nlohmann::json closed = nlohmann::json::parse(person.out);
  EXPECT_EQ(closed["status"], "LOCATED_DECEASED") << person.out;
  EXPECT_EQ(closed["identification"]["remains"], names["PM-1"]) << person.out;
  EXPECT_EQ(closed["identification"]["evidence"].size(), 2u) << person.out;
  CommandResult again = cli({"match", names["PM-1"], "--legal-basis", "FGE-CI-1"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("was identified as " + names["T-1"]), std::string::npos) << again.err;
  CommandResult twice = cli({"identify", names["PM-2"], names["T-1"], "--evidence", "dna_report:X",
                             "--board", "B", "--reason", "r"});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.err.find("FAILED_PRECONDITION"), std::string::npos) << twice.err;
  match = cli({"--json", "match", names["PM-2"], "--legal-basis", "FGE-CI-1"});
  ASSERT_EQ(match.exit_code, 0) << match.err;
  EXPECT_EQ(match.out.find("\"T-1\""), std::string::npos) << "identified, no longer a candidate";
  CommandResult pair = cli({"--json", "candidates", "--current", "identified"});
  ASSERT_EQ(pair.exit_code, 0) << pair.err;
  EXPECT_NE(pair.out.find(names["PM-1"]), std::string::npos) << pair.out;

  // Staff search the remains' marks in Spanish: "rosas" finds "Rosa".
  CommandResult found = cli({"--json", "marks", "search", "rosas", "--kind", "tattoo"});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_NE(found.out.find("\"" + names["PM-1"] + "/marks/"), std::string::npos) << found.out;
  found = cli({"marks", "search", "--in", "missing", "guadalupe"});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_NE(found.out.find(names["T-2"] + "/marks/"), std::string::npos) << found.out;
  server->Signal(SIGTERM);
  EXPECT_EQ(server->WaitForExit(seconds(60)), 0);
}

}  // namespace
}  // namespace encuentro
