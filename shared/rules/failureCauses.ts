/**
 * Why rows fail, as causes an admin can act on all at once: "2,993 rows: group "marketing" does
 * not exist: create it under Groups & fields, then Retry failed rows". Every row problem names
 * its cause next to the message the failed rows file shows for that row; an import's failures
 * are counted per cause, and this file words the counts.
 */

/** Each kind of row problem; a cause is its code, or `code:subject` when it is about one thing (a group, a column). */
export const FAILURE_CAUSE_CODES = [
  'missing_email',
  'invalid_email',
  'email_too_long',
  'username_too_long',
  'username_line_break',
  'username_invisible_character',
  'duplicate_username',
  'name_too_long',
  'unknown_group',
  'unknown_role',
  'password_too_short',
  'password_too_long',
  'password_spaces',
  'password_invisible_character',
  'external_id_too_long',
  'external_id_line_break',
  'external_id_taken',
  'external_id_repeated',
  'custom_value_too_long',
  'unreadable_characters',
  'control_character',
  'cell_over_lines',
  'extra_cells',
  'unclosed_quote',
  'row_too_long',
  'created_meanwhile',
  'changed_meanwhile',
  'external_id_taken_meanwhile',
  'write_refused',
  'not_a_failed_row',
  'failed_row_corrected_twice',
  'identity_changed',
] as const;

export type FailureCauseCode = (typeof FAILURE_CAUSE_CODES)[number];

/**
 * One reason a row fails: what the admin reads for that row, and the causes it is counted under
 * (one, or one per subject: a row naming two unknown groups counts for each group).
 */
export interface RowProblem {
  message: string;
  causes: string[];
}

export function rowProblem(code: FailureCauseCode, message: string, subjects?: readonly string[]): RowProblem {
  return { message, causes: subjects === undefined ? [code] : subjects.map((subject) => `${code}:${subject}`) };
}

/** The messages of a row's problems, as its failed rows line and its stored record carry them. */
export const messagesOf = (problems: readonly RowProblem[]): string[] => problems.map((problem) => problem.message);

/** The causes of a row's problems, each once. */
export const causesOf = (problems: readonly RowProblem[]): string[] => [...new Set(problems.flatMap((problem) => problem.causes))];

/** Rows recorded before causes were: counted, but only their own messages say why. */
export const UNCLASSIFIED_CAUSE = 'unclassified';

/** How many failed rows share one cause (a row with two problems counts under both). */
export interface FailureCauseCount {
  cause: string;
  rows: number;
}

/** A cause as the import's page shows it: `{rows} rows: {summary}: {action}`. */
export interface FailureCauseSummary extends FailureCauseCount {
  summary: string;
  action: string;
}

/** How many causes an import view lists; the rest are counted in one line. */
export const CAUSES_SHOWN = 8;

const RETRY = 'then Retry failed rows';
const CORRECT = 'correct them in the failed rows file, then Upload corrected rows';

type Wording = { summary: (subject: string) => string; action: (subject: string) => string };
const fixed = (summary: string, action: string): Wording => ({ summary: () => summary, action: () => action });

