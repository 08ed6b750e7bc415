// dlib's face ResNet (face_network::Network) run without dlib's tensors: each convolution with
// the affine layer after it folded into its weights, activations channel-last, and every
// convolution one OpenBLAS matrix product (on the calling thread once RunBlasOnCallingThreads has
// run). The descriptors are dlib's own (within 1e-5, L2); the time per face is about half.
#ifndef ENCUENTRO_BIOMETRICS_DESCRIPTOR_NETWORK_H_
#define ENCUENTRO_BIOMETRICS_DESCRIPTOR_NETWORK_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "biometrics/face_network.h"
#include "common/face_descriptor.h"

namespace encuentro::biometrics {

// The network's weights, read once from a dlib network and shared by every runner. Immutable.
struct DescriptorWeights;

// Computes descriptors with shared weights and buffers of its own. Not thread-safe: one per
// thread (copies share the weights).
class DescriptorNetwork {
 public:
  // FAILED_PRECONDITION if `network`'s layers are not the shape face_network.h defines.
  static absl::StatusOr<DescriptorNetwork> FromDlib(const face_network::Network& network);

  // The descriptor of an aligned chip; INVALID_ARGUMENT unless it is kChipSize x kChipSize, the
  // only size the network was trained on (dlib's input layer refuses others too).
  absl::StatusOr<FaceDescriptor> Describe(const dlib::matrix<dlib::rgb_pixel>& chip);

 private:
  explicit DescriptorNetwork(std::shared_ptr<const DescriptorWeights> weights);

  std::shared_ptr<const DescriptorWeights> weights_;
  // Buffers reused from call to call: a block's input (and, after it, its output), the
  // activations inside a block, the block's last convolution, the pooled shortcut of a block that
  // halves the resolution, and a convolution's unrolled patches.
  std::vector<float> block_input_, inner_, block_branch_, pooled_shortcut_, patches_;
};

}  // namespace encuentro::biometrics

#endif  // ENCUENTRO_BIOMETRICS_DESCRIPTOR_NETWORK_H_
