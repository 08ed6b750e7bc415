// Encuentro's web console: the session, the header and the hash router.
//
// Every page module exports `name` and `mount(root, params, ctx)`, which loads what the page
// needs, renders into `root` and resolves to a view {render()} that can draw the page again from
// what it loaded (on a change of language: reloading would log another audited read of every
// record on it). The body carries the page's name and state for the browser tests and the PDF
// printer: data-page, and data-ready 'false' while loading, 'true' once rendered, 'error'.

import { ApiError, api, setCsrfToken, setUnauthorizedHandler } from './api.js';
import { errorContent } from './components.js';
import { el, fill } from './dom.js';
import { getLanguage, initLanguage, onLanguageChange, setLanguage, t, tEnum } from './i18n.js';
import { releasePhotos } from './photos.js';
import { clearSearches } from './search.js';
import * as comparePage from './page_compare.js';
import * as familyPage from './page_family.js';
import * as loginPage from './page_login.js';
import * as personPage from './page_person.js';
import * as queuePage from './page_queue.js';
import * as remainsPage from './page_remains.js';
import * as sheetPage from './page_sheet.js';

const ID = '([A-Za-z0-9_-]+)';
const ROUTES = [
  [new RegExp('^/login$'), loginPage, () => ({})],
  [new RegExp('^/queue$'), queuePage, () => ({})],
  [new RegExp(`^/remains/${ID}$`), remainsPage, (m) => ({ remains: `remains/${m[1]}` })],
  [new RegExp(`^/compare/remains/${ID}/missingPersons/${ID}$`), comparePage,
    (m) => ({ remains: `remains/${m[1]}`, person: `missingPersons/${m[2]}` })],
  [new RegExp(`^/missingPersons/${ID}$`), personPage, (m) => ({ person: `missingPersons/${m[1]}` })],
  [new RegExp('^/family$'), familyPage, () => ({})],
  [new RegExp(`^/sheet/remains/${ID}/missingPersons/${ID}$`), sheetPage,
    (m) => ({ remains: `remains/${m[1]}`, person: `missingPersons/${m[2]}` })],
];

const app = {
  session: null,
  navigation: 0,   // increases with every page shown; a stale load checks it before drawing
  current: null,   // {page, params, view}
};

