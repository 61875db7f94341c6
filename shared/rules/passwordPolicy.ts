import { CONTROL_CHARACTERS } from './characters';
import { rowProblem, type RowProblem } from './failureCauses';

/** The password policy of the directory, for imports and for the invitation page. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

/**
 * What is wrong with a new password, or undefined when it is acceptable. Never repeats the
 * password: messages end up in reports and logs. Lengths count UTF-16 units, as the invitation
 * page's `minlength`/`maxlength` do, so the page and the server never disagree.
 */
export function passwordProblem(password: string): string | undefined {
  return passwordRowProblem(password)?.message;
}

/** The same, as a row's problem with its cause. */
export function passwordRowProblem(password: string): RowProblem | undefined {
  if (password.length < PASSWORD_MIN) return rowProblem('password_too_short', `The password is too short: use at least ${PASSWORD_MIN} characters.`);
  if (password.length > PASSWORD_MAX) return rowProblem('password_too_long', `The password is too long: use at most ${PASSWORD_MAX} characters.`);
  // Not trimmed silently: the user would then sign in with something other than what the admin
  // wrote down for them. Refusing says so.
  if (password.trim() !== password) return rowProblem('password_spaces', 'The password starts or ends with a space: remove it (spreadsheets often add one by accident).');
  if (CONTROL_CHARACTERS.test(password)) {
    return rowProblem('password_invisible_character', 'The password contains a line break, tab or other invisible character: type it again without one.');
  }
  return undefined;
}
