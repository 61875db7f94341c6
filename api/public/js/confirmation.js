// A confirmation under a job panel's buttons, for actions that change many users at once (undo,
// re-run): a heading that names the action, what will happen, Yes and No, and the server's
// refusal in place if the action is refused.
import { el, focusHeading, showError } from './dom.js';

/**
 * Creates the box below the row of buttons `button` sits in. `open(title, nodes)` shows it,
 * `problem(message)` shows a refusal (hiding Yes), `close()` hides it. Yes calls `onYes()`; what it
 * throws is shown in the box, and when it resolves the box closes. `danger`: Yes is red (it removes users).
 */
export function createConfirmation(button, { label, yesLabel, noLabel, className, level, danger = false, onYes }) {
  const title = el('h5', { 'aria-level': String(level + 1), class: 'confirm-title', tabindex: '-1' });
  const body = el('div', { class: 'confirm-text' });
  const error = el('p', { class: 'error', role: 'alert' });
  const yes = el('button', { type: 'button', class: `${className}-yes${danger ? ' danger' : ''}` }, yesLabel);
  const no = el('button', { type: 'button', class: `${className}-no secondary` }, noLabel);
  const box = el('div', { class: `${className}-confirm confirm-box`, role: 'group', 'aria-label': label }, title, body, error, el('div', { class: 'actions' }, yes, no));
  box.hidden = true;
  (button.closest('.actions') || button).after(box);
  button.setAttribute('aria-expanded', 'false');

  function close() {
    box.hidden = true;
    button.setAttribute('aria-expanded', 'false');
  }

  function show() {
    box.hidden = false;
    button.setAttribute('aria-expanded', 'true');
  }

  no.addEventListener('click', () => {
    close();
    button.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    showError(error, '');
    try {
      await onYes();
      close();
    } catch (failure) {
      showError(error, failure.message);
    } finally {
      yes.disabled = false;
    }
  });

  return {
    open(titleText, nodes) {
      showError(error, '');
      yes.hidden = false;
      title.textContent = titleText;
      body.replaceChildren(...nodes);
      show();
      focusHeading(title);
    },
    problem(message) {
      yes.hidden = true;
      title.textContent = '';
      body.replaceChildren();
      show();
      showError(error, message);
    },
    close,
  };
}
