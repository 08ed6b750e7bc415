// Photos: fetched with the session (so that a 403 for a role that may not see photos can be told
// from a broken image), shown from blob: URLs, with the faces the pipeline found drawn over them
// and their quality verdicts listed. Face boxes are placed in percentages of the photo's pixel
// size, so they follow the image at any displayed size, on screen and on paper.

import { ApiError, api, resourcePath, withQuery } from './api.js';
import { errorMessage } from './components.js';
import { el } from './dom.js';
import { fmtDate, fmtNumber } from './format.js';
import { t, tEnum } from './i18n.js';

// name → Promise<{url} | {denied: true} | {error}>, for the page on screen. Kept so that a
// re-render (another language) does not fetch the bytes again; released on navigation.
const loaded = new Map();

export function releasePhotos() {
  for (const pending of loaded.values()) {
    pending.then((result) => { if (result.url) URL.revokeObjectURL(result.url); });
  }
  loaded.clear();
}

function loadPhoto(name) {
  if (!loaded.has(name)) {
    loaded.set(name, api.get(`/api/v1/${resourcePath(name)}:content`, { as: 'blob' })
      .then((blob) => ({ url: URL.createObjectURL(blob) }))
      .catch((error) => (error instanceof ApiError && error.status === 403
        ? { denied: true } : { error })));
  }
  return loaded.get(name);
}

// Every photo of a record ("remains/7" or "missingPersons/3"), following pages.
export async function listPhotos(parent) {
  const photos = [];
  let pageToken = '';
  for (let page = 0; page < 20; page++) {
    const response = await api.get(withQuery(`/api/v1/${resourcePath(parent)}/photos`, { pageSize: 100, pageToken }));
    photos.push(...(response.photos || []));
    pageToken = response.nextPageToken || '';
    if (!pageToken) break;
  }
  return photos;
}

function qualityText(check) {
  const value = Number(check.value);
  const metric = tEnum('qualityMetric', check.metric);
  return `${metric}: ${fmtNumber(value, 2)} — ${tEnum('verdict', check.verdict || 'VERDICT_UNSPECIFIED')}`;
}

// The faces of a photo and their verdicts; `chosenFace` is the one used for matching.
export function faceQualityList(photo) {
  const faces = photo.faces || [];
  if (!faces.length) return el('p', { class: 'empty', test: 'face-quality' }, t('photo.noFaces'));
  return el('ol', { class: 'face-quality', test: 'face-quality' }, faces.map((face, k) => el('li', {
    dataset: { verdict: face.overall || 'VERDICT_UNSPECIFIED' },
  },
  el('strong', {}, t('photo.face', { n: k + 1 })),
  k === photo.chosenFace ? ` (${t('photo.chosenFace')})` : '',
  ': ', t('photo.overall', { verdict: tEnum('verdict', face.overall || 'VERDICT_UNSPECIFIED') }),
  (face.quality || []).length
    ? el('ul', {}, face.quality.map((q) => el('li', { dataset: { verdict: q.verdict } }, qualityText(q))))
    : null)));
}

// Boxes over the image, numbered as in the quality list.
function faceBoxes(photo) {
  const width = Number(photo.width);
  const height = Number(photo.height);
  if (!(width > 0 && height > 0)) return [];
  return (photo.faces || []).map((face, k) => {
    const box = face.box || {};
    const node = el('div', {
      class: ['face-box', k === photo.chosenFace && 'chosen'],
      test: 'face-box',
      dataset: { face: String(k), chosen: String(k === photo.chosenFace) },
      'aria-hidden': 'true',
    }, el('span', { class: 'face-number' }, String(k + 1)));
    // CSSOM, not a style attribute: allowed by the CSP.
    node.style.left = `${(100 * Number(box.x || 0)) / width}%`;
    node.style.top = `${(100 * Number(box.y || 0)) / height}%`;
    node.style.width = `${(100 * Number(box.width || 0)) / width}%`;
    node.style.height = `${(100 * Number(box.height || 0)) / height}%`;
    return node;
  });
}

// What is known of the photo: its source, date or age, and for an age progression its target.
export function photoCaption(photo) {
  // A photo known by name only (the face factor's, not in the record's list): nothing to say.
  if (!photo.source) return '';
  const parts = [tEnum('photoSource', photo.source)];
  if (photo.captureDate && photo.captureDate.year) parts.push(fmtDate(photo.captureDate));
  const progression = photo.ageProgression;
  if (photo.synthetic || (progression && progression.targetAgeYears > 0)) {
    parts.push(t('photo.progression', {
      age: fmtNumber(progression ? progression.targetAgeYears : photo.ageAtCaptureYears, 0),
      method: progression ? tEnum('progressionMethod', progression.method || 'METHOD_UNSPECIFIED') : '',
    }));
    if (progression && progression.author) parts.push(progression.author);
  } else if (photo.ageAtCaptureYears !== undefined && photo.ageAtCaptureYears !== null && photo.ageAtCaptureYears > 0) {
    parts.push(t('photo.ageAtCapture', { age: fmtNumber(photo.ageAtCaptureYears, 0) }));
  }
  if (photo.depicts) parts.push(t('photo.depicts', { name: photo.depicts }));
  if (!photo.hasTemplate) parts.push(t('photo.noTemplate'));
  return parts.filter(Boolean).join(' · ');
}

// A photo with its face boxes. Returns {node, ready}: `ready` settles once the image is decoded
// (or has failed), which the printed sheet waits for.
// options: test (data-test of the <img>), alt, caption (bool), quality (bool), size ('large').
export function photoFigure(photo, options = {}) {
  const { test, alt, caption = true, quality = false, size } = options;
  const frame = el('div', { class: 'photo-frame' });
  const captionText = caption ? photoCaption(photo) : '';
  const figure = el('figure', { class: ['photo', size && `photo-${size}`], dataset: { photo: photo.name } },
      frame,
      captionText ? el('figcaption', {}, captionText) : null,
      quality ? faceQualityList(photo) : null);
  const ready = loadPhoto(photo.name).then(async (result) => {
    if (!result.url) {
      frame.append(placeholder(result.denied ? t('photo.denied') : t('photo.failed', { error: errorMessage(result.error) }),
          test, result.denied ? 'denied' : 'failed'));
      return;
    }
    const img = el('img', { src: result.url, alt: alt || photoCaption(photo) || photo.name, test, loading: 'eager', decoding: 'async' });
    frame.append(img, ...faceBoxes(photo));
    try {
      await img.decode();
    } catch {
      img.replaceWith(placeholder(t('photo.undecodable'), test, 'failed'));
    }
  });
  return { node: figure, ready };
}

// Where a photo cannot be shown: a box of the same role (same data-test) that says why.
export function placeholder(text, test, reason = 'none') {
  return el('div', { class: 'photo-placeholder', role: 'img', 'aria-label': text, test, dataset: { placeholder: reason } },
      el('span', {}, text));
}

// Thumbnails of every photo of a record.
export function photoGallery(photos, { quality = true } = {}) {
  const figures = photos.map((photo) => photoFigure(photo, { quality, size: 'thumb', test: 'photo' }));
  return {
    node: el('div', { class: 'gallery', test: 'photos' }, figures.map((f) => f.node)),
    ready: Promise.all(figures.map((f) => f.ready)),
  };
}
