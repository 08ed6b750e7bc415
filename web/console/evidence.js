// The evidence on one pair and the reviewers' decisions on it: shared by the comparison page and
// the printed sheet. Evidence reasons come from the server in English and are shown as given
// (they are the matcher's own words, which a translation could distort).

import { api, resourcePath } from './api.js';
import { decisionBadge, errorBox, lightBadge, settle } from './components.js';
import { el, fill, uid } from './dom.js';
import { fmtLog10, fmtNumber, fmtProbability, fmtTimestamp, yesNo } from './format.js';
import { t, tEnum } from './i18n.js';
import { listPhotos } from './photos.js';
import { updateCachedDecision } from './search.js';

export const DECISIONS = ['PENDING', 'EXCLUDED', 'POSSIBLE', 'SENT_FOR_DNA'];

// The pair's decisions (CandidatePair) from the remains' list, or null when there are none yet.
export async function loadPair(remains, person) {
  const response = await api.get(`/api/v1/${resourcePath(remains)}/candidates`);
  return (response.pairs || []).find((p) => p.missingPerson === person) || null;
}

// What the comparison and the sheet show, loaded together; only the remains record is
// required, every other part is {ok, value | error} and fails on its own.
export async function loadPairContext(remains, person) {
  const [remainsRecord, personRecord, remainsPhotos, personPhotos, pair] = await Promise.all([
    api.get(`/api/v1/${resourcePath(remains)}`),
    settle(api.get(`/api/v1/${resourcePath(person)}`)),
    settle(listPhotos(remains)),
    settle(listPhotos(person)),
    settle(loadPair(remains, person)),
  ]);
  return { remains, person, remainsRecord, personRecord, remainsPhotos, personPhotos, pair };
}

// The photos to put side by side: those the face factor compared, else each record's first.
export function pickPhotos(candidate, remainsPhotos, personPhotos) {
  const face = candidate && (candidate.factors || []).find((f) => f.name === 'face');
  const find = (list, name) => (list.ok ? list.value.find((p) => p.name === name) : null);
  const first = (list) => (list.ok && list.value.length ? list.value[0] : null);
  let remainsPhoto = null;
  let personPhoto = null;
  if (face && face.photos && face.photos.length >= 2) {
    remainsPhoto = find(remainsPhotos, face.photos[0]) || { name: face.photos[0] };
    personPhoto = find(personPhotos, face.photos[1]) || { name: face.photos[1] };
  }
  return {
    remainsPhoto: remainsPhoto || first(remainsPhotos),
    personPhoto: personPhoto || first(personPhotos),
    fromFace: Boolean(remainsPhoto),
  };
}

export function factorTable(candidate) {
  const captionId = uid('factors');
  return el('table', { class: 'factors', test: 'factors', 'aria-describedby': captionId },
      el('caption', { id: captionId }, t('factors.caption')),
      el('thead', {}, el('tr', {},
          ['factors.factor', 'factors.light', 'factors.log10Lr', 'factors.excludes', 'factors.priorWeight', 'factors.reason']
            .map((key) => el('th', { scope: 'col' }, t(key))))),
      el('tbody', {}, (candidate.factors || []).map((f) => el('tr', {
        test: 'factor-row',
        dataset: { factor: f.name, light: f.light || 'LIGHT_UNSPECIFIED', excludes: String(Boolean(f.excludes)) },
        class: f.excludes ? 'excludes' : null,
      },
      el('th', { scope: 'row' }, tEnum('factor', f.name)),
      el('td', {}, lightBadge(f.light)),
      el('td', { class: 'num' }, fmtLog10(f.log10Lr)),
      el('td', {}, yesNo(f.excludes)),
      el('td', {}, yesNo(f.priorWeight)),
      el('td', { class: 'reason' }, f.reason || (candidate.referenceOnly ? t('factors.reasonWithheld') : '—'))))));
}

