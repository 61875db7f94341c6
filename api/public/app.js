// The admin page's entry point: sign-in, role-aware layout and the three tabs.
import { api, onUnauthorised, rememberKey, storedKey } from './js/api.js';
import { setUpDirectory } from './js/directory.js';
import { $, $$, focusHeading } from './js/dom.js';
import { setUpImports } from './js/imports.js';
import { setUpResend } from './js/invitations.js';
import { identify, setUpSignIn } from './js/session.js';
import { setUpExport, setUpWizard } from './js/wizard.js';

const NOTICE_STORAGE = 'userImport.notice';
const session = { role: null };
let tabs = null;

function applyRole(role) {
  session.role = role;
  document.body.dataset.role = role;
  for (const node of $$('[data-admin-only]')) node.hidden = role !== 'admin';
  for (const node of $$('[data-support-only]')) node.hidden = role !== 'support';
  $('#role-badge').textContent = `Signed in with the ${role} role`;
  $('#session-bar').hidden = false;
}

function setUpTabs(handlers) {
  const list = $$('[role="tab"]');
  function select(tab, { focus = false } = {}) {
    for (const other of list) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      const panel = document.getElementById(other.getAttribute('aria-controls'));
      if (panel.hidden === selected) {
        panel.hidden = !selected;
        const handler = handlers[other.id];
        if (handler) (selected ? handler.activate : handler.deactivate)?.();
      }
    }
    if (focus) tab.focus();
  }
  for (const tab of list) {
    tab.addEventListener('click', () => select(tab));
    // Arrow keys move between tabs (WAI-ARIA tabs pattern); Enter/Space/click select.
    tab.addEventListener('keydown', (event) => {
      const index = list.indexOf(tab);
      const target = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: list.length - 1 }[event.key];
      if (target === undefined) return;
      event.preventDefault();
      select(list[(target + list.length) % list.length], { focus: true });
    });
  }
  return { select, byId: (id) => document.getElementById(id) };
}

/**
 * With an admin key, the page takes a board session, so its "Queues (Bull Board)" link opens the
 * board without a password prompt; signing out ends it. Best effort: the board also takes the key.
 */
function openBoardSession(role) {
  if (role === 'admin') api('/api/queue-board/session', { method: 'POST' }).catch(() => undefined);
}

async function signOut(notice) {
  // With the key named: a refusal (a revoked key) must not call the sign-out listeners again.
  const key = storedKey();
  if (session.role === 'admin' && key) await api('/api/queue-board/session', { method: 'DELETE', key }).catch(() => undefined);
  rememberKey(null);
  if (notice) sessionStorage.setItem(NOTICE_STORAGE, notice);
  // A fresh page drops every poll, list and half-filled form of the previous key.
  location.reload();
}

function start() {
  let imports = null;
  let directory = null;
  let started = false;

  function enterWorkspace(role) {
    applyRole(role);
    openBoardSession(role);
    if (!started) {
      started = true;
      setUpExport();
      setUpWizard();
      setUpResend();
      imports = setUpImports();
      directory = setUpDirectory(session);
      tabs = setUpTabs({ 'tab-imports': imports, 'tab-directory': directory });
    }
    $('#workspace').hidden = false;
    // Support staff cannot upload: their work starts in the Imports tab.
    tabs.select(tabs.byId(role === 'admin' ? 'tab-users' : 'tab-imports'));
    focusHeading($('[role="tabpanel"]:not([hidden]) h2'));
  }

  const signIn = setUpSignIn({ onSignedIn: enterWorkspace });
  $('#sign-out').addEventListener('click', () => signOut());
  onUnauthorised((error) => signOut(`You were signed out: ${error.message}`));

  const notice = sessionStorage.getItem(NOTICE_STORAGE);
  sessionStorage.removeItem(NOTICE_STORAGE);
  const key = storedKey();
  if (!key) return signIn.showForm(notice || '');
  identify(key)
    .then(enterWorkspace)
    .catch((error) => {
      rememberKey(null);
      signIn.showForm(error.status === 401 ? `You were signed out: ${error.message}` : error.message);
    });
}

start();
