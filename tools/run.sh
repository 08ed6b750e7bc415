#!/usr/bin/env bash
# The README's run command: installs what is missing, builds Release, and starts encuentrod on
# its embedded PostgreSQL (data in ./var). Extra arguments go to encuentrod, e.g. --listen.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
exec "${ENCUENTRO_BUILD_DIR:-build}/server/encuentrod" "$@"
