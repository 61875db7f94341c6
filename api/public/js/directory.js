// Groups & fields tab: the user groups and custom fields CSV rows may name. Admins create and
// delete them; support staff see the lists read-only.
import { api } from './api.js';
import { $, el, showError } from './dom.js';

export function setUpDirectory(session) {
  const groupsList = $('#groups-list');
  const groupsError = $('#groups-error');
  const groupForm = $('#group-form');
  const groupName = $('#group-name');
  const fieldsBody = $('#fields-table tbody');
  const fieldsError = $('#fields-error');
  const fieldForm = $('#field-form');

  function groupItem(group) {
    const item = el('li', { 'data-group-id': group.id }, el('span', { class: 'group-name' }, group.name));
    if (session.role !== 'admin') return item;
    const actions = el('span', { class: 'item-actions' });
    const remove = el('button', { type: 'button', class: 'secondary small', 'aria-label': `Delete group ${group.name}` }, 'Delete');
    remove.addEventListener('click', () => confirmDelete(group, actions, remove));
    actions.append(remove);
    item.append(actions);
    return item;
  }

  // Deleting takes the group off every user: ask inline, without a modal dialog.
  function confirmDelete(group, actions, remove) {
    const question = el('span', { class: 'confirm', role: 'group', 'aria-label': `Delete ${group.name}?` }, `Delete "${group.name}" and take it off every user? `);
    const yes = el('button', { type: 'button', class: 'danger small' }, 'Yes, delete');
    const no = el('button', { type: 'button', class: 'secondary small' }, 'Keep');
    question.append(yes, ' ', no);
    actions.replaceChildren(question);
    no.focus();
    no.addEventListener('click', () => {
      actions.replaceChildren(remove);
      remove.focus();
    });
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      showError(groupsError, '');
      try {
        await api(`/api/groups/${encodeURIComponent(group.id)}`, { method: 'DELETE' });
        await loadGroups();
        groupName.focus();
      } catch (error) {
        showError(groupsError, error.message);
        actions.replaceChildren(remove);
      }
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
      fieldsBody.replaceChildren(
        ...(items.length
          ? items.map((field) => el('tr', {}, el('td', {}, el('code', {}, field.key)), el('td', {}, field.label)))
          : [el('tr', {}, el('td', { colspan: 2, class: 'hint' }, 'No custom fields yet.'))]),
      );
    } catch (error) {
      showError(fieldsError, error.message);
    }
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
      return Promise.all([loadGroups(), loadFields()]);
    },
  };
}
