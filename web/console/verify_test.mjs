// Tests the browser's audit export verifier (verify.js) on exports built here exactly as
// audit/chain.cc writes and signs them.
//
//   node web/console/verify_test.mjs
//
// With ENCUENTRO_CLI=path/to/encuentro set, every case is also run through
// `encuentro audit verify`, and the two verifiers must give the same line, position and problem.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { GENESIS_HASH, checkpointMessage, verifyExport, verifyExportBytes } from './verify.js';

// --- Building exports as the server does ---------------------------------------------------

function sha256Hex(text) {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function newKey() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  return { privateKey, publicHex: raw.toString('hex') };
}

// CanonicalEntry: sorted keys, no spaces.
function canonicalEntry(i, extra = {}) {
  const entry = {
    legal_basis: `FGE-SON-CI-2025-${i}`,
    method: 'MatchService/SearchCandidates',
    organization: 'Comisión de Búsqueda de Sonora',
    outcome: { candidates: [{ candidate: `missingPersons/${i + 1}`, excluded: false, log10_lr: 2.48, posterior: 0.91 }], status: 'OK' },
    principal: 'ana',
    purpose: 'identification',
    role: 'commission_staff',
    targets: [`remains/${i}`, `missingPersons/${i + 1}`],
    time: `2025-11-25T16:40:0${i % 10}.123456Z`,
    v: 1,
    ...extra,
  };
  return JSON.stringify(entry, Object.keys(entry).sort());
}

// ExportEntryLine / ExportRedactedLine / ExportCheckpointLine (nlohmann sorts keys).
const entryLine = (e) =>
  JSON.stringify({ entry: e.entry, hash: e.hash, position: e.position, prev_hash: e.prevHash });
const redactedLine = (e, view) => JSON.stringify({
  hash: e.hash, position: e.position, prev_hash: e.prevHash, redacted: true,
  ...(view ? { view } : {}),
});
function signCheckpoint(key, treeSize, headHash, time) {
  const signature = sign(null, Buffer.from(checkpointMessage(treeSize, headHash, time)), key.privateKey);
  return { tree_size: treeSize, head_hash: headHash, time, signature: signature.toString('hex'), public_key: key.publicHex };
}
const checkpointLine = (c) => JSON.stringify({
  checkpoint: { head_hash: c.head_hash, public_key: c.public_key, signature: c.signature, time: c.time, tree_size: c.tree_size },
});

// A chain of `count` entries (positions 1..count).
function chain(count, texts = {}) {
  const entries = [];
  let prev = GENESIS_HASH;
  for (let position = 1; position <= count; position++) {
    const entry = texts[position] ?? canonicalEntry(position);
    const hash = sha256Hex(`${prev}\n${entry}`);
    entries.push({ position, entry, prevHash: prev, hash });
    prev = hash;
  }
  return entries;
}

const key = newKey();
const otherKey = newKey();

// Six entries (the 5th with quotes, a backslash, a newline and non-ASCII text, hashed as the
// parsed string), entries 2 and 4 redacted (2 with a family's view), checkpoints at 3 and 6.
const tricky = canonicalEntry(5, { legal_basis: 'oficio "FGJ/123"\\2025\nSección Ñ — 7°' });
const entries = chain(6, { 5: tricky });
const checkpoints = [
  signCheckpoint(key, 3, entries[2].hash, '2025-11-25T17:00:00.000000Z'),
  signCheckpoint(key, 6, entries[5].hash, '2025-11-25T18:00:00.000000Z'),
];
function exportLines(list = entries, cps = checkpoints) {
  return [
    ...list.map((e) => (e.position === 2 ? redactedLine(e, '{"redacted":true}') : e.position === 4 ? redactedLine(e) : entryLine(e))),
    ...cps.map(checkpointLine),
  ];
}
const good = exportLines();
const text = (lines) => `${lines.join('\n')}\n`;

// --- The cases ---------------------------------------------------------------------------------

const cases = [];
function check(name, lines, expect, { publicKey = key.publicHex, raw } = {}) {
  cases.push({ name, body: raw ?? text(lines), expect, publicKey });
}

check('a good export verifies', good, {
  ok: true, entries: 6, redacted: 2, checkpoints: 2, headHash: entries[5].hash,
});

