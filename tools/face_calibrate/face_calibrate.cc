// Makes the face evidence calibration (matching/face_calibration.h): runs the face pipeline over
// a pairs file (`same,image_a,image_b`, paths relative to its folder; the format of
// encuentro_face_eval, which picks faces the same way), fits the distance -> log10 LR mapping
// and writes it as JSON.
//
// Usage:
//   encuentro_face_calibrate PAIRS.csv -o OUT.json [--models-dir DIR] [--upsample N]
//       [--jitter N] [--no-center-fallback] [--threads N] [--write-distances D.csv]
//       [--all-pairs] [--second-model [--second-weight W]]
//   encuentro_face_calibrate --distances D.csv -o OUT.json [--model-id ID]
//   common: [--description TEXT] [--max-abs-log10-lr 4] [--grid-step 0.01]
//
// --all-pairs pairs every image of the pairs file with every other, labelled same when both
// lie in one person's folder (LFW's layout): far more pairs than the protocol lists, so the
// densities' tails are estimated from data and the sample-size bound (log10 of the opposing
// sample) no longer caps a strong comparison at about log10 300.
//
// --second-model calibrates both face models together: each pair's distance is the fused one
// (common/face_descriptor.h's FusedDistance), and the file records both model ids and the
// weight, which encuentrod checks against the models it loads. Unless --second-weight fixes it,
// the weight matches the two models' spreads of distance between different people
// (face_eval::ScaleMatchedFusionWeight).
//
// --write-distances keeps the measured distances (`same,distance`) so that a refit with other
// estimator settings (--distances) needs no second pass over the photos. Pairs where a face
// could not be analysed (distance +inf) are left out of the fit and counted in the file.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "biometrics/face_pipeline.h"
#include "biometrics/model_files.h"
#include "matching/face_calibration.h"
#include "tools/face_eval/pair_distances.h"
#include "tools/face_eval/verification_metrics.h"

namespace encuentro::face_calibrate {
namespace {

struct LabelledDistance {
  bool same = false;
  double distance = 0;
};

// `same,distance`; `inf` for a pair whose faces could not both be analysed.
absl::StatusOr<std::vector<LabelledDistance>> ReadDistances(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot open " + path);
  std::string line;
  if (!std::getline(in, line) || line.rfind("same,distance", 0) != 0) {
    return absl::InvalidArgumentError(path + ": expected the header `same,distance`");
  }
  std::vector<LabelledDistance> out;
  int number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t comma = line.find(',');
    const std::string same = line.substr(0, comma);
    LabelledDistance d;
    d.same = same == "1";
    bool ok = comma != std::string::npos && (same == "0" || same == "1");
    if (ok) {
      const std::string value = line.substr(comma + 1);
      if (value == "inf") {
        d.distance = std::numeric_limits<double>::infinity();
      } else {
        std::istringstream parse(value);
        ok = static_cast<bool>(parse >> d.distance) && parse.eof() && d.distance >= 0;
      }
    }
    if (!ok) {
      return absl::InvalidArgumentError(path + ":" + std::to_string(number) +
                                        ": expected `0|1,distance` (distance >= 0 or inf)");
    }
    out.push_back(d);
  }
  return out;
}

// The last two components ("lfw-fold1/pairs.csv"): names the data set without the local path.
std::string ShortName(const std::string& path) {
  const std::filesystem::path p(path);
  const std::string parent = p.parent_path().filename().string();
  return parent.empty() ? p.filename().string() : parent + "/" + p.filename().string();
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "encuentro_face_calibrate: %s\n", message.c_str());
  return 1;
}

