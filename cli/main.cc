// encuentro: the command-line client. Every RPC of encuentrod is reachable from here.
#include <cstdio>

#include "CLI/CLI.hpp"
#include "cli/client.h"
#include "cli/server_commands.h"
#include "common/version.h"

int main(int argc, char** argv) {
  CLI::App app("encuentro: command-line client for the Encuentro identification server",
               "encuentro");
  app.set_version_flag("--version", encuentro::kVersion);
  app.require_subcommand(1);
  app.fallthrough();
  encuentro::cli::ClientOptions options;
  app.add_option("--server", options.server, "Server address HOST:PORT or unix:/path")
      ->envname("ENCUENTRO_SERVER")
      ->capture_default_str();
  app.add_flag("--json", options.json, "Print JSON for scripts instead of text");
  app.add_option("--timeout", options.timeout_seconds, "Seconds to wait for each RPC")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();

  int exit_code = 0;
  encuentro::cli::AddServerCommands(app, options, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "encuentro: %s\n", e.what());
    return 2;
  }
  return exit_code;
}
