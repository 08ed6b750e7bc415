// `encuentro sheet remains/ID missingPersons/ID -o sheet.pdf`: the web console's printable
// candidate sheet for the case file, rendered to PDF by a headless Chromium.
#pragma once

#include "CLI/CLI.hpp"
#include "cli/client.h"

namespace encuentro::cli {

void AddSheetCommand(CLI::App& app, const ClientOptions& options, int* exit_code);

}  // namespace encuentro::cli
