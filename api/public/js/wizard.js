// Users › Upload CSV: the Export users buttons (CSV and Excel) and the article's upload steps as a wizard:
// 1 select the CSV file → 2 upload settings → 3 live progress and confirmation.
import { downloadFile, uploadFile } from './api.js';
import { $, $$, focusHeading, showError } from './dom.js';
import { createJobPanel } from './progress.js';

export function setUpExport() {
  downloadOnClick($('#export-users'), '/api/users/export.csv', 'users.csv', 'Preparing the export…');
  downloadOnClick($('#export-users-workbook'), '/api/users/export.xlsx', 'users.xlsx', 'Preparing the Excel export…');
}

// Both export buttons report on the one status line under them.
function downloadOnClick(button, url, fallbackName, preparing) {
  const status = $('#export-status');
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.classList.remove('error');
    status.textContent = preparing;
    try {
      const name = await downloadFile(url, fallbackName);
      status.textContent = `Exported ${name}.`;
    } catch (error) {
      status.classList.add('error');
      status.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  });
}

export function setUpWizard() {
  const fileForm = $('#step-file');
  const settingsForm = $('#step-settings');
  const progressStep = $('#step-progress');
  const input = $('#csv-file');
  const dropZone = $('#drop-zone');
  const chosen = $('#file-chosen');
  const fileError = $('#file-error');
  const uploadStatus = $('#upload-status');
  const uploadButton = $('#start-upload');
  const jobPanel = createJobPanel($('#wizard-job'), { level: 5 });
  let file = null;

  function goTo(step, { focus = true } = {}) {
    for (const section of [fileForm, settingsForm, progressStep]) section.hidden = section.dataset.step !== String(step);
    for (const marker of $$('[data-step-marker]')) {
      const number = Number(marker.dataset.stepMarker);
      if (number === step) marker.setAttribute('aria-current', 'step');
      else marker.removeAttribute('aria-current');
      marker.classList.toggle('done', number < step);
    }
    if (focus) focusHeading($(`[data-step="${step}"] h4`));
  }

  // The message sits next to the picker; the zone's border and the input's state say it too.
  function fileProblem(message) {
    showError(fileError, message);
    dropZone.classList.toggle('refused', Boolean(message));
    input.setAttribute('aria-invalid', message ? 'true' : 'false');
  }

  function choose(next) {
    file = next || null;
    fileProblem('');
    chosen.textContent = file ? `Selected: ${file.name} (${formatSize(file.size)})` : '';
    dropZone.classList.toggle('has-file', Boolean(file));
  }

  input.addEventListener('change', () => choose(input.files[0]));

  // Drag and drop onto the zone, as an alternative to the file picker.
  for (const type of ['dragenter', 'dragover']) {
    dropZone.addEventListener(type, (event) => {
      event.preventDefault();
      dropZone.classList.add('dragging');
    });
  }
  for (const type of ['dragleave', 'drop']) dropZone.addEventListener(type, () => dropZone.classList.remove('dragging'));
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    const files = event.dataTransfer && event.dataTransfer.files;
    if (!files || files.length === 0) return;
    if (files.length > 1) return fileProblem('Drop one file at a time.');
    try {
      input.files = files;
    } catch {
      /* some browsers do not allow it; the chosen file is kept below anyway */
    }
    choose(files[0]);
  });

  fileForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!file) {
      fileProblem('Choose the .csv or .xlsx file to upload first.');
      input.focus();
      return;
    }
    if (file.size === 0) {
      fileProblem('The file is empty. Export your users first, edit that file and upload it.');
      return;
    }
    $('#settings-file-name').textContent = file.name;
    uploadStatus.textContent = '';
    goTo(2);
  });

  $('#back-to-file').addEventListener('click', () => goTo(1));

  settingsForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!file) return goTo(1);
    const form = new FormData(settingsForm);
    const fields = {
      sendInvitations: $('#send-invitations').checked,
      groupsMode: form.get('groupsMode') || 'add',
      rolesMode: form.get('rolesMode') || 'add',
      dryRun: $('#dry-run').checked,
    };
    uploadButton.disabled = true;
    uploadStatus.textContent = 'Uploading…';
    try {
      const job = await uploadFile('/api/imports', file, fields, (share) => {
        uploadStatus.textContent = `Uploading… ${Math.floor(share * 100)} %`;
      });
      uploadStatus.textContent = '';
      goTo(3);
      jobPanel.show(job);
    } catch (error) {
      uploadStatus.textContent = '';
      if (error.status === 401) return;
      // A refusal is about the file (or a setting): say so next to the file picker.
      goTo(1, { focus: false });
      fileProblem(error.message);
      input.focus();
    } finally {
      uploadButton.disabled = false;
    }
  });

  $('#upload-another').addEventListener('click', () => {
    jobPanel.stop();
    input.value = '';
    choose(null);
    goTo(1);
  });

  return { stop: () => jobPanel.stop() };
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