// The combined evidence and the search it came from.
export function combinedScores(candidate, search) {
  const response = search.response || {};
  return el('dl', { class: 'fields combined', test: 'combined' },
      el('div', { class: 'field' }, el('dt', {}, t('combined.light')), el('dd', {}, lightBadge(candidate.light))),
      el('div', { class: 'field', test: 'combined-log10lr' }, el('dt', {}, t('combined.log10Lr')), el('dd', { class: 'num' }, fmtLog10(candidate.log10Lr))),
      el('div', { class: 'field', test: 'combined-posterior' }, el('dt', {}, t('combined.posterior')), el('dd', { class: 'num' }, fmtProbability(candidate.posterior))),
      candidate.excluded ? el('div', { class: 'field' }, el('dt', {}, t('combined.excluded')), el('dd', {}, t('common.yes'))) : null,
      el('div', { class: 'field' }, el('dt', {}, t('combined.prior')),
          el('dd', {}, fmtProbability(response.priorProbability), response.prior ? ` (${response.prior})` : '')),
      el('div', { class: 'field', test: 'search-info' }, el('dt', {}, t('combined.search')),
          el('dd', {}, t('combined.searchInfo', {
            time: fmtTimestamp(new Date(search.savedAt).toISOString()),
            purpose: t(`purpose.${search.purpose}`),
            basis: search.legalBasis,
            scored: fmtNumber(response.candidatesScored, 0),
          }))));
}

export function historyList(pair) {
  const history = (pair && pair.history) || [];
  if (!history.length) return el('p', { class: 'empty', test: 'history-empty' }, t('history.none'));
  return el('ol', { class: 'history', test: 'history' },
      // Newest first: the current decision leads.
      [...history].reverse().map((entry) => el('li', { test: 'history-entry', dataset: { decision: entry.decision } },
          el('div', { class: 'history-head' },
              decisionBadge(entry.decision), ' ',
              el('time', { datetime: entry.createTime || '' }, fmtTimestamp(entry.createTime))),
          el('p', { class: 'history-who' }, [entry.author, entry.organization].filter(Boolean).join(' · ') || t('history.withheld')),
          el('p', { class: 'history-reason' }, entry.reason || t('history.reasonWithheld')))));
}

// The form that records a decision. `onRecorded(pair)` receives the updated CandidatePair.
export function decisionForm({ remains, person, pair, onRecorded }) {
  const ids = { decision: uid('decision'), reason: uid('reason') };
  const current = pair && pair.current && DECISIONS.includes(pair.current.decision) ? pair.current.decision : 'PENDING';
  const select = el('select', { id: ids.decision, test: 'decision-select', name: 'decision', value: current },
      DECISIONS.map((d) => el('option', { value: d }, tEnum('decision', d))));
  const reason = el('textarea', {
    id: ids.reason, test: 'decision-reason', name: 'reason', rows: '4', required: true,
    'aria-describedby': `${ids.reason}-hint`,
  });
  const submit = el('button', { type: 'submit', test: 'decision-submit', class: 'primary' }, t('decision.submit'));
  const error = el('div', { test: 'decision-error', 'aria-live': 'assertive' });
  const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite', test: 'decision-status' });
  const form = el('form', { class: 'decision-form', test: 'decision-form', novalidate: true },
      el('div', { class: 'form-field' }, el('label', { for: ids.decision }, t('decision.label')), select),
      el('div', { class: 'form-field' },
          el('label', { for: ids.reason }, t('decision.reason')), reason,
          el('p', { class: 'hint', id: `${ids.reason}-hint` }, t('decision.reasonHint'))),
      el('div', { class: 'form-actions' }, submit),
      status, error);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    fill(error);
    status.textContent = '';
    const text = reason.value.trim();
    if (!text) {
      // The server refuses it too; saying so here saves a round trip and keeps the focus.
      reason.setAttribute('aria-invalid', 'true');
      fill(error, el('p', { class: 'error', role: 'alert' }, t('decision.reasonRequired')));
      reason.focus();
      return;
    }
    reason.removeAttribute('aria-invalid');
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      const updated = await api.post('/api/v1/candidates:recordDecision',
          { remains, missingPerson: person, decision: select.value, reason: text });
      reason.value = '';
      if (updated.current) updateCachedDecision(remains, person, updated.current);
      onRecorded(updated);
      status.textContent = t('decision.recorded', { decision: tEnum('decision', select.value) });
    } catch (err) {
      fill(error, errorBox(err));
    } finally {
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
  return form;
}
