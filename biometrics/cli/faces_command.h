// `encuentro faces analyze|compare`: runs the face pipeline locally (no server) so an examiner
// can check photos, their quality verdicts and pairwise distances from the command line.
#ifndef ENCUENTRO_BIOMETRICS_CLI_FACES_COMMAND_H_
#define ENCUENTRO_BIOMETRICS_CLI_FACES_COMMAND_H_

#include <CLI/CLI.hpp>
#include <string>

namespace encuentro::biometrics {

// Adds the `faces` subcommand (with `analyze` and `compare`) to `app`. Commands run from CLI11
// callbacks and report failure by throwing CLI::RuntimeError(exit_code), the CLI11 convention
// that `CLI11_PARSE` / `app.exit()` turn into the process exit code. Output goes to stdout,
// diagnostics to stderr.
//
//   faces analyze IMAGE... [--json] [--upsample N] [--jitter N] [--models-dir DIR]
//     Text: per face its box, quality measures and verdicts. --json: one object per line and
//     image, {"image": PATH, "width": W, "height": H, "faces": [{"box": [x,y,w,h],
//     "quality": {...}, "descriptor": [128 numbers]}]} or {"image": PATH, "error": "..."}.
//     Exit code 1 if any image could not be read.
//   faces compare A B [--threshold 0.6] [--json] [--upsample N] [--jitter N] [--models-dir DIR]
//     Distance between the largest face of each photo and the same/different decision.
//     Exit code 1 if a photo is unreadable or holds no face.
void AddFacesCommands(CLI::App& app, const std::string& default_models_dir);

}  // namespace encuentro::biometrics

#endif  // ENCUENTRO_BIOMETRICS_CLI_FACES_COMMAND_H_
