// Groups & fields tab: the user groups and custom fields CSV rows may name. Admins create and
// delete them; support staff see the lists read-only.
import { api } from './api.js';
import { $, el, formatNumber, showError } from './dom.js';

export function setUpDirectory(session) {
  const groupsList = $('#groups-list');
  const groupsError = $('#groups-error');
  const groupForm = $('#group-form');
  const groupName = $('#group-name');
  const fieldsBody = $('#fields-table tbody');
  const fieldsError = $('#fields-error');
  const fieldForm = $('#field-form');

  const fieldsTable = $('#fields-table');
  // Says what the last deletion did; the page has no other place for it.
  const fieldsStatus = el('p', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
  fieldsError.before(fieldsStatus);

  function groupItem(group) {
    const item = el('li', { 'data-group-id': group.id }, el('span', { class: 'group-name' }, group.name));
    if (session.role !== 'admin') return item;
    const actions = el('span', { class: 'item-actions' });
    const remove = deleteButton(`Delete group ${group.name}`);
    remove.addEventListener('click', () =>
      confirmInline({
        label: `Delete ${group.name}?`,
        question: `Delete "${group.name}" and take it off every user?`,
        show: (ask) => actions.replaceChildren(ask),
        keep() {
          actions.replaceChildren(remove);
          remove.focus();
        },
        async run() {
          showError(groupsError, '');
          try {
            await api(`/api/groups/${encodeURIComponent(group.id)}`, { method: 'DELETE' });
            await loadGroups();
            groupName.focus();
          } catch (error) {
            showError(groupsError, error.message);
            actions.replaceChildren(remove);
          }
        },
      }),
    );
    actions.append(remove);
    item.append(actions);
    return item;
  }

  function fieldRow(field) {
    const row = el('tr', { 'data-field-key': field.key }, el('td', {}, el('code', {}, field.key)), el('td', {}, field.label));
    if (session.role !== 'admin') return row;
    const remove = deleteButton(`Delete custom field ${field.label}`);
    // The question is long: it gets a row of its own under the field, the width of the table.
    const askRow = el('tr', { class: 'confirm-row' });
    remove.addEventListener('click', () =>
      confirmInline({
        label: `Delete the custom field ${field.label}?`,
        // The page does not know how many users hold a value, so it promises no number.
        question: `Delete the custom field "${field.label}" (${field.key})? Its values are removed from all users and uploads can no longer have its column. This cannot be undone.`,
        show(ask) {
          remove.disabled = true;
          askRow.replaceChildren(el('td', { colspan: 3 }, ask));
          row.after(askRow);
        },
        keep() {
          askRow.remove();
          remove.disabled = false;
          remove.focus();
        },
        run: () => deleteField(field),
      }),
    );
    row.append(el('td', {}, el('span', { class: 'item-actions' }, remove)));
    return row;
  }

  async function deleteField(field) {
    showError(fieldsError, '');
    fieldsStatus.textContent = '';
    try {
      const { removedFromUsers } = await api(`/api/custom-fields/${encodeURIComponent(field.key)}`, { method: 'DELETE' });
      fieldsStatus.textContent = `Deleted the custom field "${field.label}": its value was removed from ${formatNumber(removedFromUsers)} user${removedFromUsers === 1 ? '' : 's'}.`;
    } catch (error) {
      showError(fieldsError, error.message);
    }
    // Refreshed either way: after a refusal the list shows what is really there.
    await loadFields();
    ($(`tr[data-field-key="${CSS.escape(field.key)}"] button`, fieldsBody) ?? $('#field-key')).focus();
  }

  const deleteButton = (label) => el('button', { type: 'button', class: 'secondary small', 'aria-label': label }, 'Delete');

  // Deleting cannot be undone: ask inline, without a modal dialog.
  function confirmInline({ label, question, show, keep, run }) {
    const ask = el('span', { class: 'confirm', role: 'group', 'aria-label': label }, `${question} `);
    const yes = el('button', { type: 'button', class: 'danger small' }, 'Yes, delete');
    const no = el('button', { type: 'button', class: 'secondary small' }, 'Keep');
    ask.append(yes, ' ', no);
    show(ask);
    no.focus();
    no.addEventListener('click', keep);
    yes.addEventListener('click', () => {
      yes.disabled = true;
      no.disabled = true;
      run();
    });
  }

  async function loadGroups() {
    try {
      const { items } = await api('/api/groups');
      groupsList.replaceChildren(...(items.length ? items.map(groupItem) : [el('li', { class: 'hint' }, 'No groups yet.')]));
    } catch (error) {
      showError(groupsError, error.message);
    }
  }

  async function loadFields() {
    try {
      const { items } = await api('/api/custom-fields');
      showActionsColumn(session.role === 'admin');
      fieldsBody.replaceChildren(
        ...(items.length
          ? items.map(fieldRow)
          : [el('tr', {}, el('td', { colspan: session.role === 'admin' ? 3 : 2, class: 'hint' }, 'No custom fields yet.'))]),
      );
    } catch (error) {
      showError(fieldsError, error.message);
    }
  }

  // Admins get a column of Delete buttons; its header is for screen readers only.
  function showActionsColumn(shown) {
    const headRow = $('thead tr', fieldsTable);
    const header = $('th.actions-column', headRow);
    if (shown && !header) headRow.append(el('th', { scope: 'col', class: 'actions-column' }, el('span', { class: 'visually-hidden' }, 'Actions')));
    if (!shown && header) header.remove();
  }

  async function submit(form, errorNode, run) {
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    showError(errorNode, '');
    try {
      await run();
      form.reset();
    } catch (error) {
      showError(errorNode, error.message);
    } finally {
      button.disabled = false;
    }
  }

  groupForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submit(groupForm, groupsError, async () => {
      await api('/api/groups', { method: 'POST', json: { name: groupName.value } });
      await loadGroups();
    }).then(() => groupName.focus());
  });

  fieldForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submit(fieldForm, fieldsError, async () => {
      await api('/api/custom-fields', { method: 'POST', json: { key: $('#field-key').value, label: $('#field-label').value } });
      await loadFields();
    }).then(() => $('#field-key').focus());
  });

  return {
    activate() {
      showError(groupsError, '');
      showError(fieldsError, '');
      fieldsStatus.textContent = '';
      return Promise.all([loadGroups(), loadFields()]);
    },
  };
}
