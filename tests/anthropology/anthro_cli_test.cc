// `encuentro anthro landmarks FILE` runs locally, with the embedded catalog and no server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/subprocess.h"

namespace encuentro {
namespace {

using ::testing::HasSubstr;

class AnthroCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("anthro-cli-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  static ProcessResult Run(const std::vector<std::string>& args) {
    ProcessOptions options;
    options.argv = {ENCUENTRO_CLI_PATH};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    absl::StatusOr<ProcessResult> result = RunProcess(options);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : ProcessResult{-1, ""};
  }

  std::filesystem::path dir_;
};

TEST_F(AnthroCliTest, LandmarksPrintsHandComputedChordsWithoutAServer) {
  // GOL (0,0,0)-(180,0,0) = 180; XCB (90,0,70)-(90,0,-70) = 140;
  // FRC (28,24,0)-(100,120,0) = 120 (72² + 96² = 120²); BBH (100,-10,0)-(100,120,0) = 130.
  const std::string file = Write("skull.csv",
                                 "landmark,x,y,z\n"
                                 "glabella,0,0,0\n"
                                 "opisthocranion,180,0,0\n"
                                 "euryon_l,90,0,70\n"
                                 "euryon_r,90,0,-70\n"
                                 "basion,100,-10,0\n"
                                 "bregma,100,120,0\n"
                                 "nasion,28,24,0\n");
  const ProcessResult text = Run({"--server", "127.0.0.1:1", "anthro", "landmarks", file});
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("GOL    180.00 mm"));
  EXPECT_THAT(text.output, HasSubstr("XCB    140.00 mm"));
  EXPECT_THAT(text.output, HasSubstr("FRC    120.00 mm"));
  EXPECT_THAT(text.output, HasSubstr("BBH    130.00 mm"));
  EXPECT_THAT(text.output, HasSubstr("derived from landmarks"));

  const ProcessResult json = Run({"--json", "anthro", "landmarks", file});
  EXPECT_EQ(json.exit_code, 0) << json.output;
  EXPECT_THAT(json.output, HasSubstr("\"code\":\"GOL\""));
  EXPECT_THAT(json.output, HasSubstr("DERIVED_FROM_LANDMARKS"));
}

TEST_F(AnthroCliTest, LandmarksNamesTheBadLine) {
  const std::string file = Write("bad.csv", "glabella,0,0,0\nglabela,1,2,3\n");
  const ProcessResult result = Run({"anthro", "landmarks", file});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, HasSubstr("line 2: unknown landmark 'glabela'"));
}

TEST_F(AnthroCliTest, TheExampleFileOfTheReadmeWorks) {
  const ProcessResult result = Run({"anthro", "landmarks", ENCUENTRO_EXAMPLE_LANDMARKS});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("GOL"));
}

}  // namespace
}  // namespace encuentro
