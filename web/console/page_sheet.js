// The candidate sheet for the case file: one printable page (A4) with both photos, both records,
// the evidence, the decisions, and where the audit log stood, so that the paper can later be
// checked against the signed log. A PDF is printed from it headlessly: the page is marked ready
// only once its images are decoded.

import { ApiError, api } from './api.js';
import { decisionBadge, errorMessage, pageTitle, compareHref } from './components.js';
import { el, fill, section } from './dom.js';
import { combinedScores, factorTable, historyList, loadPairContext } from './evidence.js';
import { fmtNumber, fmtTimestamp, personLabel, remainsLabel } from './format.js';
import { t } from './i18n.js';
import { photoPair, recordSummaries, usableSearch } from './page_compare.js';
import { searchForm, searchPair } from './search.js';

export const name = 'sheet';

// The latest signed checkpoint: {checkpoint} | {none: true} (404) | {error}.
async function loadCheckpoint() {
  try {
    return { checkpoint: await api.get('/api/v1/auditCheckpoint') };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { none: true };
    if (error instanceof ApiError && error.status === 401) throw error;
    return { error };
  }
}

// The printed time is the time of printing, not of loading: updated as the print starts.
let printTimeListener = false;
function watchPrintTime() {
  if (printTimeListener) return;
  printTimeListener = true;
  window.addEventListener('beforeprint', () => {
    for (const node of document.querySelectorAll('[data-print-time]')) {
      node.textContent = t('sheet.printedAt', { time: fmtTimestamp(new Date().toISOString()) });
    }
  });
}

function footer(audit, session) {
  let position;
  if (audit.checkpoint) {
    const c = audit.checkpoint;
    position = el('p', { test: 'sheet-checkpoint' }, t('sheet.checkpoint', {
      size: fmtNumber(c.treeSize, 0), head: c.headHash || '', time: fmtTimestamp(c.time),
    }));
  } else if (audit.none) {
    position = el('p', { test: 'sheet-checkpoint', dataset: { none: 'true' } }, t('sheet.noCheckpoint'));
  } else {
    position = el('p', { test: 'sheet-checkpoint', dataset: { failed: 'true' } }, t('sheet.checkpointFailed', { error: errorMessage(audit.error) }));
  }
  return el('footer', { class: 'sheet-footer', test: 'sheet-footer' },
      el('h2', {}, t('sheet.auditPosition')),
      position,
      el('p', { dataset: { printTime: 'true' } }, t('sheet.printedAt', { time: fmtTimestamp(new Date().toISOString()) })),
      session ? el('p', {}, t('sheet.printedBy', { user: session.user, organization: session.organization })) : null,
      el('p', { class: 'small' }, t('sheet.disclaimer')));
}

export async function mount(root, params, ctx) {
  const { remains, person } = params;
  const [context, audit] = await Promise.all([loadPairContext(remains, person), loadCheckpoint()]);
  const state = usableSearch(remains, person);
  const pairDecisions = context.pair.ok ? context.pair.value : null;
  watchPrintTime();

  // The address may name a purpose and legal basis (`encuentro sheet` does): they only fill the
  // form in. The search runs when someone submits it, never on opening a link, so a link from
  // elsewhere cannot make a search under the reader's name.
  const query = params.query || new URLSearchParams();
  const asked = { purpose: query.get('purpose') || '', legalBasis: (query.get('legalBasis') || '').trim() };

  async function search(values) {
    await ctx.work(async () => {
      const found = await searchPair(remains, person, values);
      if (!ctx.isCurrent()) return;
      Object.assign(state, found);
      await render();
    });
  }

  function render() {
    const personRecord = context.personRecord.ok ? context.personRecord.value : null;
    const photos = photoPair(context, state.candidate);
    const current = pairDecisions && pairDecisions.current;
    const evidence = state.candidate
      ? section(t('compare.evidence'), { test: 'evidence' },
          state.candidate.referenceOnly ? el('p', { class: 'notice' }, t('compare.referenceOnly', { organization: state.candidate.organization || '' })) : null,
          factorTable(state.candidate),
          combinedScores(state.candidate, state.search),
          el('p', { class: 'hint' }, t('compare.leadsOnly')))
      : section(t('compare.evidence'), { test: 'search-needed', class: 'panel no-print' },
          state.withoutPerson ? el('p', { class: 'notice', test: 'candidate-missing' }, t('compare.notInSearch')) : null,
          searchForm(search, { intro: t('sheet.searchIntro'), defaults: asked }));
    fill(root, el('article', { class: 'sheet', test: 'sheet' },
        pageTitle(t('sheet.title'),
            t('sheet.subtitle', {
              remains: remainsLabel(context.remainsRecord, remains),
              person: personLabel(personRecord, (state.candidate && state.candidate.displayName) || person),
            })),
        el('div', { class: 'sheet-actions no-print' },
            el('button', { type: 'button', class: 'primary', test: 'sheet-print', onclick: () => window.print() }, t('sheet.print')),
            el('a', { href: compareHref(remains, person) }, t('sheet.backToCompare'))),
        section(t('photo.title'), { class: 'panel sheet-photos' }, photos.node),
        recordSummaries(context),
        evidence,
        section(t('history.title'), { test: 'history-section', class: 'panel sheet-history' },
            el('div', { class: 'history-area', test: 'decision-history' },
                el('p', { class: 'current-decision', test: 'current-decision' }, t('history.current'), ' ',
                    current && current.decision ? decisionBadge(current.decision) : t('history.noDecision')),
                historyList(pairDecisions))),
        footer(audit, ctx.session)));
    return photos.ready;
  }

  const ready = render();
  return { render, ready };
}
