#include "biometrics/model_files.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace encuentro::biometrics {
namespace {

TEST(ModelFilesTest, LocatesAndVerifiesTheBuiltModels) {
  absl::StatusOr<FaceModelFiles> models = LocateFaceModels(ENCUENTRO_TEST_MODELS_DIR);
  ASSERT_TRUE(models.ok()) << models.status();
  EXPECT_EQ(models->descriptor_network.sha256, kDescriptorModelSha256);
  EXPECT_EQ(models->landmarks.sha256, kLandmarkModelSha256);
  EXPECT_GT(models->descriptor_network.size_bytes, 20'000'000u);
  EXPECT_EQ(models->model_id, kFaceModelId);
  EXPECT_EQ(models->mobile_face_graph.sha256, kMobileFaceGraphSha256);
  EXPECT_EQ(models->mobile_face_weights.sha256, kMobileFaceWeightsSha256);
  EXPECT_EQ(models->mobile_face_model_id, kMobileFaceModelId);
}

TEST(ModelFilesTest, MissingModelsSayHowToGetThem) {
  absl::StatusOr<FaceModelFiles> models = LocateFaceModels("/nonexistent/models");
  EXPECT_EQ(models.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(models.status().message().find("cmake --build"), std::string::npos);
}

TEST(ModelFilesTest, CorruptModelIsRejected) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("encuentro_model_files_test_" +
       std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::filesystem::path source = std::filesystem::path(ENCUENTRO_TEST_MODELS_DIR);
  std::filesystem::create_symlink(source / kLandmarkModelFileName, dir / kLandmarkModelFileName);
  std::filesystem::copy_file(source / kDescriptorModelFileName, dir / kDescriptorModelFileName);
  {
    std::fstream file(dir / kDescriptorModelFileName,
                      std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(1000);
    file.put('\x5a');
  }
  absl::StatusOr<FaceModelFiles> models = LocateFaceModels(dir.string());
  EXPECT_EQ(models.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(models.status().message().find("corrupt"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace encuentro::biometrics
