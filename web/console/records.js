// What a remains record or a missing person's record says, as definition lists and short lists.
// Shared by the record pages, the comparison and the printed sheet. Only fields with a value are
// shown: the API includes every field, even at its default.

import { recordLink } from './components.js';
import { definitionList, el } from './dom.js';
import {
  fmtDate, fmtNumber, fmtPlusMinus, fmtProbability, fmtRange, fmtTimestamp, yesNo,
} from './format.js';
import { t, tEnum } from './i18n.js';

function set(value, unspecified) {
  return value && value !== unspecified ? value : '';
}

function place(p) {
  if (!p) return '';
  const parts = [];
  if (p.description) parts.push(p.description);
  const loc = p.location;
  if (loc && (loc.latitude || loc.longitude)) {
    parts.push(t('record.coordinates', { lat: fmtNumber(loc.latitude, 5), lng: fmtNumber(loc.longitude, 5) }));
  }
  return parts.join(' · ');
}

function duplicates(names) {
  if (!names || !names.length) return '';
  return el('span', {}, names.map((n, k) => [k ? ', ' : '', recordLink(n, n)]));
}

// The banner of a record that was identified, or withdrawn.
export function recordNotices(record) {
  const out = [];
  if (record.deleteTime) {
    out.push(el('p', { class: 'notice warning', test: 'record-deleted' },
        t('record.deleted', { time: fmtTimestamp(record.deleteTime), reason: record.deleteReason || '' })));
  }
  const id = record.identification;
  if (id && id.remains && id.missingPerson) {
    out.push(el('div', { class: 'notice identified', test: 'record-identified' },
        el('p', {}, t('record.identified', {
          remains: id.remains, person: id.missingPerson,
          board: id.boardReference || '', date: fmtDate(id.boardDate),
        })),
        el('p', {}, recordLink(id.remains, id.remains), ' · ', recordLink(id.missingPerson, id.missingPerson)),
        id.evidence && id.evidence.length
          ? el('ul', {}, id.evidence.map((e) => el('li', {},
              tEnum('confirmingEvidence', e.kind), ': ', e.reference || '', e.date && e.date.year ? ` (${fmtDate(e.date)})` : '')))
          : null));
  }
  return out;
}

export function remainsFields(r) {
  const pmi = r.postMortemInterval || {};
  return definitionList([
    [t('record.caseFolio'), r.caseFolio, 'field-folio'],
    [t('remains.lab'), r.lab, 'field-lab'],
    [t('remains.expert'), r.responsibleExpert],
    [t('remains.foundDate'), fmtDate(r.foundDate)],
    [t('remains.foundPlace'), place(r.foundPlace)],
    [t('remains.pmi'), fmtRange(pmi.minDays, pmi.maxDays, 'unit.days', 0)],
    [t('remains.condition'), set(r.condition, 'CONDITION_UNSPECIFIED') && tEnum('condition', r.condition)],
    [t('remains.marksExamined'), yesNo(r.marksExamined)],
    [t('record.notes'), r.notes],
    [t('record.organization'), r.organization],
    [t('record.created'), fmtTimestamp(r.createTime)],
    [t('record.updated'), fmtTimestamp(r.updateTime)],
    [t('record.possibleDuplicates'), duplicates(r.possibleDuplicates)],
    [t('record.resourceName'), r.name],
  ]);
}

export function biologicalProfile(bp) {
  const profile = bp || {};
  const sex = profile.sex || {};
  const age = profile.age || {};
  const stature = profile.stature || {};
  const assessment = (a) => (a && (a.method || a.author)
    ? [a.method, a.author].filter(Boolean).join(' — ') : '');
  const sexText = set(sex.sex, 'SEX_UNSPECIFIED')
    ? [tEnum('sex', sex.sex),
      sex.probability > 0 ? t('profile.probability', { p: fmtProbability(sex.probability) }) : '',
      set(sex.methodKind, 'SEX_METHOD_UNSPECIFIED') ? tEnum('sexMethod', sex.methodKind) : '',
    ].filter(Boolean).join(' · ')
    : '';
  const range = age.ageAtDeath || {};
  const statureText = [
    fmtRange(stature.minCm, stature.maxCm, 'unit.cm'),
    stature.statureCm > 0 ? t('profile.pointEstimate', { value: fmtPlusMinus(stature.statureCm, stature.standardErrorCm, 'unit.cm') }) : '',
    stature.formulaId ? t('profile.formula', { id: stature.formulaId }) : '',
  ].filter(Boolean).join(' · ');
  const list = definitionList([
    [t('profile.sex'), sexText, 'profile-sex'],
    [t('profile.sexAssessment'), sexText && assessment(sex.assessment)],
    [t('profile.sexErrorRate'), sexText && sex.errorRate !== undefined && sex.errorRate !== null ? fmtProbability(sex.errorRate) : ''],
    [t('profile.age'), fmtRange(range.minYears, range.maxYears, 'unit.years'), 'profile-age'],
    [t('profile.ageAssessment'), assessment(age.assessment)],
    [t('profile.stature'), statureText, 'profile-stature'],
    [t('profile.statureAssessment'), statureText && assessment(stature.assessment)],
  ]);
  return list.childElementCount ? list : el('p', { class: 'empty' }, t('profile.empty'));
}

