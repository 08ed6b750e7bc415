// `encuentro match REMAINS`: ranked candidates for a set of remains, with the evidence for each.
#pragma once

#include "CLI/CLI.hpp"
#include "cli/client.h"

namespace encuentro::cli {

void AddMatchCommands(CLI::App& app, const ClientOptions& options, int* exit_code);

}  // namespace encuentro::cli
