// `encuentro admin create-org|create-user|issue-token|revoke-token|link-case`: AdminService.
#pragma once

#include "CLI/CLI.hpp"
#include "cli/client.h"

namespace encuentro::cli {

void AddAdminCommands(CLI::App& app, const ClientOptions& options, int* exit_code);

}  // namespace encuentro::cli
