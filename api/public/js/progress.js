// The progress and result panel of one import job: used by the upload wizard (step 3) and by
// the Imports tab's detail view. Polls the job while it runs, then shows what it did.
import { api, downloadFile } from './api.js';
import { createChangePreview } from './changes.js';
import { $, el, focusHeading, formatDate, formatDuration, formatNumber, isActive, showError, STATUS_LABELS, uniqueId } from './dom.js';
import { createFailedRows } from './failedRows.js';
import { createRerunControls } from './rerun.js';
import { createUndoControls, undoResultMessage } from './undo.js';

const POLL_MS = 500;
const INVITATION_POLL_MS = 1000;
/** Invitations of a large import go out for a long time: after a minute of polling, poll every 5 s. */
const INVITATION_SLOW_POLL_MS = 5000;
const INVITATION_FAST_POLLS = 60;

/** What a dry run's count boxes say: what would happen, not what did. */
const DRY_RUN_LABELS = { created: 'Would create', updated: 'Would update', unchanged: 'Would stay unchanged', failed: 'Would fail' };
const COUNT_LABELS = { created: 'Created', updated: 'Updated', unchanged: 'Unchanged', failed: 'Failed' };

function resultMessage(job) {
  if (job.kind === 'undo') return undoResultMessage(job);
  const { counts, settings } = job;
  const failedRows = `${formatNumber(counts.failed)} row${counts.failed === 1 ? '' : 's'}`;
  if (job.status === 'failed') return `The import failed${job.failureReason ? `: ${job.failureReason}` : '.'}`;
  if (job.status === 'cancelled') {
    return settings.dryRun
      ? 'Dry run cancelled: nothing was changed.'
      : `Import cancelled after ${formatNumber(counts.processed)} of ${formatNumber(counts.total)} rows. The rows applied before cancelling stay applied.`;
  }
  if (settings.dryRun) {
    const wouldChange = counts.created + counts.updated > 0;
    const lead = wouldChange ? 'Dry run complete: nothing was changed. The counts show what importing this file would do.' : 'Dry run complete: importing this file would change nothing.';
    return job.status === 'completed' ? lead : `${lead} ${failedRows} would fail: the causes are below.`;
  }
  if (job.undoneBy) return 'This import was undone: open the undo to see what was put back and what conflicted.';
  if (job.status === 'completed') return 'Import complete: your changes are live on the learners\' profiles.';
  if (counts.created + counts.updated + counts.unchanged === 0) {
    return `None of the rows was applied: all ${failedRows} failed. The causes are below: fix them, then Retry failed rows (or upload the corrected rows).`;
  }
  return `Import finished: the changes of the other rows are live on the learners' profiles, but ${failedRows} failed. The causes are below: fix them (for example create a missing group), then Retry failed rows (or upload the corrected rows).`;
}

function retryingMessage(retrying) {
  const at = new Date(retrying.nextAt).toLocaleTimeString();
  return `${retrying.reason}. The import resumes by itself from its last saved chunk (next try at ${at}, attempt ${retrying.attempt}); nothing applied so far is lost.`;
}

const WAITING_LABELS = { no_worker: 'Queued: no worker is running', other_deployment: 'Queued: handed back by another deployment' };

/** A dry run's end says what it is; the rest as the status list has them. */
function statusLabel(job) {
  if (job.settings.dryRun && job.kind !== 'undo' && ['completed', 'completed_with_errors'].includes(job.status)) {
    return job.status === 'completed' ? 'Dry run complete' : 'Dry run complete: some rows would fail';
  }
  return STATUS_LABELS[job.status] || job.status;
}

function settingsSummary(settings) {
  return [
    settings.dryRun ? 'Dry run' : null,
    `Invitations ${settings.sendInvitations ? 'on' : 'off'}`,
    `User groups: ${settings.groupsMode}`,
    `Roles: ${settings.rolesMode}`,
  ].filter(Boolean).join(' · ');
}

function invitationsView(invitations, level) {
  const eta = invitations.queued > 0 && invitations.etaSeconds ? ` (about ${formatDuration(invitations.etaSeconds)} left)` : '';
  const parts = [`${formatNumber(invitations.sent)} sent`, `${formatNumber(invitations.queued)} waiting to be sent${eta}`, `${formatNumber(invitations.failed)} failed`];
  const nodes = [el('h5', { 'aria-level': String(level + 1) }, 'Invitations'), el('p', {}, parts.join(', ') + '.')];
  if (invitations.failures && invitations.failures.length > 0) {
    nodes.push(
      el('ul', { class: 'failures', 'aria-label': 'Invitations that could not be sent' },
        invitations.failures.map((failure) => el('li', {}, el('strong', {}, failure.email), ': ', failure.error || 'no reason given'))),
    );
  }
  return nodes;
}

/**
 * Mounts a panel into `container`. `show(jobOrId)` displays a job and follows it; `stop()`
 * ends polling (when the view is left).
 */
