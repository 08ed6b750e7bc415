// A set of unidentified remains: the record, the biological profile, photos, measurements and
// the estimates from them, marks, effects, the dental chart and DNA samples, and the candidate
// search. Only the record itself is required; every other part that fails says so in place.

import { ApiError, api, resourcePath, withQuery } from './api.js';
import {
  compareHref, decisionBadge, lightBadge, pageTitle, personHref, sectionFailure, settle,
} from './components.js';
import { definitionList, el, fill, section, uid } from './dom.js';
import {
  fmtDate, fmtLog10, fmtNumber, fmtProbability, fmtTimestamp, remainsLabel,
} from './format.js';
import { t, tEnum } from './i18n.js';
import { listPhotos, photoGallery, placeholder } from './photos.js';
import {
  biologicalProfile, dentalSummary, dnaList, effectsList, marksList, recordNotices, remainsFields,
} from './records.js';
import { cachedSearch, runSearch, searchForm } from './search.js';

export const name = 'remains';

// An estimate needs measurements; without them the server answers 400 or 412, which is a state
// of the record, not a failure.
// An estimate is a POST custom method (asked to, it saves to the profile; here it never is).
async function estimate(path) {
  try {
    return { ok: true, value: await api.post(path, {}) };
  } catch (error) {
    if (error instanceof ApiError && (error.status === 400 || error.status === 412)) {
      return { ok: true, value: null, reason: error.message };
    }
    if (error instanceof ApiError && error.status === 401) throw error;
    return { ok: false, error };
  }
}

// A record's sub-collection, from the record when it carries it (it does, as output-only
// fields), else from its own endpoint.
function subCollection(record, field, path, listField) {
  if (Array.isArray(record[field])) return Promise.resolve({ ok: true, value: record[field] });
  return settle(api.get(withQuery(path, { pageSize: 1000 })).then((r) => r[listField] || []));
}

function photosSection(result) {
  if (!result.ok) {
    const denied = result.error instanceof ApiError && result.error.status === 403;
    return { node: denied ? placeholder(t('photo.denied'), 'photos', 'denied') : sectionFailure(result.error, 'photos-error'), ready: Promise.resolve() };
  }
  if (!result.value.length) return { node: el('p', { class: 'empty', test: 'photos' }, t('photo.none')), ready: Promise.resolve() };
  return photoGallery(result.value);
}