// A changed entry: its text no longer gives its hash.
{
  const lines = [...good];
  lines[2] = entryLine({ ...entries[2], entry: entries[2].entry.replace('FGE-SON-CI-2025-3', 'NINGUNO') });
  check('a changed entry fails at its line', lines, { ok: false, line: 3, position: 3, code: 'altered', problem: 'entry 3 was altered: its text does not give its hash' });
}
// A changed hash field.
{
  const lines = [...good];
  lines[4] = entryLine({ ...entries[4], hash: sha256Hex('forged') });
  check('a changed hash fails at its line', lines, { ok: false, line: 5, position: 5, code: 'altered' });
}
// A changed prev_hash: the entry no longer links.
{
  const lines = [...good];
  lines[2] = entryLine({ ...entries[2], prevHash: entries[0].hash });
  check('a changed link fails at its line', lines, { ok: false, line: 3, position: 3, code: 'unlinked', problem: 'entry 3 does not link to entry 2: an entry was removed, reordered or altered' });
}
// A missing line: entry 3 is gone, entry 4 comes where 3 should.
{
  const lines = [...good];
  lines.splice(2, 1);
  check('a missing line is named', lines, { ok: false, line: 3, position: 3, code: 'missing-one', problem: 'entry 3 is missing' });
}
{
  const lines = [...good];
  lines.splice(1, 3);
  check('missing lines are named', lines, { ok: false, line: 2, position: 2, code: 'missing-range', problem: 'entries 2 to 4 are missing' });
}
// A duplicated (or reordered) line.
{
  const lines = [...good];
  lines.splice(3, 0, good[2]);
  check('a repeated entry is named', lines, { ok: false, line: 4, position: 3, code: 'repeated', problem: 'entry 3 appears again after entry 3: the log was reordered or duplicated' });
}
// A bad signature: one hex digit of the second checkpoint's signature changed.
{
  const lines = [...good];
  const c = { ...checkpoints[1] };
  c.signature = (c.signature[0] === '0' ? '1' : '0') + c.signature.slice(1);
  lines[7] = checkpointLine(c);
  check('a bad signature fails at its checkpoint', lines, { ok: false, line: 8, position: 6, code: 'checkpoint-unsigned', problem: 'the checkpoint at 6 is not signed by this public key' });
}
// The wrong key: the first checkpoint fails.
check('another key fails at the first checkpoint', good,
  { ok: false, line: 7, position: 3, code: 'checkpoint-unsigned' }, { publicKey: otherKey.publicHex });
// The right key, given in capitals (libsodium reads either case).
check('a key in capitals verifies', good, { ok: true, entries: 6 }, { publicKey: key.publicHex.toUpperCase() });
// A malformed key.
cases.push({ name: 'a malformed key is refused', body: text(good), publicKey: 'abc', cliSkip: true,
  expect: { ok: false, line: 0, position: 0, code: 'bad-key' } });
// A small-order key (anything verifies under it with some implementations; libsodium refuses).
check('a small-order key signs nothing', good, { ok: false, line: 7, position: 3, code: 'checkpoint-unsigned' },
  { publicKey: `01${'00'.repeat(31)}` });
// The past rewritten and every hash recomputed: the checkpoint at 3 catches it.
{
  const rewritten = chain(6, { 2: canonicalEntry(2, { purpose: 'investigation' }), 5: tricky });
  check('a relinked rewrite fails at the checkpoint', exportLines(rewritten), { ok: false, line: 7, position: 3, code: 'checkpoint-mismatch' });
}
// The tail cut off (entries 5 and 6 gone) with its checkpoints kept.
check('a cut tail fails at the checkpoint beyond it', exportLines(entries.slice(0, 4)), {
  ok: false, line: 6, position: 6, code: 'checkpoint-beyond', problem: 'the checkpoint at 6 is beyond the 4 entries exported: entries were removed',
});
// Not JSON, a float position, a wrong type, a checkpoint without its signature.
{
  const lines = [...good];
  lines[1] = '{"position": 2,';
  check('a broken line is not a JSON object', lines, { ok: false, line: 2, position: 0, code: 'not-object' });
}
{
  const lines = [...good];
  lines[0] = lines[0].replace('"position":1', '"position":1.0');
  check('a float position is refused', lines, { ok: false, line: 1, position: 0, code: 'bad-entry' });
}
{
  const lines = [...good];
  lines[3] = lines[3].replace('"redacted":true', '"redacted":"yes"');
  check('a "redacted" that is not a boolean is refused', lines, { ok: false, line: 4, position: 0, code: 'bad-entry' });
}
{
  const lines = [...good];
  lines[6] = JSON.stringify({ checkpoint: { tree_size: 3, head_hash: entries[2].hash, time: 'x' } });
  check('a checkpoint without signature is refused', lines, { ok: false, line: 7, position: 0, code: 'bad-checkpoint' });
}
{
  const lines = [...good];
  lines[0] = lines[0].replace('"entry":"{', '"entry":"\\ud800{');
  check('a lone surrogate escape is not JSON', lines, { ok: false, line: 1, position: 0, code: 'not-object' });
}
// Blank lines, CRLF line ends and a byte-order mark change nothing.
check('blank lines, CRLF and a BOM are accepted', null,
  { ok: true, entries: 6, checkpoints: 2 }, { raw: `\uFEFF${good.join('\r\n')}\r\n\n` });
