// `encuentro effects ...`: clothing and personal effects of missing persons and remains
// (EffectService).
#pragma once

#include "CLI/CLI.hpp"
#include "cli/client.h"
#include "encuentro/v1/effects.pb.h"

namespace encuentro::cli {

// Registers the subcommands; each stores its exit code in `*exit_code` when it runs.
void AddEffectCommands(CLI::App& app, const ClientOptions& options, int* exit_code);

// "clothing", "document"... (the proto enum names in lower case); false for any other word.
bool ParseEffectCategory(const std::string& text, v1::PersonalEffect::Category* category);

}  // namespace encuentro::cli