function measurementsSection(versions, sex, stature) {
  const parts = [];
  if (!versions.ok) {
    parts.push(sectionFailure(versions.error, 'measurements-error'));
  } else if (!versions.value.length) {
    parts.push(el('p', { class: 'empty', test: 'measurement-versions' }, t('measurements.none')));
  } else {
    const sets = versions.value;
    parts.push(el('table', { class: 'compact', test: 'measurement-versions' },
        el('caption', {}, t('measurements.versions')),
        el('thead', {}, el('tr', {}, ['measurements.version', 'measurements.date', 'measurements.observer',
          'measurements.instrument', 'measurements.origin', 'measurements.count', 'measurements.recorded']
          .map((key) => el('th', { scope: 'col' }, t(key))))),
        el('tbody', {}, sets.map((s) => el('tr', { test: 'measurement-version' },
            el('th', { scope: 'row' }, String(s.version || '')),
            el('td', {}, fmtDate(s.measuredDate)),
            el('td', {}, s.observer || '—'),
            el('td', {}, s.instrument || '—'),
            el('td', {}, tEnum('measurementOrigin', s.origin || 'MEASUREMENT_ORIGIN_UNSPECIFIED')),
            el('td', { class: 'num' }, String((s.measurements || []).length)),
            el('td', {}, [s.createdBy, fmtTimestamp(s.createTime)].filter(Boolean).join(' · ')))))));
    const latest = sets[0];
    if ((latest.measurements || []).length) {
      parts.push(el('details', {},
          el('summary', {}, t('measurements.latest', { version: String(latest.version || '') })),
          el('table', { class: 'compact' },
              el('thead', {}, el('tr', {}, ['measurements.code', 'measurements.value', 'measurements.origin']
                .map((key) => el('th', { scope: 'col' }, t(key))))),
              el('tbody', {}, latest.measurements.map((m) => el('tr', {},
                  el('th', { scope: 'row' }, el('code', {}, m.code)),
                  el('td', { class: 'num' }, `${fmtNumber(m.value, 2)} ${m.unit || 'mm'}`),
                  el('td', {}, tEnum('measurementOrigin', m.origin || 'MEASUREMENT_ORIGIN_UNSPECIFIED'))))))));
    }
  }
  parts.push(el('h3', {}, t('estimates.title')));
  parts.push(estimateBlock('estimate-sex', t('estimates.sex'), sex, (r) => {
    const female = r.female || {};
    const male = r.male || {};
    return [
      el('p', {}, el('strong', {}, tEnum('sex', r.estimatedSex || 'SEX_UNSPECIFIED')), ' — ',
          t('estimates.sexPosteriors', { female: fmtProbability(female.posterior), male: fmtProbability(male.posterior) })),
      definitionList([
        [t('estimates.loo'), r.looTotal ? t('estimates.looValue', {
          accuracy: fmtProbability(r.looAccuracy), correct: String(r.looCorrect), total: String(r.looTotal),
        }) : ''],
        [t('estimates.variables'), (r.variables || []).join(', ')],
        [t('estimates.populations'), (r.populations || []).join(', ')],
        [t('estimates.method'), r.method],
        [t('estimates.measurementSet'), r.measurementSet],
        [t('estimates.warnings'), (r.warnings || []).join('; ')],
      ]),
    ];
  }));
  parts.push(estimateBlock('estimate-stature', t('estimates.stature'), stature, (r) => {
    const e = r.estimate || {};
    return [
      el('p', {}, el('strong', {}, `${fmtNumber(e.statureCm, 1)} ${t('unit.cm')}`), ' ',
          t('estimates.statureRange', { min: fmtNumber(e.minCm, 1), max: fmtNumber(e.maxCm, 1) })),
      definitionList([
        [t('estimates.formula'), e.formula],
        [t('estimates.source'), e.source],
        [t('estimates.method'), r.method],
        [t('estimates.measurementSet'), r.measurementSet],
      ]),
    ];
  }));
  return parts;
}

function estimateBlock(test, title, result, render) {
  let body;
  if (!result.ok) body = sectionFailure(result.error);
  else if (!result.value) {
    body = el('p', { class: 'empty' }, t('estimates.noMeasurements'),
        result.reason ? el('span', { class: 'small' }, ` (${result.reason})`) : null);
  } else body = render(result.value);
  return el('div', { class: 'estimate', test }, el('h4', {}, title), body);
}

function candidateTable(entry) {
  const candidates = entry.response.candidates || [];
  const response = entry.response;
  const summary = el('p', { class: 'search-summary', test: 'search-summary' }, t('search.summary', {
    time: fmtTimestamp(new Date(entry.savedAt).toISOString()),
    purpose: t(`purpose.${entry.purpose}`),
    basis: entry.legalBasis,
    count: candidates.length,
    scored: fmtNumber(response.candidatesScored, 0),
    prior: fmtProbability(response.priorProbability),
  }));
  if (!candidates.length) return [summary, el('p', { class: 'empty', test: 'search-empty' }, t('search.noCandidates'))];
  const captionId = uid('cands');
  return [summary, el('table', { class: 'candidates', test: 'candidates', 'aria-describedby': captionId },
      el('caption', { id: captionId }, t('search.caption')),
      el('thead', {}, el('tr', {}, ['search.rank', 'search.name', 'search.folio', 'search.light', 'search.log10Lr',
        'search.posterior', 'search.decision', 'search.actions'].map((key) => el('th', { scope: 'col' }, t(key))))),
      el('tbody', {}, candidates.map((c, k) => el('tr', {
        test: 'candidate-row',
        dataset: { person: c.missingPerson, light: c.light || 'LIGHT_UNSPECIFIED', excluded: String(Boolean(c.excluded)) },
        class: c.excluded ? 'excluded' : null,
      },
      el('td', { class: 'num' }, String(k + 1)),
      el('td', {}, el('a', { href: personHref(c.missingPerson), test: 'candidate-person' }, c.displayName || c.missingPerson),
          c.referenceOnly ? el('span', { class: 'tag' }, t('search.referenceOnly', { organization: c.organization || '' })) : null,
          c.excluded ? el('span', { class: 'tag tag-excluded' }, t('search.excluded')) : null),
      el('td', {}, c.caseFolio || '—'),
      el('td', {}, lightBadge(c.light)),
      el('td', { class: 'num' }, fmtLog10(c.log10Lr)),
      el('td', { class: 'num' }, fmtProbability(c.posterior)),
      el('td', {}, c.decision && c.decision.decision ? decisionBadge(c.decision.decision) : t('search.noDecision')),
      el('td', {}, el('a', { href: compareHref(entry.remains, c.missingPerson), test: 'candidate-compare', class: 'button-link' },
          t('search.compare')))))))];
}

