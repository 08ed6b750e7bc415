// `encuentro import missing|remains CSV --photos DIR`: bulk enrolment for commissions and labs.
// Streams rows in parallel within a bound, shows progress, resumes where a previous run stopped,
// and ends with a report of every rejected row and why. Columns are documented in the README.
#pragma once

#include "CLI/CLI.hpp"
#include "cli/client.h"

namespace encuentro::cli {

void AddImportCommands(CLI::App& app, const ClientOptions& options, int* exit_code);

}  // namespace encuentro::cli
