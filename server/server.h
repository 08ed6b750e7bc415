// Runs encuentrod: owns the data directory, the database (embedded or external), migrations and
// the gRPC server, from start-up to a drained shutdown.
#pragma once

#include "server/config.h"

namespace encuentro::server {

// Returns the process exit code. Expects SIGINT and SIGTERM to be blocked in every thread
// (main does this first), so that it can wait for them itself.
int RunServer(const ServerConfig& config);

}  // namespace encuentro::server
