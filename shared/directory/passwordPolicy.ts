export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

/**
 * What is wrong with a new password, or undefined when it is acceptable. Never repeats the
 * password: messages end up in reports and logs.
 */
export function passwordProblem(password: string): string | undefined {
  if (password.length < PASSWORD_MIN) return `The password is too short: use at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `The password is too long: use at most ${PASSWORD_MAX} characters.`;
  if (password.trim() !== password) return 'The password starts or ends with a space: remove it (spreadsheets often add one by accident).';
  return undefined;
}
