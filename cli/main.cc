// encuentro: the command-line client. Every RPC of encuentrod is reachable from here.
#include <cstdio>
#include <cstdlib>

#include "CLI/CLI.hpp"
#include "biometrics/cli/faces_command.h"
#include "cli/admin_commands.h"
#include "cli/anthro_commands.h"
#include "cli/audit_commands.h"
#include "cli/client.h"
#include "cli/dental_commands.h"
#include "cli/dna_commands.h"
#include "cli/effect_commands.h"
#include "cli/import_command.h"
#include "cli/mark_commands.h"
#include "cli/match_commands.h"
#include "cli/photo_commands.h"
#include "cli/record_commands.h"
#include "cli/server_commands.h"
#include "cli/sheet_command.h"
#include "common/version.h"

int main(int argc, char** argv) {
  CLI::App app("encuentro: command-line client for the Encuentro identification server",
               "encuentro");
  app.set_version_flag("--version", encuentro::kVersion);
  app.require_subcommand(1);
  app.fallthrough();
  encuentro::cli::ClientOptions options;
  app.add_option("--server", options.server,
                 "Server address HOST:PORT or unix:/path; several replicas as IP:PORT,IP:PORT "
                 "(calls are spread over them and retried on another when one is down)")
      ->envname("ENCUENTRO_SERVER")
      ->capture_default_str();
  app.add_flag("--json", options.json, "Print JSON for scripts instead of text");
  app.add_option("--timeout", options.timeout_seconds, "Seconds to wait for each RPC")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--token", options.token, "API token (from an admin); prefer the environment")
      ->envname("ENCUENTRO_TOKEN");
  app.add_option("--tls-ca", options.tls_ca, "CA certificate (PEM) that signed the server's")
      ->envname("ENCUENTRO_TLS_CA");
  app.add_option("--tls-cert", options.tls_cert, "Client certificate (PEM), for mutual TLS")
      ->envname("ENCUENTRO_TLS_CERT");
  app.add_option("--tls-key", options.tls_key, "Client private key (PEM), for mutual TLS")
      ->envname("ENCUENTRO_TLS_KEY");

  int exit_code = 0;
  encuentro::cli::AddServerCommands(app, options, &exit_code);
  encuentro::cli::AddRecordCommands(app, options, &exit_code);
  encuentro::cli::AddMarkCommands(app, options, &exit_code);
  encuentro::cli::AddDentalCommands(app, options, &exit_code);
  encuentro::cli::AddDnaCommands(app, options, &exit_code);
  encuentro::cli::AddEffectCommands(app, options, &exit_code);
  encuentro::cli::AddPhotoCommands(app, options, &exit_code);
  encuentro::cli::AddImportCommands(app, options, &exit_code);
  encuentro::cli::AddMatchCommands(app, options, &exit_code);
  encuentro::cli::AddAnthroCommands(app, options, &exit_code);
  encuentro::cli::AddAuditCommands(app, options, &exit_code);
  encuentro::cli::AddAdminCommands(app, options, &exit_code);
  encuentro::cli::AddSheetCommand(app, options, &exit_code);
  encuentro::biometrics::AddFacesCommands(app, ENCUENTRO_DEFAULT_MODELS_DIR);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    // Commands that report their own errors end this way with their exit code.
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "encuentro: %s\n", e.what());
    return 2;
  }
  return exit_code;
}
