#include "biometrics/cli/faces_command.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "biometrics/face_pipeline.h"
#include "biometrics/image_decoder.h"

namespace encuentro::biometrics {
namespace {

// Settings shared by the subcommands; owned by the CLI11 callbacks' closures.
struct PipelineFlags {
  std::string models_dir;
  int upsample = 1;
  int jitter = 0;
  bool json = false;
};

void AddPipelineFlags(CLI::App& command, PipelineFlags& flags) {
  command.add_option("--models-dir", flags.models_dir, "Folder with the face models")
      ->capture_default_str();
  command
      .add_option("--upsample", flags.upsample,
                  "Image doublings before detection (0-3); finds faces under 80 px")
      ->capture_default_str();
  command
      .add_option("--jitter", flags.jitter,
                  "Average the descriptor over N jittered copies (0 = off; 100 = dlib's "
                  "LFW setting, ~100x slower)")
      ->capture_default_str();
  command.add_flag("--json", flags.json, "Machine-readable output, one JSON object per line");
}

std::unique_ptr<FacePipeline> CreatePipelineOrThrow(const PipelineFlags& flags) {
  FacePipelineOptions options;
  options.models_dir = flags.models_dir;
  options.upsample = flags.upsample;
  options.jitter = flags.jitter;
  RunBlasOnCallingThreads();
  absl::StatusOr<std::unique_ptr<FacePipeline>> pipeline = FacePipeline::Create(options);
  if (!pipeline.ok()) {
    std::fprintf(stderr, "encuentro faces: %s\n", std::string(pipeline.status().message()).c_str());
    throw CLI::RuntimeError(1);
  }
  return *std::move(pipeline);
}

nlohmann::json MeasureJson(const QualityMeasure& m) {
  return {{"value", m.value}, {"verdict", VerdictName(m.verdict)}};
}

nlohmann::json QualityJson(const QualityReport& q) {
  nlohmann::json out = {
      {"overall", VerdictName(q.Overall())},
      {"face_width_px", MeasureJson(q.face_width_px)},
      {"interocular_px", MeasureJson(q.interocular_px)},
      {"sharpness", MeasureJson(q.sharpness)},
      {"brightness", MeasureJson(q.brightness)},
      {"contrast", MeasureJson(q.contrast)},
      {"yaw_degrees", MeasureJson(q.yaw_degrees)},
      {"roll_degrees", MeasureJson(q.roll_degrees)},
  };
  out["detector_score"] = {
      {"value", q.detector_score.has_value() ? nlohmann::json(*q.detector_score) : nullptr},
      {"verdict", VerdictName(q.detector_verdict)}};
  return out;
}

nlohmann::json FaceJson(const FaceAnalysis& face) {
  return {{"box", {face.box.x, face.box.y, face.box.width, face.box.height}},
          {"quality", QualityJson(face.quality)},
          {"descriptor", std::vector<float>(face.descriptor.begin(), face.descriptor.end())}};
}

std::string QualityText(const QualityReport& q) {
  const auto item = [](const char* name, const std::string& value, Verdict verdict) {
    return absl::StrCat(name, " ", value, " ", VerdictName(verdict));
  };
  const std::string score = q.detector_score.has_value()
                                ? absl::StrFormat("%.2f", *q.detector_score)
                                : std::string("n/a (not detected)");
  return absl::StrCat(
      "    ",
      item("face width", absl::StrFormat("%.0f px", q.face_width_px.value),
           q.face_width_px.verdict),
      ", ",
      item("inter-ocular", absl::StrFormat("%.1f px", q.interocular_px.value),
           q.interocular_px.verdict),
      ", ", item("sharpness", absl::StrFormat("%.1f", q.sharpness.value), q.sharpness.verdict),
      "\n    ",
      item("brightness", absl::StrFormat("%.1f", q.brightness.value), q.brightness.verdict), ", ",
      item("contrast", absl::StrFormat("%.1f", q.contrast.value), q.contrast.verdict), ", ",
      item("yaw", absl::StrFormat("%+.1f deg", q.yaw_degrees.value), q.yaw_degrees.verdict), ", ",
      item("roll", absl::StrFormat("%+.1f deg", q.roll_degrees.value), q.roll_degrees.verdict),
      "\n    ", item("detector score", score, q.detector_verdict), "\n");
}

struct AnalyzedImage {
  std::optional<RgbImage> image;
  std::vector<FaceAnalysis> faces;
  std::string error;
};

AnalyzedImage AnalyzeFile(const FacePipeline& pipeline, const std::string& path) {
  AnalyzedImage result;
  absl::StatusOr<RgbImage> image = DecodeImageFile(path);
  if (!image.ok()) {
    result.error = std::string(image.status().message());
    return result;
  }
  absl::StatusOr<std::vector<FaceAnalysis>> faces = pipeline.Analyze(*image);
  if (!faces.ok()) {
    result.error = std::string(faces.status().message());
    return result;
  }
  result.image = *std::move(image);
  result.faces = *std::move(faces);
  return result;
}

void RunAnalyze(const PipelineFlags& flags, const std::vector<std::string>& paths) {
  const std::unique_ptr<FacePipeline> pipeline = CreatePipelineOrThrow(flags);
  bool any_error = false;
  for (const std::string& path : paths) {
    const AnalyzedImage result = AnalyzeFile(*pipeline, path);
    any_error |= !result.error.empty();
    if (flags.json) {
      nlohmann::json line = {{"image", path}};
      if (!result.error.empty()) {
        line["error"] = result.error;
      } else {
        line["width"] = result.image->width;
        line["height"] = result.image->height;
        line["faces"] = nlohmann::json::array();
        for (const FaceAnalysis& face : result.faces) line["faces"].push_back(FaceJson(face));
      }
      std::printf("%s\n", line.dump().c_str());
      continue;
    }
    if (!result.error.empty()) {
      std::printf("%s: error: %s\n", path.c_str(), result.error.c_str());
      continue;
    }
    std::printf("%s: %dx%d, %zu face%s\n", path.c_str(), result.image->width, result.image->height,
                result.faces.size(), result.faces.size() == 1 ? "" : "s");
    for (size_t i = 0; i < result.faces.size(); ++i) {
      const FaceAnalysis& face = result.faces[i];
      std::printf("  face %zu: box [%d, %d, %d, %d], quality %s\n%s", i, face.box.x, face.box.y,
                  face.box.width, face.box.height, VerdictName(face.quality.Overall()),
                  QualityText(face.quality).c_str());
    }
  }
  std::fflush(stdout);
  if (any_error) throw CLI::RuntimeError(1);
}

// The largest face: in a photo submitted for comparison, the subject is usually in front.
const FaceAnalysis* LargestFace(const std::vector<FaceAnalysis>& faces) {
  const auto largest = std::max_element(
      faces.begin(), faces.end(), [](const FaceAnalysis& a, const FaceAnalysis& b) {
        return a.box.width * a.box.height < b.box.width * b.box.height;
      });
  return largest == faces.end() ? nullptr : &*largest;
}

void RunCompare(const PipelineFlags& flags, const std::string& path_a, const std::string& path_b,
                double threshold) {
  const std::unique_ptr<FacePipeline> pipeline = CreatePipelineOrThrow(flags);
  const FaceAnalysis* chosen[2] = {nullptr, nullptr};
  AnalyzedImage results[2] = {AnalyzeFile(*pipeline, path_a), AnalyzeFile(*pipeline, path_b)};
  const std::string* paths[2] = {&path_a, &path_b};
  for (int i = 0; i < 2; ++i) {
    if (!results[i].error.empty()) {
      std::fprintf(stderr, "encuentro faces compare: %s: %s\n", paths[i]->c_str(),
                   results[i].error.c_str());
      throw CLI::RuntimeError(1);
    }
    chosen[i] = LargestFace(results[i].faces);
    if (chosen[i] == nullptr) {
      std::fprintf(stderr, "encuentro faces compare: %s: no face found (try --upsample 2)\n",
                   paths[i]->c_str());
      throw CLI::RuntimeError(1);
    }
    if (results[i].faces.size() > 1 && !flags.json) {
      std::fprintf(stderr, "encuentro faces compare: %s has %zu faces; using the largest\n",
                   paths[i]->c_str(), results[i].faces.size());
    }
  }
  const double distance = DescriptorDistance(chosen[0]->descriptor, chosen[1]->descriptor);
  const bool same = distance < threshold;
  if (flags.json) {
    nlohmann::json out = {{"a",
                           {{"image", path_a},
                            {"box", FaceJson(*chosen[0])["box"]},
                            {"quality", QualityJson(chosen[0]->quality)}}},
                          {"b",
                           {{"image", path_b},
                            {"box", FaceJson(*chosen[1])["box"]},
                            {"quality", QualityJson(chosen[1]->quality)}}},
                          {"distance", distance},
                          {"threshold", threshold},
                          {"same", same}};
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  std::printf("distance %.4f: %s (threshold %.2f)\n", distance,
              same ? "same person" : "different people", threshold);
  for (int i = 0; i < 2; ++i) {
    std::printf("  %s: box [%d, %d, %d, %d], quality %s\n", paths[i]->c_str(), chosen[i]->box.x,
                chosen[i]->box.y, chosen[i]->box.width, chosen[i]->box.height,
                VerdictName(chosen[i]->quality.Overall()));
  }
}

}  // namespace

void AddFacesCommands(CLI::App& app, const std::string& default_models_dir) {
  CLI::App* faces = app.add_subcommand("faces", "Analyse and compare faces locally (no server)");
  faces->require_subcommand(1);

  struct AnalyzeArgs {
    PipelineFlags flags;
    std::vector<std::string> images;
  };
  auto analyze_args = std::make_shared<AnalyzeArgs>();
  analyze_args->flags.models_dir = default_models_dir;
  CLI::App* analyze =
      faces->add_subcommand("analyze", "Detect faces; print boxes, quality verdicts, descriptors");
  analyze->add_option("images", analyze_args->images, "JPEG, PNG or WebP files")->required();
  AddPipelineFlags(*analyze, analyze_args->flags);
  analyze->callback([analyze_args] { RunAnalyze(analyze_args->flags, analyze_args->images); });

  struct CompareArgs {
    PipelineFlags flags;
    std::string a;
    std::string b;
    double threshold = kSamePersonDistance;
  };
  auto compare_args = std::make_shared<CompareArgs>();
  compare_args->flags.models_dir = default_models_dir;
  CLI::App* compare =
      faces->add_subcommand("compare", "Distance between the main faces of two photos");
  compare->add_option("a", compare_args->a, "First photo")->required();
  compare->add_option("b", compare_args->b, "Second photo")->required();
  compare
      ->add_option("--threshold", compare_args->threshold,
                   "Same-person distance threshold (dlib's model: 0.6)")
      ->capture_default_str();
  AddPipelineFlags(*compare, compare_args->flags);
  compare->callback([compare_args] {
    RunCompare(compare_args->flags, compare_args->a, compare_args->b, compare_args->threshold);
  });
}

}  // namespace encuentro::biometrics
