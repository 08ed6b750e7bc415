// `encuentrod backup --to DIR` and `encuentrod restore --from DIR`. A backup is a folder holding
// the database dump, the audit signing key with its public half, and a manifest of their sizes
// and SHA-256s; the face gallery is left out because it is rebuilt from the database.
#pragma once

#include "server/config.h"

namespace encuentro::server {

// Backs up the database of config.database_url, or the embedded cluster in config.data_dir
// (while the server runs, through its socket; otherwise started here). Returns the exit code.
int RunBackup(const ServerConfig& config);

// Restores into an empty database and data directory (the server stopped), then brings the
// schema up to this binary's version. Returns the exit code.
int RunRestore(const ServerConfig& config);

}  // namespace encuentro::server