// An export without checkpoints verifies (nothing then ties it to the key).
check('no checkpoints: the chain alone', exportLines(entries, []), { ok: true, entries: 6, checkpoints: 0 });

// --- Running them --------------------------------------------------------------------------

let failures = 0;
const cli = process.env.ENCUENTRO_CLI;
const dir = cli ? mkdtempSync(join(tmpdir(), 'verify-test-')) : null;

for (const c of cases) {
  try {
    const report = await verifyExport(c.body, c.publicKey);
    for (const [field, value] of Object.entries(c.expect)) {
      assert.equal(report[field], value, `${field}: ${JSON.stringify(report)}`);
    }
    // Bytes give the same report as text for valid UTF-8.
    const fromBytes = await verifyExportBytes(new TextEncoder().encode(c.body), c.publicKey);
    assert.deepEqual(fromBytes, report);
    if (cli && !c.cliSkip) {
      const file = join(dir, 'export.jsonl');
      writeFileSync(file, c.body);
      let out;
      try {
        out = execFileSync(cli, ['audit', 'verify', file, '--pubkey', c.publicKey], { encoding: 'utf8' });
      } catch (error) {
        out = error.stdout;
      }
      const expected = report.ok
        ? `OK: ${report.entries} entries (${report.redacted} redacted) link from the genesis to head ${report.headHash}; ${report.checkpoints} checkpoint(s)`
        : `BROKEN at line ${report.line} (entry ${report.position}): ${report.problem}\n`;
      assert.ok(out.startsWith(expected), `the C++ verifier says: ${out}`);
    }
    console.log(`ok   ${c.name}`);
  } catch (error) {
    failures++;
    console.log(`FAIL ${c.name}\n     ${error.message}`);
  }
}

// Invalid UTF-8 is "not a JSON object" on the bytes, as in the C++.
try {
  const bytes = new TextEncoder().encode(text(good));
  const at = bytes.indexOf(0x6e /* n */, new TextEncoder().encode(`${good[0]}\n${good[1]}\n${good[2]}\n${good[3]}\n`).length);
  const broken = new Uint8Array(bytes);
  broken[at] = 0xff;  // inside line 5
  const report = await verifyExportBytes(broken, key.publicHex);
  assert.equal(report.ok, false);
  assert.equal(report.line, 5);
  assert.equal(report.code, 'not-object');
  if (cli) {
    const file = join(dir, 'export.jsonl');
    writeFileSync(file, broken);
    let out;
    try { out = execFileSync(cli, ['audit', 'verify', file, '--pubkey', key.publicHex], { encoding: 'utf8' }); } catch (error) { out = error.stdout; }
    assert.ok(out.startsWith('BROKEN at line 5 (entry 0): not a JSON object'), out);
  }
  console.log('ok   invalid UTF-8 is not a JSON object');
} catch (error) {
  failures++;
  console.log(`FAIL invalid UTF-8\n     ${error.message}`);
}

if (dir) rmSync(dir, { recursive: true });
console.log(failures ? `${failures} failed` : `all ${cases.length + 1} passed${cli ? ' (and agree with the C++ verifier)' : ''}`);
process.exit(failures ? 1 : 0);
