// Shared helpers for the face pipeline tests: one pipeline per test process (loading the models
// takes about a second) and the locations of the test images.
#ifndef ENCUENTRO_TESTS_BIOMETRICS_TEST_SUPPORT_H_
#define ENCUENTRO_TESTS_BIOMETRICS_TEST_SUPPORT_H_

#include <dlib/matrix.h>
#include <dlib/pixel.h>

#include <memory>
#include <string>

#include "biometrics/face_pipeline.h"
#include "biometrics/image_decoder.h"
#include "gtest/gtest.h"

namespace encuentro::biometrics::testing {

inline std::string DlibFace(const std::string& name) {
  return std::string(ENCUENTRO_TEST_DLIB_FACES_DIR) + "/" + name;
}
inline std::string DemoImage(const std::string& name) {
  return std::string(ENCUENTRO_TEST_DEMO_DIR) + "/" + name;
}
inline std::string TestData(const std::string& name) {
  return std::string(ENCUENTRO_TEST_DATA_DIR) + "/" + name;
}

inline FacePipelineOptions DefaultOptions() {
  FacePipelineOptions options;
  options.models_dir = ENCUENTRO_TEST_MODELS_DIR;
  return options;
}

// The default-options pipeline, created on first use and shared by the tests of one process.
inline const FacePipeline& SharedPipeline() {
  static const FacePipeline* pipeline = [] {
    absl::StatusOr<std::unique_ptr<FacePipeline>> created = FacePipeline::Create(DefaultOptions());
    if (!created.ok()) {
      ADD_FAILURE() << created.status();
      std::abort();
    }
    return created->release();
  }();
  return *pipeline;
}

inline RgbImage LoadOrDie(const std::string& path) {
  absl::StatusOr<RgbImage> image = DecodeImageFile(path);
  if (!image.ok()) {
    ADD_FAILURE() << image.status();
    std::abort();
  }
  return *std::move(image);
}

// A decoded chip in dlib's layout, for the networks' own Describe.
inline dlib::matrix<dlib::rgb_pixel> LoadChipOrDie(const std::string& path) {
  const RgbImage image = LoadOrDie(path);
  dlib::matrix<dlib::rgb_pixel> chip(image.height, image.width);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const std::uint8_t* p = &image.pixels[(static_cast<size_t>(y) * image.width + x) * 3];
      chip(y, x) = dlib::rgb_pixel(p[0], p[1], p[2]);
    }
  }
  return chip;
}

}  // namespace encuentro::biometrics::testing

#endif  // ENCUENTRO_TESTS_BIOMETRICS_TEST_SUPPORT_H_
