// `encuentro dental ...`: the dental chart of a missing person or remains (DentalService).
#pragma once

#include "CLI/CLI.hpp"
#include "cli/client.h"

namespace encuentro::cli {

// Registers the subcommands; each stores its exit code in `*exit_code` when it runs.
void AddDentalCommands(CLI::App& app, const ClientOptions& options, int* exit_code);

}  // namespace encuentro::cli
