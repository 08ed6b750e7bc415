#include "tests/support/face_pipeline.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace encuentro::testing {

const biometrics::FacePipeline& SharedFacePipeline(const std::string& models_dir) {
  static const biometrics::FacePipeline* const pipeline = [&] {
    biometrics::FacePipelineOptions options;
    options.models_dir = models_dir;
    auto created = biometrics::FacePipeline::Create(options);
    if (!created.ok()) {
      ADD_FAILURE() << "face models in " << models_dir << ": " << created.status();
      std::abort();
    }
    return created->release();
  }();
  return *pipeline;
}

}  // namespace encuentro::testing
