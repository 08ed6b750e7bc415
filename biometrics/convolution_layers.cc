#include "biometrics/convolution_layers.h"

#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

namespace encuentro::biometrics {
namespace {

Shape OutputOf(const Convolution& conv, const Shape& input) {
  return {1 + (input.rows + 2 * conv.padding - conv.size) / conv.stride,
          1 + (input.columns + 2 * conv.padding - conv.size) / conv.stride, conv.out_channels};
}

}  // namespace

Shape Convolve(const Convolution& conv, const float* input, const Shape& input_shape,
               std::vector<float>& patches, std::vector<float>& output, bool relu) {
  const Shape output_shape = OutputOf(conv, input_shape);
  const int patch = conv.size * conv.size * input_shape.channels;
  patches.resize(static_cast<size_t>(output_shape.rows) * output_shape.columns * patch);
  float* patch_out = patches.data();
  const size_t run = static_cast<size_t>(input_shape.channels) * sizeof(float);
  for (int oy = 0; oy < output_shape.rows; ++oy) {
    for (int ox = 0; ox < output_shape.columns; ++ox) {
      for (int ky = 0; ky < conv.size; ++ky) {
        const int y = oy * conv.stride + ky - conv.padding;
        for (int kx = 0; kx < conv.size; ++kx, patch_out += input_shape.channels) {
          const int x = ox * conv.stride + kx - conv.padding;
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
  const int positions = output_shape.rows * output_shape.columns;
  output.resize(output_shape.size());
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, positions, conv.out_channels, patch, 1.f,
              patches.data(), patch, conv.weights.data(), patch, 0.f, output.data(),
              conv.out_channels);
  for (int i = 0; i < positions; ++i) {
    float* channels = output.data() + static_cast<size_t>(i) * conv.out_channels;
    for (int k = 0; k < conv.out_channels; ++k) {
      channels[k] += conv.bias[k];
      if (relu) channels[k] = std::max(channels[k], 0.f);
    }
  }
  return output_shape;
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