function ageAtDisappearance(p) {
  const a = p.ageAtDisappearance || {};
  return fmtPlusMinus(a.years, a.uncertaintyYears, 'unit.years');
}

export function personFields(p) {
  const height = p.reportedHeight || {};
  return definitionList([
    [t('record.caseFolio'), p.caseFolio, 'field-folio'],
    [t('person.issuingAuthority'), p.issuingAuthority],
    [t('person.givenNames'), p.givenNames],
    [t('person.familyNames'), p.familyNames],
    [t('person.aliases'), (p.aliases || []).join(', ')],
    [t('person.sex'), set(p.sex, 'SEX_UNSPECIFIED') && tEnum('sex', p.sex)],
    [t('person.dateOfBirth'), fmtDate(p.dateOfBirth)],
    [t('person.ageAtDisappearance'), ageAtDisappearance(p)],
    [t('person.lastSeenDate'), fmtDate(p.lastSeenDate)],
    [t('person.lastSeenPlace'), place(p.lastSeenPlace)],
    [t('person.reportedHeight'), fmtPlusMinus(height.cm, height.precisionCm, 'unit.cm', 0)],
    [t('person.status'), set(p.status, 'STATUS_UNSPECIFIED') && tEnum('personStatus', p.status)],
    [t('record.organization'), p.organization],
    [t('record.created'), fmtTimestamp(p.createTime)],
    [t('record.updated'), fmtTimestamp(p.updateTime)],
    [t('record.possibleDuplicates'), duplicates(p.possibleDuplicates)],
    [t('record.resourceName'), p.name],
  ]);
}

// A shorter summary for the comparison and the sheet.
export function remainsSummary(r) {
  const bp = r.biologicalProfile || {};
  const sex = (bp.sex && set(bp.sex.sex, 'SEX_UNSPECIFIED')) ? tEnum('sex', bp.sex.sex) : '';
  const age = bp.age && bp.age.ageAtDeath ? fmtRange(bp.age.ageAtDeath.minYears, bp.age.ageAtDeath.maxYears, 'unit.years') : '';
  const stature = bp.stature ? fmtRange(bp.stature.minCm, bp.stature.maxCm, 'unit.cm') : '';
  return definitionList([
    [t('record.caseFolio'), r.caseFolio],
    [t('remains.lab'), r.lab],
    [t('remains.foundDate'), fmtDate(r.foundDate)],
    [t('remains.foundPlace'), place(r.foundPlace)],
    [t('remains.condition'), set(r.condition, 'CONDITION_UNSPECIFIED') && tEnum('condition', r.condition)],
    [t('profile.sex'), sex],
    [t('profile.age'), age],
    [t('profile.stature'), stature],
    [t('record.resourceName'), r.name],
  ]);
}

export function personSummary(p) {
  const height = p.reportedHeight || {};
  return definitionList([
    [t('person.name'), [p.givenNames, p.familyNames].filter(Boolean).join(' ')],
    [t('record.caseFolio'), p.caseFolio],
    [t('person.sex'), set(p.sex, 'SEX_UNSPECIFIED') && tEnum('sex', p.sex)],
    [t('person.dateOfBirth'), fmtDate(p.dateOfBirth)],
    [t('person.ageAtDisappearance'), ageAtDisappearance(p)],
    [t('person.lastSeenDate'), fmtDate(p.lastSeenDate)],
    [t('person.lastSeenPlace'), place(p.lastSeenPlace)],
    [t('person.reportedHeight'), fmtPlusMinus(height.cm, height.precisionCm, 'unit.cm', 0)],
    [t('record.organization'), p.organization],
    [t('record.resourceName'), p.name],
  ]);
}

