#include "biometrics/descriptor_network.h"

#include <algorithm>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "biometrics/convolution_layers.h"

namespace encuentro::biometrics {
namespace {

// relu(second(relu(first(x))) + skip(x)), where skip is x itself or, when the block halves the
// resolution, its 2x2 average. dlib adds tensors of different shapes by padding the smaller with
// zeros at the end of each dimension, which the sum below does too.
struct ResidualBlock {
  Convolution first;
  Convolution second;
  bool down = false;
};

template <typename T>
struct IsConvolution : std::false_type {};
template <long kFilters, long kRows, long kColumns, int kStrideY, int kStrideX, int kPaddingY,
          int kPaddingX>
struct IsConvolution<
    dlib::con_<kFilters, kRows, kColumns, kStrideY, kStrideX, kPaddingY, kPaddingX>>
    : std::true_type {};

template <typename T>
struct IsFullyConnected : std::false_type {};
template <unsigned long kOutputs, dlib::fc_bias_mode kMode>
struct IsFullyConnected<dlib::fc_<kOutputs, kMode>> : std::true_type {};

// A layer's parameters as dlib saved them.
struct RawLayer {
  enum class Kind { kConvolution, kAffine, kFullyConnected } kind;
  std::vector<float> params;
  int filters = 0, size = 0, stride = 1, padding = 0;
  bool bias = false;
};

std::vector<float> ParamsOf(const dlib::tensor& t) { return {t.begin(), t.end()}; }

}  // namespace

struct DescriptorWeights {
  // What dlib's input layer subtracts from each channel (red, green, blue) before dividing by 256.
  float channel_means[3] = {0, 0, 0};
  Convolution stem;  // 7x7 stride 2, then max pooling 3x3 stride 2
  std::vector<ResidualBlock> blocks;
  std::vector<float> fc;  // [in][out], kDescriptorSize outputs
};

namespace {

// dlib's convolution `raw` (filters [out][in][row][column], then biases) with the affine layer
// `affine` (gamma per channel, then beta) folded in.
absl::StatusOr<Convolution> Fold(const RawLayer& raw, const RawLayer& affine, int in_channels) {
  Convolution folded;
  folded.in_channels = in_channels;
  folded.out_channels = raw.filters;
  folded.size = raw.size;
  folded.stride = raw.stride;
  folded.padding = raw.padding;
  const size_t filter_size = static_cast<size_t>(in_channels) * raw.size * raw.size;
  const size_t expected = filter_size * raw.filters + (raw.bias ? raw.filters : 0);
  const bool identity = affine.params.empty();  // a disabled affine layer
  if (raw.params.size() != expected ||
      (!identity && affine.params.size() != 2 * static_cast<size_t>(raw.filters))) {
    return absl::FailedPreconditionError(
        absl::StrCat("descriptor network: a ", raw.size, "x", raw.size, " convolution of ",
                     raw.filters, " filters over ", in_channels, " channels has ",
                     raw.params.size(), " parameters and its affine layer ", affine.params.size(),
                     "; not the layout face_network.h defines"));
  }
  folded.weights.resize(filter_size * raw.filters);
  folded.bias.resize(raw.filters);
  for (int out = 0; out < raw.filters; ++out) {
    const float gamma = identity ? 1.f : affine.params[out];
    const float beta = identity ? 0.f : affine.params[raw.filters + out];
    for (int in = 0; in < in_channels; ++in) {
      for (int row = 0; row < raw.size; ++row) {
        for (int column = 0; column < raw.size; ++column) {
          const float w =
              raw.params[((static_cast<size_t>(out) * in_channels + in) * raw.size + row) *
                             raw.size +
                         column];
          folded.weights[((static_cast<size_t>(out) * raw.size + row) * raw.size + column) *
                             in_channels +
                         in] = gamma * w;
        }
      }
    }
    const float bias = raw.bias ? raw.params[filter_size * raw.filters + out] : 0.f;
    folded.bias[out] = gamma * bias + beta;
  }
  return folded;
}

}  // namespace

absl::StatusOr<DescriptorNetwork> DescriptorNetwork::FromDlib(
    const face_network::Network& network) {
  std::vector<RawLayer> layers;  // from the output down to the input, as dlib visits them
  dlib::visit_computational_layers(network, [&](const auto& layer) {
    using Layer = std::decay_t<decltype(layer)>;
    if constexpr (IsConvolution<Layer>::value) {
      layers.push_back({RawLayer::Kind::kConvolution, ParamsOf(layer.get_layer_params()),
                        static_cast<int>(layer.num_filters()), static_cast<int>(layer.nr()),
                        static_cast<int>(layer.stride_y()), static_cast<int>(layer.padding_y()),
                        !layer.bias_is_disabled()});
    } else if constexpr (std::is_same_v<Layer, dlib::affine_>) {
      // Its gamma and beta are not learnable parameters, so dlib keeps them apart. A disabled
      // affine layer (dlib::fuse_layers makes them) passes its input through: no parameters.
      std::vector<float> params;
      if (!layer.is_disabled()) {
        params = ParamsOf(layer.get_gamma().get());
        const std::vector<float> beta = ParamsOf(layer.get_beta().get());
        params.insert(params.end(), beta.begin(), beta.end());
      }
      layers.push_back({RawLayer::Kind::kAffine, std::move(params)});
    } else if constexpr (IsFullyConnected<Layer>::value) {
      layers.push_back({RawLayer::Kind::kFullyConnected, ParamsOf(layer.get_layer_params())});
    }
  });
  std::reverse(layers.begin(), layers.end());
  const auto bad = [](const std::string& what) {
    return absl::FailedPreconditionError("descriptor network: " + what +
                                         "; not the layout face_network.h defines");
  };
  size_t next = 0;  // among the layers with parameters, input first
  const auto take = [&](int in_channels) -> absl::StatusOr<Convolution> {
    if (next + 1 >= layers.size() || layers[next].kind != RawLayer::Kind::kConvolution ||
        layers[next + 1].kind != RawLayer::Kind::kAffine) {
      return bad(
          absl::StrCat("parameter layer ", next,
                       " (from the input) is not a convolution followed by an affine layer"));
    }
    next += 2;
    return Fold(layers[next - 2], layers[next - 1], in_channels);
  };

  auto weights = std::make_shared<DescriptorWeights>();
  absl::StatusOr<Convolution> stem = take(3);
  if (!stem.ok()) return stem.status();
  weights->stem = *std::move(stem);
  int channels = weights->stem.out_channels;
  while (next < layers.size() && layers[next].kind == RawLayer::Kind::kConvolution) {
    ResidualBlock block;
    absl::StatusOr<Convolution> first = take(channels);
    if (!first.ok()) return first.status();
    absl::StatusOr<Convolution> second = take(first->out_channels);
    if (!second.ok()) return second.status();
    block.down = first->stride == 2;
    channels = std::max(channels, second->out_channels);
    block.first = *std::move(first);
    block.second = *std::move(second);
    weights->blocks.push_back(std::move(block));
  }
  if (static_cast<int>(weights->blocks.size()) * 2 + 1 != face_network::kConvLayerCount ||
      next + 1 != layers.size() || layers[next].kind != RawLayer::Kind::kFullyConnected) {
    return bad(absl::StrCat(weights->blocks.size(), " residual blocks, then ", layers.size() - next,
                            " parameter layers instead of one fully connected"));
  }
  const size_t fc_size = static_cast<size_t>(channels) * kDescriptorSize;
  if (layers[next].params.size() != fc_size) {
    return bad(absl::StrCat("the fully connected layer has ", layers[next].params.size(),
                            " weights, not ", channels, " x ", kDescriptorSize));
  }
  weights->fc = std::move(layers[next].params);
  const auto& input = dlib::input_layer(network);
  weights->channel_means[0] = input.get_avg_red();
  weights->channel_means[1] = input.get_avg_green();
  weights->channel_means[2] = input.get_avg_blue();
  return DescriptorNetwork(std::move(weights));
}

DescriptorNetwork::DescriptorNetwork(std::shared_ptr<const DescriptorWeights> weights)
    : weights_(std::move(weights)) {}

absl::StatusOr<FaceDescriptor> DescriptorNetwork::Describe(
    const dlib::matrix<dlib::rgb_pixel>& chip) {
  if (chip.nr() != face_network::kChipSize || chip.nc() != face_network::kChipSize) {
    return absl::InvalidArgumentError(absl::StrCat("a face chip is ", face_network::kChipSize, "x",
                                                   face_network::kChipSize, ", not ", chip.nc(),
                                                   "x", chip.nr()));
  }
  const DescriptorWeights& weights = *weights_;
  // As dlib's input_rgb_image: each channel less the model's mean for it, over 256.
  Shape shape{face_network::kChipSize, face_network::kChipSize, 3};
  block_input_.resize(shape.size());
  for (int y = 0; y < shape.rows; ++y) {
    for (int x = 0; x < shape.columns; ++x) {
      const dlib::rgb_pixel& pixel = chip(y, x);
      float* channels = block_input_.data() + (static_cast<size_t>(y) * shape.columns + x) * 3;
      channels[0] = (pixel.red - weights.channel_means[0]) / 256.f;
      channels[1] = (pixel.green - weights.channel_means[1]) / 256.f;
      channels[2] = (pixel.blue - weights.channel_means[2]) / 256.f;
    }
  }
  shape = Convolve(weights.stem, block_input_.data(), shape, patches_, inner_, /*relu=*/true);
  shape = Pool(inner_.data(), shape, 3, /*max=*/true, block_input_);
  for (const ResidualBlock& block : weights.blocks) {
    const Shape inner =
        Convolve(block.first, block_input_.data(), shape, patches_, inner_, /*relu=*/true);
    const Shape branch =
        Convolve(block.second, inner_.data(), inner, patches_, block_branch_, /*relu=*/false);
    if (block.down) {
      const Shape pooled = Pool(block_input_.data(), shape, 2, /*max=*/false, pooled_shortcut_);
      shape = AddRelu(block_branch_.data(), branch, pooled_shortcut_.data(), pooled, block_input_);
    } else {
      // The sum goes to `inner_` (free by now), which then becomes the next block's input.
      shape = AddRelu(block_branch_.data(), branch, block_input_.data(), shape, inner_);
      std::swap(block_input_, inner_);
    }
  }
  // dlib's avg_pool_everything, then its fully connected layer (no bias).
  std::vector<float> mean(static_cast<size_t>(shape.channels), 0.f);
  const int positions = shape.rows * shape.columns;
  for (int i = 0; i < positions; ++i) {
    for (int k = 0; k < shape.channels; ++k) {
      mean[k] += block_input_[static_cast<size_t>(i) * shape.channels + k];
    }
  }
  for (float& m : mean) m /= static_cast<float>(positions);
  FaceDescriptor descriptor{};
  for (int k = 0; k < shape.channels; ++k) {
    for (int o = 0; o < kDescriptorSize; ++o) {
      descriptor[o] += mean[k] * weights.fc[static_cast<size_t>(k) * kDescriptorSize + o];
    }
  }
  return descriptor;
}

}  // namespace encuentro::biometrics
