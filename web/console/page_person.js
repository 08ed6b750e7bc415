// A missing person: the record, the photos (age progressions with their target age), marks,
// effects, the dental chart, family reference samples, and the leads that involve the person.

import { ApiError, api, resourcePath, withQuery } from './api.js';
import {
  compareHref, decisionBadge, pageTitle, remainsHref, sectionFailure, settle,
} from './components.js';
import { el, fill, section, uid } from './dom.js';
import { fmtLog10, fmtProbability, fmtTimestamp, personLabel } from './format.js';
import { t } from './i18n.js';
import { listPhotos, photoGallery, placeholder } from './photos.js';
import {
  dentalSummary, dnaList, effectsList, marksList, personFields, recordNotices,
} from './records.js';

export const name = 'person';

function subCollection(record, field, path, listField) {
  if (Array.isArray(record[field])) return Promise.resolve({ ok: true, value: record[field] });
  return settle(api.get(withQuery(path, { pageSize: 1000 })).then((r) => r[listField] || []));
}

function leadsTable(pairs) {
  if (!pairs.length) return el('p', { class: 'empty', test: 'person-leads-empty' }, t('person.noLeads'));
  const captionId = uid('leads');
  return el('table', { class: 'leads', test: 'person-leads', 'aria-describedby': captionId },
      el('caption', { id: captionId }, t('person.leadsCaption')),
      el('thead', {}, el('tr', {}, ['queue.remains', 'queue.lab', 'queue.posterior', 'queue.log10Lr', 'queue.decision', 'queue.reason', 'queue.actions']
        .map((key) => el('th', { scope: 'col' }, t(key))))),
      el('tbody', {}, pairs.map((pair) => {
        const current = pair.current || {};
        return el('tr', { test: 'person-lead', dataset: { remains: pair.remains, person: pair.missingPerson } },
            el('td', {}, el('a', { href: remainsHref(pair.remains) }, pair.remains)),
            el('td', {}, pair.remainsLab || '—'),
            el('td', { class: 'num' }, typeof pair.leadPosterior === 'number' ? fmtProbability(pair.leadPosterior) : t('queue.unknownScore')),
            el('td', { class: 'num' }, typeof pair.leadLog10Lr === 'number' ? fmtLog10(pair.leadLog10Lr) : t('queue.unknownScore')),
            el('td', {}, decisionBadge(current.decision), el('br'),
                el('time', { class: 'small', datetime: current.createTime || '' }, fmtTimestamp(current.createTime))),
            el('td', { class: 'reason' }, current.reason || '—'),
            el('td', {}, el('a', { href: compareHref(pair.remains, pair.missingPerson), test: 'lead-compare', class: 'button-link' }, t('queue.compare'))));
      })));
}

export async function mount(root, params, ctx) {
  const name = params.person;
  const record = await api.get(`/api/v1/${resourcePath(name)}`);
  const [photos, leads, dna, marks, effects, dental] = await Promise.all([
    settle(listPhotos(name)),
    settle(api.get(`/api/v1/${resourcePath(name)}/candidates`).then((r) => r.pairs || [])),
    settle(api.get(withQuery(`/api/v1/${resourcePath(name)}/dnaSamples`, { pageSize: 1000 })).then((r) => r.dnaSamples || [])),
    subCollection(record, 'marks', `/api/v1/${resourcePath(name)}/marks`, 'marks'),
    subCollection(record, 'effects', `/api/v1/${resourcePath(name)}/effects`, 'effects'),
    record.dentalChart ? { ok: true, value: record.dentalChart }
      : settle(api.get(`/api/v1/${resourcePath(name)}/dentalChart`)),
  ]);

  function photosNode() {
    if (!photos.ok) {
      const denied = photos.error instanceof ApiError && photos.error.status === 403;
      return { node: denied ? placeholder(t('photo.denied'), 'photos', 'denied') : sectionFailure(photos.error), ready: Promise.resolve() };
    }
    if (!photos.value.length) return { node: el('p', { class: 'empty', test: 'photos' }, t('photo.none')), ready: Promise.resolve() };
    // Photos first, then age progressions (made from them), each group in the server's order.
    const ordered = [...photos.value.filter((p) => !p.synthetic), ...photos.value.filter((p) => p.synthetic)];
    return photoGallery(ordered);
  }

  function render() {
    const gallery = photosNode();
    fill(root, 
        pageTitle(t('person.title', { label: personLabel(record, name) }), record.caseFolio ? t('record.folioLabel', { folio: record.caseFolio }) : '', record.caseFolio ? ' · ' : '', name),
        ...recordNotices(record),
        section(t('person.record'), { test: 'person-record' }, personFields(record)),
        section(t('photo.title'), { test: 'photos-section' }, gallery.node),
        section(t('person.leads'), { test: 'person-leads-section' }, leads.ok ? leadsTable(leads.value) : sectionFailure(leads.error)),
        el('div', { class: 'columns' },
            section(t('marks.title'), { test: 'marks-section' }, marks.ok ? marksList(marks.value) : sectionFailure(marks.error)),
            section(t('effects.title'), { test: 'effects-section' }, effects.ok ? effectsList(effects.value) : sectionFailure(effects.error))),
        el('div', { class: 'columns' },
            section(t('dental.title'), { test: 'dental-section' }, dental.ok ? dentalSummary(dental.value) : sectionFailure(dental.error)),
            section(t('dna.familyTitle'), { test: 'dna-section' }, dna.ok ? dnaList(dna.value) : sectionFailure(dna.error))));
    return gallery.ready;
  }

  render();
  return { render };
}
