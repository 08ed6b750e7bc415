// The JSON API of encuentrod, on the same origin: the session cookie goes with every request,
// and every state-changing request carries the session's CSRF token (the cookie alone must never
// be enough to change anything). Errors come as AIP-193 JSON and are thrown as ApiError; a 401
// means the session is gone, and the app is told so that it can show the login page.

let csrfToken = '';
let onUnauthorized = null;

export function setCsrfToken(token) {
  csrfToken = token || '';
}

// `handler(error)` runs on every 401 not asked to be quiet.
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

export class ApiError extends Error {
  // status: the HTTP status (0: the request did not reach the server). code/statusName/message:
  // from the AIP-193 body when there was one. fieldViolations: [{field, description}].
  constructor(status, error = {}) {
    super(error.message || '');
    this.name = 'ApiError';
    this.status = status;
    this.code = error.code || status;
    this.statusName = error.status || '';
    this.fieldViolations = [];
    for (const detail of error.details || []) {
      for (const v of (detail && detail.fieldViolations) || []) {
        this.fieldViolations.push({ field: String(v.field || ''), description: String(v.description || '') });
      }
    }
  }
}

async function errorFrom(response) {
  let body = null;
  try {
    body = JSON.parse(await response.text());
  } catch {
    // Not JSON (a proxy's page, an empty body): the status says enough.
  }
  return new ApiError(response.status, (body && body.error) || {});
}

// "remains/7/photos/12" → "remains/7/photos/12" with each segment escaped, so that a name from
// the server can never turn into another path.
export function resourcePath(name) {
  return String(name).split('/').map(encodeURIComponent).join('/');
}

export function withQuery(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

// options: body (sent as JSON), as ('json' | 'text' | 'bytes' | 'blob'), quiet401 (a 401 is
// only thrown, not reported: the session probe and the login form expect one).
export async function request(method, path, options = {}) {
  const { body, as = 'json', quiet401 = false } = options;
  const headers = { Accept: as === 'json' ? 'application/json' : '*/*' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0);
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && !quiet401 && onUnauthorized) onUnauthorized(error);
    throw error;
  }
  switch (as) {
    case 'text': return response.text();
    case 'bytes': return new Uint8Array(await response.arrayBuffer());
    case 'blob': return response.blob();
    default: {
      const text = await response.text();
      return text ? JSON.parse(text) : {};
    }
  }
}

export const api = {
  get: (path, options) => request('GET', path, options),
  post: (path, body, options = {}) => request('POST', path, { ...options, body }),
  patch: (path, body, options = {}) => request('PATCH', path, { ...options, body }),
  del: (path, options) => request('DELETE', path, options),
};

// GET /api/v1/{name}
export function getResource(name, options) {
  return api.get(`/api/v1/${resourcePath(name)}`, options);
}
