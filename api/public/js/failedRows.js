// The failed rows of an ended import: why they failed, counted per cause with what to do
// (GET /api/imports/:id carries `failureCauses`), and "Upload corrected rows": the failed rows
// file, fixed, sent back as a retry of the import (POST /api/imports/:id/retry, multipart).
import { uploadFile } from './api.js';
import { el, formatNumber, showError, uniqueId } from './dom.js';

const CORRECTABLE = ['completed_with_errors', 'failed', 'cancelled'];

/** "2,993 rows: group "marketing" does not exist: create it under Groups & fields, then Retry failed rows." */
function causeLine(cause, dryRun) {
  const rows = `${formatNumber(cause.rows)} row${cause.rows === 1 ? '' : 's'}`;
  return `${rows}${dryRun ? ' would fail' : ''}: ${cause.summary}: ${cause.action}.`;
}

/** Whether a panel showing `job` offers corrected rows: a real import, ended, with failed rows, not undone. */
export function canCorrect(job) {
  return job.kind !== 'undo' && !job.settings.dryRun && !job.undoneBy && CORRECTABLE.includes(job.status) && job.counts.failed > 0;
}

/**
 * Mounts the causes list and the corrected rows form into `container`. `render(job)` shows them
 * for the job on show; `onStarted(retryJob)` is called with the 202's job view.
 */
export function createFailedRows(container, { level, onStarted }) {
  const heading = el('h5', { 'aria-level': String(level + 1) }, 'Why rows failed');
  const causes = el('ul', { class: 'causes', 'aria-label': 'Failed rows by cause, most rows first' });
  const more = el('p', { class: 'hint' });
  const causesBox = el('div', { class: 'job-causes' }, heading, causes, more);

  const input = el('input', { type: 'file', accept: '.csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', class: 'corrections-file' });
  const label = el('label', {}, 'Corrected failed rows file (.csv or .xlsx)');
  const chosen = el('p', { class: 'file-chosen', 'aria-live': 'polite' });
  const send = el('button', { type: 'button', class: 'job-upload-corrections' }, 'Upload corrected rows');
  const status = el('p', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
  const error = el('p', { class: 'error', role: 'alert' });
  const form = el('div', { class: 'job-corrections', role: 'group' },
    el('h5', { 'aria-level': String(level + 1) }, 'Upload corrected rows'),
    el('p', { class: 'hint' },
      'Download the failed rows, fix them in Excel and upload that file here. Each row is applied as the correction of the failed row its Error cell names, with this import\'s settings; '
      + 'a row that did not fail in this import, or a new user, is refused and reported. Keep the username (or the email, where the username is blank) unless it was what failed.'),
    label, el('div', { class: 'row' }, input, send), chosen, status, error);
  label.htmlFor = input.id = uniqueId('corrections-file');
  form.setAttribute('aria-label', 'Upload corrected rows');
  container.replaceChildren(causesBox, form);

  let job = null;
  input.addEventListener('change', () => {
    const file = input.files[0];
    chosen.textContent = file ? `Selected: ${file.name}` : '';
    showError(error, '');
  });
  send.addEventListener('click', async () => {
    const file = input.files[0];
    if (!file) {
      showError(error, 'Choose the corrected failed rows file (.csv or .xlsx) first.');
      input.focus();
      return;
    }
    send.disabled = true;
    showError(error, '');
    status.textContent = 'Uploading…';
    try {
      const retry = await uploadFile(`/api/imports/${encodeURIComponent(job.id)}/retry`, file, {}, (share) => {
        status.textContent = `Uploading… ${Math.floor(share * 100)} %`;
      });
      status.textContent = '';
      input.value = '';
      chosen.textContent = '';
      onStarted(retry);
    } catch (failure) {
      status.textContent = '';
      showError(error, failure.message);
    } finally {
      send.disabled = false;
    }
  });

  return {
    render(next) {
      if (!job || job.id !== next.id) {
        input.value = '';
        chosen.textContent = '';
        status.textContent = '';
        showError(error, '');
      }
      job = next;
      const list = job.failureCauses || [];
      causesBox.hidden = list.length === 0;
      causes.replaceChildren(...list.map((cause) => el('li', { 'data-cause': cause.cause }, causeLine(cause, job.settings.dryRun))));
      more.hidden = !job.moreFailureCauses;
      more.textContent = job.moreFailureCauses ? `…and ${formatNumber(job.moreFailureCauses)} more causes: download the failed rows to see every row's reason.` : '';
      form.hidden = !canCorrect(job);
      container.hidden = causesBox.hidden && form.hidden;
    },
  };
}
