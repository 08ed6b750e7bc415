#!/usr/bin/env bash
# Fetches the face-recognition weights (dlib's ResNet, converted to TensorFlow.js by
# @vladmandic/face-api, MIT) and the package's demo photos, pinned by version and SHA-256.
#
# Usage: fetch.sh OUT_DIR [CACHE_DIR]
#   OUT_DIR receives face_recognition_model-weights_manifest.json, face_recognition_model.bin and
#   demo/sample1.jpg ... sample6.jpg. CACHE_DIR (default OUT_DIR/npm-cache) keeps the tarball so
#   that a rebuild does not touch the network.
set -euo pipefail

readonly PACKAGE="@vladmandic/face-api"
readonly VERSION="1.7.15"
# sha256sum of the tarball `npm pack @vladmandic/face-api@1.7.15` returned on 2026-11-25.
readonly TARBALL_SHA256="0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031"

die() { echo "fetch.sh: error: $*" >&2; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: fetch.sh OUT_DIR [CACHE_DIR]"
out_dir=$1
mkdir -p "${out_dir}/demo"
out_dir=$(cd "${out_dir}" && pwd)
source "$(dirname "$0")/npm_pinned.sh"
fetch_pinned_npm_tarball fetch.sh "${PACKAGE}" "${VERSION}" "${TARBALL_SHA256}" \
  "${2:-${out_dir}/npm-cache}"
tarball=${PINNED_TARBALL}

staging=$(mktemp -d "${out_dir}/.fetch.XXXXXX")
trap 'rm -rf "${staging}"' EXIT
members=(package/model/face_recognition_model-weights_manifest.json
         package/model/face_recognition_model.bin)
for i in 1 2 3 4 5 6; do members+=("package/demo/sample${i}.jpg"); done
tar -xzf "${tarball}" -C "${staging}" "${members[@]}" || die "could not extract ${tarball}"

mv -f "${staging}/package/model/face_recognition_model-weights_manifest.json" "${out_dir}/"
mv -f "${staging}/package/model/face_recognition_model.bin" "${out_dir}/"
for i in 1 2 3 4 5 6; do mv -f "${staging}/package/demo/sample${i}.jpg" "${out_dir}/demo/"; done
echo "fetch.sh: extracted face-api ${VERSION} weights and demo images into ${out_dir}" >&2
