// The change preview of an ended import or dry run: the counts per field, the first changes in a
// table, and changes.csv with all of them (GET /api/imports/:id/changes and /changes.csv).
import { api, downloadFile } from './api.js';
import { el, formatNumber, showError } from './dom.js';

/** Records asked for; the table shows at most FIRST_CHANGES of their field changes. */
const FIRST_RECORDS = 20;
const FIRST_CHANGES = 20;
const OUTCOMES = { created: 'Created', updated: 'Updated' };

/** As changes.csv writes it (shared/rules/changeReport.ts): lists `; `-joined, a password never shown. */
function cells(item, change) {
  if (change.field === 'password') return ['', item.outcome === 'created' ? 'set (not shown)' : 'changed (not shown)'];
  const text = (value) => (value === null || value === undefined ? '' : Array.isArray(value) ? value.join('; ') : String(value));
  return [text(change.before), text(change.after)];
}

const blank = () => el('span', { class: 'hint' }, '(blank)');

function changesTable(items, captionText) {
  const rows = [];
  for (const item of items) {
    for (const change of item.changes) {
      if (rows.length === FIRST_CHANGES) break;
      const [before, after] = cells(item, change);
      rows.push(el('tr', {},
        el('td', { 'data-label': 'Row' }, String(item.row)),
        el('td', { 'data-label': 'Username', class: 'value-cell' }, item.username),
        el('td', { 'data-label': 'Outcome' }, OUTCOMES[item.outcome] || item.outcome),
        el('td', { 'data-label': 'Field' }, change.label),
        el('td', { 'data-label': 'Before', class: 'value-cell' }, before || blank()),
        el('td', { 'data-label': 'After', class: 'value-cell' }, after || blank()),
      ));
    }
  }
  return el('table', { class: 'changes' },
    el('caption', { class: 'visually-hidden' }, captionText),
    el('thead', {}, el('tr', {}, ['Row', 'Username', 'Outcome', 'Field', 'Before', 'After'].map((name) => el('th', { scope: 'col' }, name)))),
    el('tbody', {}, rows),
  );
}

/**
 * Mounts the preview into `container` (inside a job panel). `show(job)` loads it once per job;
 * `clear()` empties it when the panel shows another job.
 */
export function createChangePreview(container, { level = 4 } = {}) {
  let shownFor = null;
  let generation = 0;

  function clear() {
    generation += 1;
    shownFor = null;
    container.hidden = true;
    container.replaceChildren();
  }

  async function show(job) {
    if (shownFor === job.id) return;
    clear();
    shownFor = job.id;
    const mine = generation;
    const dryRun = job.settings && job.settings.dryRun;
    const heading = el('h5', { 'aria-level': String(level + 1) }, dryRun ? 'What this import would change' : 'What this import changed');
    const status = el('p', { class: 'status-line', role: 'status' }, 'Loading the changes…');
    const error = el('p', { class: 'error', role: 'alert' });
    container.replaceChildren(heading, status, error);
    container.hidden = false;
    let page;
    try {
      page = await api(`/api/imports/${encodeURIComponent(job.id)}/changes?limit=${FIRST_RECORDS}`);
    } catch (failure) {
      if (mine !== generation) return;
      status.textContent = '';
      showError(error, failure.message);
      return;
    }
    if (mine !== generation) return;
    if (page.items.length === 0) {
      status.textContent = 'No changes are recorded for this import: it changed no user, or its records have expired.';
      return;
    }
    status.textContent = '';
    const download = el('button', { type: 'button', class: 'secondary job-changes-download' }, 'Download all changes (CSV)');
    download.addEventListener('click', async () => {
      download.disabled = true;
      showError(error, '');
      try {
        await downloadFile(`/api/imports/${encodeURIComponent(job.id)}/changes.csv`, 'changes.csv');
      } catch (failure) {
        showError(error, failure.message);
      } finally {
        download.disabled = false;
      }
    });
    const shown = page.items.reduce((total, item) => total + item.changes.length, 0);
    const more = page.nextCursor || shown > FIRST_CHANGES;
    container.append(
      el('ul', { class: 'field-summary', 'aria-label': 'Users per changed field' }, (page.summary || []).map((line) => el('li', { 'data-field': line.field }, line.text))),
      changesTable(page.items, dryRun ? 'The first changes this import would make' : 'The first changes this import made'),
      el('p', { class: 'hint' }, more
        ? `The first ${formatNumber(Math.min(shown, FIRST_CHANGES))} changes. Download all of them as a spreadsheet (one line per changed field) to filter them in Excel.`
        : 'Every change is shown. The spreadsheet has one line per changed field, to filter in Excel.'),
      el('div', { class: 'actions' }, download),
    );
  }

  return { show, clear };
}
