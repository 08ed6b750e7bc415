#include "biometrics/convolution_layers.h"

#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

namespace encuentro::biometrics {
namespace {

// The output's rows and columns, and the zero rows (columns) before the first window.
struct Placement {
  int rows = 0;
  int columns = 0;
  int pad_top = 0;
  int pad_left = 0;
};

int SamePadBefore(int input, int output, const Window& window) {
  return std::max((output - 1) * window.stride + window.size - input, 0) / 2;
}

Placement PlacementOf(const Window& window, const Shape& input) {
  if (window.tensorflow_same) {
    Placement placement{(input.rows + window.stride - 1) / window.stride,
                        (input.columns + window.stride - 1) / window.stride};
    placement.pad_top = SamePadBefore(input.rows, placement.rows, window);
    placement.pad_left = SamePadBefore(input.columns, placement.columns, window);
    return placement;
  }
  return {1 + (input.rows + 2 * window.padding - window.size) / window.stride,
          1 + (input.columns + 2 * window.padding - window.size) / window.stride, window.padding,
          window.padding};
}

// Bias, then relu or PReLU, over `positions` rows of `channels` values.
void FinishOutputs(float* output, int positions, int channels, const std::vector<float>& bias,
                   bool relu, const std::vector<float>& prelu_slopes) {
  for (int i = 0; i < positions; ++i) {
    float* values = output + static_cast<size_t>(i) * channels;
    for (int k = 0; k < channels; ++k) values[k] += bias[k];
    if (relu) {
      for (int k = 0; k < channels; ++k) values[k] = std::max(values[k], 0.f);
    } else if (!prelu_slopes.empty()) {
      for (int k = 0; k < channels; ++k)
        values[k] = values[k] < 0.f ? values[k] * prelu_slopes[k] : values[k];
    }
  }
}

// Each output position's patch unrolled into one row of `patches`, zeros where it overhangs.
void UnrollPatches(const Window& conv, const Placement& placement, const float* input,
                   const Shape& input_shape, std::vector<float>& patches);

}  // namespace

Shape Convolve(const Convolution& conv, const float* input, const Shape& input_shape,
               std::vector<float>& patches, std::vector<float>& output, bool relu) {
  const Placement placement = PlacementOf(conv, input_shape);
  const Shape output_shape{placement.rows, placement.columns, conv.out_channels};
  const int patch = conv.size * conv.size * input_shape.channels;
  const int positions = output_shape.rows * output_shape.columns;
  const bool pointwise = conv.size == 1 && conv.stride == 1 && placement.pad_top == 0;
  if (!pointwise) UnrollPatches(conv, placement, input, input_shape, patches);
  output.resize(output_shape.size());
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, positions, conv.out_channels, patch, 1.f,
              pointwise ? input : patches.data(), patch, conv.weights.data(), patch, 0.f,
              output.data(), conv.out_channels);
  FinishOutputs(output.data(), positions, conv.out_channels, conv.bias, relu, conv.prelu_slopes);
  return output_shape;
}

namespace {

void UnrollPatches(const Window& conv, const Placement& placement, const float* input,
                   const Shape& input_shape, std::vector<float>& patches) {
  const int patch = conv.size * conv.size * input_shape.channels;
  patches.resize(static_cast<size_t>(placement.rows) * placement.columns * patch);
  float* patch_out = patches.data();
  const size_t run = static_cast<size_t>(input_shape.channels) * sizeof(float);
  for (int oy = 0; oy < placement.rows; ++oy) {
    for (int ox = 0; ox < placement.columns; ++ox) {
      for (int ky = 0; ky < conv.size; ++ky) {
        const int y = oy * conv.stride + ky - placement.pad_top;
        for (int kx = 0; kx < conv.size; ++kx, patch_out += input_shape.channels) {
          const int x = ox * conv.stride + kx - placement.pad_left;
          if (y < 0 || y >= input_shape.rows || x < 0 || x >= input_shape.columns) {
            std::memset(patch_out, 0, run);
          } else {
            std::memcpy(
                patch_out,
                input + (static_cast<size_t>(y) * input_shape.columns + x) * input_shape.channels,
                run);
          }
        }
      }
    }
  }
}

}  // namespace

