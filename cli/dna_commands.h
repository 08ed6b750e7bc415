// `encuentro dna ...`: DNA sample tracking for missing persons and remains (DnaSampleService).
#pragma once

#include "CLI/CLI.hpp"
#include "cli/client.h"

namespace encuentro::cli {

// Registers the subcommands; each stores its exit code in `*exit_code` when it runs.
void AddDnaCommands(CLI::App& app, const ClientOptions& options, int* exit_code);

}  // namespace encuentro::cli
