// "Re-run" on a job panel (admins): the whole stored file applied again with the same settings,
// after a confirmation that says what that does. Support keys retry failed rows instead.
import { api } from './api.js';
import { el } from './dom.js';
import { createConfirmation } from './confirmation.js';

/** A real import that ended and was not undone: an undone import is never run again (409 import_undone). */
export function canRerun(job) {
  return document.body.dataset.role === 'admin' && job.kind !== 'undo' && !job.undoneBy && !['queued', 'validating', 'running'].includes(job.status);
}

/**
 * Wires the Re-run button and its confirmation. `render(job)` shows or hides them; `onStarted(rerunJob)`
 * is called with the 202's job view.
 */
export function createRerunControls(button, { level, onStarted }) {
  let job = null;
  const confirmation = createConfirmation(button, {
    label: 'Confirm the re-run',
    yesLabel: 'Yes, re-run the whole file',
    noLabel: 'Keep it as it is',
    className: 'job-rerun',
    level,
    onYes: async () => onStarted(await api(`/api/imports/${encodeURIComponent(job.id)}/retry`, { method: 'POST' })),
  });
  button.addEventListener('click', () => confirmation.open(`Re-run every row of ${job.fileName}?`, [
    el('p', {}, 'Every row of the file is applied again, with the same settings, as uploading it again would: rows already applied come out unchanged, '
      + 'but a field changed since (by hand or by a later import) is set back to the file\'s value. To re-run only the rows that failed, use Retry failed rows.'),
  ]));

  return {
    render(next) {
      if (!job || job.id !== next.id) confirmation.close();
      job = next;
      button.hidden = !canRerun(job);
      if (button.hidden) confirmation.close();
    },
  };
}