export function createJobPanel(container, { level = 4 } = {}) {
  const panel = $('#job-panel-template').content.firstElementChild.cloneNode(true);
  container.replaceChildren(panel);
  const parts = {
    title: $('.job-title', panel),
    meta: $('.job-meta', panel),
    status: $('.job-status', panel),
    bar: $('.job-bar', panel),
    percent: $('.job-percent', panel),
    rows: $('.job-rows', panel),
    result: $('.job-result', panel),
    message: $('.job-message', panel),
    invitations: $('.job-invitations', panel),
    error: $('.job-error', panel),
    cancel: $('.job-cancel', panel),
    download: $('.job-download', panel),
    retryFailed: $('.job-retry-failed', panel),
    rerun: $('.job-rerun', panel),
    runReal: $('.job-run-real', panel),
    related: $('.job-related', panel),
  };
  const preview = createChangePreview($('.job-changes', panel), { level });
  const undo = createUndoControls(panel, { level, onStarted: (undoJob) => showAndFocus(undoJob) });
  const failedRows = createFailedRows($('.job-failed-rows', panel), { level, onStarted: (retryJob) => showAndFocus(retryJob) });
  const rerun = createRerunControls(parts.rerun, { level, onStarted: (rerunJob) => showAndFocus(rerunJob) });
  // The panel sits at different depths (wizard step, Imports tab): keep the outline right.
  parts.title.setAttribute('aria-level', String(level));
  parts.title.id = uniqueId('job-title');
  parts.bar.id = uniqueId('job-bar');
  parts.bar.setAttribute('aria-labelledby', parts.title.id);
  panel.setAttribute('aria-labelledby', parts.title.id);

  let job = null;
  let generation = 0;
  let timer = null;
  let lastStatus = null;

  function render() {
    const { counts } = job;
    const undoJob = job.kind === 'undo';
    parts.title.textContent = `${undoJob ? 'Undo of the import' : 'Import'} of ${job.fileName}`;
    const retry = job.retryOf ? ` · ${job.correctsImport ? 'corrected rows of' : job.onlyFailedRows ? 'retry of the failed rows of' : 're-run of'} an earlier import` : '';
    parts.meta.textContent = undoJob
      ? `Started by the ${job.requestedBy || 'unknown'} key on ${formatDate(job.createdAt)}.`
      : `Started by the ${job.requestedBy || 'unknown'} key on ${formatDate(job.createdAt)}${retry}. ${settingsSummary(job.settings)}.`;
    // The live region only changes when the status does, so screen readers are not flooded;
    // at the end it also reads out the counts (shown visually in the boxes below).
    const label = isActive(job) && job.cancelRequested
      ? 'Cancelling…'
      : isActive(job) && job.retrying ? 'Waiting for the database…'
        : job.status === 'queued' && job.waiting ? WAITING_LABELS[job.waiting.reason] || STATUS_LABELS.queued
          : undoJob && job.status === 'running' ? 'Undoing' : statusLabel(job);
    const counted = undoJob ? ['restored', 'removed', 'conflicts', 'failed'] : ['created', 'updated', 'unchanged', 'failed'];
    const summary = isActive(job) ? '' : `: ${counted.map((name) => `${formatNumber(counts[name])} ${name}`).join(', ')}.`;
    if (label + summary !== lastStatus) {
      parts.status.replaceChildren(label, summary ? el('span', { class: 'visually-hidden' }, summary) : '');
      lastStatus = label + summary;
    }
    panel.dataset.status = job.status;
    const percent = Math.floor(job.progress ?? 0);
    parts.bar.value = job.progress ?? 0;
    parts.bar.textContent = `${percent} %`;
    parts.bar.setAttribute('aria-valuetext', `${percent} %, ${formatNumber(counts.processed)} of ${formatNumber(counts.total)} rows`);
    parts.percent.textContent = `${percent} %`;
    const rows = counts.total > 0 || !isActive(job) ? `${formatNumber(counts.processed)} of ${formatNumber(counts.total)} rows` : 'Counting rows…';
    const speed = job.rowsPerSecond ? ` · ${formatNumber(job.rowsPerSecond)} rows/s` : '';
    const eta = isActive(job) && job.etaSeconds !== null && job.etaSeconds !== undefined ? ` · about ${formatDuration(job.etaSeconds)} left` : '';
    // While the worker waits out a database outage, say so instead of a stale speed and ETA; a
    // queued import that no worker of this deployment takes says why.
    parts.rows.textContent = isActive(job) && job.retrying
      ? `${rows} · ${retryingMessage(job.retrying)}`
      : job.status === 'queued' && job.waiting ? job.waiting.message : rows + speed + eta;
    for (const node of panel.querySelectorAll('[data-count]')) node.textContent = formatNumber(counts[node.dataset.count]);
    const labels = job.settings.dryRun && !undoJob ? DRY_RUN_LABELS : COUNT_LABELS;
    for (const node of panel.querySelectorAll('[data-count-label]')) node.textContent = labels[node.dataset.countLabel];
    for (const node of panel.querySelectorAll('.import-count')) node.hidden = undoJob;
    for (const node of panel.querySelectorAll('.undo-count')) node.hidden = !undoJob;
    panel.classList.toggle('has-failures', counts.failed > 0);
    panel.classList.toggle('has-conflicts', (counts.conflicts || 0) > 0);
    const reported = counts.failed + (undoJob ? counts.conflicts || 0 : 0);

    const ended = !isActive(job);
    parts.result.hidden = !ended;
    if (ended) parts.message.textContent = resultMessage(job);
    parts.invitations.hidden = !job.invitations;
    if (job.invitations) parts.invitations.replaceChildren(...invitationsView(job.invitations, level));
    parts.cancel.hidden = ended;
    parts.cancel.disabled = Boolean(job.cancelRequested);
    parts.download.hidden = reported === 0;
    // A workbook's failed rows come back as a workbook, so Excel opens them with the IDs intact.
    parts.download.textContent = undoJob ? 'Download conflicts and failures' : job.fileFormat === 'xlsx' ? 'Download failed rows (Excel)' : 'Download failed rows';
    parts.retryFailed.hidden = !ended || counts.failed === 0 || undoJob;
    rerun.render(job);
    const admin = document.body.dataset.role === 'admin';
    // A dry run that would change nothing has nothing to run for real.
    const wouldChange = counts.created + counts.updated > 0;
    parts.runReal.hidden = !(admin && job.settings.dryRun && !undoJob && wouldChange && ['completed', 'completed_with_errors'].includes(job.status));
    const related = undoJob ? job.undoOf : job.undoneBy;
    parts.related.hidden = !related;
    parts.related.textContent = undoJob ? 'Open the import it took back' : 'Open the undo';
    undo.render(job);
    failedRows.render(job);
    if (ended && !undoJob && counts.created + counts.updated > 0) preview.show(job);
    else preview.clear();
  }

  function schedule(delay) {
    clearTimeout(timer);
    const mine = generation;
    timer = setTimeout(() => poll(mine), delay);
  }

  let invitationPolls = 0;
  async function poll(mine) {
    let fresh;
    try {
      fresh = await api(`/api/imports/${encodeURIComponent(job.id)}`);
    } catch (error) {
      if (mine !== generation) return;
      showError(parts.error, error.message);
      if (error.status !== 404 && error.status !== 401) schedule(2000);
      return;
    }
    if (mine !== generation) return;
    showError(parts.error, '');
    job = fresh;
    render();
    follow();
  }

  function follow() {
    if (isActive(job)) return schedule(POLL_MS);
    // Invitations go out after the import ends: keep the counts fresh until none are waiting and
    // the job's invited count has caught up with the sent marks (two writes, a moment apart).
    const invitations = job.invitations;
    const settling = invitations && (invitations.queued > 0 || (job.counts.invited || 0) < invitations.sent);
    if (settling) schedule(invitationPolls++ < INVITATION_FAST_POLLS ? INVITATION_POLL_MS : INVITATION_SLOW_POLL_MS);
  }

  async function act(button, run) {
    button.disabled = true;
    showError(parts.error, '');
    try {
      await run();
    } catch (error) {
      showError(parts.error, error.message);
    } finally {
      button.disabled = false;
    }
  }

  function showAndFocus(next) {
    show(next);
    focusHeading(parts.title);
  }

  async function startRetry(body) {
    showAndFocus(await api(`/api/imports/${encodeURIComponent(job.id)}/retry`, { method: 'POST', json: body }));
  }

  parts.cancel.addEventListener('click', () => act(parts.cancel, async () => {
    job = await api(`/api/imports/${encodeURIComponent(job.id)}/cancel`, { method: 'POST' });
    render();
    follow();
  }));
  parts.download.addEventListener('click', () => act(parts.download, async () => {
    const report = job.kind === 'undo' ? ['errors.csv', 'undo-conflicts.csv'] : job.fileFormat === 'xlsx' ? ['errors.xlsx', 'failed-rows.xlsx'] : ['errors.csv', 'failed-rows.csv'];
    await downloadFile(`/api/imports/${encodeURIComponent(job.id)}/${report[0]}`, report[1]);
  }));
  parts.retryFailed.addEventListener('click', () => act(parts.retryFailed, () => startRetry({ only: 'failed' })));
  parts.runReal.addEventListener('click', () => act(parts.runReal, async () => {
    showAndFocus(await api(`/api/imports/${encodeURIComponent(job.id)}/run`, { method: 'POST' }));
  }));
  parts.related.addEventListener('click', () => act(parts.related, () => {
    const id = job.kind === 'undo' ? job.undoOf : job.undoneBy;
    return show(id).then(() => focusHeading(parts.title));
  }));

  function show(jobOrId) {
    generation += 1;
    clearTimeout(timer);
    invitationPolls = 0;
    lastStatus = null;
    showError(parts.error, '');
    preview.clear();
    if (typeof jobOrId === 'string') {
      job = { id: jobOrId };
      parts.title.textContent = 'Loading import…';
      return poll(generation);
    }
    job = jobOrId;
    render();
    follow();
    return Promise.resolve();
  }

  function stop() {
    generation += 1;
    clearTimeout(timer);
  }

  return { show, stop, focus: () => focusHeading(parts.title) };
}
