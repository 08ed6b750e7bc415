// The comparison of one pair: both photos with their faces, both records, the evidence factor by
// factor, the reviewers' decisions and the form for a new one. The evidence exists only in a
// search result, and searches are audited with a purpose and a legal basis: a recent search of
// these remains that includes this person is reused; otherwise the reviewer is asked for both.

import { ApiError } from './api.js';
import {
  decisionBadge, pageTitle, recordLink, remainsHref, sectionFailure, sheetHref,
} from './components.js';
import { el, fill, section } from './dom.js';
import {
  combinedScores, decisionForm, factorTable, historyList, loadPairContext, pickPhotos,
} from './evidence.js';
import { fmtTimestamp, personLabel, remainsLabel } from './format.js';
import { t } from './i18n.js';
import { faceQualityList, photoCaption, photoFigure, placeholder } from './photos.js';
import { personSummary, remainsSummary } from './records.js';
import { cachedSearch, findCandidate, searchForm, searchPair } from './search.js';

export const name = 'compare';

// A photo of one side, or a box that says why there is none.
export function photoSlot(photo, list, test, side) {
  if (photo) {
    const caption = photoCaption(photo);
    const alt = caption ? `${side}: ${caption}` : side;
    const figure = photoFigure(photo, { test, alt, caption: true, quality: false, size: 'large' });
    return { node: figure.node, ready: figure.ready, photo };
  }
  let text = t('photo.noneForRecord');
  let reason = 'none';
  if (!list.ok) {
    const denied = list.error instanceof ApiError && list.error.status === 403;
    text = denied ? t('photo.denied') : t('photo.listFailed');
    reason = denied ? 'denied' : 'failed';
  }
  return { node: el('figure', { class: 'photo photo-large' }, el('div', { class: 'photo-frame' }, placeholder(text, test, reason))), ready: Promise.resolve(), photo: null };
}

// The two photos side by side, each with its faces' quality verdicts.
export function photoPair(context, candidate) {
  const { remainsPhoto, personPhoto, fromFace } = pickPhotos(candidate, context.remainsPhotos, context.personPhotos);
  const left = photoSlot(remainsPhoto, context.remainsPhotos, 'remains-photo', t('compare.remainsSide'));
  const right = photoSlot(personPhoto, context.personPhotos, 'person-photo', t('compare.personSide'));
  const side = (title, slot) => el('div', { class: 'photo-side' },
      el('h3', {}, title), slot.node,
      slot.photo && slot.photo.faces ? faceQualityList(slot.photo) : null);
  return {
    node: el('div', { class: 'photo-pair', test: 'photo-pair' },
        el('p', { class: 'hint photo-pair-note' }, fromFace ? t('compare.photosFromFace') : t('compare.photosFirst')),
        el('div', { class: 'photo-pair-sides' },
            side(t('compare.remainsSide'), left),
            side(t('compare.personSide'), right))),
    ready: Promise.all([left.ready, right.ready]),
  };
}

export function recordSummaries(context) {
  const person = context.personRecord;
  return el('div', { class: 'columns' },
      section(t('compare.remainsSide'), { test: 'remains-summary', level: 3 }, remainsSummary(context.remainsRecord)),
      section(t('compare.personSide'), { test: 'person-summary', level: 3 },
          person.ok ? personSummary(person.value) : sectionFailure(person.error)));
}

// The search result usable for this pair, if one is kept: {search, candidate} or {stale: bool}.
export function usableSearch(remains, person) {
  const search = cachedSearch(remains);
  const candidate = findCandidate(search, person);
  return candidate ? { search, candidate } : { search: null, candidate: null, withoutPerson: Boolean(search) };
}

export async function mount(root, params, ctx) {
  const { remains, person } = params;
  const context = await loadPairContext(remains, person);
  const state = {
    ...usableSearch(remains, person),
    pair: context.pair.ok ? context.pair.value : null,
    askAgain: false,
  };

  // Loading the page's evidence: not ready until it is drawn and its photos decoded. A failure
  // leaves the form, with the server's message, and the page usable.
  async function search(values) {
    await ctx.work(async () => {
      const found = await searchPair(remains, person, values);
      if (!ctx.isCurrent()) return;
      Object.assign(state, found, { askAgain: false });
      await render();
    });
  }

  function evidenceSection() {
    if (!state.candidate || state.askAgain) {
      return section(t('compare.evidence'), { test: 'search-needed' },
          state.withoutPerson ? el('p', { class: 'notice', test: 'candidate-missing' }, t('compare.notInSearch')) : null,
          searchForm(search, { intro: t('compare.searchIntro') }),
          state.askAgain ? el('button', { type: 'button', onclick: () => { state.askAgain = false; render(); } }, t('common.cancel')) : null);
    }
    const c = state.candidate;
    return section(t('compare.evidence'), { test: 'evidence' },
        c.referenceOnly ? el('p', { class: 'notice', test: 'reference-only' }, t('compare.referenceOnly', { organization: c.organization || '' })) : null,
        c.excluded ? el('p', { class: 'notice warning', test: 'excluded' }, t('compare.excluded')) : null,
        factorTable(c),
        combinedScores(c, state.search),
        el('p', { class: 'hint' }, t('compare.leadsOnly')),
        el('button', { type: 'button', test: 'search-again', onclick: () => { state.askAgain = true; render(); } }, t('compare.searchAgain')));
  }

  function currentDecision(pair) {
    const current = pair && pair.current;
    return el('p', { class: 'current-decision', test: 'current-decision' }, t('history.current'), ' ',
        current && current.decision ? decisionBadge(current.decision) : t('history.noDecision'),
        current && current.createTime ? ` · ${fmtTimestamp(current.createTime)}` : '');
  }

  function render() {
    const pair = photoPair(context, state.candidate);
    const history = el('div', { class: 'history-area', test: 'decision-history' }, currentDecision(state.pair),
        context.pair.ok ? historyList(state.pair) : sectionFailure(context.pair.error, 'history-error'));
    const person = context.personRecord.ok ? context.personRecord.value : null;
    fill(root, 
        pageTitle(t('compare.title'),
            recordLink(remains, remainsLabel(context.remainsRecord, remains), 'compare-remains-link'),
            ' ↔ ',
            recordLink(params.person, personLabel(person, (state.candidate && state.candidate.displayName) || params.person), 'compare-person-link')),
        el('nav', { class: 'page-links', 'aria-label': t('compare.links') },
            el('a', { href: sheetHref(remains, params.person), test: 'sheet-link' }, t('compare.sheet')),
            el('a', { href: remainsHref(remains) }, t('compare.backToRemains')),
            ctx.session && ctx.session.role === 'family_auditor' ? null : el('a', { href: '#/queue' }, t('compare.backToQueue'))),
        section(t('photo.title'), { test: 'photos-section' }, pair.node),
        recordSummaries(context),
        evidenceSection(),
        el('div', { class: 'columns' },
            section(t('history.title'), { test: 'history-section' }, history),
            section(t('decision.title'), { test: 'decision-section' },
                decisionForm({
                  remains,
                  person: params.person,
                  pair: state.pair,
                  onRecorded(updated) {
                    // Only the history is drawn again: the form keeps its focus and message.
                    state.pair = updated;
                    if (state.candidate && updated.current) state.candidate.decision = updated.current;
                    fill(history, currentDecision(updated), historyList(updated));
                  },
                }))));
    // Ready once both photos are decoded: the side-by-side view is what the reviewer judges.
    return pair.ready;
  }

  const ready = render();
  return { render, ready };
}