// "#/sheet/remains/7/missingPersons/3?purpose=…" → {page, params}; params.query holds what
// follows "?" (the sheet reads a purpose and legal basis there).
function parseRoute(hash) {
  const raw = String(hash || '').replace(/^#/, '');
  const at = raw.indexOf('?');
  let path;
  try {
    path = decodeURIComponent(at === -1 ? raw : raw.slice(0, at));
  } catch {
    return null;  // malformed escapes
  }
  const query = new URLSearchParams(at === -1 ? '' : raw.slice(at + 1));
  for (const [pattern, page, params] of ROUTES) {
    const match = pattern.exec(path);
    if (match) return { page, params: { ...params(match), query } };
  }
  return null;
}

function defaultHash(session) {
  return session && session.role === 'family_auditor' ? '#/family' : '#/queue';
}

function setBodyState(page, ready) {
  if (page) document.body.dataset.page = page;
  document.body.dataset.ready = ready;
}

// --- The header ----------------------------------------------------------------------------

// Names the other language in that language ("English", "Español"), marked as such so that a
// screen reader pronounces it right; the hidden words say what the button does.
function languageToggle() {
  const other = getLanguage() === 'es' ? 'en' : 'es';
  return el('button', {
    type: 'button', test: 'lang-toggle', class: 'link-button', dataset: { language: other },
    onclick: () => setLanguage(other),
  }, el('span', { class: 'visually-hidden' }, t('header.switchLanguage'), ' '),
  el('span', { lang: other }, t('header.otherLanguage')));
}

function renderHeader() {
  const header = document.getElementById('site-header');
  const session = app.session;
  const currentPage = app.current && app.current.page.name;
  const navLink = (href, test, text, page) => el('a', {
    href, test, 'aria-current': currentPage === page ? 'page' : null,
  }, text);
  const family = session && session.role === 'family_auditor';
  fill(header,
      el('a', { class: 'skip-link', href: '#main', onclick: (event) => {
        // The hash is the router's: move the focus without changing it.
        event.preventDefault();
        document.getElementById('main').focus();
      } }, t('header.skip')),
      el('div', { class: 'header-inner' },
          el('a', { class: 'brand', href: session ? defaultHash(session) : '#/login' },
              el('span', { class: 'brand-name' }, t('app.name')),
              el('span', { class: 'brand-sub' }, t('header.subtitle'))),
          session ? el('nav', { 'aria-label': t('header.nav') }, el('ul', {},
              family ? null : el('li', {}, navLink('#/queue', 'nav-queue', t('nav.queue'), 'queue')),
              family ? el('li', {}, navLink('#/family', 'nav-family', t('nav.family'), 'family')) : null)) : null,
          el('div', { class: 'header-tools' },
              session ? el('p', { class: 'who', test: 'session-user' },
                  el('span', { class: 'user' }, session.user),
                  el('span', { class: 'org', test: 'session-organization' }, session.organization),
                  el('span', { class: 'role' }, tEnum('role', session.role))) : null,
              languageToggle(),
              session ? el('button', { type: 'button', test: 'logout', class: 'link-button', onclick: logout }, t('header.logout')) : null)));
}

// --- Pages ----------------------------------------------------------------------------------

async function show(page, params) {
  const navigation = ++app.navigation;
  const isCurrent = () => navigation === app.navigation;
  releasePhotos();
  setBodyState(page.name, 'false');
  const main = document.getElementById('main');
  main.setAttribute('aria-busy', 'true');
  fill(main, el('p', { class: 'loading', role: 'status' }, t('common.loading')));

  // The page is ready when its first load and every piece of work started since (a search the
  // page needs, a new query, a redraw in another language) are done. Counting them keeps a
  // late image load from calling the page ready while a search is still running.
  let pending = 1;
  let failed = false;
  const update = () => {
    if (isCurrent() && !failed) setBodyState(null, pending === 0 ? 'true' : 'false');
  };
  const ctx = {
    session: app.session,
    isCurrent,
    // Runs `fn` with the page marked not ready; its errors are the caller's to show.
    async work(fn) {
      pending += 1;
      update();
      try {
        return await fn();
      } finally {
        pending -= 1;
        update();
      }
    },
    navigate(hash) {
      if (location.hash === hash) route();
      else location.hash = hash;
    },
    onLogin,
  };
  app.current = { page, params, view: null, ctx };
  renderHeader();

  const root = el('div', { class: `page page-${page.name}` });
  try {
    const view = await page.mount(root, params, ctx);
    if (!isCurrent()) return;
    app.current.view = view;
    main.replaceChildren(root);
    main.removeAttribute('aria-busy');
    focusTitle(root);
    if (view && view.ready) await view.ready;
    pending -= 1;
    update();
  } catch (error) {
    if (!isCurrent()) return;
    if (error instanceof ApiError && error.status === 401 && page !== loginPage) return;  // the login page is on its way
    failed = true;
    main.removeAttribute('aria-busy');
    fill(main, el('div', { class: 'page-error', role: 'alert', test: 'page-error' },
        el('h1', { tabindex: '-1' }, t('error.pageTitle')), errorContent(error)));
    setBodyState(null, 'error');
    focusTitle(main);
  }
}

// Moves the focus to the new page's heading, so that a screen reader announces it.
function focusTitle(root) {
  const heading = root.querySelector('h1');
  if (heading && document.activeElement === document.body) heading.focus({ preventScroll: true });
}

function route() {
  const target = parseRoute(location.hash);
  if (!app.session) {
    show(loginPage, {});
    return;
  }
  if (!target || target.page === loginPage) {
    // The hashchange this causes shows the page.
    location.replace(defaultHash(app.session));
    return;
  }
  show(target.page, target.params);
}

// --- The session ----------------------------------------------------------------------------

function startSession(session) {
  app.session = session;
  setCsrfToken(session && session.csrfToken);
}

function endSession() {
  app.session = null;
  setCsrfToken('');
  clearSearches();
}

async function onLogin(session) {
  // The login answer is the session; read it again if it lacks the CSRF token.
  startSession(session && session.csrfToken ? session : await api.get('/api/v1/session'));
  const target = parseRoute(location.hash);
  if (target && target.page !== loginPage) route();
  else location.hash = defaultHash(app.session);
}

// Ends the session on the server, not only here: the cookie is HttpOnly, so only the server can
// make it useless. If the server refuses (a stale CSRF token: read it again and retry once) or
// cannot be reached, the person is told, rather than shown a login page over a live session.
async function logout() {
  let failure = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await api.del('/api/v1/session', { quiet401: true });
      failure = null;
      break;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        failure = null;  // the session was already over
        break;
      }
      failure = error;
      if (attempt > 0) break;
      try {
        startSession(await api.get('/api/v1/session', { quiet401: true }));
      } catch {
        break;
      }
    }
  }
  if (failure) {
    const main = document.getElementById('main');
    main.prepend(el('div', { class: 'error', role: 'alert', test: 'logout-error' },
        el('p', {}, t('error.logout')), errorContent(failure)));
    return;
  }
  endSession();
  if (location.hash === '#/login') route();
  else location.hash = '#/login';
}

setUnauthorizedHandler(() => {
  if (!app.session) return;
  endSession();
  route();
});

async function boot() {
  initLanguage();
  onLanguageChange(() => {
    renderHeader();
    const current = app.current;
    if (!current) return;
    // A page that failed is loaded again (its message was in the other language); a loaded one
    // is drawn again from what it holds.
    if (document.body.dataset.ready === 'error') route();
    else if (current.view) current.ctx.work(() => current.view.render()).catch(() => {});
  });
  setBodyState('login', 'false');
  renderHeader();
  try {
    startSession(await api.get('/api/v1/session', { quiet401: true }));
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      const main = document.getElementById('main');
      fill(main, el('div', { class: 'page-error', role: 'alert', test: 'page-error' },
          el('h1', {}, t('error.pageTitle')), errorContent(error)));
      setBodyState(null, 'error');
      return;
    }
  }
  window.addEventListener('hashchange', route);
  route();
}

boot();
