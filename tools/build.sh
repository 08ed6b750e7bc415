#!/usr/bin/env bash
# Configures and builds Encuentro (Release) into ./build. Used by run.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${ENCUENTRO_BUILD_DIR:-build}
JOBS=${ENCUENTRO_JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release ${ENCUENTRO_CMAKE_ARGS:-}
cmake --build "$BUILD_DIR" -j "$JOBS"
