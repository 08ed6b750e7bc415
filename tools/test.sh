#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test with ctest.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
start=$(date +%s)
tools/build.sh
built=$(date +%s)
ctest --test-dir "${ENCUENTRO_BUILD_DIR:-build}" --output-on-failure -j "${ENCUENTRO_TEST_JOBS:-2}"
echo "test.sh: build $((built - start)) s, tests $(( $(date +%s) - built )) s"
