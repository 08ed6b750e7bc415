// Computes face descriptors with face-api.js's own FaceRecognitionNet (tfjs CPU backend) on chips
// that the C++ pipeline extracted, so the dlib port can be checked against the original export.
//
// Usage: node face_api_reference.js NODE_DIR MODEL_DIR CHIPS_DIR COUNT [--bench ROUNDS]
//                                   [--backend cpu|wasm]
//   NODE_DIR: folder whose node_modules hold @vladmandic/face-api@1.7.15, @tensorflow/tfjs@4.22.0
//             and @tensorflow/tfjs-backend-wasm@4.22.0, as tools/face_model/node/package-lock.json
//             pins them (see install_face_api_node.sh).
//   Reads CHIPS_DIR/chip_<k>.ppm for k < COUNT; prints JSON to stdout:
//   [{"chip": "chip_0.png", "descriptor": [...], "descriptor_face_api_scaling": [...]}, ...]
//   "descriptor" feeds face-api the chip rescaled so that its (x - mean) / 255 equals dlib's
//   (x - mean) / 256; "descriptor_face_api_scaling" feeds the raw chip, as face-api users would.
//   With --bench, prints timings instead (ms per face, single-chip calls, after a warm-up).
//   --backend: tfjs's pure-JavaScript "cpu" backend (the default, and the reference's) or its
//   WebAssembly backend with SIMD, the fastest one Node.js runs offline. Node.js gets the
//   single-threaded build: tfjs finds no multithreading support there.
'use strict';

const fs = require('fs');
const path = require('path');
const { readPpm } = require('./ppm.js');

const MEAN_RGB = [122.782, 117.001, 104.298];

function chipTensor(tf, chip, dlibScaling) {
  const values = new Float32Array(chip.pixels.length);
  for (let i = 0; i < values.length; i++) {
    const x = chip.pixels[i];
    const mean = MEAN_RGB[i % 3];
    values[i] = dlibScaling ? mean + (x - mean) * (255 / 256) : x;
  }
  return tf.tensor3d(values, [chip.height, chip.width, 3], 'float32');
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length < 4) {
    console.error('usage: node face_api_reference.js NODE_DIR MODEL_DIR CHIPS_DIR COUNT [--bench ROUNDS]');
    process.exit(2);
  }
  const [nodeDir, modelDir, chipsDir, countText] = args;
  const benchIndex = args.indexOf('--bench');
  const benchRounds = benchIndex >= 0 ? Number(args[benchIndex + 1] || 20) : 0;

  const backendIndex = args.indexOf('--backend');
  const backend = backendIndex >= 0 ? args[backendIndex + 1] : 'cpu';
  if (backend !== 'cpu' && backend !== 'wasm') throw new Error(`unknown backend ${backend}`);

  const faceapi = require(path.resolve(nodeDir, 'node_modules/@vladmandic/face-api/dist/face-api.node-wasm.js'));
  const tf = faceapi.tf;
  if (backend === 'wasm') {
    tf.setWasmPaths(path.resolve(nodeDir, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
  }
  await tf.setBackend(backend);
  await tf.ready();
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  const net = faceapi.nets.faceRecognitionNet;

  const chips = [];
  for (let k = 0; k < Number(countText); k++) chips.push(readPpm(path.join(chipsDir, `chip_${k}.ppm`)));

  if (benchRounds > 0) {
    const inputs = chips.map((chip) => chipTensor(tf, chip, false));
    for (const input of inputs) await net.computeFaceDescriptor(input);  // Warm-up.
    const start = process.hrtime.bigint();
    for (let r = 0; r < benchRounds; r++) {
      for (const input of inputs) await net.computeFaceDescriptor(input);
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6 / (benchRounds * inputs.length);
    const flags = {};
    if (backend === 'wasm') {
      flags.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      flags.threads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? tf.getThreadsCount() : 1;
    }
    console.log(JSON.stringify({ backend: tf.getBackend(), tfjs: tf.version_core, ...flags,
                                 faces: benchRounds * inputs.length, ms_per_face: ms }));
    return;
  }

  // The chip dumper's own descriptors, when present, name the sources and give a cross-check.
  const dlibFile = path.join(chipsDir, 'dlib_descriptors.json');
  const dlib = fs.existsSync(dlibFile) ? JSON.parse(fs.readFileSync(dlibFile, 'utf8')) : [];
  const distance = (a, b) => Math.sqrt(a.reduce((sum, v, i) => sum + (v - b[i]) ** 2, 0));

  const out = [];
  for (let k = 0; k < chips.length; k++) {
    const entry = { chip: `chip_${k}.png` };
    if (dlib[k]) entry.source = dlib[k].source;
    for (const [key, dlibScaling] of [['descriptor', true], ['descriptor_face_api_scaling', false]]) {
      const input = chipTensor(tf, chips[k], dlibScaling);
      entry[key] = Array.from(await net.computeFaceDescriptor(input));
      input.dispose();
    }
    if (dlib[k]) {
      console.error(`${entry.chip}: L2 to dlib ${distance(entry.descriptor, dlib[k].dlib_descriptor)
        .toExponential(2)} (same scaling), ${distance(entry.descriptor_face_api_scaling,
        dlib[k].dlib_descriptor).toExponential(2)} (face-api scaling)`);
    }
    out.push(entry);
  }
  const doc = { generator: 'tools/face_model/make_reference_data.sh', face_api: faceapi.version,
                tfjs: tf.version_core, backend: tf.getBackend(), chips: out };
  // One chip per line keeps diffs readable.
  const lines = out.map((chip) => '  ' + JSON.stringify(chip));
  const head = JSON.stringify({ ...doc, chips: undefined }).slice(0, -1);
  console.log(`${head},"chips":[\n${lines.join(',\n')}\n]}`);
}

main().catch((error) => {
  console.error(`face_api_reference.js: ${error.stack || error}`);
  process.exit(1);
});
