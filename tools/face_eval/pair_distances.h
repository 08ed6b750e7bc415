// Runs the face pipeline over a verification protocol (a CSV of labelled image pairs) and gives
// each pair its descriptor distance. Shared by the evaluator (encuentro_face_eval) and the
// calibration tool (encuentro_face_calibrate), so both see exactly the same distances.
#ifndef ENCUENTRO_TOOLS_FACE_EVAL_PAIR_DISTANCES_H_
#define ENCUENTRO_TOOLS_FACE_EVAL_PAIR_DISTANCES_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "biometrics/face_pipeline.h"

namespace encuentro::face_eval {

struct PairSpec {
  bool same = false;
  std::string a;  // Image paths relative to the pairs file's folder.
  std::string b;
};

// Reads `same,image_a,image_b` (header required; `same` is 0 or 1). InvalidArgument names the
// line at fault, NotFound an unreadable file.
absl::StatusOr<std::vector<PairSpec>> ReadPairs(const std::string& path);

struct ImageResult {
  std::optional<FaceDescriptor> descriptor;
  std::optional<biometrics::MobileFaceEmbedding> mobile_embedding;  // with `second_model`
  std::optional<biometrics::QualityReport> quality;
  bool detected = false;  // False when the descriptor came from the centre-box fallback.
  std::string error;      // Set when the image could not be decoded or analysed.
};

// The central square where LFW's deep-funneled crops put the labelled face: measured as the
// median HOG box on fold 1 (about 107 px, centred) on 250x250 images, scaled for other sizes.
biometrics::FaceBox CenterBox(const biometrics::RgbImage& image);

// Face choice: LFW crops are centred on the labelled person, so each image contributes the
// detected face that best overlaps CenterBox. When the detector finds no face there and
// `center_fallback` is set, the central box itself is analysed (and `detected` stays false).
// With `second_model`, the same face's MobileFaceNet embedding too.
ImageResult AnalyzeImage(const biometrics::FacePipeline& pipeline, const std::string& path,
                         bool center_fallback, bool second_model = false);

struct PairDistances {
  std::vector<std::string> images;   // Each distinct image once, in order of first use.
  std::vector<ImageResult> results;  // Parallel to `images`.
  // Per pair, in the order of the pairs file: indices into `images`.
  std::vector<std::size_t> image_a;
  std::vector<std::size_t> image_b;
  // Per pair: Euclidean descriptor distance, +inf when either image has no descriptor.
  std::vector<double> distances;
  // The same for MobileFaceNet's embeddings (Euclidean, on unit vectors), with `second_model`.
  std::vector<double> mobile_distances;
  double seconds = 0;  // Wall time of the analysis.
};

struct PairDistanceOptions {
  std::string root;  // Folder the image paths are relative to.
  bool center_fallback = true;
  bool second_model = false;  // also run MobileFaceNet (mobile_face_network.h)
  unsigned threads = 1;
  // Called after each analysed image (serialized; from worker threads); may be empty.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

// Analyses every distinct image once, in parallel, then measures every pair. Image errors are
// recorded per image (ImageResult::error), not returned: one bad file must not end a run.
PairDistances ComputePairDistances(const biometrics::FacePipeline& pipeline,
                                   const std::vector<PairSpec>& pairs,
                                   const PairDistanceOptions& options);

}  // namespace encuentro::face_eval

#endif  // ENCUENTRO_TOOLS_FACE_EVAL_PAIR_DISTANCES_H_
