// `encuentro info` and `encuentro health`: what a server runs, and whether it serves.
#pragma once

#include "CLI/CLI.hpp"
#include "cli/client.h"

namespace encuentro::cli {

// Registers the subcommands; each stores its exit code in `*exit_code` when it runs.
void AddServerCommands(CLI::App& app, const ClientOptions& options, int* exit_code);

}  // namespace encuentro::cli
