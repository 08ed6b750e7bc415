// The real face pipeline on the models the build made, loaded once per test binary (loading
// takes about a second) and shared by its tests. Thread-safe: the pipeline is.
#pragma once

#include <string>

#include "biometrics/face_pipeline.h"

namespace encuentro::testing {

// Aborts the test binary, after reporting why, if the models cannot be loaded: every test that
// asks for it needs them.
const biometrics::FacePipeline& SharedFacePipeline(const std::string& models_dir);

}  // namespace encuentro::testing