Shape DepthwiseConvolve(const DepthwiseConvolution& conv, const float* input,
                        const Shape& input_shape, std::vector<float>& output, bool relu) {
  const Placement placement = PlacementOf(conv, input_shape);
  const Shape output_shape{placement.rows, placement.columns, conv.channels};
  const int channels = conv.channels;
  output.assign(output_shape.size(), 0.f);
  for (int oy = 0; oy < output_shape.rows; ++oy) {
    for (int ox = 0; ox < output_shape.columns; ++ox) {
      float* sum = output.data() + (static_cast<size_t>(oy) * output_shape.columns + ox) * channels;
      for (int ky = 0; ky < conv.size; ++ky) {
        const int y = oy * conv.stride + ky - placement.pad_top;
        if (y < 0 || y >= input_shape.rows) continue;
        for (int kx = 0; kx < conv.size; ++kx) {
          const int x = ox * conv.stride + kx - placement.pad_left;
          if (x < 0 || x >= input_shape.columns) continue;
          const float* value =
              input + (static_cast<size_t>(y) * input_shape.columns + x) * channels;
          const float* weight =
              conv.weights.data() + (static_cast<size_t>(ky) * conv.size + kx) * channels;
          for (int k = 0; k < channels; ++k) sum[k] += value[k] * weight[k];
        }
      }
    }
  }
  FinishOutputs(output.data(), output_shape.rows * output_shape.columns, channels, conv.bias, relu,
                conv.prelu_slopes);
  return output_shape;
}

void AddInPlace(float* sum, const float* addend, size_t count) {
  for (size_t i = 0; i < count; ++i) sum[i] += addend[i];
}

Shape Pool(const float* input, const Shape& input_shape, int size, bool max,
           std::vector<float>& output) {
  const Shape output_shape{1 + (input_shape.rows - size) / 2, 1 + (input_shape.columns - size) / 2,
                           input_shape.channels};
  output.assign(output_shape.size(), max ? -std::numeric_limits<float>::infinity() : 0.f);
  const float scale = 1.f / static_cast<float>(size * size);
  for (int oy = 0; oy < output_shape.rows; ++oy) {
    for (int ox = 0; ox < output_shape.columns; ++ox) {
      float* pooled = output.data() +
                      (static_cast<size_t>(oy) * output_shape.columns + ox) * output_shape.channels;
      for (int ky = 0; ky < size; ++ky) {
        for (int kx = 0; kx < size; ++kx) {
          const float* window =
              input + (static_cast<size_t>(oy * 2 + ky) * input_shape.columns + ox * 2 + kx) *
                          input_shape.channels;
          for (int k = 0; k < input_shape.channels; ++k)
            pooled[k] = max ? std::max(pooled[k], window[k]) : pooled[k] + window[k];
        }
      }
      if (!max) {
        for (int k = 0; k < input_shape.channels; ++k) pooled[k] *= scale;
      }
    }
  }
  return output_shape;
}

Shape AddRelu(const float* a, const Shape& sa, const float* b, const Shape& sb,
              std::vector<float>& output) {
  const Shape output_shape{std::max(sa.rows, sb.rows), std::max(sa.columns, sb.columns),
                           std::max(sa.channels, sb.channels)};
  output.assign(output_shape.size(), 0.f);
  for (const auto& [addend, addend_shape] : {std::pair{a, sa}, std::pair{b, sb}}) {
    for (int y = 0; y < addend_shape.rows; ++y) {
      for (int x = 0; x < addend_shape.columns; ++x) {
        float* sum = output.data() +
                     (static_cast<size_t>(y) * output_shape.columns + x) * output_shape.channels;
        const float* value =
            addend + (static_cast<size_t>(y) * addend_shape.columns + x) * addend_shape.channels;
        for (int k = 0; k < addend_shape.channels; ++k) sum[k] += value[k];
      }
    }
  }
  for (float& sum : output) sum = std::max(sum, 0.f);
  return output_shape;
}

}  // namespace encuentro::biometrics
