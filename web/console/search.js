// Candidate searches. Each search is audited with its purpose and legal basis, so the page runs
// one only when a person asks, and keeps the result (sessionStorage: this tab only, gone when it
// closes or at logout) for the comparison and the sheet to use rather than searching again.

import { api, resourcePath } from './api.js';
import { errorBox } from './components.js';
import { el, fill, uid } from './dom.js';
import { t } from './i18n.js';

export const PURPOSES = ['identification', 'investigation', 'family_request', 'quality_review'];
const FORM_KEY = 'encuentro.searchForm';
const RESULT_PREFIX = 'encuentro.search.';
// A result older than this is searched again: decisions and records move on.
export const FRESH_MS = 30 * 60 * 1000;

function readJson(key) {
  try {
    const text = sessionStorage.getItem(key);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function writeJson(key, value) {
  const text = JSON.stringify(value);
  try {
    sessionStorage.setItem(key, text);
  } catch {
    // Full (a search of 500 candidates is large): keep only this one and try once more.
    clearSearches();
    try {
      sessionStorage.setItem(key, text);
    } catch {
      // The result is still on screen; it just will not be reused.
    }
  }
}

// The purpose and legal basis last used, to prefill the next form.
export function formDefaults() {
  const saved = readJson(FORM_KEY) || {};
  return {
    purpose: PURPOSES.includes(saved.purpose) ? saved.purpose : 'identification',
    legalBasis: typeof saved.legalBasis === 'string' ? saved.legalBasis : '',
  };
}

function saveFormDefaults(purpose, legalBasis) {
  writeJson(FORM_KEY, { purpose, legalBasis });
}

// {savedAt, purpose, legalBasis, topN, includeExcluded, response} or null when none is fresh.
export function cachedSearch(remains) {
  const entry = readJson(RESULT_PREFIX + remains);
  if (!entry || !entry.response || !(Date.now() - entry.savedAt < FRESH_MS)) return null;
  return entry;
}

export function findCandidate(entry, person) {
  if (!entry) return null;
  return (entry.response.candidates || []).find((c) => c.missingPerson === person) || null;
}

export async function runSearch(remains, { purpose, legalBasis, topN = 500, includeExcluded = true }) {
  saveFormDefaults(purpose, legalBasis);
  const response = await api.post(`/api/v1/${resourcePath(remains)}/candidates:search`,
      { topN, includeExcluded, purpose, legalBasis });
  const entry = { savedAt: Date.now(), remains, purpose, legalBasis, topN, includeExcluded, response };
  writeJson(RESULT_PREFIX + remains, entry);
  return entry;
}

// A search for one pair's evidence (the comparison and the sheet): the result, the pair's
// candidate in it, and whether the person was missing from it.
export async function searchPair(remains, person, values) {
  const search = await runSearch(remains, values);
  const candidate = findCandidate(search, person);
  return { search, candidate, withoutPerson: !candidate };
}

// After a decision: the kept result shows the new one too.
export function updateCachedDecision(remains, person, decision) {
  const entry = readJson(RESULT_PREFIX + remains);
  if (!entry || !entry.response) return;
  const candidate = (entry.response.candidates || []).find((c) => c.missingPerson === person);
  if (!candidate) return;
  candidate.decision = decision;
  writeJson(RESULT_PREFIX + remains, entry);
}

export function clearSearches() {
  try {
    for (let k = sessionStorage.length - 1; k >= 0; k--) {
      const key = sessionStorage.key(k);
      if (key && key.startsWith(RESULT_PREFIX)) sessionStorage.removeItem(key);
    }
  } catch {
    // Storage unavailable: nothing was kept.
  }
}

// The purpose / legal basis form. `onSearch(values)` runs the search and resolves when done
// (its errors are shown here). options: options (bool: show top N and "include excluded"),
// intro (text above the fields), defaults ({purpose, legalBasis} to prefill instead of the last
// ones used).
export function searchForm(onSearch, { options = false, intro, defaults: given = {} } = {}) {
  const saved = formDefaults();
  const defaults = {
    purpose: PURPOSES.includes(given.purpose) ? given.purpose : saved.purpose,
    legalBasis: given.legalBasis || saved.legalBasis,
  };
  const ids = { purpose: uid('purpose'), basis: uid('basis'), topN: uid('topn'), excluded: uid('excluded') };
  const purpose = el('select', { id: ids.purpose, test: 'search-purpose', name: 'purpose', value: defaults.purpose },
      PURPOSES.map((p) => el('option', { value: p }, t(`purpose.${p}`))));
  const legalBasis = el('input', {
    id: ids.basis, test: 'search-legal-basis', name: 'legalBasis', type: 'text', required: true,
    autocomplete: 'off', value: defaults.legalBasis, 'aria-describedby': `${ids.basis}-hint`,
  });
  const topN = options ? el('select', { id: ids.topN, test: 'search-top-n', value: '50' },
      ['20', '50', '100', '500'].map((n) => el('option', { value: n }, n))) : null;
  const includeExcluded = options ? el('input', { id: ids.excluded, type: 'checkbox', test: 'search-include-excluded' }) : null;
  const submit = el('button', { type: 'submit', test: 'search-submit', class: 'primary' }, t('search.submit'));
  const errors = el('div', { test: 'search-error', 'aria-live': 'assertive' });
  const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });

  const form = el('form', { class: 'search-form', test: 'search-form', novalidate: true },
      intro ? el('p', {}, intro) : null,
      el('div', { class: 'form-row' },
          el('div', { class: 'form-field' }, el('label', { for: ids.purpose }, t('search.purpose')), purpose),
          el('div', { class: 'form-field grow' },
              el('label', { for: ids.basis }, t('search.legalBasis')), legalBasis,
              el('p', { class: 'hint', id: `${ids.basis}-hint` }, t('search.legalBasisHint'))),
          options ? el('div', { class: 'form-field' }, el('label', { for: ids.topN }, t('search.topN')), topN) : null),
      options ? el('div', { class: 'form-check' }, includeExcluded, el('label', { for: ids.excluded }, t('search.includeExcluded'))) : null,
      el('p', { class: 'hint' }, t('search.audited')),
      el('div', { class: 'form-actions' }, submit),
      status, errors);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    fill(errors);
    const basis = legalBasis.value.trim();
    if (!basis) {
      legalBasis.setAttribute('aria-invalid', 'true');
      fill(errors, el('p', { class: 'error', role: 'alert' }, t('search.legalBasisRequired')));
      legalBasis.focus();
      return;
    }
    legalBasis.removeAttribute('aria-invalid');
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    status.textContent = t('search.running');
    try {
      await onSearch({
        purpose: purpose.value,
        legalBasis: basis,
        topN: topN ? Number(topN.value) : 500,
        includeExcluded: includeExcluded ? includeExcluded.checked : true,
      });
      status.textContent = '';
    } catch (error) {
      status.textContent = '';
      fill(errors, errorBox(error));
    } finally {
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
  return form;
}
