#!/usr/bin/env bash
# Installs face-api.js and TensorFlow.js (@vladmandic/face-api 1.7.15, @tensorflow/tfjs and
# @tensorflow/tfjs-backend-wasm 4.22.0, MIT and Apache-2.0) for the reference descriptors and the
# side-by-side benchmark, exactly as tools/face_model/node/package-lock.json pins them: `npm ci`
# refuses any package whose tarball does not match the lockfile's SHA-512 integrity hash.
#
# Usage: install_face_api_node.sh NODE_DIR [PINS]
#   NODE_DIR receives package.json, package-lock.json and node_modules; nothing is done when it
#   already holds this lockfile's installation. Needs the npm registry the first time.
#   PINS: the folder under tools/face_model holding the package.json and package-lock.json to
#   install: `node` (the default, face-api.js) or `tflite_node` (TensorFlow Lite's WebAssembly
#   runtime, @tensorflow/tfjs-tflite 0.0.1-alpha.10, Apache-2.0, for MobileFaceNet's reference).
set -euo pipefail

die() { echo "install_face_api_node.sh: error: $*" >&2; exit 1; }
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: install_face_api_node.sh NODE_DIR [PINS]"
here=$(cd "$(dirname "$0")" && pwd)
node_dir=$1
pins="${here}/${2:-node}"
[ -f "${pins}/package-lock.json" ] || die "no package-lock.json in ${pins}"
command -v npm >/dev/null 2>&1 || die "npm is not on PATH; tools/install-deps.sh installs it"
mkdir -p "${node_dir}"
if cmp -s "${pins}/package-lock.json" "${node_dir}/package-lock.json" &&
  [ -f "${node_dir}/node_modules/.package-lock.json" ]; then
  exit 0
fi
cp "${pins}/package.json" "${pins}/package-lock.json" "${node_dir}/"
# A private npm cache keeps the user's ~/.npm untouched; install scripts are not run.
(cd "${node_dir}" && npm ci --no-audit --no-fund --ignore-scripts --cache "${node_dir}/.npm" \
  >/dev/null) || die "npm ci failed (is the npm registry reachable?)"
rm -rf "${node_dir}/.npm"
echo "install_face_api_node.sh: installed ${pins}'s packages into ${node_dir}" >&2
