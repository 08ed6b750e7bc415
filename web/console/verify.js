// The audit export verifier, in the browser: audit::VerifyExport (audit/chain.cc) line for line,
// with nothing but WebCrypto, so that a families' collective can check an export without
// installing anything and without trusting this page's server for the answer. It runs in
// node 20 too (verify_test.mjs), on globalThis.crypto.subtle.
//
// The report is the C++ VerificationReport: {ok, entries, redacted, checkpoints, headHash, line,
// position, problem}, `problem` in the C++ words (English, what `encuentro audit verify` prints),
// plus `code` and `params` so that the page can say it in the reader's language.
//
// Every check happens in the C++ order, so that the first problem reported is the same one.

import { JsonNumber, StrictJsonError, has, isJsonObject, parseStrict } from './strict_json.js';

export const GENESIS_HASH = '0'.repeat(64);

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const HEX_SIGNATURE = /^[0-9a-fA-F]{128}$/;
const encoder = new TextEncoder();

function subtle() {
  const s = globalThis.crypto && globalThis.crypto.subtle;
  if (!s) throw new Error('WebCrypto is not available (the page must be served over HTTPS)');
  return s;
}

function hexToBytes(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let k = 0; k < out.length; k++) out[k] = parseInt(hex.substr(k * 2, 2), 16);
  return out;
}

function bytesToHex(bytes) {
  let hex = '';
  for (const b of new Uint8Array(bytes)) hex += b.toString(16).padStart(2, '0');
  return hex;
}

// sha256(prev_hash || "\n" || entry), lowercase hex: ChainHash.
export async function chainHash(prevHash, entry) {
  return bytesToHex(await subtle().digest('SHA-256', encoder.encode(`${prevHash}\n${entry}`)));
}

// The exact text a checkpoint signs: CheckpointMessage.
export function checkpointMessage(treeSize, headHash, time) {
  return `encuentro audit checkpoint v1\ntree_size ${treeSize}\nhead ${headHash}\ntime ${time}\n`;
}

// libsodium's crypto_sign_verify_detached refuses a public key that is not canonical (y >= p)
// or has small order (a key under which anything can be "signed"); WebCrypto implementations
// need not. Refusing the same keys keeps the browser's answer the server's.
const P = 2n ** 255n - 19n;
// The y coordinates of the points of order 8 (and their negation p - y): libsodium's blocklist.
const Y_ORDER_8 = 0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n;
function isWeakPublicKey(bytes) {
  let y = 0n;
  for (let k = 31; k >= 0; k--) y = (y << 8n) | BigInt(k === 31 ? bytes[k] & 0x7f : bytes[k]);
  if (y >= P) return true;
  return y === 0n || y === 1n || y === P - 1n || y === Y_ORDER_8 || y === P - Y_ORDER_8;
}

// Imports the key lazily, as the C++ only uses it on a checkpoint. Resolves to a CryptoKey, or
// null when the bytes are no usable Ed25519 key (libsodium then fails every signature). Rejects
// only when this browser cannot do Ed25519 at all: that is no finding about the export.
async function importVerifyKey(bytes) {
  if (isWeakPublicKey(bytes)) return null;
  try {
    return await subtle().importKey('raw', bytes, { name: 'Ed25519' }, false, ['verify']);
  } catch (error) {
    if (error && error.name === 'NotSupportedError') throw error;
    return null;
  }
}

async function signatureValid(key, signatureHex, message) {
  if (key === null || !HEX_SIGNATURE.test(signatureHex)) return false;
  try {
    return await subtle().verify('Ed25519', key, hexToBytes(signatureHex), encoder.encode(message));
  } catch (error) {
    if (error && error.name === 'NotSupportedError') throw error;
    return false;
  }
}

// IntegerAt: the member as an int64 (BigInt), only if it was written as an integer.
class TypeMismatch extends Error {}
function integerAt(object, key) {
  if (!isJsonObject(object) || !has(object, key)) throw new TypeMismatch(key);
  const value = object[key];
  if (!(value instanceof JsonNumber) || value.integer === null) throw new TypeMismatch(key);
  return value.integer;
}
function stringAt(object, key) {
  if (!isJsonObject(object) || !has(object, key)) throw new TypeMismatch(key);
  if (typeof object[key] !== 'string') throw new TypeMismatch(key);
  return object[key];
}

