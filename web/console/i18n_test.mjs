// Checks the console's catalogue (i18n.js):
//   - Spanish and English hold the same keys, and plural messages have "one" and "other";
//   - every key the modules name in quotes exists;
//   - every value of the API's enums that the console translates has words in both languages
//     (read from proto/encuentro/v1/*.proto);
//   - the parameters of each message are the same in both languages.
//
//   node web/console/i18n_test.mjs

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { catalogues } from './i18n.js';

const here = dirname(fileURLToPath(import.meta.url));
const { es, en } = catalogues;
let failures = 0;
function check(name, fn) {
  try {
    fn();
    console.log(`ok   ${name}`);
  } catch (error) {
    failures++;
    console.log(`FAIL ${name}\n     ${error.message}`);
  }
}

const params = (message) => {
  const texts = typeof message === 'object' ? Object.values(message) : [message];
  return [...new Set(texts.flatMap((m) => [...m.matchAll(/\{(\w+)\}/g)].map((x) => x[1])))].sort();
};

check('Spanish and English have the same keys', () => {
  const missingEn = Object.keys(es).filter((k) => !(k in en));
  const missingEs = Object.keys(en).filter((k) => !(k in es));
  assert.deepEqual({ missingEn, missingEs }, { missingEn: [], missingEs: [] });
});

check('plural messages have "one" and "other"', () => {
  for (const [lang, catalogue] of Object.entries(catalogues)) {
    for (const [key, message] of Object.entries(catalogue)) {
      if (typeof message === 'object') assert.ok(message.one && message.other, `${lang} ${key}`);
      else assert.equal(typeof message, 'string', `${lang} ${key}`);
    }
  }
});

check('each message has the same parameters in both languages', () => {
  const differ = Object.keys(es).filter((k) => k in en && params(es[k]).join() !== params(en[k]).join());
  assert.deepEqual(differ, []);
});

check('every key named in the modules exists', () => {
  const namespaces = new Set(Object.keys(es).map((k) => k.split('.')[0]));
  const missing = [];
  for (const file of readdirSync(here).filter((f) => f.endsWith('.js') && f !== 'i18n.js')) {
    const source = readFileSync(join(here, file), 'utf8');
    for (const match of source.matchAll(/'([a-zA-Z]+)\.([a-zA-Z0-9_.-]+)'/g)) {
      const key = `${match[1]}.${match[2]}`;
      if (namespaces.has(match[1]) && !(key in es) && !key.endsWith('.js')) missing.push(`${file}: ${key}`);
    }
    // Keys built from a fixed list: `purpose.${p}`, `queue.sort.${s}`.
    for (const match of source.matchAll(/t\(`([a-zA-Z.]+)\.\$\{/g)) {
      assert.ok(Object.keys(es).some((k) => k.startsWith(`${match[1]}.`)), `${file}: ${match[1]}.*`);
    }
  }
  assert.deepEqual(missing, []);
});

check('the fixed lists have their words', () => {
  for (const p of ['identification', 'investigation', 'family_request', 'quality_review']) assert.ok(`purpose.${p}` in es, p);
  for (const s of ['posterior', 'log10Lr', 'time']) assert.ok(`queue.sort.${s}` in es, s);
  const verify = readFileSync(join(here, 'verify.js'), 'utf8');
  const codes = [...verify.matchAll(/case '([a-z-]+)':/g)].map((m) => m[1]);
  assert.ok(codes.length >= 15, 'problem codes found in verify.js');
  for (const code of codes) assert.ok(`verify.problem.${code}` in es, code);
  for (const factor of ['face', 'dates', 'age', 'sex', 'stature', 'marks', 'dental', 'place', 'effects']) {
    assert.ok(`enum.factor.${factor}` in es, factor);
  }
  for (const role of ['commission_staff', 'forensic_lab', 'family_auditor', 'admin']) assert.ok(`enum.role.${role}` in es, role);
});

// group → [proto file, enum name] for the enums the console shows.
const ENUMS = {
  decision: ['matching.proto', 'Decision'],
  light: ['matching.proto', 'Light'],
  sex: ['common.proto', 'Sex'],
  sexMethod: ['remains.proto', 'SexMethod'],
  condition: ['remains.proto', 'Condition'],
  personStatus: ['missing_persons.proto', 'Status'],
  verdict: ['photos.proto', 'Verdict'],
  photoSource: ['photos.proto', 'Source'],
  progressionMethod: ['photos.proto', 'Method'],
  markKind: ['marks.proto', 'Kind'],
  bodyRegion: ['marks.proto', 'BodyRegion'],
  bodySide: ['marks.proto', 'Side'],
  effectCategory: ['effects.proto', 'Category'],
  dentalSource: ['dental.proto', 'Source'],
  toothState: ['dental.proto', 'ToothState'],
  surface: ['dental.proto', 'Surface'],
  material: ['dental.proto', 'Material'],
  restoration: ['dental.proto', 'Kind'],
  dnaStatus: ['dna.proto', 'Status'],
  relationship: ['dna.proto', 'Relationship'],
  measurementOrigin: ['anthropology.proto', 'MeasurementOrigin'],
  confirmingEvidence: ['identification.proto', 'Kind'],
};

const protoDir = join(here, '..', '..', 'proto', 'encuentro', 'v1');
if (existsSync(protoDir)) {
  check('every enum value of the API has words', () => {
    const missing = [];
    for (const [group, [file, name]] of Object.entries(ENUMS)) {
      const source = readFileSync(join(protoDir, file), 'utf8');
      const block = source.match(new RegExp(`enum ${name} \\{([^}]*)\\}`));
      assert.ok(block, `${file}: enum ${name}`);
      for (const value of block[1].matchAll(/^\s*([A-Z0-9_]+)\s*=/gm)) {
        if (!(`enum.${group}.${value[1]}` in es)) missing.push(`${group}.${value[1]}`);
      }
    }
    assert.deepEqual(missing, []);
  });
}

console.log(failures ? `${failures} failed` : 'all passed');
process.exit(failures ? 1 : 0);
