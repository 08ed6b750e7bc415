#!/usr/bin/env bash
# Times the face descriptor against face-api.js on chips of the same five faces, in one run, and prints
# the ratios: this project's dlib ResNet (encuentro_face_bench's BM_Descriptor, OpenBLAS on the
# calling thread) against face-api.js 1.7.15 on TensorFlow.js 4.22's WebAssembly backend with
# SIMD, the fastest one Node.js runs offline (tfjs finds no multithreading support in Node.js, so
# it runs single-threaded; two processes stand in for two callers).
#
# Usage: tools/face_model/compare_face_api.sh BUILD_DIR [ROUNDS]
#   BUILD_DIR must have built encuentro_face_bench, encuentro_dump_face_chips and the face
#   models. Installs the pinned Node packages into BUILD_DIR/face-api-node on first use.
#   ROUNDS (default 20): passes over the five chips per face-api.js process.
set -euo pipefail

die() { echo "compare_face_api.sh: error: $*" >&2; exit 1; }
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: compare_face_api.sh BUILD_DIR [ROUNDS]"
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
rounds=${2:-20}
command -v node >/dev/null 2>&1 || die "node is not on PATH; tools/install-deps.sh installs it"
bench="${build}/benchmarks/biometrics/encuentro_face_bench"
[ -x "${bench}" ] || die "${bench} missing: build the encuentro_face_bench target"
source "${here}/reference_chips.sh"

node_dir="${build}/face-api-node"
"${here}/install_face_api_node.sh" "${node_dir}"
work=$(mktemp -d "${build}/compare-chips.XXXXXX")
trap 'rm -rf "${work}"' EXIT
dump_reference_chips "${build}" "${work}"

echo "encuentro: encuentro_face_bench --benchmark_filter='^BM_Descriptor' ..." >&2
"${bench}" --benchmark_filter='^BM_Descriptor' --benchmark_format=json \
  >"${work}/encuentro.json" 2>/dev/null
face_api() {
  node "${here}/face_api_reference.js" "${node_dir}" "${build}/face-api" "${work}" 5 \
    --bench "${rounds}" --backend wasm 2>/dev/null | tail -1
}
echo "face-api.js: one process, then two at once, ${rounds} rounds of 5 chips each ..." >&2
face_api >"${work}/face_api_1.json"
face_api >"${work}/face_api_2a.json" &
face_api >"${work}/face_api_2b.json"
wait

node - "${work}" <<'JS'
const fs = require('fs');
const dir = process.argv[2];
const read = (name) => JSON.parse(fs.readFileSync(`${dir}/${name}`, 'utf8'));
const ours = read('encuentro.json').benchmarks;
const oneCaller = ours.find((b) => /^BM_Descriptor\/real_time$/.test(b.name));
const twoCallers = ours.find((b) => /^BM_Descriptor\/real_time\/threads:2$/.test(b.name));
if (!oneCaller || !twoCallers) throw new Error('BM_Descriptor results missing');
const single = read('face_api_1.json');
const pair = [read('face_api_2a.json'), read('face_api_2b.json')];
// Two processes at once: faces per millisecond add up.
const pairMs = 1 / pair.reduce((rate, run) => rate + 1 / run.ms_per_face, 0);
const row = (what, encuentro, faceApi) =>
  console.log(`${what.padEnd(36)} ${encuentro.toFixed(2).padStart(9)} ms ${faceApi.toFixed(2).padStart(9)} ms ` +
              `${(faceApi / encuentro).toFixed(2).padStart(7)}x`);
console.log(`face-api.js ${single.tfjs ? 'tfjs ' + single.tfjs : ''} backend ${single.backend}, ` +
            `SIMD ${single.simd}, threads ${single.threads}; ${single.faces} faces per process`);
console.log(`${'ms per face'.padEnd(36)} ${'encuentro'.padStart(12)} ${'face-api.js'.padStart(12)} ${'ratio'.padStart(8)}`);
row('one caller', oneCaller.ms_per_face, single.ms_per_face);
row('two callers at once (per face, both)', twoCallers.ms_per_face, pairMs);
JS
