#include "biometrics/cli/faces_command.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "test_support.h"

namespace encuentro::biometrics {
namespace {

struct CommandResult {
  int exit_code = 0;
  std::string out;
};

CommandResult RunFaces(std::vector<std::string> args) {
  CLI::App app{"encuentro"};
  AddFacesCommands(app, ENCUENTRO_TEST_MODELS_DIR);
  args.insert(args.begin(), "faces");
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector.
  CommandResult result;
  ::testing::internal::CaptureStdout();
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    result.exit_code = e.get_exit_code();
  }
  result.out = ::testing::internal::GetCapturedStdout();
  return result;
}

std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    lines.push_back(nlohmann::json::parse(text.substr(start, end - start)));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

TEST(FacesCommandTest, AnalyzeJsonGivesOneLinePerImage) {
  const CommandResult result =
      RunFaces({"analyze", "--json", testing::DlibFace("bald_guys.jpg"), "/nonexistent.jpg",
                testing::DlibFace("Tom_Cruise_avp_2014_4.jpg")});
  EXPECT_EQ(result.exit_code, 1);  // One image is unreadable.
  const std::vector<nlohmann::json> lines = JsonLines(result.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["image"], testing::DlibFace("bald_guys.jpg"));
  ASSERT_EQ(lines[0]["faces"].size(), 24u);
  const nlohmann::json& face = lines[0]["faces"][0];
  EXPECT_EQ(face["box"].size(), 4u);
  EXPECT_EQ(face["descriptor"].size(), 128u);
  EXPECT_TRUE(face["quality"].contains("sharpness"));
  EXPECT_TRUE(face["quality"]["overall"].is_string());
  EXPECT_TRUE(lines[1].contains("error"));
  EXPECT_FALSE(lines[1].contains("faces"));
  EXPECT_EQ(lines[2]["faces"].size(), 1u);
}

TEST(FacesCommandTest, AnalyzeTextListsFacesAndVerdicts) {
  const CommandResult result =
      RunFaces({"analyze", "--upsample", "0", testing::DlibFace("Tom_Cruise_avp_2014_4.jpg")});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("1 face\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("face 0: box ["), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("sharpness"), std::string::npos) << result.out;
}

TEST(FacesCommandTest, CompareDecidesSameAndDifferent) {
  // A photo against itself, then two different people.
  CommandResult result =
      RunFaces({"compare", "--json", testing::DlibFace("Tom_Cruise_avp_2014_4.jpg"),
                testing::DlibFace("Tom_Cruise_avp_2014_4.jpg")});
  EXPECT_EQ(result.exit_code, 0);
  nlohmann::json out = nlohmann::json::parse(result.out);
  EXPECT_TRUE(out["same"].get<bool>());
  EXPECT_DOUBLE_EQ(out["distance"].get<double>(), 0.0);

  result = RunFaces({"compare", testing::DlibFace("Tom_Cruise_avp_2014_4.jpg"),
                     testing::DemoImage("sample2.jpg")});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("different people"), std::string::npos) << result.out;

  result = RunFaces({"compare", testing::DlibFace("Tom_Cruise_avp_2014_4.jpg"), "/nonexistent"});
  EXPECT_EQ(result.exit_code, 1);
}

}  // namespace
}  // namespace encuentro::biometrics