int Run(int argc, char** argv) {
  CLI::App app{"Fit the face evidence calibration (distance -> log10 LR) on labelled pairs"};
  std::string pairs_path;
  std::string distances_path;
  std::string output_path;
  std::string write_distances_path;
  biometrics::FacePipelineOptions pipeline_options;
  pipeline_options.models_dir = ENCUENTRO_DEFAULT_MODELS_DIR;
  bool no_fallback = false;
  bool all_pairs = false;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  matching::CalibrationOptions options;
  options.model_id = biometrics::kFaceModelId;
  auto* pairs_option = app.add_option("pairs", pairs_path, "CSV with header same,image_a,image_b");
  auto* distances_option = app.add_option("--distances", distances_path,
                                          "Refit from a CSV with header same,distance instead");
  pairs_option->excludes(distances_option);
  app.add_option("-o,--output", output_path, "Calibration JSON to write")->required();
  app.add_option("--write-distances", write_distances_path,
                 "Also write the measured distances (same,distance) here")
      ->excludes(distances_option);
  app.add_option("--models-dir", pipeline_options.models_dir, "Folder with the face models")
      ->capture_default_str();
  app.add_option("--upsample", pipeline_options.upsample, "Image doublings before detection (0-3)")
      ->capture_default_str();
  app.add_option("--jitter", pipeline_options.jitter, "Jittered copies averaged per face (0 = off)")
      ->capture_default_str();
  app.add_flag("--no-center-fallback", no_fallback,
               "Leave out pairs with an undetected face instead of analysing the centre box");
  app.add_option("--threads", threads, "Worker threads")->capture_default_str();
  app.add_flag("--all-pairs", all_pairs,
               "Pair every image with every other (same person: same folder), not only the "
               "listed pairs")
      ->excludes(distances_option);
  bool second_model = false;
  double second_weight = 0;
  app.add_flag("--second-model", second_model,
               "Calibrate both face models together: the fused distance (dlib's distance plus "
               "MobileFaceNet's times --second-weight)")
      ->excludes(distances_option);
  app.add_option("--second-weight", second_weight,
                 "MobileFaceNet's weight in the fused distance (default: the ratio of the "
                 "two models' spreads of distance between different people)");
  app.add_option("--model-id", options.model_id,
                 "Face model that produced --distances (with pairs: the pipeline's own)")
      ->capture_default_str();
  app.add_option("--description", options.description, "Free text recorded in the file");
  app.add_option("--date", options.date, "Date recorded in the file (default: today, UTC)");
  app.add_option("--max-abs-log10-lr", options.max_abs_log10_lr,
                 "No face comparison counts for or against more than this")
      ->capture_default_str();
  app.add_flag("!--no-sample-size-bound", options.bound_by_sample_size,
               "Do not also bound |log10 LR| by log10 of the opposing sample's size");
  app.add_option("--grid-step", options.grid_step, "Distance step of the table")
      ->capture_default_str();
  app.add_option("--grid-max", options.grid_max, "Largest distance of the table")
      ->capture_default_str();
  app.add_option("--match-log10-lr", options.match_log10_lr, "Light: match at or above")
      ->capture_default_str();
  app.add_option("--no-match-log10-lr", options.no_match_log10_lr, "Light: no match at or below")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (pairs_path.empty() == distances_path.empty()) {
    return Fail("give a pairs file or --distances (one of them)");
  }
  if (second_model && !write_distances_path.empty()) {
    // A refit from them (--distances) would not know they are fused, nor of which models.
    return Fail("--write-distances keeps one model's distances; it cannot go with --second-model");
  }

  std::vector<LabelledDistance> measured;
  if (!distances_path.empty()) {
    absl::StatusOr<std::vector<LabelledDistance>> read = ReadDistances(distances_path);
    if (!read.ok()) return Fail(std::string(read.status().message()));
    measured = *std::move(read);
    options.pairs_file = ShortName(distances_path);
    options.pipeline["source"] = "distances file";
  } else {
    absl::StatusOr<std::vector<face_eval::PairSpec>> pairs = face_eval::ReadPairs(pairs_path);
    if (!pairs.ok()) return Fail(std::string(pairs.status().message()));
    biometrics::RunBlasOnCallingThreads();
    absl::StatusOr<std::unique_ptr<biometrics::FacePipeline>> pipeline =
        biometrics::FacePipeline::Create(pipeline_options);
    if (!pipeline.ok()) return Fail(pipeline.status().ToString());
    face_eval::PairDistanceOptions run;
    run.root = std::filesystem::path(pairs_path).parent_path().string();
    run.center_fallback = !no_fallback;
    run.second_model = second_model;
    run.threads = threads;
    run.progress = [](size_t done, size_t total) {
      if (done % 10 == 0 || done == total) {
        std::fprintf(stderr, "\rencuentro_face_calibrate: %zu/%zu images", done, total);
      }
    };
    const face_eval::PairDistances distances =
        face_eval::ComputePairDistances(**pipeline, *pairs, run);
    std::fprintf(stderr, "\n");
    size_t fallbacks = 0;
    for (size_t i = 0; i < distances.images.size(); ++i) {
      const face_eval::ImageResult& result = distances.results[i];
      if (!result.error.empty()) {
        std::fprintf(stderr, "encuentro_face_calibrate: %s: %s\n", distances.images[i].c_str(),
                     result.error.c_str());
      } else if (!result.detected) {
        ++fallbacks;
      }
    }
    std::fprintf(stderr,
                 "encuentro_face_calibrate: %zu images without a detected face at the "
                 "centre (%s)\n",
                 fallbacks,
                 no_fallback ? "their pairs left out" : "analysed at the centre box instead");
    // Both models' distances of every pair calibrated on (the second's only with --second-model).
    std::vector<face_eval::TwoModelPair> both;
    const double infinity = std::numeric_limits<double>::infinity();
    if (all_pairs) {
      // The person is the image's folder.
      std::vector<std::string> person;
      for (const std::string& image : distances.images) {
        person.push_back(std::filesystem::path(image).parent_path().string());
      }
      for (size_t i = 0; i < distances.images.size(); ++i) {
        for (size_t j = i + 1; j < distances.images.size(); ++j) {
          const face_eval::ImageResult& a = distances.results[i];
          const face_eval::ImageResult& b = distances.results[j];
          both.push_back({person[i] == person[j],
                          a.descriptor && b.descriptor
                              ? DescriptorDistance(*a.descriptor, *b.descriptor)
                              : infinity,
                          a.mobile_embedding && b.mobile_embedding
                              ? SecondEmbeddingDistance(*a.mobile_embedding, *b.mobile_embedding)
                              : infinity});
        }
      }
    } else {
      for (size_t i = 0; i < pairs->size(); ++i) {
        both.push_back({(*pairs)[i].same, distances.distances[i],
                        second_model ? distances.mobile_distances[i] : infinity});
      }
    }
    if (second_model) {
      if (second_weight <= 0) {
        second_weight = face_eval::ScaleMatchedFusionWeight(both);
        if (second_weight <= 0) {
          return Fail(
              "no spreads of distance to match: fewer than two different-person pairs "
              "measured by both models, or one model's distances do not vary; give "
              "--second-weight");
        }
        std::fprintf(stderr,
                     "encuentro_face_calibrate: second model's weight %.4f (spreads matched "
                     "over the different-person pairs; ROC AUC %.5f)\n",
                     second_weight,
                     face_eval::RocAuc(face_eval::FuseDistances(both, second_weight)));
      }
      for (const face_eval::ScoredPair& p : face_eval::FuseDistances(both, second_weight)) {
        measured.push_back({p.same, p.distance});
      }
      options.second_model_id = (*pipeline)->models().mobile_face_model_id;
      options.second_model_weight = second_weight;
      // Fused distances run past the first model's 1.5: the grid reaches half a unit beyond them.
      for (const LabelledDistance& d : measured) {
        if (std::isfinite(d.distance)) {
          options.grid_max = std::max(options.grid_max, std::ceil(d.distance * 2 + 1) / 2);
        }
      }
    } else {
      for (const face_eval::TwoModelPair& p : both) measured.push_back({p.same, p.first});
    }
    options.model_id = (*pipeline)->models().model_id;
    options.pairs_file = ShortName(pairs_path);
    if (all_pairs) options.pairs_file += " (every pair of its images)";
    options.pipeline = {{"upsample", std::to_string(pipeline_options.upsample)},
                        {"jitter", std::to_string(pipeline_options.jitter)},
                        {"face_choice", no_fallback ? "detected face best overlapping the centre "
                                                      "box; pairs without one left out"
                                                    : "detected face best overlapping the centre "
                                                      "box, else the centre box itself"}};
    if (!write_distances_path.empty()) {
      std::ofstream out(write_distances_path);
      out << "same,distance\n";
      char buffer[64];
      for (const LabelledDistance& d : measured) {
        std::snprintf(buffer, sizeof buffer, "%d,%.17g\n", d.same ? 1 : 0, d.distance);
        out << buffer;
      }
      if (!out.flush()) return Fail("cannot write " + write_distances_path);
    }
    std::fprintf(stderr, "encuentro_face_calibrate: %zu images analysed in %.1f s\n",
                 distances.images.size(), distances.seconds);
  }

  std::vector<double> genuine;
  std::vector<double> impostor;
  for (const LabelledDistance& d : measured) (d.same ? genuine : impostor).push_back(d.distance);
  absl::StatusOr<matching::FaceCalibration> calibration =
      matching::FaceCalibration::Fit(genuine, impostor, options);
  if (!calibration.ok()) return Fail(std::string(calibration.status().message()));
  {
    std::ofstream out(output_path);
    out << calibration->ToJson();
    if (!out.flush()) return Fail("cannot write " + output_path);
  }

  std::printf(
      "%zu genuine and %zu impostor pairs (%zu left out: no face); log10 LR within "
      "%+.2f..%+.2f\n",
      calibration->genuine_count(), calibration->impostor_count(),
      genuine.size() + impostor.size() - calibration->genuine_count() -
          calibration->impostor_count(),
      calibration->lower_log10_lr(), calibration->upper_log10_lr());
  std::printf("distance  log10 LR  light\n");
  for (double d : {0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8}) {
    const matching::Factor f = calibration->FaceFactor(d);
    std::printf("%8.2f  %+8.2f  %s\n", d, f.log10_lr, matching::LightName(f.light));
  }
  std::printf("wrote %s\n", output_path.c_str());
  return 0;
}

}  // namespace
}  // namespace encuentro::face_calibrate

int main(int argc, char** argv) { return encuentro::face_calibrate::Run(argc, argv); }