/** Every cause in the admin's words: what went wrong with these rows, and what to do about all of them. */
const WORDING: Record<FailureCauseCode, Wording> = {
  missing_email: fixed('the Email cell is empty', "add each user's address in the failed rows file, then Upload corrected rows"),
  invalid_email: fixed('the email is not a valid address', 'write each as name@example.com in the failed rows file, then Upload corrected rows'),
  email_too_long: fixed('the email is longer than 254 characters', `use shorter addresses: ${CORRECT}`),
  username_too_long: fixed('the username is longer than 100 characters', `shorten the usernames: ${CORRECT}`),
  username_line_break: fixed('the username contains a line break or tab', `type the usernames again on one line: ${CORRECT}`),
  username_invisible_character: fixed('the username contains an invisible character', `type the usernames again: ${CORRECT}`),
  duplicate_username: fixed(
    'the username is also in an earlier row of the file',
    'the earlier row was applied: keep one row per user, or give these rows their own usernames and Upload corrected rows',
  ),
  name_too_long: { summary: (field) => `the ${field.toLowerCase()} is longer than 100 characters`, action: () => `shorten the names: ${CORRECT}` },
  unknown_group: {
    summary: (group) => `group "${group}" does not exist`,
    action: () => `create it under Groups & fields (or fix the spelling: names must match exactly), ${RETRY}`,
  },
  unknown_role: { summary: (role) => `"${role}" is not a role`, action: () => `use only the roles the CSV format lists: ${CORRECT}` },
  password_too_short: fixed('the password is shorter than 8 characters', `use longer passwords, or leave the cells blank: ${CORRECT}`),
  password_too_long: fixed('the password is longer than 128 characters', `use shorter passwords: ${CORRECT}`),
  password_spaces: fixed('the password starts or ends with a space', `remove the spaces: ${CORRECT}`),
  password_invisible_character: fixed('the password contains a line break, tab or invisible character', `type the passwords again: ${CORRECT}`),
  external_id_too_long: fixed('the external ID is longer than 255 characters', `shorten the external IDs: ${CORRECT}`),
  external_id_line_break: fixed('the external ID contains a line break or tab', `type the external IDs again on one line: ${CORRECT}`),
  external_id_taken: fixed(
    'the external ID already belongs to another user',
    'give these users other external IDs (or take the IDs from the users who hold them first), then Upload corrected rows',
  ),
  external_id_repeated: fixed('the external ID is also given to an earlier row of the file', `give each user a different external ID: ${CORRECT}`),
  custom_value_too_long: { summary: (key) => `the ${key} value is longer than 2,000 characters`, action: () => `shorten the values: ${CORRECT}` },
  unreadable_characters: {
    summary: (column) => `the ${column} cell has characters that could not be read`,
    action: () => 'save the file as "CSV UTF-8" in Excel and upload these rows again',
  },
  control_character: { summary: (column) => `the ${column} cell contains a control character`, action: () => `delete it from the cells: ${CORRECT}` },
  cell_over_lines: {
    summary: (column) => `the ${column} cell runs over several lines (a quote left open)`,
    action: () => 'close the quote in these rows and upload them again',
  },
  extra_cells: fixed('the row has more cells than the header has columns', `remove the extra cells: ${CORRECT}`),
  unclosed_quote: fixed('a quote (") in the row is never closed', 'close the quote (or delete it) and upload these rows again'),
  row_too_long: fixed('the row is longer than 1 MiB', 'check that the file is a user table saved as CSV'),
  created_meanwhile: fixed('the user was created by someone else while the import ran', `nothing to fix: ${RETRY} to update those users`),
  changed_meanwhile: fixed('the user kept being changed by someone else (another import, an undo) while the import wrote it', `nothing to fix: ${RETRY} once the other work has ended`),
  external_id_taken_meanwhile: fixed('another user took the external ID while the import ran', `give these users other external IDs: ${CORRECT}`),
  write_refused: fixed('the database refused the write', `${RETRY}; if they fail again, contact support`),
  not_a_failed_row: fixed(
    'the row is not one of the failed rows of the import it corrects',
    'only failed rows can be corrected here: an admin can upload other rows as a new import',
  ),
  failed_row_corrected_twice: fixed('the failed row is already corrected by an earlier row of this file', 'keep one corrected row per failed row'),
  identity_changed: fixed(
    'the row names another user than the failed row it corrects',
    'keep the username (or the email, where the username is blank) of the failed row; an admin can upload other users as a new import',
  ),
};

const UNCLASSIFIED: Wording = fixed('see each row in the failed rows file', 'download the failed rows to read why each failed');

function wordingOf(cause: string): { wording: Wording; subject: string } {
  const separator = cause.indexOf(':');
  const code = separator < 0 ? cause : cause.slice(0, separator);
  const subject = separator < 0 ? '' : cause.slice(separator + 1);
  const wording = (WORDING as Record<string, Wording | undefined>)[code];
  return wording ? { wording, subject } : { wording: UNCLASSIFIED, subject };
}

/** The causes an import's failed rows were counted under, most rows first, in the admin's words. */
export function summariseFailureCauses(counts: readonly FailureCauseCount[]): FailureCauseSummary[] {
  return [...counts]
    .sort((a, b) => b.rows - a.rows || a.cause.localeCompare(b.cause))
    .map(({ cause, rows }) => {
      const { wording, subject } = wordingOf(cause);
      return { cause, rows, summary: wording.summary(subject), action: wording.action(subject) };
    });
}
