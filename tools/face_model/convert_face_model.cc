// Converts the TensorFlow.js export of dlib's face-recognition ResNet (shipped by
// @vladmandic/face-api) back into a dlib network file, failing loudly on any layout mismatch.
//
// Usage: encuentro_convert_face_model MANIFEST.json WEIGHTS.bin OUT.dat

#include <dlib/dnn.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "biometrics/face_network.h"

namespace encuentro::biometrics {
namespace {

// The exact size of face_recognition_model.bin in face-api 1.7.15: a cheap first guard against a
// different or truncated export.
constexpr std::uintmax_t kExpectedWeightBytes = 6'444'032;

struct Tensor {
  std::string name;
  std::vector<long> shape;
  std::vector<float> values;
};

long ElementCount(const std::vector<long>& shape) {
  long n = 1;
  for (long d : shape) n *= d;
  return n;
}

absl::StatusOr<std::vector<char>> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return bytes;
}

// Reads every tensor listed in the manifest from the weight file, dequantizing uint8 tensors as
// q * scale + min (in double, like tfjs' own loader, then rounded once to float).
absl::StatusOr<std::vector<Tensor>> ReadTfjsWeights(const std::string& manifest_path,
                                                    const std::string& bin_path) {
  absl::StatusOr<std::vector<char>> manifest_text = ReadFile(manifest_path);
  if (!manifest_text.ok()) return manifest_text.status();
  absl::StatusOr<std::vector<char>> bin = ReadFile(bin_path);
  if (!bin.ok()) return bin.status();
  if (bin->size() != kExpectedWeightBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(bin_path, " has ", bin->size(), " bytes; expected ", kExpectedWeightBytes));
  }

  nlohmann::json manifest = nlohmann::json::parse(*manifest_text, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_array() || manifest.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(manifest_path, " is not a tfjs manifest"));
  }

  std::vector<Tensor> tensors;
  size_t offset = 0;
  for (const nlohmann::json& group : manifest) {
    for (const nlohmann::json& entry : group.at("weights")) {
      Tensor tensor;
      tensor.name = entry.at("name").get<std::string>();
      tensor.shape = entry.at("shape").get<std::vector<long>>();
      if (entry.at("dtype").get<std::string>() != "float32") {
        return absl::InvalidArgumentError(absl::StrCat(tensor.name, ": unexpected dtype"));
      }
      const long count = ElementCount(tensor.shape);
      tensor.values.resize(static_cast<size_t>(count));
      const bool quantized = entry.contains("quantization");
      const size_t bytes = static_cast<size_t>(count) * (quantized ? 1 : 4);
      if (offset + bytes > bin->size()) {
        return absl::InvalidArgumentError(
            absl::StrCat(tensor.name, " runs past the end of ", bin_path));
      }
      const auto* data = reinterpret_cast<const unsigned char*>(bin->data() + offset);
      if (quantized) {
        const nlohmann::json& q = entry.at("quantization");
        if (q.at("dtype").get<std::string>() != "uint8") {
          return absl::InvalidArgumentError(
              absl::StrCat(tensor.name, ": unsupported quantization"));
        }
        const double scale = q.at("scale").get<double>();
        const double min = q.at("min").get<double>();
        for (long i = 0; i < count; ++i) {
          tensor.values[static_cast<size_t>(i)] = static_cast<float>(data[i] * scale + min);
        }
      } else {
        static_assert(std::endian::native == std::endian::little, "tfjs weights are little-endian");
        std::memcpy(tensor.values.data(), data, bytes);
      }
      offset += bytes;
      tensors.push_back(std::move(tensor));
    }
  }
  if (offset != bin->size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("manifest covers ", offset, " bytes but ", bin_path, " has ", bin->size()));
  }
  return tensors;
}

// The tfjs tensor-name prefixes of the 29 conv+scale pairs, from input to output.
std::vector<std::string> ExpectedConvPrefixes() {
  std::vector<std::string> prefixes = {"conv32_down/"};
  const auto add_block = [&prefixes](const std::string& name) {
    prefixes.push_back(name + "/conv1/");
    prefixes.push_back(name + "/conv2/");
  };
  for (int i = 1; i <= 3; ++i) add_block(absl::StrCat("conv32_", i));
  add_block("conv64_down");
  for (int i = 1; i <= 3; ++i) add_block(absl::StrCat("conv64_", i));
  add_block("conv128_down");
  for (int i = 1; i <= 2; ++i) add_block(absl::StrCat("conv128_", i));
  add_block("conv256_down");
  for (int i = 1; i <= 2; ++i) add_block(absl::StrCat("conv256_", i));
  add_block("conv256_down_out");
  return prefixes;
}

