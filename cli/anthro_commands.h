// `encuentro anthro catalog|record|versions|landmarks|sex|stature|report`: every
// AnthropologyService RPC, a local landmark calculator, and a one-page profile report.
#pragma once

#include "CLI/CLI.hpp"
#include "cli/client.h"

namespace encuentro::cli {

void AddAnthroCommands(CLI::App& app, const ClientOptions& options, int* exit_code);

}  // namespace encuentro::cli
