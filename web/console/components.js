// Small pieces every page uses: error messages, the traffic lights, decision badges, links to
// records, and "this part could not be loaded" notes that keep the rest of a page usable.

import { ApiError } from './api.js';
import { el } from './dom.js';
import { idOf } from './format.js';
import { t, tEnum } from './i18n.js';

// One sentence for an error: the server's message when it gave one.
export function errorMessage(error) {
  if (error instanceof ApiError) {
    if (error.status === 0) return t('error.network');
    if (error.message) return error.message;
    return t('error.http', { status: error.status });
  }
  return (error && error.message) || t('error.unexpected');
}

// The error with the server's field violations under it.
export function errorContent(error) {
  const parts = [el('p', {}, errorMessage(error))];
  if (error instanceof ApiError && error.fieldViolations.length) {
    parts.push(el('ul', { class: 'violations' },
        error.fieldViolations.map((v) => el('li', {},
            el('code', {}, v.field), ': ', v.description))));
  }
  return parts;
}

export function errorBox(error, test) {
  return el('div', { class: 'error', role: 'alert', test }, errorContent(error));
}

// A section that failed to load: says so, and the page goes on.
export function sectionFailure(error, test) {
  if (error instanceof ApiError && error.status === 403) {
    return el('p', { class: 'note', test }, t('error.forbiddenSection'), ' ', errorMessage(error));
  }
  return el('div', { class: 'error subtle', role: 'note', test },
      el('p', {}, t('error.section')), errorContent(error));
}

const LIGHTS = new Set(['MATCH', 'POSSIBLE', 'NO_MATCH', 'LIGHT_UNSPECIFIED']);

// A coloured dot and the word: the colour alone never carries the meaning.
export function lightBadge(light) {
  const value = LIGHTS.has(light) ? light : 'LIGHT_UNSPECIFIED';
  return el('span', { class: ['light', `light-${value}`], dataset: { light: value } },
      el('span', { class: 'dot', 'aria-hidden': 'true' }),
      tEnum('light', value));
}

export function decisionBadge(decision) {
  const value = decision || 'DECISION_UNSPECIFIED';
  return el('span', { class: ['decision', `decision-${value}`], dataset: { decision: value } },
      tEnum('decision', value));
}

// Hash routes of the records.
export function remainsHref(name) {
  return `#/remains/${encodeURIComponent(idOf(name))}`;
}
export function personHref(name) {
  return `#/missingPersons/${encodeURIComponent(idOf(name))}`;
}
export function compareHref(remains, person) {
  return `#/compare/remains/${encodeURIComponent(idOf(remains))}/missingPersons/${encodeURIComponent(idOf(person))}`;
}
export function sheetHref(remains, person) {
  return `#/sheet/remains/${encodeURIComponent(idOf(remains))}/missingPersons/${encodeURIComponent(idOf(person))}`;
}

export function recordLink(name, text, test) {
  const href = String(name).startsWith('remains/') ? remainsHref(name) : personHref(name);
  return el('a', { href, test }, text || name);
}

// The page's title block: h1 (focused after navigation, for screen readers) and a subtitle.
export function pageTitle(title, ...subtitle) {
  return el('div', { class: 'page-title' },
      el('h1', { tabindex: '-1' }, title),
      subtitle.length ? el('p', { class: 'subtitle' }, ...subtitle) : null);
}

// A live status line for "working…" and "saved" messages.
export function statusLine(test) {
  return el('p', { class: 'status', role: 'status', 'aria-live': 'polite', test });
}

// Runs a secondary request: its failure becomes a value the page shows in place, never a
// failure of the whole page.
export async function settle(promise) {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    return { ok: false, error };
  }
}
