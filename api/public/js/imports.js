// Imports tab: recent jobs, newest first, with "Load more"; each opens the same progress and
// result panel as the wizard, so support staff can download failed rows, re-run and cancel.
import { api } from './api.js';
import { $, el, focusHeading, formatDate, formatNumber, STATUS_LABELS } from './dom.js';
import { createJobPanel } from './progress.js';

const PAGE_SIZE = 20;

export function setUpImports() {
  const listView = $('#imports-list-view');
  const detailView = $('#import-detail-view');
  const body = $('#imports-table tbody');
  const status = $('#imports-status');
  const more = $('#imports-more');
  const detail = createJobPanel($('#detail-job'), { level: 3 });
  let nextCursor = null;
  let loading = false;

  function rowsSummary(job) {
    const { counts } = job;
    const parts = [`${formatNumber(counts.processed)}/${formatNumber(counts.total)}`];
    if (counts.created) parts.push(`${formatNumber(counts.created)} created`);
    if (counts.updated) parts.push(`${formatNumber(counts.updated)} updated`);
    if (counts.unchanged) parts.push(`${formatNumber(counts.unchanged)} unchanged`);
    if (counts.failed) parts.push(`${formatNumber(counts.failed)} failed`);
    return parts.join(' · ');
  }

  function row(job) {
    const kind = job.kind === 'undo' ? ' (undo)'
      : job.settings && job.settings.dryRun ? ' (dry run)'
        : job.undoneBy ? ' (undone)' : job.correctsImport ? ' (corrected rows)' : job.retryOf ? (job.onlyFailedRows ? ' (retry of failed rows)' : ' (re-run)') : '';
    return el('tr', { 'data-job-id': job.id },
      el('td', { 'data-label': 'Status' }, el('span', { class: `status-pill status-${job.status}` }, STATUS_LABELS[job.status] || job.status)),
      el('td', { 'data-label': 'File', class: 'file-cell' }, job.fileName, el('span', { class: 'hint' }, kind)),
      el('td', { 'data-label': 'By' }, job.requestedBy || '—'),
      el('td', { 'data-label': 'When' }, el('time', { datetime: job.createdAt }, formatDate(job.createdAt))),
      el('td', { 'data-label': 'Rows' }, rowsSummary(job)),
      el('td', { class: 'open-cell' },
        el('button', { type: 'button', class: 'secondary', onclick: () => open(job.id), 'aria-label': `Open import of ${job.fileName}, ${formatDate(job.createdAt)}` }, 'Open')),
    );
  }

  async function load({ append = false } = {}) {
    if (loading) return;
    loading = true;
    status.classList.remove('error');
    status.textContent = 'Loading imports…';
    more.disabled = true;
    try {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (append && nextCursor) query.set('cursor', nextCursor);
      const page = await api(`/api/imports?${query}`);
      const rows = page.items.map(row);
      if (append) body.append(...rows);
      else body.replaceChildren(...rows);
      nextCursor = page.nextCursor;
      more.hidden = !nextCursor;
      const shown = body.children.length;
      status.textContent = shown === 0 ? 'No imports yet.' : `${shown} import${shown === 1 ? '' : 's'} shown, newest first.`;
    } catch (error) {
      status.classList.add('error');
      status.textContent = error.message;
    } finally {
      loading = false;
      more.disabled = false;
    }
  }

  function open(id) {
    listView.hidden = true;
    detailView.hidden = false;
    detail.show(id).then(() => detail.focus());
  }

  function backToList() {
    detail.stop();
    detailView.hidden = true;
    listView.hidden = false;
    load();
    focusHeading($('#panel-imports h2'));
  }

  $('#imports-refresh').addEventListener('click', () => load());
  more.addEventListener('click', () => load({ append: true }));
  $('#imports-back').addEventListener('click', backToList);

  return {
    /** Called each time the tab is shown: the list is refreshed unless a job is open. */
    activate() {
      if (detailView.hidden) load();
    },
    deactivate() {
      detail.stop();
      if (!detailView.hidden) {
        detailView.hidden = true;
        listView.hidden = false;
      }
    },
  };
}
