// The login page: an access token (issued by an administrator with `encuentro token create`)
// exchanged for an HttpOnly session cookie. The token never stays in the page.

import { ApiError, api } from './api.js';
import { errorMessage, pageTitle } from './components.js';
import { el, fill } from './dom.js';
import { t } from './i18n.js';

export const name = 'login';

export async function mount(root, params, ctx) {
  const state = { error: null };

  function render() {
    const input = el('input', {
      id: 'login-token', type: 'password', test: 'login-token', name: 'token', required: true,
      autocomplete: 'current-password', spellcheck: 'false', 'aria-describedby': 'login-token-hint',
    });
    const error = el('p', { class: 'error', role: 'alert', test: 'login-error', hidden: !state.error },
        state.error || '');
    const submit = el('button', { type: 'submit', test: 'login-submit', class: 'primary' }, t('login.submit'));
    const form = el('form', { class: 'login-form', novalidate: true },
        el('div', { class: 'form-field' },
            el('label', { for: 'login-token' }, t('login.token')),
            input,
            el('p', { class: 'hint', id: 'login-token-hint' }, t('login.tokenHint'))),
        error,
        el('div', { class: 'form-actions' }, submit));

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (!token) {
        state.error = t('login.tokenRequired');
        error.textContent = state.error;
        error.hidden = false;
        input.focus();
        return;
      }
      submit.disabled = true;
      error.hidden = true;
      try {
        const session = await api.post('/api/v1/sessions', { token }, { quiet401: true });
        input.value = '';
        state.error = null;
        await ctx.onLogin(session);
      } catch (err) {
        state.error = err instanceof ApiError && err.status === 401 && !err.message
          ? t('login.rejected') : errorMessage(err);
        error.textContent = state.error;
        error.hidden = false;
        input.focus();
      } finally {
        submit.disabled = false;
      }
    });

    fill(root, el('section', { class: 'login' },
        pageTitle(t('login.title')),
        el('p', {}, t('login.intro')),
        form,
        el('p', { class: 'hint' }, t('login.privacy'))));
  }

  render();
  return { render };
}
