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

// Where a square filter's windows fall: dlib pads `padding` zeros on every side; TensorFlow's
// SAME pads so that the output is ceil(input / stride), the odd zero row or column at the end.
struct Window {
  int size = 0;
  int stride = 1;
  int padding = 0;  // ignored when tensorflow_same
  bool tensorflow_same = false;
};

// A convolution with the affine layer that follows it folded in: out = W * patch + bias, then
// PReLU when prelu_slopes is set (negative outputs scaled by their channel's slope).
struct Convolution : Window {
  int in_channels = 0;
  int out_channels = 0;
  std::vector<float> weights;       // [out][row][column][in]: a patch's layout, channel-last
  std::vector<float> bias;          // [out]
  std::vector<float> prelu_slopes;  // [out] or empty
};

// One filter per channel (MobileNet's depthwise convolution), bias and PReLU as above.
struct DepthwiseConvolution : Window {
  int channels = 0;
  std::vector<float> weights;  // [row][column][channel]
  std::vector<float> bias;     // [channel]
  std::vector<float> prelu_slopes;
};

struct Shape {
  int rows = 0;
  int columns = 0;
  int channels = 0;
  size_t size() const { return static_cast<size_t>(rows) * columns * channels; }
};

// `input` convolved into `output` (resized to fit), through `patches`: each output position's
// patch unrolled into a row (channel-last, zeros where it overhangs the border), then one matrix
// product for them all, plus the bias, and relu when asked. A 1x1 convolution with stride 1 reads
// `input` as its own patches.
Shape Convolve(const Convolution& conv, const float* input, const Shape& input_shape,
               std::vector<float>& patches, std::vector<float>& output, bool relu);

// `input` convolved channel by channel into `output` (resized to fit), relu when asked.
Shape DepthwiseConvolve(const DepthwiseConvolution& conv, const float* input,
                        const Shape& input_shape, std::vector<float>& output, bool relu);

// Pooling with stride 2 and no padding (dlib's default for a stride other than 1): the max or the
// mean of each `size` x `size` window.
Shape Pool(const float* input, const Shape& input_shape, int size, bool max,
           std::vector<float>& output);

// sum += addend, element by element (a residual connection without activation).
void AddInPlace(float* sum, const float* addend, size_t count);

// relu(a + b), the smaller padded with zeros at the end of each dimension (dlib's add_prev).
Shape AddRelu(const float* a, const Shape& sa, const float* b, const Shape& sb,
              std::vector<float>& output);

}  // namespace encuentro::biometrics

#endif  // ENCUENTRO_BIOMETRICS_CONVOLUTION_LAYERS_H_
