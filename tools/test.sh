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
tested=$(date +%s)
# Every fuzz target for a short fixed time (ASan and UBSan): any finding fails the run.
tools/fuzz.sh "${ENCUENTRO_FUZZ_SECONDS:-15}"
echo "test.sh: build $((built - start)) s, tests $((tested - built)) s," \
  "fuzzing $(( $(date +%s) - tested )) s"
