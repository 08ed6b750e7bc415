// Cross-checks the converted network against face-api.js's own FaceRecognitionNet: the same
// chips, descriptors computed by tools/face_model/make_reference_data.sh in Node (tfjs CPU).

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "biometrics/face_pipeline.h"
#include "biometrics/image_decoder.h"
#include "gtest/gtest.h"
#include "test_support.h"

namespace encuentro::biometrics {
namespace {

FaceDescriptor ToDescriptor(const nlohmann::json& values) {
  FaceDescriptor descriptor{};
  EXPECT_EQ(values.size(), descriptor.size());
  for (size_t i = 0; i < descriptor.size() && i < values.size(); ++i) {
    descriptor[i] = values[i].get<float>();
  }
  return descriptor;
}

TEST(ReferenceDescriptorsTest, MatchFaceApiOnTheSameChips) {
  std::ifstream in(testing::TestData("reference_descriptors.json"));
  ASSERT_TRUE(in) << "missing " << testing::TestData("reference_descriptors.json");
  const nlohmann::json reference = nlohmann::json::parse(in);
  ASSERT_EQ(reference.at("face_api").get<std::string>(), "1.7.15");
  const nlohmann::json& chips = reference.at("chips");
  ASSERT_GE(chips.size(), 5u);

  const FacePipeline& pipeline = testing::SharedPipeline();
  for (const nlohmann::json& entry : chips) {
    const std::string name = entry.at("chip").get<std::string>();
    SCOPED_TRACE(name);
    const RgbImage chip = testing::LoadOrDie(testing::TestData(name));
    absl::StatusOr<FaceDescriptor> ours = pipeline.Describe(chip);
    ASSERT_TRUE(ours.ok()) << ours.status();

    // face-api was fed the chip rescaled to dlib's input normalization: only float rounding
    // differs (measured ~1e-6).
    EXPECT_LT(DescriptorDistance(*ours, ToDescriptor(entry.at("descriptor"))), 1e-4);
    // Under face-api's own 1/255 scaling the descriptors differ slightly, but far below any
    // decision-relevant distance.
    const float with_face_api_scaling =
        DescriptorDistance(*ours, ToDescriptor(entry.at("descriptor_face_api_scaling")));
    EXPECT_GT(with_face_api_scaling, 1e-4);
    EXPECT_LT(with_face_api_scaling, 3e-3);
  }
}

}  // namespace
}  // namespace encuentro::biometrics
