#!/usr/bin/env bash
# Regenerates tests/biometrics/data: a few aligned face chips (PNG) and the descriptors that
# face-api.js itself computes on them, against which biometrics_test checks the dlib port.
#
# Usage: tools/face_model/make_reference_data.sh BUILD_DIR [OUT_DIR]
#   BUILD_DIR must have built encuentro_face_models and encuentro_dump_face_chips.
#   Installs the pinned Node packages into BUILD_DIR/face-api-node (npm, network on first run).
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

mkdir -p "${out}"
cp "${work}"/chip_*.png "${work}/reference_descriptors.json" "${out}/"
echo "make_reference_data.sh: wrote $(ls "${out}" | wc -l) files to ${out}" >&2
