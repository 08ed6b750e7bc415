// `encuentro missing ...` and `encuentro remains ...`: every MissingPersonService and
// RemainsService RPC, with records read and written as proto3 JSON.
#pragma once

#include "CLI/CLI.hpp"
#include "cli/client.h"

namespace encuentro::cli {

// Registers the subcommands; each stores its exit code in `*exit_code` when it runs.
void AddRecordCommands(CLI::App& app, const ClientOptions& options, int* exit_code);

}  // namespace encuentro::cli
