// The review queue: pairs across the caller's scope whose latest decision is the chosen one
// (PENDING by default: the leads that cross-matching raised). The server filters on the state
// and pages; sorting and the other filters work on what is loaded, here.

import { api, withQuery } from './api.js';
import {
  compareHref, decisionBadge, errorBox, pageTitle, personHref, remainsHref,
} from './components.js';
import { el, fill, uid } from './dom.js';
import { fmtLog10, fmtProbability, fmtTimestamp, localDay, timestampValue } from './format.js';
import { t, tEnum } from './i18n.js';

export const name = 'queue';

const STATES = ['PENDING', 'POSSIBLE', 'SENT_FOR_DNA', 'EXCLUDED'];
const SORTS = ['posterior', 'log10Lr', 'time'];
const FILTER_KEY = 'encuentro.queueFilters';
const PAGE_SIZE = 100;

// Kept for the tab, so that coming back from a comparison finds the queue as it was left.
function savedFilters() {
  let saved = {};
  try {
    saved = JSON.parse(sessionStorage.getItem(FILTER_KEY) || '{}') || {};
  } catch {
    saved = {};
  }
  return {
    state: STATES.includes(saved.state) ? saved.state : 'PENDING',
    sort: SORTS.includes(saved.sort) ? saved.sort : 'posterior',
    lab: typeof saved.lab === 'string' ? saved.lab : '',
    from: typeof saved.from === 'string' ? saved.from : '',
    to: typeof saved.to === 'string' ? saved.to : '',
  };
}

function saveFilters(filters) {
  try {
    sessionStorage.setItem(FILTER_KEY, JSON.stringify(filters));
  } catch {
    // Not kept; the queue still works.
  }
}

