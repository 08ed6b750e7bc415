// Computes MobileFaceNet embeddings with TensorFlow Lite itself (its WebAssembly build, from
// @tensorflow/tfjs-tflite, with XNNPACK) on the original MobileFaceNet.tflite, for chips that the
// C++ pipeline aligned: the reference the repaired TF.js graph is checked against.
//
// Usage: node tflite_reference.js NODE_DIR MODEL.tflite CHIPS_DIR COUNT
//   NODE_DIR: folder whose node_modules hold @tensorflow/tfjs-tflite@0.0.1-alpha.10, as
//             tools/face_model/tflite_node/package-lock.json pins it.
//   Reads CHIPS_DIR/mobile_chip_<k>.ppm (112x112) for k < COUNT; prints JSON to stdout:
//   [{"chip": "mobile_chip_0.png", "embedding": [192 floats, unit length]}, ...]
//   The model's input is RGB scaled as (x - 127.5) / 128; its output is normalized here, as the
//   TF.js graph normalizes it inside.
'use strict';

const fs = require('fs');
const path = require('path');
const { readPpm } = require('./ppm.js');

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 4) {
    console.error('usage: node tflite_reference.js NODE_DIR MODEL.tflite CHIPS_DIR COUNT');
    process.exit(2);
  }
  const [nodeDir, modelPath, chipsDir, countText] = args;
  const wasmDir = path.join(nodeDir, 'node_modules', '@tensorflow', 'tfjs-tflite', 'wasm');
  // The Emscripten module runs in Node.js as is; only its .wasm must be handed over, since it
  // would otherwise be fetched by URL.
  const createModule = require(path.join(wasmDir, 'tflite_web_api_cc_simd.js'));
  const tflite = await createModule({
    wasmBinary: fs.readFileSync(path.join(wasmDir, 'tflite_web_api_cc_simd.wasm')),
  });
  const model = new Uint8Array(fs.readFileSync(modelPath));
  const modelPointer = tflite._malloc(model.length);
  tflite.HEAPU8.set(model, modelPointer);
  const created = tflite.TFLiteWebModelRunner.CreateFromBufferAndOptions(
      modelPointer, model.length, { numThreads: 1, enableProfiling: false,
                                    maxProfilingBufferEntries: 1024 });
  if (!created.ok()) throw new Error(`TFLite: ${created.errorMessage()}`);
  const runner = created.value();
  const input = runner.GetInputs().get(0);
  const output = runner.GetOutputs().get(0);
  // The .tflite takes a batch of two; each chip fills both slots and the first output is read.
  const [batch, height, width, channels] = input.shape.split(',').map(Number);
  const dimensions = Number(output.shape.split(',')[1]);
  const results = [];
  for (let k = 0; k < Number(countText); k++) {
    const chip = readPpm(path.join(chipsDir, `mobile_chip_${k}.ppm`));
    if (chip.width !== width || chip.height !== height || channels !== 3) {
      throw new Error(`mobile_chip_${k}.ppm is ${chip.width}x${chip.height}, not ${width}x${height}`);
    }
    const values = input.data();
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < chip.pixels.length; i++) {
        values[b * chip.pixels.length + i] = (chip.pixels[i] - 127.5) / 128;
      }
    }
    if (!runner.Infer()) throw new Error('TFLite inference failed');
    const embedding = Array.from(output.data().subarray(0, dimensions));
    const norm = Math.sqrt(embedding.reduce((sum, v) => sum + v * v, 0));
    results.push({ chip: `mobile_chip_${k}.png`, embedding: embedding.map((v) => v / norm) });
  }
  process.stdout.write(JSON.stringify(results) + '\n');
}

main().catch((error) => {
  console.error(`tflite_reference.js: ${error.stack || error}`);
  process.exit(1);
});
