// "Re-run" on a job panel (admins): the whole stored file applied again with the same settings,
// after a confirmation that says what that does. Support keys retry failed rows instead.
import { api } from './api.js';
import { el, focusHeading, showError } from './dom.js';

/** A real import that ended and was not undone: an undone import is never run again (409 import_undone). */
export function canRerun(job) {
  return document.body.dataset.role === 'admin' && job.kind !== 'undo' && !job.undoneBy && !['queued', 'validating', 'running'].includes(job.status);
}

/**
 * Wires the Re-run button of `panel` and its confirmation. `render(job)` shows or hides them;
 * `onStarted(rerunJob)` is called with the 202's job view.
 */
export function createRerunControls(panel, button, { level, onStarted }) {
  const title = el('h5', { 'aria-level': String(level + 1), class: 'confirm-title', tabindex: '-1' });
  const text = el('p');
  const error = el('p', { class: 'error', role: 'alert' });
  const yes = el('button', { type: 'button', class: 'job-rerun-yes' }, 'Yes, re-run the whole file');
  const no = el('button', { type: 'button', class: 'secondary job-rerun-no' }, 'Keep it as it is');
  const box = el('div', { class: 'job-rerun-confirm confirm-box', role: 'group', 'aria-label': 'Confirm the re-run' }, title, text, error, el('div', { class: 'actions' }, yes, no));
  box.hidden = true;
  // Below the row of buttons, as the undo's confirmation is.
  (button.closest('.actions') || button).after(box);
  button.setAttribute('aria-expanded', 'false');
  let job = null;

  function close() {
    box.hidden = true;
    button.setAttribute('aria-expanded', 'false');
  }

  button.addEventListener('click', () => {
    showError(error, '');
    title.textContent = `Re-run every row of ${job.fileName}?`;
    text.textContent = 'Every row of the file is applied again, with the same settings, as uploading it again would: rows already applied come out unchanged, '
      + 'but a field changed since (by hand or by a later import) is set back to the file\'s value. To re-run only the rows that failed, use Retry failed rows.';
    box.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    focusHeading(title);
  });
  no.addEventListener('click', () => {
    close();
    button.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    showError(error, '');
    try {
      const rerun = await api(`/api/imports/${encodeURIComponent(job.id)}/retry`, { method: 'POST' });
      close();
      onStarted(rerun);
    } catch (failure) {
      showError(error, failure.message);
    } finally {
      yes.disabled = false;
    }
  });

  return {
    render(next) {
      if (!job || job.id !== next.id) close();
      job = next;
      button.hidden = !canRerun(job);
      if (button.hidden) close();
    },
  };
}
