// Sign-in with an API key (kept in sessionStorage only) and discovery of its role.
import { api, ApiError, rememberKey } from './api.js';

/** Checks a key and learns its role from GET /api/me. */
export async function identify(key) {
  const { role } = await api('/api/me', { key });
  // Never guess admin rights from an unexpected answer.
  return role === 'admin' ? 'admin' : 'support';
}

export function setUpSignIn({ onSignedIn }) {
  const section = document.getElementById('sign-in');
  const form = document.getElementById('sign-in-form');
  const input = document.getElementById('api-key');
  const error = document.getElementById('sign-in-error');
  const button = form.querySelector('button[type="submit"]');

  function showForm(message = '') {
    section.hidden = false;
    error.textContent = message;
    error.classList.toggle('visible', Boolean(message));
    input.setAttribute('aria-invalid', message ? 'true' : 'false');
    input.focus();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return showForm('Enter your API key.');
    button.disabled = true;
    error.textContent = '';
    try {
      const role = await identify(key);
      rememberKey(key);
      input.value = '';
      section.hidden = true;
      onSignedIn(role);
    } catch (failure) {
      const message = failure instanceof ApiError && failure.status === 401 ? `This key was not accepted: ${failure.message}` : failure.message;
      showForm(message);
    } finally {
      button.disabled = false;
    }
  });

  return { showForm };
}