// Splits like std::getline: on "\n" only (a "\r" stays and is JSON whitespace), and the text
// after a final "\n" is no line.
function splitLines(text) {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// Decodes bytes line by line, strictly: a line that is not UTF-8 is one nlohmann cannot parse.
// null marks such a line.
function splitByteLines(bytes) {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const lines = [];
  let start = 0;
  for (;;) {
    const end = bytes.indexOf(0x0a, start);
    if (end === -1) {
      if (start < bytes.length) lines.push(decodeLine(decoder, bytes.subarray(start)));
      return lines;
    }
    lines.push(decodeLine(decoder, bytes.subarray(start, end)));
    start = end + 1;
  }
}
function decodeLine(decoder, bytes) {
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

// One line read into what the loop of VerifyExport needs, or the failure that line gives.
function readRecord(text) {
  let record;
  try {
    if (text === null) throw new StrictJsonError('not UTF-8');
    record = parseStrict(text);
  } catch (error) {
    if (!(error instanceof StrictJsonError) && !(error instanceof RangeError)) throw error;
    return { failure: ['not-object', {}] };
  }
  if (!isJsonObject(record)) return { failure: ['not-object', {}] };
  if (has(record, 'checkpoint')) {
    const c = record.checkpoint;
    try {
      const checkpoint = {
        treeSize: integerAt(c, 'tree_size'),
        headHash: stringAt(c, 'head_hash'),
        time: stringAt(c, 'time'),
        signature: stringAt(c, 'signature'),
      };
      // c.value("public_key", "") throws when the key is there but not a string.
      if (has(c, 'public_key') && typeof c.public_key !== 'string') throw new TypeMismatch('public_key');
      return { checkpoint };
    } catch (error) {
      if (!(error instanceof TypeMismatch)) throw error;
      return { failure: ['bad-checkpoint', {}] };
    }
  }
  try {
    let redacted = false;
    if (has(record, 'redacted')) {
      if (typeof record.redacted !== 'boolean') throw new TypeMismatch('redacted');
      redacted = record.redacted;
    }
    const position = integerAt(record, 'position');
    const entry = redacted ? '' : stringAt(record, 'entry');
    const prevHash = stringAt(record, 'prev_hash');
    const hash = stringAt(record, 'hash');
    return { entry: { redacted, position, entry, prevHash, hash } };
  } catch (error) {
    if (!(error instanceof TypeMismatch)) throw error;
    return { failure: ['bad-entry', {}] };
  }
}

// The C++ problem text of each code, word for word.
function problemText(code, p) {
  switch (code) {
    case 'bad-key': return 'the public key is not 64 hex digits';
    case 'not-object': return 'not a JSON object';
    case 'bad-checkpoint': return 'a checkpoint lacks tree_size, head_hash, time or signature';
    case 'bad-entry': return 'an entry lacks position, entry, prev_hash or hash';
    case 'missing-one': return `entry ${p.from} is missing`;
    case 'missing-range': return `entries ${p.from} to ${p.to} are missing`;
    case 'repeated':
      return `entry ${p.position} appears again after entry ${p.previous}: ` +
          'the log was reordered or duplicated';
    case 'unlinked':
      return `entry ${p.position} does not link to entry ${p.previous}: ` +
          'an entry was removed, reordered or altered';
    case 'altered': return `entry ${p.position} was altered: its text does not give its hash`;
    case 'checkpoint-unsigned':
      return `the checkpoint at ${p.size} is not signed by this public key`;
    case 'checkpoint-beyond':
      return `the checkpoint at ${p.size} is beyond the ${p.entries} entries exported: ` +
          'entries were removed';
    case 'checkpoint-mismatch':
      return `the chain does not match the signed checkpoint at ${p.size}: ` +
          'entries up to it were rewritten after it was signed';
    case 'expected-fewer':
      return `the chain holds ${p.entries} entries, fewer than the ${p.expected} you saw ` +
          'before: entries were removed';
    case 'expected-rewritten':
      return `the chain at ${p.expected} is not the one you saw before: ` +
          'entries up to it were rewritten';
    case 'expected-head-gone':
      return 'the head you saw before is nowhere in this chain: it was rewritten or cut';
    default: return code;
  }
}

// Hashes in parallel batches: WebCrypto is asynchronous, and one await per entry would make a
// long export slow. Each link's hash depends only on its own line, so the order does not matter.
async function hashAll(records) {
  const jobs = [];
  for (const r of records) {
    if (r && r.entry && !r.entry.redacted) jobs.push(r.entry);
  }
  const BATCH = 512;
  for (let k = 0; k < jobs.length; k += BATCH) {
    const batch = jobs.slice(k, k + BATCH);
    const hashes = await Promise.all(batch.map((e) => chainHash(e.prevHash, e.entry)));
    batch.forEach((e, j) => { e.recomputed = hashes[j]; });
  }
}

// The core, on lines already split (null: a line that is not UTF-8).
// `expected`: {size, head} as ExpectedChain (either may be left out): what the reader saw before.
async function verifyLines(lines, publicKeyHex, expected = {}) {
  const report = {
    ok: false, entries: 0, redacted: 0, checkpoints: 0, headHash: GENESIS_HASH,
    line: 0, position: 0, problem: '', code: '', params: {},
  };
  const fail = (line, position, code, params = {}) => {
    report.line = Number(line);
    report.position = Number(position);
    report.code = code;
    report.params = params;
    report.problem = problemText(code, params);
    return report;
  };
  if (typeof publicKeyHex !== 'string' || !HEX_KEY.test(publicKeyHex)) return fail(0, 0, 'bad-key');

  // Read every line first (stopping at the first that cannot be read), hash, then walk.
  const records = [];
  for (let k = 0; k < lines.length; k++) {
    if (lines[k] === '') {
      records.push(null);
      continue;
    }
    const record = readRecord(lines[k]);
    records.push(record);
    if (record.failure) break;
  }
  await hashAll(records);

  const hashes = [GENESIS_HASH];  // hashes[k]: the recomputed hash of entry k
  const checkpoints = [];         // [line, checkpoint]
  let line = 0;
  for (const record of records) {
    ++line;
    if (record === null) continue;
    if (record.failure) return fail(line, 0, ...record.failure);
    if (record.checkpoint) {
      checkpoints.push([line, record.checkpoint]);
      continue;
    }
    const e = record.entry;
    const next = BigInt(hashes.length);
    if (e.position > next) {
      return e.position === next + 1n
          ? fail(line, next, 'missing-one', { from: String(next) })
          : fail(line, next, 'missing-range', { from: String(next), to: String(e.position - 1n) });
    }
    if (e.position < next) {
      return fail(line, e.position, 'repeated',
          { position: String(e.position), previous: String(next - 1n) });
    }
    if (e.prevHash !== hashes[hashes.length - 1]) {
      return fail(line, e.position, 'unlinked',
          { position: String(e.position), previous: String(e.position - 1n) });
    }
    // A redacted entry (another family's case) still links; its text is not ours to check.
    const recomputed = e.redacted ? e.hash : e.recomputed;
    if (e.redacted) ++report.redacted;
    if (recomputed !== e.hash) return fail(line, e.position, 'altered', { position: String(e.position) });
    hashes.push(recomputed);
    ++report.entries;
  }
  line = lines.length;  // as std::getline leaves its counter

  let key;  // imported on the first checkpoint
  for (const [at, c] of checkpoints) {
    if (key === undefined) key = await importVerifyKey(hexToBytes(publicKeyHex));
    const message = checkpointMessage(c.treeSize, c.headHash, c.time);
    const size = String(c.treeSize);
    if (!(await signatureValid(key, c.signature, message))) {
      return fail(at, c.treeSize, 'checkpoint-unsigned', { size });
    }
    if (c.treeSize < 0n || c.treeSize >= BigInt(hashes.length)) {
      return fail(at, c.treeSize, 'checkpoint-beyond', { size, entries: String(hashes.length - 1) });
    }
    if (hashes[Number(c.treeSize)] !== c.headHash) {
      return fail(at, c.treeSize, 'checkpoint-mismatch', { size });
    }
    ++report.checkpoints;
  }

  const size = hashes.length - 1;
  const expectedSize = expected.size === undefined || expected.size === null || expected.size === ''
      ? null : BigInt(expected.size);
  const expectedHead = expected.head || '';
  if (expectedSize !== null) {
    if (expectedSize < 0n || expectedSize > BigInt(size)) {
      return fail(line, size, 'expected-fewer', { entries: String(size), expected: String(expectedSize) });
    }
    if (expectedHead !== '' && hashes[Number(expectedSize)] !== expectedHead) {
      return fail(line, expectedSize, 'expected-rewritten', { expected: String(expectedSize) });
    }
  } else if (expectedHead !== '' && !hashes.includes(expectedHead)) {
    return fail(line, size, 'expected-head-gone');
  }
  report.headHash = hashes[hashes.length - 1];
  report.ok = true;
  return report;
}

// Verifies an export given as text (JSON lines). Rejects only when this browser has no Ed25519
// (error.name 'NotSupportedError'); every finding about the export is in the report.
export async function verifyExport(text, publicKeyHex, expected = {}) {
  return verifyLines(splitLines(text), publicKeyHex, expected);
}

// The same on the file's bytes, as the C++ reads them: a line that is not valid UTF-8 is
// "not a JSON object" there, where decoding to text first would have replaced the bad bytes.
export async function verifyExportBytes(bytes, publicKeyHex, expected = {}) {
  return verifyLines(splitByteLines(new Uint8Array(bytes)), publicKeyHex, expected);
}

// Whether this browser can check Ed25519 signatures at all (Chromium 137+, Firefox 129+,
// Safari 17+, node 20).
export async function ed25519Supported() {
  try {
    // The base point's encoding: a valid key; only the algorithm's support is in question.
    const key = new Uint8Array(32);
    key[0] = 0x58;
    key.fill(0x66, 1);
    await subtle().importKey('raw', key, { name: 'Ed25519' }, false, ['verify']);
    return true;
  } catch {
    return false;
  }
}
