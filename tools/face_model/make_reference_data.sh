#!/usr/bin/env bash
# Regenerates tests/biometrics/data: a few aligned face chips (PNG) and the descriptors that
# face-api.js itself computes on them, against which biometrics_test checks the dlib port.
#
# Usage: tools/face_model/make_reference_data.sh BUILD_DIR [OUT_DIR]
#        tools/face_model/make_reference_data.sh BUILD_DIR --bench [ROUNDS]
#   BUILD_DIR must have built encuentro_face_models and encuentro_dump_face_chips.
#   Installs the pinned Node packages into BUILD_DIR/face-api-node (npm, network on first run).
#   --bench: writes nothing; times face-api.js (tfjs CPU backend) on the same chips instead, for
#   comparison with encuentro_face_bench's BM_Descriptor.
set -euo pipefail

die() { echo "make_reference_data.sh: error: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: make_reference_data.sh BUILD_DIR [OUT_DIR]"
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "${here}/../.." && pwd)
build=$(cd "$1" && pwd)
out=${2:-${repo}/tests/biometrics/data}
bench_rounds=0
if [ "${2:-}" = "--bench" ]; then bench_rounds=${3:-10}; fi
command -v node >/dev/null 2>&1 || die "node is not on PATH"
command -v npm >/dev/null 2>&1 || die "npm is not on PATH"

dumper="${build}/tools/face_model/encuentro_dump_face_chips"
[ -x "${dumper}" ] || die "${dumper} missing: build the encuentro_dump_face_chips target"
[ -f "${build}/face-api/face_recognition_model.bin" ] || die "build the encuentro_face_models target"

node_dir="${build}/face-api-node"
mkdir -p "${node_dir}"
if [ ! -f "${node_dir}/node_modules/@vladmandic/face-api/package.json" ]; then
  echo '{"name": "encuentro-face-api-reference", "private": true}' > "${node_dir}/package.json"
  (cd "${node_dir}" && npm install --no-audit --no-fund --save-exact --cache "${node_dir}/.npm" \
      @vladmandic/face-api@1.7.15 @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0) ||
    die "npm install failed"
fi

work=$(mktemp -d "${build}/reference-chips.XXXXXX")
trap 'rm -rf "${work}"' EXIT
faces=/usr/share/doc/libdlib19.1/examples/faces
demo="${build}/face-api/demo"
# Large and sharp, a group photo, a small upscaled face, and two demo photos.
"${dumper}" "${build}/models" "${work}" \
  "${faces}/Tom_Cruise_avp_2014_4.jpg:0" "${faces}/bald_guys.jpg:0" "${faces}/2008_002079.jpg:1" \
  "${demo}/sample2.jpg:0" "${demo}/sample6.jpg:2"
if [ "${bench_rounds}" -gt 0 ]; then
  node "${here}/face_api_reference.js" "${node_dir}" "${build}/face-api" "${work}" 5 \
    --bench "${bench_rounds}"
  exit 0
fi
node "${here}/face_api_reference.js" "${node_dir}" "${build}/face-api" "${work}" 5 \
  > "${work}/reference_descriptors.json"

mkdir -p "${out}"
cp "${work}"/chip_*.png "${work}/reference_descriptors.json" "${out}/"
echo "make_reference_data.sh: wrote $(ls "${out}" | wc -l) files to ${out}" >&2
