// The golden test of the second face model: on the five reference chips, the repaired TF.js graph
// gives the embeddings TensorFlow Lite computes with the original MobileFaceNet.tflite
// (tools/face_model/make_reference_data.sh), and each repair is needed for that.

#include "biometrics/mobile_face_network.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "biometrics/model_files.h"
#include "gtest/gtest.h"
#include "test_support.h"

namespace encuentro::biometrics {
namespace {

const std::string kModels = ENCUENTRO_TEST_MODELS_DIR;

absl::StatusOr<MobileFaceNetwork> LoadNetwork(GraphRepairs repairs = {}) {
  return MobileFaceNetwork::Load(kModels + "/" + kMobileFaceGraphFileName,
                                 kModels + "/" + kMobileFaceWeightsFileName, repairs);
}

struct ReferenceChip {
  dlib::matrix<dlib::rgb_pixel> chip;
  std::vector<float> embedding;
};

std::vector<ReferenceChip> ReferenceChips() {
  std::ifstream in(testing::TestData("mobile_face_reference.json"));
  const nlohmann::json reference = nlohmann::json::parse(in);
  std::vector<ReferenceChip> chips;
  for (const nlohmann::json& entry : reference) {
    chips.push_back({testing::LoadChipOrDie(testing::TestData(entry.at("chip"))),
                     entry.at("embedding").get<std::vector<float>>()});
  }
  return chips;
}

double Distance(const MobileFaceEmbedding& a, const std::vector<float>& b) {
  double squared = 0;
  for (int k = 0; k < kMobileFaceDimensions; ++k) squared += std::pow(a[k] - b[k], 2);
  return std::sqrt(squared);
}

TEST(MobileFaceNetworkTest, GivesTensorFlowLitesEmbeddingsOnTheReferenceChips) {
  absl::StatusOr<MobileFaceNetwork> network = LoadNetwork();
  ASSERT_TRUE(network.ok()) << network.status();
  const std::vector<ReferenceChip> chips = ReferenceChips();
  ASSERT_EQ(chips.size(), 5u);
  for (size_t i = 0; i < chips.size(); ++i) {
    SCOPED_TRACE("mobile_chip_" + std::to_string(i));
    absl::StatusOr<MobileFaceEmbedding> embedding = network->Describe(chips[i].chip);
    ASSERT_TRUE(embedding.ok()) << embedding.status();
    EXPECT_LT(Distance(*embedding, chips[i].embedding), 1e-4);
    double norm = 0;
    for (float v : *embedding) norm += v * v;
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5);
    // A second call on the same buffers gives the same numbers.
    EXPECT_EQ(*network->Describe(chips[i].chip), *embedding);
  }
  // Five different people: far apart on the unit sphere (same-person pairs fall under ~1.1).
  const MobileFaceEmbedding first = *network->Describe(chips[0].chip);
  for (size_t i = 1; i < chips.size(); ++i) {
    EXPECT_GT(Distance(first, chips[i].embedding), 1.1) << "mobile_chip_" << i;
  }
}

TEST(MobileFaceNetworkTest, EachRepairOfTheShippedGraphIsNeeded) {
  const std::vector<ReferenceChip> chips = ReferenceChips();
  for (const GraphRepairs repairs :
       {GraphRepairs{false, true}, GraphRepairs{true, false}, GraphRepairs{false, false}}) {
    SCOPED_TRACE(::testing::Message() << "negate " << repairs.negate_prelu_slopes << ", unfuse "
                                      << repairs.unfuse_relu_before_prelu);
    absl::StatusOr<MobileFaceNetwork> network = LoadNetwork(repairs);
    ASSERT_TRUE(network.ok()) << network.status();
    for (const ReferenceChip& chip : chips) {
      EXPECT_GT(Distance(*network->Describe(chip.chip), chip.embedding), 0.3);
    }
  }
}

TEST(MobileFaceNetworkTest, RefusesOtherChipSizes) {
  absl::StatusOr<MobileFaceNetwork> network = LoadNetwork();
  ASSERT_TRUE(network.ok()) << network.status();
  EXPECT_EQ(network->Describe(dlib::matrix<dlib::rgb_pixel>(150, 150)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

class MobileFaceFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("encuentro_mobile_face_test_" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Copy(const char* name) {
    std::filesystem::copy_file(std::filesystem::path(kModels) / name, dir_ / name);
    return (dir_ / name).string();
  }

  std::filesystem::path dir_;
};

TEST_F(MobileFaceFilesTest, MissingTruncatedOrForeignFilesAreRefused) {
  const std::string graph = Copy(kMobileFaceGraphFileName);
  const std::string weights = Copy(kMobileFaceWeightsFileName);
  EXPECT_EQ(MobileFaceNetwork::Load(graph, (dir_ / "absent.bin").string()).status().code(),
            absl::StatusCode::kNotFound);

  std::filesystem::resize_file(weights, std::filesystem::file_size(weights) - 4);
  absl::Status truncated = MobileFaceNetwork::Load(graph, weights).status();
  EXPECT_EQ(truncated.code(), absl::StatusCode::kDataLoss) << truncated;

  // A graph with an op this executor does not run is refused by name, not run half-understood.
  std::ifstream in(kModels + "/" + kMobileFaceGraphFileName);
  nlohmann::json model = nlohmann::json::parse(in);
  for (nlohmann::json& node : model["modelTopology"]["node"]) {
    if (node["op"] == "Rsqrt") node["op"] = "Sqrt";
  }
  std::ofstream(graph) << model.dump();
  absl::Status foreign =
      MobileFaceNetwork::Load(graph, kModels + "/" + kMobileFaceWeightsFileName).status();
  EXPECT_EQ(foreign.code(), absl::StatusCode::kFailedPrecondition) << foreign;
  EXPECT_NE(foreign.message().find("embeddings/Square"), std::string::npos) << foreign;

  std::ofstream(graph) << "{\"format\": \"layers-model\"}";
  EXPECT_EQ(MobileFaceNetwork::Load(graph, weights).status().code(), absl::StatusCode::kDataLoss);
}

TEST(MobileFaceAlignmentTest, PutsEyesNoseAndMouthOnArcFacesTemplate) {
  // A photo with five coloured dots where a face's eye centres, nose tip and mouth corners would
  // be, rotated by 20 degrees and 2.5 times the template's scale.
  const std::vector<dlib::dpoint> chip_points = {{38.2946, 51.6963},
                                                 {73.5318, 51.5014},
                                                 {56.0252, 71.7366},
                                                 {41.5493, 92.3655},
                                                 {70.7299, 92.2041}};
  const double angle = 20 * M_PI / 180, scale = 2.5;
  const auto to_photo = [&](const dlib::dpoint& p) {
    return dlib::dpoint(300 + scale * (std::cos(angle) * p.x() - std::sin(angle) * p.y()),
                        100 + scale * (std::sin(angle) * p.x() + std::cos(angle) * p.y()));
  };
  const std::vector<dlib::rgb_pixel> colours = {
      {255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 0}, {0, 255, 255}};
  dlib::matrix<dlib::rgb_pixel> photo(600, 600);
  photo = dlib::rgb_pixel(128, 128, 128);
  std::vector<dlib::point> parts(68);
  for (size_t i = 0; i < chip_points.size(); ++i) {
    const dlib::dpoint at = to_photo(chip_points[i]);
    for (long y = -6; y <= 6; ++y) {
      for (long x = -6; x <= 6; ++x)
        photo(std::lround(at.y()) + y, std::lround(at.x()) + x) = colours[i];
    }
  }
  // dlib's numbering: the eyes' six points each, nose tip 30, mouth corners 48 and 54.
  for (int i = 36; i <= 41; ++i) parts[i] = to_photo(chip_points[0]);
  for (int i = 42; i <= 47; ++i) parts[i] = to_photo(chip_points[1]);
  parts[30] = to_photo(chip_points[2]);
  parts[48] = to_photo(chip_points[3]);
  parts[54] = to_photo(chip_points[4]);
  const dlib::full_object_detection landmarks(dlib::rectangle(250, 50, 550, 450), parts);

  const dlib::matrix<dlib::rgb_pixel> chip = AlignForMobileFaceNet(photo, landmarks);
  ASSERT_EQ(chip.nr(), kMobileFaceChipSize);
  ASSERT_EQ(chip.nc(), kMobileFaceChipSize);
  for (size_t i = 0; i < chip_points.size(); ++i) {
    const dlib::rgb_pixel at =
        chip(std::lround(chip_points[i].y()), std::lround(chip_points[i].x()));
    EXPECT_EQ(at, colours[i]) << "point " << i;
  }
  EXPECT_EQ(chip(5, 56), dlib::rgb_pixel(128, 128, 128));  // the forehead: background
}

}  // namespace
}  // namespace encuentro::biometrics
