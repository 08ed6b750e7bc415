// The golden test of the descriptor network: on the five reference chips, its descriptors are
// dlib's own network's, within 1e-5 (L2; the face model's issue allows 1e-4).

#include "biometrics/descriptor_network.h"

#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "test_support.h"

namespace encuentro::biometrics {
namespace {

face_network::Network LoadDlibNetwork() {
  face_network::Network network;
  dlib::deserialize(std::string(ENCUENTRO_TEST_MODELS_DIR) +
                    "/dlib_face_recognition_resnet_model_v1.dat") >>
      network;
  return network;
}

TEST(DescriptorNetworkTest, GivesDlibsDescriptorsOnTheReferenceChips) {
  face_network::Network dlib_network = LoadDlibNetwork();  // running it keeps activations
  absl::StatusOr<DescriptorNetwork> ours = DescriptorNetwork::FromDlib(dlib_network);
  ASSERT_TRUE(ours.ok()) << ours.status();
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE("chip_" + std::to_string(i));
    const dlib::matrix<dlib::rgb_pixel> chip =
        testing::LoadChipOrDie(testing::TestData("chip_" + std::to_string(i) + ".png"));
    const dlib::matrix<float, 0, 1> expected = dlib_network(chip);
    absl::StatusOr<FaceDescriptor> described = ours->Describe(chip);
    ASSERT_TRUE(described.ok()) << described.status();
    const FaceDescriptor actual = *described;
    double squared = 0;
    double norm = 0;
    for (int k = 0; k < kDescriptorSize; ++k) {
      squared += std::pow(actual[k] - expected(k), 2);
      norm += std::pow(expected(k), 2);
    }
    EXPECT_LT(std::sqrt(squared), 1e-5) << "descriptor norm " << std::sqrt(norm);
    // A second call on the same buffers gives the same numbers.
    EXPECT_EQ(*ours->Describe(chip), actual);
  }
}

TEST(DescriptorNetworkTest, RefusesChipsOfAnotherSizeAndNetworksOfAnotherShape) {
  const face_network::Network dlib_network = LoadDlibNetwork();
  absl::StatusOr<DescriptorNetwork> ours = DescriptorNetwork::FromDlib(dlib_network);
  ASSERT_TRUE(ours.ok()) << ours.status();
  const dlib::matrix<dlib::rgb_pixel> small(100, 100);
  EXPECT_EQ(ours->Describe(small).status().code(), absl::StatusCode::kInvalidArgument);
  // An untrained network has no parameters yet.
  EXPECT_EQ(DescriptorNetwork::FromDlib(face_network::Network()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace encuentro::biometrics
