// encuentrod: the Encuentro forensic identification server.
#include <signal.h>
#include <sodium.h>

#include <cstdio>
#include <string>

#include "common/logging.h"
#include "server/config.h"
#include "server/server.h"
#include "spdlog/sinks/stdout_color_sinks.h"

int main(int argc, char** argv) {
  // Block before any thread exists, so that every thread inherits the mask and only the server's
  // signal waiter ever sees these.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::string help;
  absl::StatusOr<encuentro::server::ServerConfig> config =
      encuentro::server::ParseServerConfig(argc, argv, &help);
  if (!config.ok()) {
    if (absl::IsCancelled(config.status())) {
      std::fputs(help.c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "encuentrod: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  if (sodium_init() < 0) {
    std::fputs("encuentrod: libsodium failed to initialize\n", stderr);
    return 1;
  }
  auto logger = spdlog::stderr_color_mt("encuentrod");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  return encuentro::server::RunServer(*config);
}
