// Measures the face pipeline on a verification protocol: a CSV of labelled image pairs
// (`same,image_a,image_b`, paths relative to the CSV's folder), e.g. one LFW View 2 fold.
//
// Usage: encuentro_face_eval --models-dir DIR PAIRS.csv [--upsample N] [--jitter N]
//          [--threshold 0.6] [--no-center-fallback] [--threads N] [--json] [--errors]
//          [--fused-face-calibration FILE] [--each-model]
//
// It evaluates what encuentrod compares faces with by default: both face models fused (dlib's
// distance plus MobileFaceNet's times the weight that encuentrod's fused calibration records), or,
// with --fused-face-calibration none, dlib's model alone. --each-model also reports each model on
// its own and the fusion with its weight chosen with the threshold on the training folds
// (cross-validated, like every threshold here).
//
// Face choice: LFW crops are centred on the labelled person, so each image contributes the
// detected face that best overlaps a central box. When the detector finds no face there, the
// evaluator (only the evaluator) falls back to analysing that central box directly, and counts
// the image as a failure to detect; --no-center-fallback instead scores its pairs as "different"
// (distance +inf), the strictest reading.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "biometrics/face_pipeline.h"
#include "matching/face_calibration.h"
#include "tools/face_eval/pair_distances.h"
#include "tools/face_eval/verification_metrics.h"