// Lower case without accents, so that "Médico" finds "medico".
function fold(text) {
  return String(text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

// A lead's score, or -Infinity when the pair has none (raised by a reviewer): those sort last.
function score(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : -Infinity;
}

function visiblePairs(pairs, filters) {
  const lab = fold(filters.lab.trim());
  const rows = pairs.filter((pair) => {
    if (lab && !fold(pair.remainsLab).includes(lab)) return false;
    const day = localDay(pair.current && pair.current.createTime);
    if (filters.from && (!day || day < filters.from)) return false;
    if (filters.to && (!day || day > filters.to)) return false;
    return true;
  });
  const by = {
    posterior: (p) => score(p.leadPosterior),
    log10Lr: (p) => score(p.leadLog10Lr),
    time: (p) => timestampValue(p.current && p.current.createTime),
  }[filters.sort];
  // Highest first; the newest decision first for time. Stable, so ties keep the server's order.
  return rows.map((pair, k) => [pair, k])
    .sort((a, b) => (by(b[0]) - by(a[0])) || (a[1] - b[1]) || 0)
    .map(([pair]) => pair);
}

export async function mount(root, params, ctx) {
  const state = {
    filters: savedFilters(),
    pairs: [],
    nextPageToken: '',
    loadError: null,
    loadingMore: false,
  };

  async function loadPage(pageToken) {
    const response = await api.get(withQuery('/api/v1/candidates', {
      currentDecision: state.filters.state, pageSize: PAGE_SIZE, pageToken,
    }));
    return response;
  }

  async function reload() {
    const response = await loadPage('');
    state.pairs = response.pairs || [];
    state.nextPageToken = response.nextPageToken || '';
    state.loadError = null;
  }

  await reload();

  // The parts that change without a new load: the table, the count and the "more" button.
  const tableArea = el('div', { class: 'queue-results' });

  function renderTable() {
    const rows = visiblePairs(state.pairs, state.filters);
    const captionId = uid('queue');
    const table = rows.length ? el('table', { class: 'queue', test: 'queue-table', 'aria-describedby': captionId },
        el('caption', { id: captionId }, t('queue.caption', { state: tEnum('decision', state.filters.state) })),
        el('thead', {}, el('tr', {},
            ['queue.remains', 'queue.person', 'queue.lab', 'queue.personOrganization', 'queue.posterior',
              'queue.log10Lr', 'queue.decision', 'queue.reason', 'queue.actions']
              .map((key) => el('th', { scope: 'col' }, t(key))))),
        el('tbody', {}, rows.map((pair) => {
          const current = pair.current || {};
          return el('tr', { test: 'lead-row', dataset: { remains: pair.remains, person: pair.missingPerson } },
              el('td', {}, el('a', { href: remainsHref(pair.remains), test: 'lead-remains' }, pair.remains)),
              el('td', {}, el('a', { href: personHref(pair.missingPerson), test: 'lead-person' }, pair.missingPerson),
                  pair.referenceOnly ? el('span', { class: 'tag' }, t('queue.referenceOnly')) : null),
              el('td', { test: 'lead-lab' }, pair.remainsLab || '—'),
              el('td', {}, pair.personOrganization || '—'),
              el('td', { class: 'num', test: 'lead-posterior' }, typeof pair.leadPosterior === 'number' ? fmtProbability(pair.leadPosterior) : t('queue.unknownScore')),
              el('td', { class: 'num', test: 'lead-log10lr' }, typeof pair.leadLog10Lr === 'number' ? fmtLog10(pair.leadLog10Lr) : t('queue.unknownScore')),
              el('td', {}, decisionBadge(current.decision), el('br'),
                  el('time', { datetime: current.createTime || '', class: 'small' }, fmtTimestamp(current.createTime))),
              el('td', { class: 'reason' }, current.reason || '—'),
              el('td', {}, el('a', { href: compareHref(pair.remains, pair.missingPerson), test: 'lead-compare', class: 'button-link' },
                  t('queue.compare'))));
        })))
      : el('p', { class: 'empty', test: 'queue-empty' },
          state.pairs.length ? t('queue.noneMatch') : t('queue.none', { state: tEnum('decision', state.filters.state) }));
    const more = state.nextPageToken ? el('button', {
      type: 'button', test: 'queue-more', disabled: state.loadingMore,
      onclick: async () => {
        state.loadingMore = true;
        renderTable();
        try {
          const response = await loadPage(state.nextPageToken);
          state.pairs.push(...(response.pairs || []));
          state.nextPageToken = response.nextPageToken || '';
          state.loadError = null;
        } catch (error) {
          state.loadError = error;
        }
        state.loadingMore = false;
        renderTable();
      },
    }, state.loadingMore ? t('common.loading') : t('queue.more')) : null;
    fill(tableArea,
        el('p', { class: 'count', test: 'queue-count', role: 'status' },
            t('queue.count', { shown: rows.length, count: state.pairs.length })),
        table,
        state.loadError ? errorBox(state.loadError, 'queue-error') : null,
        more);
  }

  function render() {
    const f = state.filters;
    const ids = { state: uid('state'), sort: uid('sort'), lab: uid('lab'), from: uid('from'), to: uid('to') };
    const change = (key, reloadNeeded) => async (event) => {
      f[key] = event.target.value;
      saveFilters(f);
      if (!reloadNeeded) {
        renderTable();
        return;
      }
      // A new state is a new server query: the page is loading again until it answers.
      await ctx.work(async () => {
        try {
          await reload();
        } catch (error) {
          state.pairs = [];
          state.nextPageToken = '';
          state.loadError = error;
        }
        if (ctx.isCurrent()) renderTable();
      });
    };
    const filters = el('form', { class: 'filters', test: 'queue-filters', onsubmit: (e) => e.preventDefault() },
        el('div', { class: 'form-field' }, el('label', { for: ids.state }, t('queue.filterState')),
            el('select', { id: ids.state, test: 'filter-state', value: f.state, onchange: change('state', true) },
                STATES.map((s) => el('option', { value: s }, tEnum('decision', s))))),
        el('div', { class: 'form-field' }, el('label', { for: ids.sort }, t('queue.sort')),
            el('select', { id: ids.sort, test: 'queue-sort', value: f.sort, onchange: change('sort') },
                SORTS.map((s) => el('option', { value: s }, t(`queue.sort.${s}`))))),
        el('div', { class: 'form-field' }, el('label', { for: ids.lab }, t('queue.filterLab')),
            el('input', { id: ids.lab, type: 'search', test: 'filter-lab', value: f.lab, oninput: change('lab') })),
        el('div', { class: 'form-field' }, el('label', { for: ids.from }, t('queue.filterFrom')),
            el('input', { id: ids.from, type: 'date', test: 'filter-from', value: f.from, onchange: change('from'), oninput: change('from') })),
        el('div', { class: 'form-field' }, el('label', { for: ids.to }, t('queue.filterTo')),
            el('input', { id: ids.to, type: 'date', test: 'filter-to', value: f.to, onchange: change('to'), oninput: change('to') })));
    renderTable();
    fill(root, 
        pageTitle(t('queue.title'), t('queue.intro')),
        filters,
        tableArea);
  }

  render();
  return { render };
}
