// `encuentro photos add|get|list|delete`: every PhotoService RPC.
#pragma once

#include "CLI/CLI.hpp"
#include "cli/client.h"

namespace encuentro::cli {

void AddPhotoCommands(CLI::App& app, const ClientOptions& options, int* exit_code);

}  // namespace encuentro::cli