namespace encuentro::face_eval {
namespace {

using biometrics::FacePipeline;

// The figures that do not depend on a chosen threshold, or choose it out of sample.
struct ModelFigures {
  std::string name;
  CrossValidatedAccuracy cross_validated;
  BestThreshold best;
  double auc = 0;
  OperatingPoint far_01;
  OperatingPoint far_1;
};

ModelFigures FiguresOf(std::string name, const std::vector<ScoredPair>& scored) {
  return {std::move(name), CrossValidateAccuracy(scored, 10), FindBestThreshold(scored),
          RocAuc(scored),  TarAtFar(scored, 0.001),           TarAtFar(scored, 0.01)};
}

nlohmann::json ToJson(const ModelFigures& figures) {
  return {
      {"model", figures.name},
      {"cross_validated",
       {{"folds", figures.cross_validated.folds},
        {"accuracy", figures.cross_validated.accuracy},
        {"thresholds",
         {figures.cross_validated.lowest_threshold, figures.cross_validated.highest_threshold}}}},
      {"best_threshold", figures.best.threshold},
      {"best_accuracy", figures.best.accuracy},
      {"roc_auc", figures.auc},
      {"tar_at_far_0.1%",
       {{"tar", figures.far_01.tar},
        {"far", figures.far_01.far},
        {"threshold", figures.far_01.threshold}}},
      {"tar_at_far_1%",
       {{"tar", figures.far_1.tar},
        {"far", figures.far_1.far},
        {"threshold", figures.far_1.threshold}}}};
}

void PrintFigures(const ModelFigures& figures) {
  std::printf(
      "cross-validated       %.2f%% (threshold chosen on the other %d of %d folds: %.3f-%.3f)\n",
      100 * figures.cross_validated.accuracy, figures.cross_validated.folds - 1,
      figures.cross_validated.folds, figures.cross_validated.lowest_threshold,
      figures.cross_validated.highest_threshold);
  std::printf("best threshold        %.3f (accuracy %.2f%%, in-sample)\n", figures.best.threshold,
              100 * figures.best.accuracy);
  std::printf("ROC AUC               %.5f\n", figures.auc);
  std::printf("TAR at FAR 0.1%%       %.2f%% (FAR reached %.2f%%, threshold %.3f)\n",
              100 * figures.far_01.tar, 100 * figures.far_01.far, figures.far_01.threshold);
  std::printf("TAR at FAR 1%%         %.2f%% (FAR reached %.2f%%, threshold %.3f)\n",
              100 * figures.far_1.tar, 100 * figures.far_1.far, figures.far_1.threshold);
}

int Run(int argc, char** argv) {
  CLI::App app{"Face verification accuracy of the Encuentro face pipeline on labelled pairs"};
  std::string pairs_path;
  biometrics::FacePipelineOptions options;
  options.models_dir = ENCUENTRO_DEFAULT_MODELS_DIR;
  double threshold = biometrics::kSamePersonDistance;
  bool no_fallback = false;
  bool json = false;
  bool list_errors = false;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  app.add_option("pairs", pairs_path, "CSV with header same,image_a,image_b")->required();
  app.add_option("--models-dir", options.models_dir, "Folder with the face models")
      ->capture_default_str();
  app.add_option("--upsample", options.upsample, "Image doublings before detection (0-3)")
      ->capture_default_str();
  app.add_option("--jitter", options.jitter, "Jittered copies averaged per face (0 = off)")
      ->capture_default_str();
  app.add_option("--threshold", threshold,
                 "Same-person threshold on dlib's distance (its accuracy alone; --errors)")
      ->capture_default_str();
  app.add_flag("--no-center-fallback", no_fallback,
               "Score pairs with an undetected face as different instead of analysing the centre");
  app.add_option("--threads", threads, "Worker threads")->capture_default_str();
  app.add_flag("--json", json, "Print the results as one JSON object");
  app.add_flag("--errors", list_errors, "List the pairs misclassified at --threshold on stderr");
  std::string fused_calibration_path = ENCUENTRO_DEFAULT_FUSED_FACE_CALIBRATION;
  app.add_option("--fused-face-calibration", fused_calibration_path,
                 "encuentrod's calibration of both models, whose fusion weight is evaluated; "
                 "\"none\": dlib's model alone, as encuentrod then compares faces")
      ->capture_default_str();
  bool each_model = false;
  app.add_flag("--each-model", each_model,
               "Also report each model alone, and the fusion with its weight and threshold "
               "chosen on each fold's training pairs");
  CLI11_PARSE(app, argc, argv);
  std::optional<double> fusion_weight;
  std::optional<matching::FaceCalibration> fused_calibration;
  if (!fused_calibration_path.empty() && fused_calibration_path != "none") {
    absl::StatusOr<matching::FaceCalibration> fused =
        matching::FaceCalibration::LoadFile(fused_calibration_path);
    if (!fused.ok()) {
      std::fprintf(stderr, "encuentro_face_eval: %s\n", fused.status().ToString().c_str());
      return 1;
    }
    fusion_weight = fused->second_model_weight();
    fused_calibration = *std::move(fused);
  }
  const bool second_model = fusion_weight.has_value() || each_model;

  absl::StatusOr<std::vector<PairSpec>> pairs = ReadPairs(pairs_path);
  if (!pairs.ok()) {
    std::fprintf(stderr, "encuentro_face_eval: %s\n",
                 std::string(pairs.status().message()).c_str());
    return 1;
  }
  biometrics::RunBlasOnCallingThreads();
  absl::StatusOr<std::unique_ptr<FacePipeline>> pipeline = FacePipeline::Create(options);
  if (!pipeline.ok()) {
    std::fprintf(stderr, "encuentro_face_eval: %s\n", pipeline.status().ToString().c_str());
    return 1;
  }

  if (fused_calibration &&
      (fused_calibration->model_id() != (*pipeline)->models().model_id ||
       fused_calibration->second_model_id() != (*pipeline)->models().mobile_face_model_id)) {
    std::fprintf(stderr,
                 "encuentro_face_eval: %s is not a calibration of %s and %s, the loaded models\n",
                 fused_calibration_path.c_str(), (*pipeline)->models().model_id.c_str(),
                 (*pipeline)->models().mobile_face_model_id.c_str());
    return 1;
  }
  PairDistanceOptions run;
  run.root = std::filesystem::path(pairs_path).parent_path().string();
  run.center_fallback = !no_fallback;
  run.second_model = second_model;
  run.threads = threads;
  run.progress = [](size_t finished, size_t total) {
    if (finished % 10 == 0 || finished == total) {
      std::fprintf(stderr, "\rencuentro_face_eval: %zu/%zu images", finished, total);
    }
  };
  const PairDistances measured = ComputePairDistances(**pipeline, *pairs, run);
  const std::vector<std::string>& images = measured.images;
  const std::vector<ImageResult>& results = measured.results;
  const double seconds = measured.seconds;
  std::fprintf(stderr, "\n");

  size_t undetected = 0;
  size_t unreadable = 0;
  for (size_t i = 0; i < images.size(); ++i) {
    if (!results[i].error.empty()) {
      ++unreadable;
      std::fprintf(stderr, "encuentro_face_eval: %s: %s\n", images[i].c_str(),
                   results[i].error.c_str());
    } else if (!results[i].detected) {
      ++undetected;
      std::fprintf(stderr, "encuentro_face_eval: no face detected at the centre of %s\n",
                   images[i].c_str());
    }
  }

  // How the quality verdicts fall on this data set: a check that the default thresholds pass
  // typical usable photos.
  const std::vector<std::pair<const char*, biometrics::QualityMeasure biometrics::QualityReport::*>>
      measures = {{"face_width_px", &biometrics::QualityReport::face_width_px},
                  {"interocular_px", &biometrics::QualityReport::interocular_px},
                  {"sharpness", &biometrics::QualityReport::sharpness},
                  {"brightness", &biometrics::QualityReport::brightness},
                  {"contrast", &biometrics::QualityReport::contrast},
                  {"yaw_degrees", &biometrics::QualityReport::yaw_degrees},
                  {"roll_degrees", &biometrics::QualityReport::roll_degrees}};
  nlohmann::json quality_counts = nlohmann::json::object();
  const auto count = [&](const char* name, biometrics::Verdict verdict) {
    nlohmann::json& counts = quality_counts[name];
    if (counts.is_null()) counts = {{"pass", 0}, {"warn", 0}, {"fail", 0}};
    counts[biometrics::VerdictName(verdict)] =
        counts[biometrics::VerdictName(verdict)].get<int>() + 1;
  };
  for (const ImageResult& result : results) {
    if (!result.quality) continue;
    for (const auto& [name, member] : measures) count(name, ((*result.quality).*member).verdict);
    count("detector_score", result.quality->detector_verdict);
    count("overall", result.quality->Overall());
  }

  std::vector<ScoredPair> scored;
  for (size_t i = 0; i < pairs->size(); ++i) {
    const PairSpec& pair = (*pairs)[i];
    const ImageResult& a = results[measured.image_a[i]];
    const ImageResult& b = results[measured.image_b[i]];
    const double distance = measured.distances[i];
    scored.push_back({pair.same, distance});
    if (list_errors && (distance < threshold) != pair.same) {
      std::fprintf(stderr, "encuentro_face_eval: misclassified %s pair %s %s: distance %.4f%s%s\n",
                   pair.same ? "same" : "different", pair.a.c_str(), pair.b.c_str(), distance,
                   a.detected ? "" : " (a: centre fallback)",
                   b.detected ? "" : " (b: centre fallback)");
    }
  }
  const biometrics::FaceModelFiles& models = (*pipeline)->models();
  std::vector<TwoModelPair> both;
  for (size_t i = 0; i < pairs->size(); ++i) {
    both.push_back(
        {(*pairs)[i].same, measured.distances[i], second_model ? measured.mobile_distances[i] : 0});
  }
  // What encuentrod uses: the fusion at its calibration's weight, or dlib's model alone.
  const std::string served_name =
      fusion_weight ? absl::StrFormat("%s + %s (fused, weight %.2f)", models.model_id,
                                      models.mobile_face_model_id, *fusion_weight)
                    : models.model_id;
  const std::vector<ScoredPair> served =
      fusion_weight ? FuseDistances(both, *fusion_weight) : scored;
  const ModelFigures headline = FiguresOf(served_name, served);
  // The first model's fixed threshold (0.6) means nothing on fused distances.
  const bool fixed_threshold = !fusion_weight.has_value();
  const double accuracy = AccuracyAt(scored, threshold);
  std::vector<ModelFigures> others;
  CrossValidatedFusion fusion;
  if (each_model) {
    std::vector<ScoredPair> mobile;
    for (const TwoModelPair& p : both) mobile.push_back({p.same, p.second});
    if (fusion_weight) others.push_back(FiguresOf(models.model_id, scored));
    others.push_back(FiguresOf(models.mobile_face_model_id, mobile));
    fusion = CrossValidateFusion(both, 10);
    // The threshold-free figures need one weight: the median of those the folds chose.
    const double weight = fusion.median_weight;
    others.push_back(
        FiguresOf(absl::StrFormat("fusion, weight matched on the training folds (%.2f)", weight),
                  FuseDistances(both, weight)));
    others.back().cross_validated = fusion;
  }

  if (json) {
    nlohmann::json out = {{"pairs", scored.size()},
                          {"images", images.size()},
                          {"failed_to_detect", undetected},
                          {"unreadable", unreadable},
                          {"center_fallback", !no_fallback},
                          {"upsample", options.upsample},
                          {"jitter", options.jitter},
                          {"model_id", models.model_id},
                          {"quality_verdicts", quality_counts},
                          {"seconds", seconds}};
    if (fixed_threshold) {
      out["threshold"] = threshold;
      out["accuracy"] = accuracy;
    }
    if (fusion_weight) {
      out["second_model_id"] = models.mobile_face_model_id;
      out["fusion_weight"] = *fusion_weight;
    }
    out.update(ToJson(headline));
    if (each_model) {
      out["other_models"] = nlohmann::json::array();
      for (const ModelFigures& figures : others) out["other_models"].push_back(ToJson(figures));
      out["other_models"].back()["weights"] = {fusion.lowest_weight, fusion.highest_weight};
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("model                 %s (what encuentrod uses %s)\n", headline.name.c_str(),
              fused_calibration_path == ENCUENTRO_DEFAULT_FUSED_FACE_CALIBRATION
                  ? "by default"
                  : "with the same --fused-face-calibration");
  std::printf("pairs                 %zu (%zu images, %.1f s, %u threads)\n", scored.size(),
              images.size(), seconds, threads);
  std::printf(
      "failed to detect      %zu images%s\n", undetected,
      no_fallback ? " (their pairs scored as different)" : " (analysed at the centre box instead)");
  if (unreadable > 0) std::printf("unreadable            %zu images\n", unreadable);
  if (fixed_threshold) std::printf("accuracy at %.3f     %.2f%%\n", threshold, 100 * accuracy);
  PrintFigures(headline);
  for (const ModelFigures& figures : others) {
    std::printf("\nmodel                 %s\n", figures.name.c_str());
    PrintFigures(figures);
  }
  if (each_model) {
    std::printf(
        "fusion weights        %.2f-%.2f (chosen with the threshold on the training folds)\n",
        fusion.lowest_weight, fusion.highest_weight);
  }
  std::printf("quality verdicts      (pass/warn/fail per image)\n");
  for (const auto& [name, counts] : quality_counts.items()) {
    std::printf("  %-19s %d/%d/%d\n", name.c_str(), counts["pass"].get<int>(),
                counts["warn"].get<int>(), counts["fail"].get<int>());
  }
  return 0;
}

}  // namespace
}  // namespace encuentro::face_eval

int main(int argc, char** argv) { return encuentro::face_eval::Run(argc, argv); }