export function marksList(marks) {
  if (!marks || !marks.length) return el('p', { class: 'empty' }, t('marks.none'));
  return el('ul', { class: 'items', test: 'marks' }, marks.map((m) => {
    const where = [
      set(m.bodyRegion, 'BODY_REGION_UNSPECIFIED') && tEnum('bodyRegion', m.bodyRegion),
      set(m.bodySide, 'SIDE_UNSPECIFIED') && tEnum('bodySide', m.bodySide),
      m.locationDetail,
    ].filter(Boolean).join(', ');
    const implant = m.implant && (m.implant.manufacturer || m.implant.serialNumber)
      ? t('marks.implant', { manufacturer: m.implant.manufacturer || '—', serial: m.implant.serialNumber || '—' }) : '';
    return el('li', { test: 'mark' },
        el('strong', {}, tEnum('markKind', m.kind)), where ? ` — ${where}` : '',
        m.description ? el('p', {}, m.description) : null,
        m.keywords && m.keywords.length ? el('p', { class: 'keywords' }, t('marks.keywords'), ' ', m.keywords.join(' · ')) : null,
        implant ? el('p', {}, implant) : null);
  }));
}

export function effectsList(effects) {
  if (!effects || !effects.length) return el('p', { class: 'empty' }, t('effects.none'));
  return el('ul', { class: 'items', test: 'effects' }, effects.map((e) => {
    const details = [
      e.colour && t('effects.colour', { value: e.colour }),
      e.brand && t('effects.brand', { value: e.brand }),
      e.size && t('effects.size', { value: e.size }),
    ].filter(Boolean).join(' · ');
    return el('li', { test: 'effect' },
        el('strong', {}, tEnum('effectCategory', e.category)),
        e.description ? ` — ${e.description}` : '',
        details ? el('p', {}, details) : null,
        e.keywords && e.keywords.length ? el('p', { class: 'keywords' }, t('marks.keywords'), ' ', e.keywords.join(' · ')) : null);
  }));
}

// The chart in a few lines: what was examined, how many teeth in each state, and every tooth
// that is not simply present (those are what an odontologist compares first).
export function dentalSummary(chart) {
  const teeth = (chart && chart.teeth) || [];
  if (!teeth.length) return el('p', { class: 'empty', test: 'dental-summary' }, t('dental.none'));
  const counts = new Map();
  for (const tooth of teeth) counts.set(tooth.state, (counts.get(tooth.state) || 0) + 1);
  const notable = teeth
    .filter((tooth) => tooth.state !== 'PRESENT' || (tooth.restorations || []).length)
    .sort((a, b) => a.fdi - b.fdi);
  const restoration = (r) => {
    const surfaces = (r.surfaces || []).map((s) => tEnum('surface', s)).join(', ');
    const material = set(r.material, 'MATERIAL_UNSPECIFIED') ? tEnum('material', r.material) : '';
    return [tEnum('restoration', r.kind), material, surfaces && `(${surfaces})`].filter(Boolean).join(' ');
  };
  return el('div', { test: 'dental-summary' },
      definitionList([
        [t('dental.source'), set(chart.source, 'SOURCE_UNSPECIFIED') && tEnum('dentalSource', chart.source)],
        [t('dental.sourceDate'), fmtDate(chart.sourceDate)],
        [t('dental.examined'), t('dental.teethCount', { count: teeth.length })],
        [t('dental.states'), [...counts].map(([state, n]) => `${tEnum('toothState', state)}: ${n}`).join(' · ')],
        [t('record.notes'), chart.notes],
      ]),
      notable.length
        ? el('ul', { class: 'items compact' }, notable.map((tooth) => el('li', {},
            el('strong', {}, t('dental.tooth', { fdi: tooth.fdi })), ': ',
            [tEnum('toothState', tooth.state), ...(tooth.restorations || []).map(restoration)].join('; '))))
        : null);
}

export function dnaList(samples) {
  if (!samples || !samples.length) return el('p', { class: 'empty' }, t('dna.none'));
  return el('ul', { class: 'items', test: 'dna-samples' }, samples.map((s) => el('li', {},
      el('strong', {}, s.skeletalElement || [s.donorName, set(s.relationship, 'RELATIONSHIP_UNSPECIFIED') && tEnum('relationship', s.relationship)].filter(Boolean).join(', ') || s.name),
      ' — ', tEnum('dnaStatus', s.status || 'STATUS_UNSPECIFIED'),
      [s.lab && ` · ${t('dna.lab', { value: s.lab })}`,
        s.kitId && ` · ${t('dna.kit', { value: s.kitId })}`,
        s.collectedDate && s.collectedDate.year ? ` · ${t('dna.collected', { date: fmtDate(s.collectedDate) })}` : ''].filter(Boolean))));
}
