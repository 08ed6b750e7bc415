// Writes the aligned chips both face models see, as PNG (for test data) and binary PPM (for the
// Node reference scripts, which have no PNG decoder), plus our own descriptors of them.
//
// Usage: encuentro_dump_face_chips MODELS_DIR OUT_DIR IMAGE:FACE_INDEX...
// Writes OUT_DIR/chip_<k>.{png,ppm} (dlib's 150x150), OUT_DIR/mobile_chip_<k>.{png,ppm}
// (MobileFaceNet's 112x112) and OUT_DIR/dlib_descriptors.json.

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "biometrics/face_pipeline.h"
#include "biometrics/image_decoder.h"

namespace {

using encuentro::biometrics::RgbImage;

bool WritePng(const RgbImage& chip, const std::string& path) {
  const cv::Mat rgb(chip.height, chip.width, CV_8UC3,
                    const_cast<std::uint8_t*>(chip.pixels.data()));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return cv::imwrite(path, bgr, {cv::IMWRITE_PNG_COMPRESSION, 9});
}

bool WritePpm(const RgbImage& chip, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  out << "P6\n" << chip.width << " " << chip.height << "\n255\n";
  out.write(reinterpret_cast<const char*>(chip.pixels.data()),
            static_cast<std::streamsize>(chip.pixels.size()));
  return static_cast<bool>(out);
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "encuentro_dump_face_chips: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace encuentro::biometrics;
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s MODELS_DIR OUT_DIR IMAGE:FACE_INDEX...\n", argv[0]);
    return 2;
  }
  FacePipelineOptions options;
  options.models_dir = argv[1];
  const std::string out_dir = argv[2];
  RunBlasOnCallingThreads();
  absl::StatusOr<std::unique_ptr<FacePipeline>> pipeline = FacePipeline::Create(options);
  if (!pipeline.ok()) return Fail(pipeline.status().ToString());

  nlohmann::json chips = nlohmann::json::array();
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    const size_t colon = arg.rfind(':');
    if (colon == std::string::npos) return Fail("expected IMAGE:FACE_INDEX, got " + arg);
    const std::string path = arg.substr(0, colon);
    const size_t index = std::stoul(arg.substr(colon + 1));
    absl::StatusOr<RgbImage> image = DecodeImageFile(path);
    if (!image.ok()) return Fail(image.status().ToString());
    absl::StatusOr<std::vector<FaceAnalysis>> faces = (*pipeline)->Analyze(*image);
    if (!faces.ok()) return Fail(faces.status().ToString());
    if (index >= faces->size())
      return Fail(path + " has only " + std::to_string(faces->size()) + " faces");
    absl::StatusOr<RgbImage> chip = (*pipeline)->ExtractChip(*image, (*faces)[index].landmarks);
    if (!chip.ok()) return Fail(chip.status().ToString());
    const std::string stem = "chip_" + std::to_string(i - 3);
    if (!WritePng(*chip, out_dir + "/" + stem + ".png") ||
        !WritePpm(*chip, out_dir + "/" + stem + ".ppm")) {
      return Fail("cannot write " + out_dir + "/" + stem);
    }
    absl::StatusOr<RgbImage> mobile_chip =
        (*pipeline)->ExtractMobileFaceChip(*image, (*faces)[index].landmarks);
    if (!mobile_chip.ok()) return Fail(mobile_chip.status().ToString());
    if (!WritePng(*mobile_chip, out_dir + "/mobile_" + stem + ".png") ||
        !WritePpm(*mobile_chip, out_dir + "/mobile_" + stem + ".ppm")) {
      return Fail("cannot write " + out_dir + "/mobile_" + stem);
    }
    absl::StatusOr<encuentro::FaceDescriptor> descriptor = (*pipeline)->Describe(*chip);
    if (!descriptor.ok()) return Fail(descriptor.status().ToString());
    absl::StatusOr<MobileFaceEmbedding> embedding = (*pipeline)->DescribeMobileFace(*mobile_chip);
    if (!embedding.ok()) return Fail(embedding.status().ToString());
    const size_t slash = path.rfind('/');
    chips.push_back(
        {{"chip", stem + ".png"},
         {"source", (slash == std::string::npos ? path : path.substr(slash + 1)) + " face " +
                        std::to_string(index)},
         {"dlib_descriptor", std::vector<float>(descriptor->begin(), descriptor->end())},
         {"mobile_face_embedding", std::vector<float>(embedding->begin(), embedding->end())}});
  }
  std::ofstream(out_dir + "/dlib_descriptors.json") << chips.dump(1) << "\n";
  return 0;
}
