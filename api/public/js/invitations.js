// Users › Re-send an invitation (admins): a user named by username or e-mail address gets a new
// invitation mail (POST /api/users/:user/invite).
import { api } from './api.js';
import { $ } from './dom.js';

export function setUpResend() {
  const form = $('#resend-form');
  const input = $('#resend-user');
  const status = $('#resend-status');
  const button = form.querySelector('button[type="submit"]');

  function say(message, { error = false } = {}) {
    status.textContent = message;
    status.classList.toggle('error', error);
    input.setAttribute('aria-invalid', error ? 'true' : 'false');
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const user = input.value.trim();
    if (!user) {
      say('Enter the username or e-mail address of the user to invite again.', { error: true });
      input.focus();
      return;
    }
    button.disabled = true;
    say('Sending…');
    try {
      const sent = await api(`/api/users/${encodeURIComponent(user)}/invite`, { method: 'POST' });
      say(`A new invitation to ${sent.username} (${sent.email}) is on its way. The link in the earlier mail no longer works.`);
      input.value = '';
    } catch (failure) {
      say(failure.message, { error: true });
      input.focus();
    } finally {
      button.disabled = false;
    }
  });
}
