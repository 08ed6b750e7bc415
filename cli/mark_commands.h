// `encuentro marks ...`: distinguishing marks of missing persons and remains (MarkService).
#pragma once

#include "CLI/CLI.hpp"
#include "cli/client.h"
#include "encuentro/v1/marks.pb.h"

namespace encuentro::cli {

// Registers the subcommands; each stores its exit code in `*exit_code` when it runs.
void AddMarkCommands(CLI::App& app, const ClientOptions& options, int* exit_code);

// Mark flags as the CLI and the importer spell them: "tattoo", "forearm", "left" (the proto enum
// names in lower case). False for a word that names no value.
bool ParseMarkKind(const std::string& text, v1::DistinguishingMark::Kind* kind);
bool ParseBodyRegion(const std::string& text, v1::DistinguishingMark::BodyRegion* region);
bool ParseBodySide(const std::string& text, v1::DistinguishingMark::Side* side);

}  // namespace encuentro::cli
