// `encuentro audit list|checkpoint|export|verify`: the audit log, and its offline verification
// (`verify` needs no server: a families' organization runs it on its own machine).
#pragma once

#include "CLI/CLI.hpp"
#include "cli/client.h"

namespace encuentro::cli {

void AddAuditCommands(CLI::App& app, const ClientOptions& options, int* exit_code);

}  // namespace encuentro::cli