// Pointers to the parameter-bearing layers of the network, from input to output.
struct NetworkLayers {
  struct Conv {
    dlib::tensor* params;
    long filters, rows, cols;
  };
  std::vector<Conv> convs;
  std::vector<dlib::affine_*> affines;
  dlib::tensor* fc_params = nullptr;
  long fc_outputs = 0;
};

class LayerCollector {
 public:
  explicit LayerCollector(NetworkLayers* layers) : layers_(layers) {}

  template <long F, long R, long C, int SY, int SX, int PY, int PX>
  void operator()(dlib::con_<F, R, C, SY, SX, PY, PX>& layer) const {
    layers_->convs.push_back({&layer.get_layer_params(), F, R, C});
  }
  void operator()(dlib::affine_& layer) const { layers_->affines.push_back(&layer); }
  template <unsigned long N>
  void operator()(dlib::fc_<N, dlib::FC_NO_BIAS>& layer) const {
    layers_->fc_params = &layer.get_layer_params();
    layers_->fc_outputs = static_cast<long>(N);
  }
  template <typename Other>
  void operator()(Other&) const {}

 private:
  NetworkLayers* layers_;
};

absl::Status CheckShape(const Tensor& tensor, const std::string& expected_name,
                        const std::vector<long>& expected_shape) {
  if (tensor.name != expected_name) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected tensor ", expected_name, " but the manifest has ", tensor.name));
  }
  if (tensor.shape != expected_shape) {
    return absl::InvalidArgumentError(
        absl::StrCat(tensor.name, " has shape [", absl::StrJoin(tensor.shape, ","),
                     "], dlib expects [", absl::StrJoin(expected_shape, ","), "]"));
  }
  return absl::OkStatus();
}

