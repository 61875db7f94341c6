// "Undo this import" on a job panel: the button, a confirmation that says what will happen, and
// POST /api/imports/:id/undo. The undo job it starts is then followed by the same panel.
import { api } from './api.js';
import { $, el, formatNumber, isActive } from './dom.js';
import { createConfirmation } from './confirmation.js';

/** An undo that ended like this left the import partly taken back; a new undo may finish it. */
const UNDO_STOPPED = ['failed', 'cancelled'];

const users = (count, what) => `${formatNumber(count)} user${count === 1 ? '' : 's'} ${what}`;

/**
 * A real import that ended, changed something and has not been taken back; or an undo that
 * stopped half-way (failed, cancelled), whose import can be undone again.
 */
export function canUndo(job) {
  if (isActive(job)) return false;
  if (job.kind === 'undo') return UNDO_STOPPED.includes(job.status);
  const { counts } = job;
  return !job.undoneBy && !(job.settings && job.settings.dryRun) && (counts.created || 0) + (counts.updated || 0) > 0;
}

/** What an ended undo job did, counted per user (restored, removed, conflicts). */
export function undoResultMessage(job) {
  const { counts } = job;
  if (job.status === 'failed') return `The undo failed${job.failureReason ? `: ${job.failureReason}` : '.'}`;
  const done = `${users(counts.restored || 0, 'restored')}, ${users(counts.removed || 0, 'removed')}`;
  const lead = job.status === 'cancelled'
    ? `Undo cancelled after ${formatNumber(counts.processed)} of ${formatNumber(counts.total)} rows: ${done}; what it put back stays put back.`
    : `Undo complete: ${done}.`;
  const conflicts = counts.conflicts || 0;
  const reported = [
    conflicts > 0 ? `${formatNumber(conflicts)} conflict${conflicts === 1 ? '' : 's'} (a field changed since the import was left as it is, or a new user who has set a password was kept)` : '',
    counts.failed > 0 ? `${formatNumber(counts.failed)} could not be undone` : '',
  ].filter(Boolean);
  return reported.length === 0 ? lead : `${lead} ${reported.join('; ')}: download them to see which fields and why.`;
}

/** The confirmation's title and what it says will happen. */
function undoConfirmation(job) {
  const { created = 0, updated = 0 } = job.counts;
  const points = [];
  if (created > 0) {
    const are = created === 1 ? 'is' : 'are';
    points.push(`The ${users(created, 'it created')} ${are} removed, and their pending invitations stop working. A user who has already accepted the invitation and set a password is kept, and reported.`);
  }
  if (updated > 0) {
    points.push(`On the ${users(updated, 'it updated')}, each field it changed goes back to its value before the import. A field changed since (by a later import or by hand) is left as it is and reported as a conflict, with its value now and the value the undo would have written.`);
  }
  return [
    `Undo the import of ${job.fileName}?`,
    el('ul', {}, points.map((point) => el('li', {}, point))),
    el('p', {}, 'Fields the import did not change are not touched. An import can be undone only once; the conflicts can be downloaded when the undo has ended.'),
  ];
}

/**
 * Wires the undo controls of `panel`. `render(job)` shows or hides them for the job on show;
 * `onStarted(undoJob)` is called with the 202's job view.
 */
export function createUndoControls(panel, { level, onStarted }) {
  const button = $('.job-undo', panel);
  let job = null;
  /** The import the confirmation is about: the job shown, or the import an undo job took back. */
  let target = null;
  const confirmation = createConfirmation(button, {
    label: 'Confirm the undo',
    yesLabel: 'Yes, undo this import',
    noLabel: 'Keep the import',
    className: 'job-undo',
    level,
    danger: true,
    onYes: async () => onStarted(await api(`/api/imports/${encodeURIComponent(target.id)}/undo`, { method: 'POST' })),
  });

  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      target = job.kind === 'undo' ? await api(`/api/imports/${encodeURIComponent(job.undoOf)}`) : job;
    } catch (failure) {
      target = null;
      confirmation.problem(failure.message);
      return;
    } finally {
      button.disabled = false;
    }
    const [title, ...nodes] = undoConfirmation(target);
    confirmation.open(title, nodes);
  });

  return {
    render(next) {
      if (!job || job.id !== next.id) confirmation.close();
      job = next;
      const allowed = document.body.dataset.role === 'admin' && canUndo(job);
      button.hidden = !allowed;
      button.textContent = job.kind === 'undo' ? 'Undo this import again' : 'Undo this import';
      if (!allowed) confirmation.close();
    },
  };
}