export async function mount(root, params, ctx) {
  const name = params.remains;
  const record = await api.get(`/api/v1/${resourcePath(name)}`);
  const [photos, versions, sex, stature, dna, marks, effects, dental] = await Promise.all([
    settle(listPhotos(name)),
    settle(api.get(withQuery(`/api/v1/${resourcePath(name)}/measurementVersions`, { pageSize: 100 }))
      .then((r) => r.measurementSets || [])),
    estimate(`/api/v1/${resourcePath(name)}:estimateSex`),
    estimate(`/api/v1/${resourcePath(name)}:estimateStature`),
    settle(api.get(withQuery(`/api/v1/${resourcePath(name)}/dnaSamples`, { pageSize: 1000 })).then((r) => r.dnaSamples || [])),
    subCollection(record, 'marks', `/api/v1/${resourcePath(name)}/marks`, 'marks'),
    subCollection(record, 'effects', `/api/v1/${resourcePath(name)}/effects`, 'effects'),
    record.dentalChart ? { ok: true, value: record.dentalChart }
      : settle(api.get(`/api/v1/${resourcePath(name)}/dentalChart`)),
  ]);
  const state = { search: cachedSearch(name) };

  function render() {
    const results = el('div', { class: 'search-results', test: 'search-results' },
        state.search ? candidateTable(state.search) : null);
    const gallery = photosSection(photos);
    fill(root, 
        pageTitle(t('remains.title', { label: remainsLabel(record, name) }), record.lab || '', record.lab ? ' · ' : '', name),
        ...recordNotices(record),
        el('div', { class: 'columns' },
            section(t('remains.record'), { test: 'remains-record' }, remainsFields(record)),
            section(t('profile.title'), { test: 'biological-profile' }, biologicalProfile(record.biologicalProfile))),
        section(t('photo.title'), { test: 'photos-section' }, gallery.node),
        section(t('measurements.title'), { test: 'measurements' }, measurementsSection(versions, sex, stature)),
        el('div', { class: 'columns' },
            section(t('marks.title'), { test: 'marks-section' }, marks.ok ? marksList(marks.value) : sectionFailure(marks.error)),
            section(t('effects.title'), { test: 'effects-section' }, effects.ok ? effectsList(effects.value) : sectionFailure(effects.error))),
        el('div', { class: 'columns' },
            section(t('dental.title'), { test: 'dental-section' }, dental.ok ? dentalSummary(dental.value) : sectionFailure(dental.error)),
            section(t('dna.title'), { test: 'dna-section' }, dna.ok ? dnaList(dna.value) : sectionFailure(dna.error))),
        section(t('search.title'), { test: 'search-section' },
            record.identification && record.identification.missingPerson
              ? el('p', { class: 'note' }, t('search.identified'))
              : searchForm(async (values) => {
                state.search = await runSearch(name, values);
                if (!ctx.isCurrent()) return;
                fill(results, candidateTable(state.search));
                results.querySelector('caption, .search-summary')?.scrollIntoView({ block: 'nearest' });
              }, { options: true, intro: t('search.intro') }),
            results));
    return gallery.ready;
  }

  render();
  return { render };
}

