// For families' collectives (family auditors): the cases linked to their collective, who
// consulted each and why (the audit entries about it, redacted to what concerns that case), and
// the export of the whole audit log, verified here in the browser against the server's public
// key that the collective obtained by another channel.

import { ApiError, api, resourcePath, withQuery } from './api.js';
import { errorContent, errorMessage, pageTitle, sectionFailure, settle } from './components.js';
import { el, fill, section, uid } from './dom.js';
import { fmtLog10, fmtNumber, fmtProbability, fmtTimestamp, personLabel } from './format.js';
import { t, tEnum, tOr } from './i18n.js';
import { personFields } from './records.js';
import { verifyExportBytes } from './verify.js';

export const name = 'family';

const EXPORT_FILE = 'auditoria-encuentro.jsonl';
const PAGE_SIZE = 100;
// The audit log writes a decision as its enum number.
const DECISION_BY_NUMBER = ['DECISION_UNSPECIFIED', 'PENDING', 'EXCLUDED', 'POSSIBLE', 'SENT_FOR_DNA', 'IDENTIFIED'];

function loadEntries(target, pageToken = '') {
  return api.get(withQuery('/api/v1/auditEntries', { target, pageSize: PAGE_SIZE, pageToken }));
}

function parseEntry(text) {
  try {
    const parsed = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

// A method or purpose the catalogue does not know (a newer server's) is shown as written.
const methodLabel = (method) => tOr(`auditMethod.${method}`, method);
const purposeLabel = (purpose) => tOr(`purpose.${purpose}`, purpose);

// One line per returned candidate: the case's own scores, as the search saw them.
function candidateLine(c) {
  if (!c || typeof c !== 'object') return String(c);
  const parts = [c.candidate || ''];
  if (typeof c.log10_lr === 'number') parts.push(t('audit.log10Lr', { value: fmtLog10(c.log10_lr) }));
  if (typeof c.posterior === 'number') parts.push(t('audit.posterior', { value: fmtProbability(c.posterior) }));
  if (typeof c.lead_posterior === 'number') parts.push(t('audit.posterior', { value: fmtProbability(c.lead_posterior) }));
  if (c.excluded === true) parts.push(t('audit.excluded'));
  if (c.reference_only_for) parts.push(t('audit.referenceOnlyFor', { organization: String(c.reference_only_for) }));
  return parts.filter(Boolean).join(' · ');
}

// The outcome object in words, for what the log writes; anything else as it is.
function outcomeNode(outcome) {
  if (outcome === undefined || outcome === null) return '—';
  if (typeof outcome !== 'object' || Array.isArray(outcome)) return String(JSON.stringify(outcome));
  const items = [];
  const known = new Set(['status', 'candidates', 'candidates_returned', 'decision', 'pending_lead_for']);
  if (outcome.status) items.push(el('li', {}, t('audit.status', { status: String(outcome.status) })));
  if (Array.isArray(outcome.candidates)) {
    const returned = typeof outcome.candidates_returned === 'number' ? outcome.candidates_returned : outcome.candidates.length;
    items.push(el('li', {}, t('audit.candidatesReturned', { count: returned }),
        outcome.candidates.length
          ? el('ul', {}, outcome.candidates.map((c) => el('li', {}, candidateLine(c))))
          : null));
  }
  if (typeof outcome.decision === 'number') {
    items.push(el('li', {}, t('audit.decision', { decision: tEnum('decision', DECISION_BY_NUMBER[outcome.decision] || String(outcome.decision)) })));
  }
  if (outcome.pending_lead_for) items.push(el('li', {}, t('audit.pendingLeadFor', { organization: String(outcome.pending_lead_for) })));
  for (const [key, value] of Object.entries(outcome)) {
    if (!known.has(key)) items.push(el('li', {}, el('code', {}, key), ': ', typeof value === 'string' ? value : JSON.stringify(value)));
  }
  return items.length ? el('ul', { class: 'outcome' }, items) : '—';
}

function entryRow(stored) {
  const e = parseEntry(stored.entry);
  if (!e) {
    return el('tr', { test: 'audit-entry', dataset: { position: String(stored.position) } },
        el('td', { class: 'num' }, String(stored.position)),
        el('td', { colspan: '6' }, el('code', { class: 'raw' }, stored.entry)));
  }
  return el('tr', { test: 'audit-entry', dataset: { position: String(stored.position), redacted: String(e.redacted === true) } },
      el('td', { class: 'num' }, String(stored.position)),
      el('td', {}, el('time', { datetime: e.time || '' }, fmtTimestamp(e.time))),
      el('td', {}, el('strong', {}, e.principal || '—'), el('br'), e.organization || '',
          e.role ? el('span', { class: 'small' }, ` (${tEnum('role', e.role)})`) : ''),
      el('td', {}, methodLabel(e.method || ''), el('br'), el('code', { class: 'small' }, e.method || '')),
      el('td', {}, e.purpose ? purposeLabel(e.purpose) : '—'),
      el('td', {}, e.legal_basis || '—'),
      el('td', {}, outcomeNode(e.outcome)));
}

function entriesTable(entries) {
  if (!entries.length) return el('p', { class: 'empty', test: 'audit-empty' }, t('family.noEntries'));
  const captionId = uid('audit');
  return el('table', { class: 'audit', test: 'audit-entries', 'aria-describedby': captionId },
      el('caption', { id: captionId }, t('family.entriesCaption')),
      el('thead', {}, el('tr', {}, ['audit.position', 'audit.time', 'audit.who', 'audit.method', 'audit.purpose', 'audit.legalBasis', 'audit.outcome']
        .map((key) => el('th', { scope: 'col' }, t(key))))),
      el('tbody', {}, entries.map(entryRow)));
}

// --- The export and its verification ----------------------------------------------------------

function normalizeKey(text) {
  return String(text || '').replace(/\s+/g, '');
}

// The report in sentences, on the result element; data-ok is set last, when all is known.
function showReport(result, report) {
  const p = (text, props = {}) => el('p', props, text);
  if (report.ok) {
    fill(result,
        p(t('verify.okTitle'), { class: 'result-title' }),
        p([t('verify.okEntries', { count: report.entries }),
          report.redacted ? ` ${t('verify.okRedacted', { count: report.redacted })}` : ''].join('')),
        report.checkpoints
          ? p(t('verify.okCheckpoints', { count: report.checkpoints }))
          : p(t('verify.noCheckpoints'), { class: 'warning' }),
        p([t('verify.head'), ' ', el('code', { class: 'hash' }, report.headHash)]),
        p(t('verify.pin', { size: fmtNumber(report.entries, 0) }), { class: 'hint' }));
  } else {
    fill(result,
        p(t('verify.failTitle'), { class: 'result-title' }),
        report.line || report.position
          ? p(t('verify.failAt', { line: fmtNumber(report.line, 0), position: fmtNumber(report.position, 0) }))
          : null,
        p(t(`verify.problem.${report.code}`, report.params)),
        p([t('verify.original'), ' ', el('code', {}, report.problem)], { class: 'small' }));
  }
  result.dataset.entries = String(report.entries);
  result.dataset.redacted = String(report.redacted);
  result.dataset.checkpoints = String(report.checkpoints);
  result.dataset.line = String(report.line);
  result.dataset.position = String(report.position);
  result.dataset.head = report.ok ? report.headHash : '';
  result.dataset.ok = String(report.ok);
}

function showFailure(result, message, kind) {
  fill(result, el('p', { class: 'result-title' }, t('verify.failTitle')), el('p', {}, message));
  result.dataset.error = kind;
  result.dataset.ok = 'false';
}

function verifyBox() {
  const ids = { key: uid('pubkey'), file: uid('file'), size: uid('size'), head: uid('head') };
  const key = el('textarea', {
    id: ids.key, test: 'verify-pubkey', rows: '2', spellcheck: 'false', autocomplete: 'off',
    'aria-describedby': `${ids.key}-hint`, class: 'mono',
  });
  const expectSize = el('input', { id: ids.size, type: 'text', inputmode: 'numeric', test: 'verify-expect-size', class: 'mono' });
  const expectHead = el('input', { id: ids.head, type: 'text', test: 'verify-expect-head', class: 'mono', spellcheck: 'false' });
  const button = el('button', { type: 'button', test: 'verify-button', class: 'primary' }, t('verify.button'));
  const file = el('input', { id: ids.file, type: 'file', test: 'verify-file', accept: '.jsonl,.ndjson,.txt,application/x-ndjson' });
  const download = el('p', { class: 'download', test: 'verify-download-area' });
  const result = el('div', { class: 'verify-result', test: 'verify-result', role: 'status', 'aria-live': 'polite' });
  let downloadUrl = null;

  // The key and the pinned chain as the verifier takes them, or a message saying what is wrong.
  function inputs() {
    const hex = normalizeKey(key.value);
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) return { error: t('verify.keyInvalid') };
    const size = expectSize.value.trim();
    const head = expectHead.value.trim().toLowerCase();
    if (size && !/^[0-9]+$/.test(size)) return { error: t('verify.expectSizeInvalid') };
    if (head && !/^[0-9a-f]{64}$/.test(head)) return { error: t('verify.expectHeadInvalid') };
    return { hex, expected: { size: size || undefined, head } };
  }

  async function verify(bytes, given) {
    fill(result, el('p', {}, t('verify.verifying')));
    try {
      showReport(result, await verifyExportBytes(bytes, given.hex, given.expected));
    } catch (error) {
      showFailure(result, error && error.name === 'NotSupportedError' ? t('verify.unsupported') : errorMessage(error), 'browser');
    }
  }

  function start() {
    // data-ok is set again only when this verification is over.
    delete result.dataset.ok;
    delete result.dataset.error;
    const given = inputs();
    if (given.error) {
      showFailure(result, given.error, 'input');
      key.focus();
      return null;
    }
    return given;
  }

  button.addEventListener('click', async () => {
    const given = start();
    if (!given) return;
    button.disabled = true;
    fill(result, el('p', {}, t('verify.exporting')));
    try {
      const bytes = await api.get('/api/v1/auditEntries:export', { as: 'bytes' });
      if (downloadUrl) URL.revokeObjectURL(downloadUrl);
      downloadUrl = URL.createObjectURL(new Blob([bytes], { type: 'application/x-ndjson' }));
      fill(download, el('a', { href: downloadUrl, download: EXPORT_FILE, test: 'verify-download' },
          t('verify.download', { file: EXPORT_FILE })), ' ', t('verify.downloadHint'));
      await verify(bytes, given);
    } catch (error) {
      showFailure(result, errorMessage(error), 'export');
    } finally {
      button.disabled = false;
    }
  });

  file.addEventListener('change', async () => {
    const chosen = file.files && file.files[0];
    if (!chosen) return;
    const given = start();
    if (!given) return;
    try {
      await verify(new Uint8Array(await chosen.arrayBuffer()), given);
    } catch (error) {
      showFailure(result, errorMessage(error), 'file');
    }
  });

  return section(t('verify.title'), { test: 'verify-box' },
      el('p', {}, t('verify.intro')),
      el('div', { class: 'form-field' },
          el('label', { for: ids.key }, t('verify.key')), key,
          el('p', { class: 'hint', id: `${ids.key}-hint` }, t('verify.keyHint'))),
      el('details', { class: 'pin' },
          el('summary', {}, t('verify.pinTitle')),
          el('p', { class: 'hint' }, t('verify.pinIntro')),
          el('div', { class: 'form-row' },
              el('div', { class: 'form-field' }, el('label', { for: ids.size }, t('verify.expectSize')), expectSize),
              el('div', { class: 'form-field grow' }, el('label', { for: ids.head }, t('verify.expectHead')), expectHead))),
      el('div', { class: 'form-actions' }, button),
      el('div', { class: 'form-field' },
          el('label', { for: ids.file }, t('verify.file')), file,
          el('p', { class: 'hint' }, t('verify.fileHint'))),
      download,
      result);
}

// --- The page ---------------------------------------------------------------------------------

export async function mount(root, params, ctx) {
  const linked = (ctx.session && ctx.session.linkedCases) || [];
  const cases = await Promise.all(linked.map(async (caseName) => {
    const [record, entries] = await Promise.all([
      settle(api.get(`/api/v1/${resourcePath(caseName)}`)),
      settle(loadEntries(caseName)),
    ]);
    return {
      name: caseName,
      record,
      entries: entries.ok ? entries.value.entries || [] : [],
      entriesError: entries.ok ? null : entries.error,
      nextPageToken: entries.ok ? entries.value.nextPageToken || '' : '',
    };
  }));
  // The verification box keeps its state (a key pasted, a result shown) across redraws.
  let verifier = verifyBox();

  function caseSection(c) {
    const area = el('div', { class: 'audit-area' });
    const drawEntries = () => {
      fill(area,
          c.entriesError ? sectionFailure(c.entriesError, 'audit-error') : entriesTable(c.entries),
          c.nextPageToken ? el('button', {
            type: 'button', test: 'audit-more',
            onclick: async (event) => {
              event.target.disabled = true;
              try {
                const more = await loadEntries(c.name, c.nextPageToken);
                c.entries.push(...(more.entries || []));
                c.nextPageToken = more.nextPageToken || '';
              } catch (error) {
                c.entriesError = error;
              }
              drawEntries();
            },
          }, t('family.moreEntries')) : null);
    };
    drawEntries();
    const record = c.record.ok ? c.record.value : null;
    return el('section', { class: 'panel linked-case', test: 'linked-case', dataset: { case: c.name }, 'aria-label': personLabel(record, c.name) },
        el('h2', {}, personLabel(record, c.name)),
        c.record.ok ? personFields(record)
          : (c.record.error instanceof ApiError && c.record.error.status === 403
            ? el('p', { class: 'note' }, t('family.caseForbidden'), ' ', errorContent(c.record.error))
            : sectionFailure(c.record.error)),
        el('h3', {}, t('family.entriesTitle')),
        el('p', { class: 'hint' }, t('family.entriesIntro')),
        area);
  }

  function render() {
    if (!verifier) verifier = verifyBox();
    fill(root, 
        pageTitle(t('family.title'), t('family.intro')),
        ...(cases.length ? cases.map(caseSection) : [el('p', { class: 'empty', test: 'family-empty' }, t('family.none'))]),
        verifier);
  }

  render();
  return {
    render() {
      // Another language: the box is rebuilt (its words change); what was typed is kept.
      const old = verifier;
      const keyText = old.querySelector('[data-test=verify-pubkey]').value;
      verifier = verifyBox();
      verifier.querySelector('[data-test=verify-pubkey]').value = keyText;
      render();
    },
  };
}
