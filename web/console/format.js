// Numbers, dates and names as a reader of the current language expects them. The API gives
// google.type.Date as {year, month, day} (0 for an unknown part), Timestamps as RFC 3339, int64
// as strings, and every field even at its default; an absent or zero value shows as nothing.

import { getLanguage, t } from './i18n.js';

export function locale() {
  return getLanguage() === 'en' ? 'en' : 'es-MX';
}

function numberFormat(options) {
  return new Intl.NumberFormat(locale(), options);
}

export function fmtNumber(value, maximumFractionDigits = 1) {
  const x = Number(value);
  if (!Number.isFinite(x)) return '';
  return numberFormat({ maximumFractionDigits }).format(x);
}

// A google.type.Date: "12 de marzo de 2024", "marzo de 2024", "2024", or '' when unknown.
export function fmtDate(date) {
  if (!date || !date.year) return '';
  const { year, month, day } = date;
  const utc = new Date(Date.UTC(year, Math.max(0, (month || 1) - 1), day || 1));
  utc.setUTCFullYear(year);  // years below 100 are years, not 19xx
  const options = { timeZone: 'UTC', year: 'numeric' };
  if (month) options.month = 'long';
  if (month && day) options.day = 'numeric';
  return new Intl.DateTimeFormat(locale(), options).format(utc);
}

function parseTimestamp(ts) {
  if (!ts) return null;
  const when = new Date(ts);
  if (Number.isNaN(when.getTime()) || when.getTime() <= 0) return null;
  return when;
}

// A Timestamp in the reader's time zone: "12 mar 2024, 10:15".
export function fmtTimestamp(ts) {
  const when = parseTimestamp(ts);
  if (!when) return ts && !String(ts).startsWith('1970-01-01') ? String(ts) : '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(when);
}

// The local calendar day of a Timestamp, "2024-03-12", to compare with <input type=date>.
export function localDay(ts) {
  const when = parseTimestamp(ts);
  if (!when) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}`;
}

export function timestampValue(ts) {
  const when = parseTimestamp(ts);
  return when ? when.getTime() : 0;
}

// log10 likelihood ratio with its sign: "+3.41", "−1.20", "0.00".
export function fmtLog10(value) {
  const x = Number(value);
  if (!Number.isFinite(x)) return '';
  return numberFormat({ minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' }).format(x);
}

// A probability as a percentage that never rounds a tiny chance to zero or a near-certainty to
// one: reviewers read "100 %" as proof, which a posterior never is.
export function fmtProbability(value) {
  const p = Number(value);
  if (!Number.isFinite(p)) return '';
  const percent = (x, options) => numberFormat({ style: 'percent', ...options }).format(x);
  if (p <= 0) return percent(0, { maximumFractionDigits: 0 });
  if (p < 1e-6) return t('format.lessThan', { value: percent(1e-6, { maximumSignificantDigits: 1 }) });
  if (p < 0.01) return percent(p, { maximumSignificantDigits: 2 });
  if (p > 0.999 && p < 1) return t('format.moreThan', { value: percent(0.999, { minimumFractionDigits: 1 }) });
  return percent(p, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

// "12–18" or "12" with a unit key from the catalogue ("unit.years" → "años").
export function fmtRange(min, max, unitKey, digits = 1) {
  const a = Number(min);
  const b = Number(max);
  if (!(a > 0) && !(b > 0)) return '';
  const unit = unitKey ? ` ${t(unitKey)}` : '';
  if (a === b || !(b > 0)) return `${fmtNumber(a, digits)}${unit}`;
  return `${fmtNumber(a, digits)}–${fmtNumber(b, digits)}${unit}`;
}

export function fmtPlusMinus(value, plusMinus, unitKey, digits = 1) {
  const x = Number(value);
  if (!(x > 0)) return '';
  const unit = unitKey ? ` ${t(unitKey)}` : '';
  const pm = Number(plusMinus) > 0 ? ` ± ${fmtNumber(plusMinus, digits)}` : '';
  return `${fmtNumber(x, digits)}${pm}${unit}`;
}

export function yesNo(value) {
  return t(value ? 'common.yes' : 'common.no');
}

// "missingPersons/3" → "3".
export function idOf(name) {
  const parts = String(name || '').split('/');
  return parts[parts.length - 1];
}

// The words a person is known by: given names and family names, else the folio, else the name.
export function personLabel(person, fallbackName = '') {
  if (person) {
    const full = [person.givenNames, person.familyNames].filter(Boolean).join(' ').trim();
    if (full) return full;
    if (person.caseFolio) return t('record.folioLabel', { folio: person.caseFolio });
  }
  return fallbackName;
}

export function remainsLabel(remains, fallbackName = '') {
  if (remains && remains.caseFolio) return t('record.folioLabel', { folio: remains.caseFolio });
  return fallbackName;
}
