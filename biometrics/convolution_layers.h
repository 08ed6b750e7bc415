// The arithmetic of a convolutional network on channel-last activations: convolution (one
// OpenBLAS matrix product over unrolled patches), pooling and residual sums. Kept apart from dlib
// on purpose: dlib's headers declare the BLAS functions their own way, which clashes with
// OpenBLAS's cblas.h in one translation unit (clang refuses it). Thread-safe for callers that do
// not share buffers.
#ifndef ENCUENTRO_BIOMETRICS_CONVOLUTION_LAYERS_H_
#define ENCUENTRO_BIOMETRICS_CONVOLUTION_LAYERS_H_

#include <cstddef>
#include <vector>

namespace encuentro::biometrics {

// A convolution with the affine layer that follows it folded in: out = W * patch + bias.
struct Convolution {
  int in_channels = 0;
  int out_channels = 0;
  int size = 0;  // square filters
  int stride = 1;
  int padding = 0;
  std::vector<float> weights;  // [out][row][column][in]: a patch's layout, channel-last
  std::vector<float> bias;     // [out]
};

struct Shape {
  int rows = 0;
  int columns = 0;
  int channels = 0;
  size_t size() const { return static_cast<size_t>(rows) * columns * channels; }
};

// `input` convolved into `output` (resized to fit), through `patches`: each output position's
// patch unrolled into a row (channel-last, zeros where it overhangs the border), then one matrix
// product for them all, plus the bias, and relu when asked.
Shape Convolve(const Convolution& conv, const float* input, const Shape& input_shape,
               std::vector<float>& patches, std::vector<float>& output, bool relu);

// Pooling with stride 2 and no padding (dlib's default for a stride other than 1): the max or the
// mean of each `size` x `size` window.
Shape Pool(const float* input, const Shape& input_shape, int size, bool max,
           std::vector<float>& output);

// relu(a + b), the smaller padded with zeros at the end of each dimension (dlib's add_prev).
Shape AddRelu(const float* a, const Shape& sa, const float* b, const Shape& sb,
              std::vector<float>& output);

}  // namespace encuentro::biometrics

#endif  // ENCUENTRO_BIOMETRICS_CONVOLUTION_LAYERS_H_