absl::Status Convert(const std::string& manifest_path, const std::string& bin_path,
                     const std::string& out_path) {
  absl::StatusOr<std::vector<Tensor>> tensors = ReadTfjsWeights(manifest_path, bin_path);
  if (!tensors.ok()) return tensors.status();
  const std::vector<std::string> prefixes = ExpectedConvPrefixes();
  const size_t expected_tensors = prefixes.size() * 4 + 1;
  if (tensors->size() != expected_tensors) {
    return absl::InvalidArgumentError(
        absl::StrCat("manifest lists ", tensors->size(), " tensors; expected ", expected_tensors));
  }

  face_network::Network net;
  // A default affine_ is in fully-connected mode (one gamma per value); these stand in for batch
  // norm after convolutions, so they need one gamma per channel.
  dlib::visit_computational_layers(
      net, [](dlib::affine_& layer) { layer = dlib::affine_(dlib::CONV_MODE); });
  // dlib allocates parameters lazily on the first forward pass.
  dlib::matrix<dlib::rgb_pixel> dummy(face_network::kChipSize, face_network::kChipSize);
  dlib::assign_all_pixels(dummy, dlib::rgb_pixel(128, 128, 128));
  net(dummy);

  NetworkLayers layers;
  dlib::visit_computational_layers(net, LayerCollector(&layers));
  // visit_computational_layers walks from the output towards the input.
  std::reverse(layers.convs.begin(), layers.convs.end());
  std::reverse(layers.affines.begin(), layers.affines.end());
  if (layers.convs.size() != prefixes.size() || layers.affines.size() != prefixes.size() ||
      layers.fc_params == nullptr) {
    return absl::InternalError(absl::StrCat("network has ", layers.convs.size(), " conv and ",
                                            layers.affines.size(), " affine layers; expected ",
                                            prefixes.size()));
  }

  for (size_t i = 0; i < prefixes.size(); ++i) {
    const Tensor& filters = (*tensors)[4 * i];
    const Tensor& bias = (*tensors)[4 * i + 1];
    const Tensor& gamma = (*tensors)[4 * i + 2];
    const Tensor& beta = (*tensors)[4 * i + 3];
    NetworkLayers::Conv& conv = layers.convs[i];
    const long out = conv.filters;
    const long kernel_size = static_cast<long>(conv.params->size()) - out;
    const long in = kernel_size / (out * conv.rows * conv.cols);
    if (in * out * conv.rows * conv.cols != kernel_size) {
      return absl::InternalError(absl::StrCat("conv layer ", i, " has an odd parameter count"));
    }
    absl::Status status =
        CheckShape(filters, prefixes[i] + "conv/filters", {conv.rows, conv.cols, in, out});
    if (status.ok()) status = CheckShape(bias, prefixes[i] + "conv/bias", {out});
    if (status.ok()) status = CheckShape(gamma, prefixes[i] + "scale/weights", {out});
    if (status.ok()) status = CheckShape(beta, prefixes[i] + "scale/biases", {out});
    if (!status.ok()) return status;

    // tfjs filters are [rows][cols][in][out]; dlib's are [out][in][rows][cols], then the biases.
    float* params = conv.params->host();
    for (long o = 0; o < out; ++o) {
      for (long c = 0; c < in; ++c) {
        for (long r = 0; r < conv.rows; ++r) {
          for (long k = 0; k < conv.cols; ++k) {
            const size_t src = static_cast<size_t>(((r * conv.cols + k) * in + c) * out + o);
            params[((o * in + c) * conv.rows + r) * conv.cols + k] = filters.values[src];
          }
        }
      }
    }
    std::copy(bias.values.begin(), bias.values.end(), params + kernel_size);

    dlib::affine_& affine = *layers.affines[i];
    if (affine.get_mode() != dlib::CONV_MODE ||
        static_cast<long>(affine.get_gamma().size()) != out ||
        static_cast<long>(affine.get_beta().size()) != out) {
      return absl::InternalError(
          absl::StrCat("affine layer ", i, " does not match ", out, " channels in conv mode"));
    }
    std::copy(gamma.values.begin(), gamma.values.end(), affine.get_gamma().host());
    std::copy(beta.values.begin(), beta.values.end(), affine.get_beta().host());
  }

  const Tensor& fc = tensors->back();
  const long fc_inputs = static_cast<long>(layers.fc_params->size()) / layers.fc_outputs;
  if (absl::Status status = CheckShape(fc, "fc", {fc_inputs, layers.fc_outputs}); !status.ok()) {
    return status;
  }
  // Both tfjs and dlib's fc_no_bias store [inputs][outputs] row-major and compute x * W.
  std::copy(fc.values.begin(), fc.values.end(), layers.fc_params->host());

  // The converted network must produce a unit-length descriptor; random or misplaced weights
  // almost never do.
  const dlib::matrix<float, 0, 1> descriptor = net(dummy);
  const double norm = std::sqrt(dlib::sum(dlib::squared(descriptor)));
  if (descriptor.size() != face_network::kDescriptorSize || !std::isfinite(norm) || norm < 0.1 ||
      norm > 10.0) {
    return absl::InternalError(absl::StrCat("converted network gives a descriptor of norm ", norm));
  }

  // dlib serializes each layer's last output along with its parameters. That output came from
  // OpenBLAS, whose kernels (chosen for the CPU at load time) round differently, so without this
  // the file's bytes, and its pinned SHA-256, would depend on the machine that built it.
  net.clean();

  const std::string tmp_path = out_path + ".tmp";
  try {
    dlib::serialize(tmp_path) << net;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot write ", tmp_path, ": ", e.what()));
  }
  std::error_code error;
  std::filesystem::rename(tmp_path, out_path, error);
  if (error) {
    return absl::InternalError(absl::StrCat("cannot rename to ", out_path, ": ", error.message()));
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace encuentro::biometrics

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s MANIFEST.json WEIGHTS.bin OUT.dat\n", argv[0]);
    return 2;
  }
  absl::Status status;
  try {
    status = encuentro::biometrics::Convert(argv[1], argv[2], argv[3]);
  } catch (const std::exception& e) {
    status = absl::InternalError(e.what());
  }
  if (!status.ok()) {
    std::fprintf(stderr, "encuentro_convert_face_model: %s\n", status.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "encuentro_convert_face_model: wrote %s\n", argv[3]);
  return 0;
}
